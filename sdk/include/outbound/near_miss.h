#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outbound/export.h"

namespace outbound {

/// Returns the optimal string alignment distance between `a` and `b`: the number of inserted,
/// deleted or replaced characters, or swapped neighbours, that turn one into the other.
OUTBOUND_SDK_API std::size_t edit_distance(std::string_view a, std::string_view b);

/// Returns the candidate that `word` most likely misspells, for "did you mean" hints in
/// configuration errors. A candidate that differs only in letter case wins, then one that only
/// adds a unit suffix, "_ms" or "_s" ("connect" for "connect_ms"), then the one at the smallest
/// edit distance of at most 2 (the first on a tie). Returns nullopt when no candidate is that
/// close.
OUTBOUND_SDK_API std::optional<std::string> suggest_near_miss(
    std::string_view word, const std::vector<std::string>& candidates);

}  // namespace outbound
