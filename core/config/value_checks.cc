#include "config/value_checks.h"

#include <algorithm>

#include "outbound/near_miss.h"

namespace outbound::config {
namespace {

std::string in_quotes(std::string_view text) { return "\"" + printable(text) + "\""; }

}  // namespace

bool expect_object(const Json& value, std::string_view pointer, std::string_view example,
                   Diagnostics& diagnostics) {
  if (value.is_object()) return true;
  diagnostics.error(pointer, "expected an object, got " + describe_value(value),
                    "write an object, as in " + std::string(example));
  return false;
}

void check_keys(const Json& object, std::string_view pointer,
                const std::vector<std::string>& allowed, Diagnostics& diagnostics) {
  std::vector<std::string> candidates = allowed;
  candidates.emplace_back(kCommentKey);
  for (const auto& [key, value] : object.items()) {
    const std::string key_pointer = append_pointer(pointer, key);
    if (key == kCommentKey) {
      if (!value.is_string()) {
        diagnostics.error(key_pointer, "expected a string, got " + describe_value(value),
                          "write the comment as a string");
      }
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;

    const std::optional<std::string> near_miss = suggest_near_miss(key, candidates);
    if (near_miss) {
      diagnostics.error(key_pointer, "unknown key " + in_quotes(key),
                        "did you mean " + in_quotes(*near_miss) + "?");
    } else {
      diagnostics.error(key_pointer, "unknown key " + in_quotes(key),
                        "remove it; the keys allowed here are " + quoted_list(candidates));
    }
  }
}

void report_reference_problems(const ExpandedString& expanded, std::string_view pointer,
                               Diagnostics& diagnostics) {
  for (const auto& problem : expanded.problems) {
    diagnostics.error(pointer, problem.problem, problem.fix);
  }
}

std::optional<std::string> read_string(const Json& value, std::string_view pointer,
                                       const ReferenceResolver& resolver,
                                       Diagnostics& diagnostics) {
  if (!value.is_string()) {
    diagnostics.error(pointer, "expected a string, got " + describe_value(value),
                      "write the value in double quotes");
    return std::nullopt;
  }
  ExpandedString expanded = resolver.expand(value.get_ref<const std::string&>());
  if (!expanded.problems.empty()) {
    report_reference_problems(expanded, pointer, diagnostics);
    return std::nullopt;
  }
  return std::move(expanded.value);
}

std::optional<std::string> read_choice(const Json& value, std::string_view pointer,
                                       const std::vector<std::string>& choices,
                                       const ReferenceResolver& resolver,
                                       Diagnostics& diagnostics) {
  std::optional<std::string> text = read_string(value, pointer, resolver, diagnostics);
  if (!text) return std::nullopt;
  if (std::find(choices.begin(), choices.end(), *text) != choices.end()) return text;

  std::string fix = "use one of " + quoted_list(choices);
  if (const auto near_miss = suggest_near_miss(*text, choices)) {
    fix = "did you mean " + in_quotes(*near_miss) + "? The values allowed are " +
          quoted_list(choices);
  }
  diagnostics.error(pointer, "invalid value " + in_quotes(*text), fix);
  return std::nullopt;
}

std::string quoted_list(const std::vector<std::string>& words) {
  std::string list;
  for (const auto& word : words) {
    if (!list.empty()) list += ", ";
    list += in_quotes(word);
  }
  return list;
}

}  // namespace outbound::config
