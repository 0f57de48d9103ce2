#pragma once

namespace outbound::bench {

/// Registers the Layer/ benchmarks: each step that Pipeline::run takes on a successful call,
/// timed alone with the default policy, so that the pipeline's overhead can be split by layer.
void register_layers();

}  // namespace outbound::bench
