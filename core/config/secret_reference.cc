#include "config/secret_reference.h"

#include <cctype>
#include <cerrno>
#include <fstream>
#include <system_error>
#include <utility>

#include "outbound/secret.h"

namespace outbound::config {
namespace {

constexpr std::string_view kOpen = "${";
constexpr std::string_view kEscapedOpen = "$${";
constexpr std::string_view kSchemeFix =
    "write ${env:NAME} or ${file:PATH}, or \"$${\" for a literal \"${\"";

/// A piece of the expanded string: literal text of the value, or a resolved reference, which is
/// kept apart so that it can be wiped.
struct Part {
  std::string_view literal;
  std::size_t piece = std::string::npos;
};

/// Returns whether a scheme may be quoted in a message. Text that does not look like a scheme name
/// may be part of a literal credential that happens to contain "${".
bool is_quotable_scheme(std::string_view scheme) {
  if (scheme.empty() || scheme.size() > 16) return false;
  for (const char c : scheme) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_' && c != '-') return false;
  }
  return true;
}

/// Removes one trailing "\n" or "\r\n", the line end editors and `echo` add to a file.
void trim_one_line_end(std::string& content) {
  if (content.size() >= 2 && content.compare(content.size() - 2, 2, "\r\n") == 0) {
    content.resize(content.size() - 2);
  } else if (!content.empty() && content.back() == '\n') {
    content.pop_back();
  }
}

std::string in_quotes(std::string_view text) {
  std::string result = "\"";
  result += text;
  result += '"';
  return result;
}

}  // namespace

ExpandedString::~ExpandedString() { secure_wipe(value); }

ReferenceResolver::ReferenceResolver(Environment environment, std::filesystem::path base_directory)
    : environment_(std::move(environment)), base_directory_(std::move(base_directory)) {}

ExpandedString ReferenceResolver::expand(std::string_view text) const {
  ExpandedString result;
  std::vector<Part> parts;
  std::vector<std::string> pieces;
  // Moving a short string copies its bytes and leaves them in the old slot, so the vector
  // must never reallocate: there is at most one piece per "${".
  std::size_t openings = 0;
  for (auto at = text.find(kOpen); at != std::string_view::npos; at = text.find(kOpen, at + 1)) {
    ++openings;
  }
  pieces.reserve(openings);

  std::size_t literal_start = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const bool escaped = text.compare(i, kEscapedOpen.size(), kEscapedOpen) == 0;
    const bool reference = !escaped && text.compare(i, kOpen.size(), kOpen) == 0;
    if (!escaped && !reference) {
      ++i;
      continue;
    }
    parts.push_back({text.substr(literal_start, i - literal_start)});
    if (escaped) {
      parts.push_back({text.substr(i + 1, kOpen.size())});
      i += kEscapedOpen.size();
      literal_start = i;
      continue;
    }

    result.has_reference = true;
    const std::size_t close = text.find('}', i + kOpen.size());
    if (close == std::string_view::npos) {
      result.problems.push_back({"unterminated reference: the \"${\" at character " +
                                     std::to_string(i + 1) + " has no closing \"}\"",
                                 "close it with \"}\", or write \"$${\" for a literal \"${\""});
      literal_start = text.size();
      break;
    }
    const std::size_t piece_count = pieces.size();
    resolve(text.substr(i + kOpen.size(), close - i - kOpen.size()), i, pieces, result.problems);
    if (pieces.size() > piece_count) parts.push_back({{}, piece_count});
    i = close + 1;
    literal_start = i;
  }
  parts.push_back({text.substr(literal_start)});

  if (result.problems.empty()) {
    // Reserve the exact size first, so that growing the string leaves no stray copy of a
    // secret behind in a freed buffer.
    std::size_t size = 0;
    for (const auto& part : parts) {
      size += part.piece == std::string::npos ? part.literal.size() : pieces[part.piece].size();
    }
    result.value.reserve(size);
    for (const auto& part : parts) {
      if (part.piece == std::string::npos) {
        result.value += part.literal;
      } else {
        result.value += pieces[part.piece];
      }
    }
  }
  for (auto& piece : pieces) secure_wipe(piece);
  return result;
}

void ReferenceResolver::resolve(std::string_view body, std::size_t offset,
                                std::vector<std::string>& pieces,
                                std::vector<ReferenceProblem>& problems) const {
  const std::size_t colon = body.find(':');
  if (colon == std::string_view::npos) {
    problems.push_back(
        {"the reference at character " + std::to_string(offset + 1) + " has no scheme",
         std::string(kSchemeFix)});
    return;
  }
  const std::string_view scheme = body.substr(0, colon);
  const std::string_view name = body.substr(colon + 1);
  if (scheme == "env") {
    resolve_environment(name, pieces, problems);
  } else if (scheme == "file") {
    resolve_file(name, pieces, problems);
  } else if (is_quotable_scheme(scheme)) {
    problems.push_back({"unknown reference scheme " + in_quotes(scheme),
                        "use ${env:NAME} or ${file:PATH}; env and file are the only schemes"});
  } else {
    problems.push_back(
        {"the reference at character " + std::to_string(offset + 1) + " has an unknown scheme",
         std::string(kSchemeFix)});
  }
}

void ReferenceResolver::resolve_environment(std::string_view name, std::vector<std::string>& pieces,
                                            std::vector<ReferenceProblem>& problems) const {
  if (name.empty()) {
    problems.push_back(
        {"empty variable name in \"${env:}\"", "name the variable, as in ${env:STRIPE_API_KEY}"});
    return;
  }
  std::optional<std::string> value = environment_(std::string(name));
  if (!value) {
    problems.push_back({"environment variable " + in_quotes(name) + " is not set",
                        "set it in the environment of the process, or change the reference"});
    return;
  }
  pieces.push_back(std::move(*value));
  secure_wipe(*value);
}

void ReferenceResolver::resolve_file(std::string_view path_text, std::vector<std::string>& pieces,
                                     std::vector<ReferenceProblem>& problems) const {
  if (path_text.empty()) {
    problems.push_back(
        {"empty path in \"${file:}\"", "name the file, as in ${file:secrets/stripe_api_key}"});
    return;
  }
  std::filesystem::path path(path_text);
  if (path.is_relative()) path = base_directory_ / path;
  path = path.lexically_normal();
  const std::string quoted_path = in_quotes(path.string());

  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (status.type() == std::filesystem::file_type::not_found) {
    problems.push_back({"referenced file " + quoted_path + " not found",
                        "create it or correct the path; a relative path starts at " +
                            in_quotes(base_directory_.string())});
    return;
  }
  if (error) {
    problems.push_back({"referenced file " + quoted_path + " cannot be read: " + error.message(),
                        "check the path and the permissions of its folders"});
    return;
  }
  if (status.type() != std::filesystem::file_type::regular) {
    problems.push_back({"referenced file " + quoted_path + " is not a regular file",
                        "point the reference at a regular file that holds only the secret"});
    return;
  }
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (!error && size > kMaxReferencedFileSize) {
    problems.push_back({"referenced file " + quoted_path + " is " + std::to_string(size) +
                            " bytes, over the limit of " + std::to_string(kMaxReferencedFileSize) +
                            " bytes (1 MiB)",
                        "reference a file that holds only the secret"});
    return;
  }

  std::ifstream stream(path, std::ios::binary);
  if (!stream) {
    const std::error_code open_error(errno, std::generic_category());
    problems.push_back(
        {"referenced file " + quoted_path + " cannot be read: " + open_error.message(),
         "grant the process read access, or correct the path"});
    return;
  }
  // Read one byte past the limit, so that a file that grew after the size check is still
  // caught. The buffer never grows, so no copy of the content is left in a freed block.
  std::string content(kMaxReferencedFileSize + 1, '\0');
  stream.read(content.data(), static_cast<std::streamsize>(content.size()));
  if (stream.bad()) {
    secure_wipe(content);
    problems.push_back({"referenced file " + quoted_path + " cannot be read: an I/O error occurred",
                        "check the file and the device it is on"});
    return;
  }
  const auto read = static_cast<std::size_t>(stream.gcount());
  if (read > kMaxReferencedFileSize) {
    secure_wipe(content);
    problems.push_back({"referenced file " + quoted_path + " is over the limit of " +
                            std::to_string(kMaxReferencedFileSize) + " bytes (1 MiB)",
                        "reference a file that holds only the secret"});
    return;
  }
  content.resize(read);
  trim_one_line_end(content);
  pieces.push_back(std::move(content));
  secure_wipe(content);
}

}  // namespace outbound::config
