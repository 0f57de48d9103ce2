#pragma once

namespace outbound::bench {

/// Registers the Candidate/ benchmarks, which time other ways to do one step of outbound::jwt's
/// verification on the fixture tokens: reused OpenSSL contexts, a JSON duplicate check without a
/// set of names, and JSON parsing without a DOM. Each compares with a Phase/ benchmark.
void register_candidates();

}  // namespace outbound::bench
