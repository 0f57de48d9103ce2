#include "mail_test_support.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace outbound::mail::testing {
namespace {

std::string lower(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  throw std::invalid_argument(std::string("not a hex digit: ") + c);
}

std::string decode_q(std::string_view text) {
  std::string decoded;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_') {
      decoded += ' ';
    } else if (text[i] == '=' && i + 2 < text.size()) {
      decoded += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      decoded += text[i];
    }
  }
  return decoded;
}

}  // namespace

std::string crlf(std::string_view text) {
  std::string converted;
  for (char c : text) {
    if (c == '\n') converted += '\r';
    converted += c;
  }
  return converted;
}

std::vector<std::string> split_lines(std::string_view bytes) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = bytes.find("\r\n", start);
    if (end == std::string_view::npos) {
      lines.emplace_back(bytes.substr(start));
      return lines;
    }
    lines.emplace_back(bytes.substr(start, end - start));
    start = end + 2;
  }
}

std::string header_section(std::string_view message) {
  const std::size_t end = message.find("\r\n\r\n");
  return std::string(message.substr(0, end == std::string_view::npos ? end : end + 2));
}

std::string body_section(std::string_view message) {
  const std::size_t end = message.find("\r\n\r\n");
  return end == std::string_view::npos ? std::string() : std::string(message.substr(end + 4));
}

std::string field_value(std::string_view headers, std::string_view name) {
  const std::vector<std::string> lines = split_lines(headers);
  const std::string wanted = lower(name) + ":";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lower(lines[i].substr(0, wanted.size())) != wanted) continue;
    std::string value = lines[i].substr(wanted.size());
    // Unfolding removes each CRLF that precedes whitespace (RFC 5322 section 2.2.3).
    for (std::size_t k = i + 1; k < lines.size(); ++k) {
      if (lines[k].empty() || (lines[k][0] != ' ' && lines[k][0] != '\t')) break;
      value += lines[k];
    }
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    return value;
  }
  return {};
}

bool has_field(std::string_view headers, std::string_view name) {
  const std::string wanted = lower(name) + ":";
  for (const std::string& line : split_lines(headers)) {
    if (lower(line.substr(0, wanted.size())) == wanted) return true;
  }
  return false;
}

std::string decode_encoded_words(std::string_view value) {
  std::string decoded;
  std::string pending_space;  // Whitespace that is dropped if an encoded word follows.
  bool after_word = false;
  std::size_t i = 0;
  while (i < value.size()) {
    if (value.compare(i, 2, "=?") == 0) {
      const std::size_t charset_end = value.find('?', i + 2);
      const std::size_t encoding_end = value.find('?', charset_end + 1);
      const std::size_t text_end = value.find("?=", encoding_end + 1);
      if (charset_end == std::string_view::npos || encoding_end != charset_end + 2 ||
          text_end == std::string_view::npos) {
        throw std::invalid_argument("malformed encoded word in " + std::string(value));
      }
      if (lower(value.substr(i + 2, charset_end - i - 2)) != "utf-8") {
        throw std::invalid_argument("charset is not utf-8 in " + std::string(value));
      }
      const char encoding = static_cast<char>(std::toupper(value[charset_end + 1]));
      const std::string_view text = value.substr(encoding_end + 1, text_end - encoding_end - 1);
      if (!after_word) decoded += pending_space;
      pending_space.clear();
      decoded += encoding == 'B' ? decode_base64(text) : decode_q(text);
      after_word = true;
      i = text_end + 2;
      continue;
    }
    if (value[i] == ' ' || value[i] == '\t') {
      pending_space += value[i];
      ++i;
      continue;
    }
    decoded += pending_space;
    pending_space.clear();
    decoded += value[i];
    after_word = false;
    ++i;
  }
  decoded += pending_space;
  return decoded;
}

std::string decode_quoted_printable(std::string_view encoded) {
  std::string decoded;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] != '=') {
      decoded += encoded[i];
      continue;
    }
    if (encoded.compare(i + 1, 2, "\r\n") == 0) {
      i += 2;  // A soft line break.
      continue;
    }
    if (i + 2 >= encoded.size()) throw std::invalid_argument("truncated =XX");
    decoded += static_cast<char>(hex_value(encoded[i + 1]) * 16 + hex_value(encoded[i + 2]));
    i += 2;
  }
  return decoded;
}

std::string decode_base64(std::string_view encoded) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string decoded;
  unsigned int buffer = 0;
  int bits = 0;
  for (char c : encoded) {
    if (c == '\r' || c == '\n' || c == '=') continue;
    const std::size_t value = kAlphabet.find(c);
    if (value == std::string::npos) throw std::invalid_argument("not base64: " + std::string(1, c));
    buffer = (buffer << 6) | static_cast<unsigned int>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return decoded;
}

bool has_lone_cr_or_lf(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == '\r' && (i + 1 == bytes.size() || bytes[i + 1] != '\n')) return true;
    if (bytes[i] == '\n' && (i == 0 || bytes[i - 1] != '\r')) return true;
  }
  return false;
}

std::size_t longest_line(std::string_view bytes) {
  std::size_t longest = 0;
  for (const std::string& line : split_lines(bytes)) longest = std::max(longest, line.size());
  return longest;
}

MailMessage simple_message() {
  MailMessage message;
  message.from = {"sender@example.com", "Sender"};
  message.to = {{"alice@example.org", "Alice"}};
  message.subject = "Hello";
  message.text_body = "Hello, Alice.\n";
  message.message_id = "fixed.1@example.com";
  return message;
}

}  // namespace outbound::mail::testing
