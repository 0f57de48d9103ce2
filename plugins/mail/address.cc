#include "mail/address.h"

#include <arpa/inet.h>

#include <cstring>
#include <string>

#include "mail/text.h"

namespace outbound::mail {
namespace {

// RFC 5321 section 4.5.3.1: the limits of a local part, a domain, a label and a path. A path
// adds the angle brackets, so a mailbox has 254 octets at most.
constexpr std::size_t kMaxLocalPart = 64;
constexpr std::size_t kMaxDomain = 255;
constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxMailbox = 254;

bool is_non_ascii(char c) { return static_cast<unsigned char>(c) >= 0x80; }

bool is_letter_or_digit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// qtextSMTP (RFC 5321 section 4.1.2): printable ASCII other than '"' and '\'.
bool is_qtext_smtp(char c) { return c >= 32 && c <= 126 && c != '"' && c != '\\'; }

bool valid_quoted_local_part(std::string_view local, bool allow_utf8) {
  if (local.size() < 2 || local.front() != '"' || local.back() != '"') return false;
  const std::string_view content = local.substr(1, local.size() - 2);
  for (std::size_t i = 0; i < content.size(); ++i) {
    const char c = content[i];
    if (c == '\\') {
      // quoted-pairSMTP: a backslash and any printable ASCII character or space.
      if (i + 1 == content.size() || content[i + 1] < 32 || content[i + 1] > 126) return false;
      ++i;
      continue;
    }
    if (is_qtext_smtp(c)) continue;
    if (allow_utf8 && is_non_ascii(c)) continue;
    return false;
  }
  return true;
}

// Let-dig [Ldh-str] (RFC 5321 section 4.1.2); with UTF-8, non-ASCII octets count as letters
// (a U-label in RFC 6531).
bool valid_label(std::string_view label, bool allow_utf8) {
  if (label.empty() || label.size() > kMaxLabel) return false;
  const auto let_dig = [allow_utf8](char c) {
    return is_letter_or_digit(c) || (allow_utf8 && is_non_ascii(c));
  };
  if (!let_dig(label.front()) || !let_dig(label.back())) return false;
  for (char c : label) {
    if (!let_dig(c) && c != '-') return false;
  }
  return true;
}

bool valid_ipv4(std::string_view text) {
  int parts = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = text.find('.', start);
    const std::string_view part =
        text.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (part.empty() || part.size() > 3) return false;
    int value = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    if (value > 255) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts == 4;
}

bool valid_address_literal(std::string_view literal) {
  if (literal.size() < 3 || literal.front() != '[' || literal.back() != ']') return false;
  const std::string_view inside = literal.substr(1, literal.size() - 2);
  constexpr std::string_view kIpv6Tag = "ipv6:";
  if (inside.size() > kIpv6Tag.size() && ascii_lower(inside.substr(0, 5)) == kIpv6Tag) {
    const std::string address(inside.substr(kIpv6Tag.size()));
    unsigned char parsed[16];
    return inet_pton(AF_INET6, address.c_str(), parsed) == 1;
  }
  return valid_ipv4(inside);
}

}  // namespace

bool is_atext(char c) {
  if (is_letter_or_digit(c)) return true;
  return c != '\0' && std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr;
}

bool is_dot_atom_text(std::string_view text, bool allow_utf8) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  if (text.find("..") != std::string_view::npos) return false;
  for (char c : text) {
    if (c == '.' || is_atext(c)) continue;
    if (allow_utf8 && is_non_ascii(c)) continue;
    return false;
  }
  return true;
}

bool valid_domain(std::string_view domain, bool allow_utf8) {
  if (domain.empty() || domain.size() > kMaxDomain) return false;
  if (!allow_utf8 && !is_ascii(domain)) return false;
  if (allow_utf8 && !is_valid_utf8(domain)) return false;
  if (domain.front() == '[') return valid_address_literal(domain);
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = domain.find('.', start);
    const std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!valid_label(label, allow_utf8)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool valid_mailbox(std::string_view address, bool allow_utf8) {
  if (address.empty() || address.size() > kMaxMailbox) return false;
  if (!allow_utf8 && !is_ascii(address)) return false;
  if (allow_utf8 && !is_valid_utf8(address)) return false;
  // A quoted local part may contain '@', a domain never does.
  const std::size_t at = address.rfind('@');
  if (at == std::string_view::npos) return false;
  const std::string_view local = address.substr(0, at);
  if (local.empty() || local.size() > kMaxLocalPart) return false;
  const bool local_ok = local.front() == '"' ? valid_quoted_local_part(local, allow_utf8)
                                             : is_dot_atom_text(local, allow_utf8);
  return local_ok && valid_domain(address.substr(at + 1), allow_utf8);
}

std::string_view domain_of(std::string_view mailbox) {
  const std::size_t at = mailbox.rfind('@');
  return at == std::string_view::npos ? std::string_view() : mailbox.substr(at + 1);
}

}  // namespace outbound::mail
