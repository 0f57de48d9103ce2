#include "mail_input.h"

#include <algorithm>
#include <cctype>

#include "mail/address.h"

namespace outbound::cli {
namespace {

std::string_view trim(std::string_view text) {
  const auto not_blank = [](char c) { return c != ' ' && c != '\t'; };
  while (!text.empty() && !not_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && !not_blank(text.back())) text.remove_suffix(1);
  return text;
}

std::string lower_case(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

/// Checks the bare address of a mailbox: see parse_mailbox.
Status check_address(std::string_view address) {
  if (address.empty()) return Status::invalid_argument("has an empty address");
  bool quoted = false;
  for (std::size_t i = 0; i < address.size(); ++i) {
    const char c = address[i];
    if (quoted && c == '\\') {
      ++i;
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == ',') {
      return Status::invalid_argument(
          "has a comma; give one address per value, and repeat the option for more");
    }
    if (c == ' ' || c == '\t') {
      return Status::invalid_argument(
          "has a space in the address; write a display name as Name <address>");
    }
    if (c == '<' || c == '>') {
      return Status::invalid_argument("has '" + std::string(1, c) +
                                      "' inside the address; write Name <address>");
    }
  }
  const auto at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) {
    return Status::invalid_argument("is not an address of the form local@domain");
  }
  // Non-ASCII addresses pass this check, because whether they can be sent depends on the
  // server's SMTPUTF8 support, which the plugin checks.
  if (!mail::valid_mailbox(address, true)) {
    return Status::invalid_argument(
        "is not a valid mailbox; give local@domain, with a local part of at most 64 octets made "
        "of letters, digits and !#$%&'*+-/=?^_`{|}~ between single dots (or in double quotes), "
        "and a domain name or an address literal such as [192.0.2.1]");
  }
  return Status();
}

/// Removes the quotes and backslash escapes of a quoted display name.
Result<std::string> unquote(std::string_view quoted) {
  std::string name;
  for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
    char c = quoted[i];
    if (c == '\\' && i + 2 < quoted.size()) {
      c = quoted[++i];
    } else if (c == '"' || c == '\\') {
      return Status::invalid_argument(
          "has a quoted display name with a stray '\"' or '\\' inside; escape it as \\\" or "
          "\\\\");
    }
    name += c;
  }
  return name;
}

}  // namespace

std::string forbidden_header_character(std::string_view text) {
  if (text.find_first_of("\r\n") != std::string_view::npos) return "a line break (CR or LF)";
  if (text.find('\0') != std::string_view::npos) return "a NUL character";
  return "";
}

Result<MailAddress> parse_mailbox(std::string_view text) {
  if (const std::string bad = forbidden_header_character(text); !bad.empty()) {
    return Status::invalid_argument("contains " + bad + ", which would start a new header line");
  }
  const std::string_view trimmed = trim(text);
  if (trimmed.empty()) return Status::invalid_argument("is empty; give an address such as a@b");
  MailAddress mailbox;
  if (trimmed.back() != '>') {
    if (trimmed.find('<') != std::string_view::npos) {
      return Status::invalid_argument("has '<' without a closing '>' at the end");
    }
    mailbox.address = std::string(trimmed);
  } else {
    const auto open = trimmed.rfind('<');
    if (open == std::string_view::npos) {
      return Status::invalid_argument("has '>' without an opening '<'");
    }
    mailbox.address = std::string(trimmed.substr(open + 1, trimmed.size() - open - 2));
    const std::string_view name = trim(trimmed.substr(0, open));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      auto unquoted = unquote(name);
      if (!unquoted.ok()) return unquoted.status();
      mailbox.display_name = std::move(*unquoted);
    } else if (name.find_first_of("<>\"") != std::string_view::npos) {
      return Status::invalid_argument(
          "has '<', '>' or '\"' in the display name; put the name in double quotes");
    } else {
      mailbox.display_name = std::string(name);
    }
  }
  if (Status checked = check_address(mailbox.address); !checked.ok()) return checked;
  return mailbox;
}

Status check_mailbox(const MailAddress& mailbox) {
  for (const std::string* part : {&mailbox.address, &mailbox.display_name}) {
    if (const std::string bad = forbidden_header_character(*part); !bad.empty()) {
      return Status::invalid_argument("contains " + bad + ", which would start a new header line");
    }
  }
  return check_address(mailbox.address);
}

Result<std::string> parse_message_id(std::string_view text) {
  std::string_view id = text;
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  for (char c : id) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f || c == '<' || c == '>') {
      return Status::invalid_argument(
          "has a space, control character, '<' or '>' inside; a Message-ID looks like "
          "unique-part@example.com");
    }
  }
  const auto at = id.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == id.size()) {
    return Status::invalid_argument(
        "needs an '@' with text on both sides, such as unique-part@example.com");
  }
  return std::string(id);
}

std::optional<std::string> header_built_from(std::string_view name) {
  const std::string lower = lower_case(name);
  if (lower == "from") return std::string("from");
  if (lower == "to") return std::string("to");
  if (lower == "cc") return std::string("cc");
  if (lower == "bcc") return std::string("bcc");
  if (lower == "reply-to") return std::string("reply_to");
  if (lower == "subject") return std::string("subject");
  if (lower == "message-id") return std::string("message_id");
  if (lower == "date" || lower == "mime-version" || lower.rfind("content-", 0) == 0) {
    return std::string();
  }
  return std::nullopt;
}

Status check_header(std::string_view name, std::string_view value) {
  if (name.empty()) return Status::invalid_argument("has an empty header name");
  for (char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f || c == ':') {
      return Status::invalid_argument(
          "has a header name with a space, ':', control or non-ASCII character; names are "
          "printable ASCII, such as X-Campaign");
    }
  }
  if (const std::string bad = forbidden_header_character(value); !bad.empty()) {
    return Status::invalid_argument("has a header value that contains " + bad +
                                    ", which would start a new header line");
  }
  return Status();
}

}  // namespace outbound::cli
