#pragma once

namespace outbound::bench {

/// Registers the Candidate/ benchmarks, which time other ways to do one step of outbound::jwt's
/// verification on the fixture tokens, each to compare with a Phase/ benchmark. They cover the
/// way the engine did a step before (a document tree for the JSON, an OpenSSL context set up
/// per call), nlohmann::json's SAX parser without a document tree, and other uses of OpenSSL
/// contexts.
void register_candidates();

}  // namespace outbound::bench
