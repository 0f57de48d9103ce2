#pragma once

namespace outbound::bench {

/// Registers the Phase/ benchmarks: each step of outbound::jwt's verification timed alone on
/// the fixture tokens (decoding, header parsing, signature, payload parsing, claims), and the
/// OpenSSL calls inside the signature step, to show where a verification spends its time.
void register_phases();

}  // namespace outbound::bench
