#include "mail/body_encoding.h"

#include "mail/text.h"

namespace outbound::mail {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// RFC 2045 sections 6.7 and 6.8: encoded lines are at most 76 characters.
constexpr std::size_t kEncodedLineLength = 76;

void append_hex(std::string& out, unsigned char octet) {
  out += '=';
  out += kHex[octet >> 4];
  out += kHex[octet & 0x0F];
}

// Encodes one line (without its CRLF) into `out`, with soft line breaks.
void quoted_printable_line(std::string_view line, std::string& out) {
  std::size_t column = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto octet = static_cast<unsigned char>(line[i]);
    const bool last = i + 1 == line.size();
    std::string token;
    if ((octet == ' ' || octet == '\t') && !last) {
      token = static_cast<char>(octet);
    } else if (octet >= 33 && octet <= 126 && octet != '=') {
      token = static_cast<char>(octet);
    } else {
      append_hex(token, octet);
    }
    // A line that goes on needs room for the '=' of the soft break.
    const std::size_t limit = last ? kEncodedLineLength : kEncodedLineLength - 1;
    if (column + token.size() > limit) {
      out += "=\r\n";
      column = 0;
    }
    out += token;
    column += token.size();
  }
}

}  // namespace

const char* transfer_encoding_name(TransferEncoding encoding) {
  switch (encoding) {
    case TransferEncoding::kSevenBit:
      return "7bit";
    case TransferEncoding::kQuotedPrintable:
      return "quoted-printable";
    case TransferEncoding::kBase64:
      return "base64";
  }
  return "base64";
}

std::string normalize_line_endings(std::string_view text) {
  std::string normalized;
  normalized.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r') {
      normalized += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      normalized += "\r\n";
    } else {
      normalized += c;
    }
  }
  return normalized;
}

TransferEncoding choose_text_encoding(std::string_view normalized_text) {
  std::size_t line_length = 0;
  for (std::size_t i = 0; i < normalized_text.size(); ++i) {
    const auto octet = static_cast<unsigned char>(normalized_text[i]);
    if (octet == '\r' && i + 1 < normalized_text.size() && normalized_text[i + 1] == '\n') {
      line_length = 0;
      ++i;
      continue;
    }
    const bool plain = (octet >= 0x20 && octet < 0x7F) || octet == '\t';
    if (!plain) return TransferEncoding::kQuotedPrintable;
    if (++line_length > kMaxLineLength) return TransferEncoding::kQuotedPrintable;
  }
  return TransferEncoding::kSevenBit;
}

std::string encode_text_body(std::string_view normalized_text, TransferEncoding encoding) {
  std::string body = encoding == TransferEncoding::kQuotedPrintable
                         ? quoted_printable(normalized_text)
                         : std::string(normalized_text);
  const bool ends_with_crlf = body.size() >= 2 && body.compare(body.size() - 2, 2, "\r\n") == 0;
  if (!body.empty() && !ends_with_crlf) body += "\r\n";
  return body;
}

std::string quoted_printable(std::string_view octets) {
  std::string encoded;
  encoded.reserve(octets.size() + octets.size() / 4);
  std::size_t start = 0;
  while (start <= octets.size()) {
    const std::size_t end = octets.find("\r\n", start);
    if (end == std::string_view::npos) {
      quoted_printable_line(octets.substr(start), encoded);
      break;
    }
    quoted_printable_line(octets.substr(start, end - start), encoded);
    encoded += "\r\n";
    start = end + 2;
  }
  return encoded;
}

std::string base64(std::string_view octets) {
  std::string encoded;
  encoded.reserve((octets.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= octets.size(); i += 3) {
    const unsigned int group = (static_cast<unsigned char>(octets[i]) << 16) |
                               (static_cast<unsigned char>(octets[i + 1]) << 8) |
                               static_cast<unsigned char>(octets[i + 2]);
    encoded += kBase64Alphabet[(group >> 18) & 0x3F];
    encoded += kBase64Alphabet[(group >> 12) & 0x3F];
    encoded += kBase64Alphabet[(group >> 6) & 0x3F];
    encoded += kBase64Alphabet[group & 0x3F];
  }
  const std::size_t rest = octets.size() - i;
  if (rest > 0) {
    unsigned int group = static_cast<unsigned char>(octets[i]) << 16;
    if (rest == 2) group |= static_cast<unsigned char>(octets[i + 1]) << 8;
    encoded += kBase64Alphabet[(group >> 18) & 0x3F];
    encoded += kBase64Alphabet[(group >> 12) & 0x3F];
    encoded += rest == 2 ? kBase64Alphabet[(group >> 6) & 0x3F] : '=';
    encoded += '=';
  }
  return encoded;
}

std::string base64_lines(std::string_view octets) {
  const std::string encoded = base64(octets);
  std::string lines;
  lines.reserve(encoded.size() + encoded.size() / kEncodedLineLength * 2 + 2);
  for (std::size_t start = 0; start < encoded.size(); start += kEncodedLineLength) {
    lines.append(encoded, start, kEncodedLineLength);
    lines += "\r\n";
  }
  return lines;
}

}  // namespace outbound::mail
