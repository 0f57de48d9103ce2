#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace outbound::config {

/// Referenced files larger than this are rejected: a credential file holds a key, a token or a
/// certificate chain, and anything bigger is more likely a wrong path.
inline constexpr std::uintmax_t kMaxReferencedFileSize = 1024 * 1024;

/// One problem found while expanding a string, without the file or the JSON pointer, which the
/// caller adds. It names a variable or a path, never a value.
struct ReferenceProblem {
  std::string problem;
  std::string fix;
};

/// ExpandedString is a string value after its references were replaced. The value may be a
/// credential, so the destructor wipes it; move it out (into a Secret) to keep it.
struct ExpandedString {
  ExpandedString() = default;
  ExpandedString(ExpandedString&&) = default;
  ExpandedString& operator=(ExpandedString&&) = default;
  ExpandedString(const ExpandedString&) = delete;
  ExpandedString& operator=(const ExpandedString&) = delete;
  ~ExpandedString();

  std::string value;
  /// Whether the text contained at least one `${scheme:name}` reference.
  bool has_reference = false;
  /// Empty when every reference resolved; `value` is meaningless otherwise.
  std::vector<ReferenceProblem> problems;
};

/// ReferenceResolver expands the references a string value may contain:
///
/// - `${env:NAME}` becomes the value of the environment variable NAME;
/// - `${file:PATH}` becomes the content of the regular file PATH, minus one trailing "\n" or
///   "\r\n"; a relative PATH starts at `base_directory`;
/// - `$${` becomes a literal `${`.
///
/// Text around references is kept ("Bearer ${env:TOKEN}"). The text is scanned left to right,
/// and a reference ends at the first "}", so names and paths cannot contain "}".
class ReferenceResolver {
 public:
  ReferenceResolver(Environment environment, std::filesystem::path base_directory);

  /// Returns `text` with every reference replaced, or the problems that stopped it.
  ExpandedString expand(std::string_view text) const;

 private:
  /// Resolves the body of one reference, the text between "${" and "}", and appends its value
  /// to `pieces` or a problem to `problems`.
  void resolve(std::string_view body, std::size_t offset, std::vector<std::string>& pieces,
               std::vector<ReferenceProblem>& problems) const;
  void resolve_environment(std::string_view name, std::vector<std::string>& pieces,
                           std::vector<ReferenceProblem>& problems) const;
  void resolve_file(std::string_view path, std::vector<std::string>& pieces,
                    std::vector<ReferenceProblem>& problems) const;

  Environment environment_;
  std::filesystem::path base_directory_;
};

}  // namespace outbound::config
