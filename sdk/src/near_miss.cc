#include "outbound/near_miss.h"

#include <algorithm>
#include <cctype>

namespace outbound {
namespace {

constexpr std::size_t kMaxSuggestionDistance = 2;
/// Duration keys end in a unit suffix, and it is the part people most often leave out.
constexpr std::string_view kUnitSuffixes[] = {"_ms", "_s"};

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto left = static_cast<unsigned char>(a[i]);
    const auto right = static_cast<unsigned char>(b[i]);
    if (std::tolower(left) != std::tolower(right)) return false;
  }
  return true;
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rows of the dynamic programming table: two back for swaps, one back, and current.
  std::vector<std::size_t> before_previous(b.size() + 1);
  std::vector<std::size_t> previous(b.size() + 1);
  std::vector<std::size_t> current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;

  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before_previous[j - 2] + 1);
      }
    }
    before_previous.swap(previous);
    previous.swap(current);
  }
  return previous[b.size()];
}

std::optional<std::string> suggest_near_miss(std::string_view word,
                                             const std::vector<std::string>& candidates) {
  for (const auto& candidate : candidates) {
    if (equals_ignoring_case(word, candidate)) return candidate;
  }
  for (std::string_view suffix : kUnitSuffixes) {
    const std::string with_unit = std::string(word) + std::string(suffix);
    for (const auto& candidate : candidates) {
      if (equals_ignoring_case(with_unit, candidate)) return candidate;
    }
  }

  std::optional<std::string> best;
  std::size_t best_distance = kMaxSuggestionDistance + 1;
  for (const auto& candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace outbound
