#pragma once

namespace outbound::bench {

/// Registers the Phase/ benchmarks: each step of outbound::jwt's verification timed alone on
/// the fixture tokens (decoding, header parsing, header policy and key selection, signature,
/// payload parsing, claims), to show where a verification spends its time.
void register_phases();

}  // namespace outbound::bench
