#pragma once

#include <cstdint>

namespace outbound::bench {

/// Returns how many heap allocations the calling thread has made since it started: every call
/// of a global operator new or operator new[], in any form, since the benchmark binary
/// replaces them all. Allocations made directly with malloc are not counted.
std::uint64_t thread_allocations();

}  // namespace outbound::bench
