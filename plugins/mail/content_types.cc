#include "mail/content_types.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "mail/text.h"

namespace outbound::mail {
namespace {

// Extensions in lower case and their types (IANA media types registry).
constexpr std::array<std::pair<std::string_view, std::string_view>, 40> kTypes = {{
    {"7z", "application/x-7z-compressed"},
    {"avif", "image/avif"},
    {"bmp", "image/bmp"},
    {"css", "text/css"},
    {"csv", "text/csv"},
    {"doc", "application/msword"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"gif", "image/gif"},
    {"gz", "application/gzip"},
    {"htm", "text/html"},
    {"html", "text/html"},
    {"ics", "text/calendar"},
    {"jpeg", "image/jpeg"},
    {"jpg", "image/jpeg"},
    {"js", "text/javascript"},
    {"json", "application/json"},
    {"log", "text/plain"},
    {"md", "text/markdown"},
    {"mp3", "audio/mpeg"},
    {"mp4", "video/mp4"},
    {"odp", "application/vnd.oasis.opendocument.presentation"},
    {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
    {"odt", "application/vnd.oasis.opendocument.text"},
    {"ogg", "audio/ogg"},
    {"pdf", "application/pdf"},
    {"png", "image/png"},
    {"ppt", "application/vnd.ms-powerpoint"},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    {"rtf", "application/rtf"},
    {"svg", "image/svg+xml"},
    {"tar", "application/x-tar"},
    {"tif", "image/tiff"},
    {"tiff", "image/tiff"},
    {"txt", "text/plain"},
    {"vcf", "text/vcard"},
    {"wav", "audio/wav"},
    {"webp", "image/webp"},
    {"xls", "application/vnd.ms-excel"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"zip", "application/zip"},
}};

// token (RFC 2045 section 5.1): printable ASCII other than space and tspecials.
bool is_token_char(char c) {
  return c > 32 && c < 127 && std::strchr("()<>@,;:\\\"/[]?=", c) == nullptr;
}

bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_token_char);
}

}  // namespace

std::string guess_content_type(std::string_view filename) {
  const std::size_t dot = filename.rfind('.');
  if (dot != std::string_view::npos && dot + 1 < filename.size()) {
    const std::string extension = ascii_lower(filename.substr(dot + 1));
    for (const auto& [known, type] : kTypes) {
      if (extension == known) return std::string(type);
    }
  }
  return "application/octet-stream";
}

bool valid_content_type(std::string_view content_type) {
  const std::size_t semicolon = content_type.find(';');
  const std::string_view media_type = content_type.substr(0, semicolon);
  const std::size_t slash = media_type.find('/');
  if (slash == std::string_view::npos) return false;
  if (!is_token(media_type.substr(0, slash)) || !is_token(media_type.substr(slash + 1))) {
    return false;
  }
  if (semicolon == std::string_view::npos) return true;
  const std::string_view parameters = content_type.substr(semicolon);
  return std::all_of(parameters.begin(), parameters.end(),
                     [](char c) { return c >= 32 && c < 127; });
}

bool composite_content_type(std::string_view content_type) {
  const std::string lowered = ascii_lower(content_type);
  return lowered.rfind("multipart/", 0) == 0 || lowered.rfind("message/", 0) == 0;
}

}  // namespace outbound::mail
