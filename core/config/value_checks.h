#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.h"
#include "config/json_document.h"
#include "config/secret_reference.h"

namespace outbound::config {

/// The key that adds a comment to any object outside `settings`; its string value is ignored.
inline constexpr std::string_view kCommentKey = "_comment";

/// Returns whether `value` is an object, and records a type error at `pointer` otherwise;
/// `example` shows the expected form ("{\"level\": \"info\"}").
bool expect_object(const Json& value, std::string_view pointer, std::string_view example,
                   Diagnostics& diagnostics);

/// Records an error for every key of `object` that is neither in `allowed` nor `_comment`,
/// with the near miss when there is one, and for every `_comment` that is not a string.
void check_keys(const Json& object, std::string_view pointer,
                const std::vector<std::string>& allowed, Diagnostics& diagnostics);

/// Records an error for each problem of an expanded string, at the pointer of that string.
void report_reference_problems(const ExpandedString& expanded, std::string_view pointer,
                               Diagnostics& diagnostics);

/// Returns the string at `pointer` with its references expanded. Records an error and returns
/// nullopt when the value is not a string or a reference does not resolve.
std::optional<std::string> read_string(const Json& value, std::string_view pointer,
                                       const ReferenceResolver& resolver, Diagnostics& diagnostics);

/// Like read_string, and the result must be one of `choices`.
std::optional<std::string> read_choice(const Json& value, std::string_view pointer,
                                       const std::vector<std::string>& choices,
                                       const ReferenceResolver& resolver, Diagnostics& diagnostics);

/// Returns `words` as `"a", "b", "c"`.
std::string quoted_list(const std::vector<std::string>& words);

}  // namespace outbound::config
