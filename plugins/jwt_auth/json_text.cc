#include "jwt_auth/json_text.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <locale.h>

namespace outbound::jwt {
namespace {

bool is_json_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::uint32_t hex_value(char c) {
  if (c >= '0' && c <= '9') return static_cast<std::uint32_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<std::uint32_t>(c - 'a' + 10);
  return static_cast<std::uint32_t>(c - 'A' + 10);
}

// Reads the 4 hex digits at `digits`.
std::uint32_t read_hex4(const char* digits) {
  return (hex_value(digits[0]) << 12) | (hex_value(digits[1]) << 8) | (hex_value(digits[2]) << 4) |
         hex_value(digits[3]);
}

void append_utf8(std::uint32_t code_point, std::string& out) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xc0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3f));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xe0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code_point & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code_point & 0x3f));
  }
}

// Returns the end of the JSON value that starts at `p`, in validated text.
const char* skip_value(const char* p, const char* end) {
  if (*p == '"') {
    for (++p; *p != '"'; ++p) {
      if (*p == '\\') ++p;
    }
    return p + 1;
  }
  if (*p != '{' && *p != '[') {
    while (p != end && *p != ',' && *p != ']' && *p != '}' && !is_json_whitespace(*p)) ++p;
    return p;
  }
  // A container ends where the brackets, counted outside strings, balance.
  std::size_t depth = 0;
  do {
    if (*p == '"') {
      p = skip_value(p, end);
      continue;
    }
    if (*p == '{' || *p == '[') ++depth;
    if (*p == '}' || *p == ']') --depth;
    ++p;
  } while (depth != 0);
  return p;
}

JsonType type_at(char first) {
  switch (first) {
    case '"':
      return JsonType::kString;
    case '{':
      return JsonType::kObject;
    case '[':
      return JsonType::kArray;
    case 't':
    case 'f':
      return JsonType::kBoolean;
    case 'n':
      return JsonType::kNull;
    default:
      return JsonType::kNumber;
  }
}

// The "C" locale, so that strtod reads '.' as the decimal point whatever the process locale.
locale_t c_locale() {
  static const locale_t locale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(0));
  return locale;
}

}  // namespace

std::string_view json_string_content(std::string_view text, std::string& storage) {
  const std::string_view content = text.substr(1, text.size() - 2);
  if (std::memchr(content.data(), '\\', content.size()) == nullptr) return content;
  storage.clear();
  append_unescaped(content, storage);
  return storage;
}

void append_unescaped(std::string_view content, std::string& out) {
  const char* p = content.data();
  const char* const end = p + content.size();
  while (p != end) {
    const char* escape = static_cast<const char*>(std::memchr(p, '\\', end - p));
    if (escape == nullptr) escape = end;
    out.append(p, escape);
    p = escape;
    if (p == end) break;

    const char kind = p[1];
    p += 2;
    switch (kind) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        std::uint32_t code_point = read_hex4(p);
        p += 4;
        // The scanner accepts a high surrogate only when a \u escape of a low one follows.
        if (code_point >= 0xd800 && code_point <= 0xdbff) {
          const std::uint32_t low = read_hex4(p + 2);
          p += 6;
          code_point = 0x10000 + ((code_point - 0xd800) << 10) + (low - 0xdc00);
        }
        append_utf8(code_point, out);
        break;
      }
      default:  // '"', '\\' and '/' stand for themselves.
        out += kind;
        break;
    }
  }
}

double json_number_value(std::string_view text) {
  // Integers of up to 15 digits are exact in a double, so they need no strtod.
  if (text.size() <= 15) {
    std::int64_t integer = 0;
    bool digits_only = true;
    for (char c : text) {
      if (c < '0' || c > '9') {
        digits_only = false;
        break;
      }
      integer = integer * 10 + (c - '0');
    }
    if (digits_only) return static_cast<double>(integer);
  }
  const std::string terminated(text);
  const locale_t locale = c_locale();
  return locale != static_cast<locale_t>(0) ? strtod_l(terminated.c_str(), nullptr, locale)
                                            : std::strtod(terminated.c_str(), nullptr);
}

JsonArrayReader::JsonArrayReader(std::string_view text)
    : position_(text.data() + 1), end_(text.data() + text.size()) {}

bool JsonArrayReader::next(JsonValue& element) {
  while (is_json_whitespace(*position_) || *position_ == ',') ++position_;
  if (*position_ == ']') return false;
  const char* start = position_;
  position_ = skip_value(position_, end_);
  element.type = type_at(*start);
  element.text = std::string_view(start, static_cast<std::size_t>(position_ - start));
  return true;
}

}  // namespace outbound::jwt
