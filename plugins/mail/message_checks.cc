#include "mail/message_checks.h"

#include <algorithm>
#include <set>
#include <string_view>

#include "mail/address.h"
#include "mail/content_types.h"
#include "mail/header_fields.h"
#include "mail/text.h"

namespace outbound::mail {
namespace {

// A Message-ID, Content-ID or attachment content type longer than this could not fit its
// header line (998 octets).
constexpr std::size_t kMaxIdLength = 900;
constexpr std::size_t kMaxContentTypeLength = 900;

Status invalid(const std::string& field, std::string_view value, const std::string& problem,
               const char* reason) {
  return Status::invalid_argument(field + " " + quote_for_message(value) + " " + problem)
      .set_reason(reason);
}

Status check_address(const std::string& field, std::string_view address, bool allow_utf8) {
  if (address.empty()) {
    return Status::invalid_argument(field + " is empty; give a mailbox such as user@example.com")
        .set_reason(kReasonInvalidAddress);
  }
  if (has_line_break_or_nul(address)) {
    return invalid(field, address, "contains CR, LF or NUL, which could inject SMTP commands",
                   kReasonInvalidAddress);
  }
  if (address.find_first_of("<>") != std::string_view::npos) {
    return invalid(field, address,
                   "contains '<' or '>'; give the bare address local@domain, and the display "
                   "name in its own field",
                   kReasonInvalidAddress);
  }
  if (!is_ascii(address) && !allow_utf8) {
    return invalid(field, address,
                   "is not ASCII, and this transport cannot carry UTF-8 addresses (SMTPUTF8, "
                   "RFC 6531); use an ASCII address",
                   kReasonSmtputf8Required);
  }
  if (!valid_mailbox(address, allow_utf8)) {
    return invalid(field, address,
                   "is not a valid mailbox; give local@domain, with a dot-atom or quoted local "
                   "part of at most 64 octets and a domain name or address literal",
                   kReasonInvalidAddress);
  }
  return Status();
}

// Checks text that goes into a header: a display name, the subject, a header value, a file
// name.
Status check_header_text(const std::string& field, std::string_view value) {
  if (has_line_break_or_nul(value)) {
    return invalid(field, value, "contains CR, LF or NUL, which could inject header lines",
                   kReasonInvalidHeader);
  }
  if (!is_valid_utf8(value)) {
    return invalid(field, value, "is not valid UTF-8", kReasonInvalidHeader);
  }
  return Status();
}

Status check_mailboxes(const char* list, const std::vector<MailAddress>& mailboxes,
                       bool allow_utf8) {
  for (std::size_t i = 0; i < mailboxes.size(); ++i) {
    const std::string field = std::string(list) + "[" + std::to_string(i) + "]";
    if (Status status = check_address(field + ".address", mailboxes[i].address, allow_utf8);
        !status.ok()) {
      return status;
    }
    if (Status status = check_header_text(field + ".display_name", mailboxes[i].display_name);
        !status.ok()) {
      return status;
    }
  }
  return Status();
}

Status check_extra_headers(const MailMessage& message) {
  for (std::size_t i = 0; i < message.headers.size(); ++i) {
    const auto& [name, value] = message.headers[i];
    const std::string field = "headers[" + std::to_string(i) + "]";
    if (has_line_break_or_nul(name)) {
      return invalid(field + ".name", name, "contains CR, LF or NUL", kReasonInvalidHeader);
    }
    if (!valid_field_name(name)) {
      return invalid(field + ".name", name,
                     "is not a header field name; use 1 to 76 printable ASCII characters "
                     "without space or ':'",
                     kReasonInvalidHeader);
    }
    if (reserved_field_name(name)) {
      return invalid(field + ".name", name,
                     "is a field the message builder writes itself; set it through the "
                     "message's own fields (from, to, cc, bcc, reply_to, subject, message_id, "
                     "attachments)",
                     kReasonInvalidHeader);
    }
    if (Status status = check_header_text(field + ".value", value); !status.ok()) return status;
  }
  return Status();
}

// Whether `id` is fit for Content-ID's <...>: printable ASCII without space, '<' or '>'.
bool valid_content_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return c > 32 && c < 127 && c != '<' && c != '>'; });
}

Status check_attachment(const MailAttachment& attachment, std::size_t index) {
  const std::string field = "attachments[" + std::to_string(index) + "]";
  if (Status status = check_header_text(field + ".filename", attachment.filename); !status.ok()) {
    return status;
  }
  if (attachment.filename.find_first_of("/\\") != std::string::npos) {
    return invalid(field + ".filename", attachment.filename,
                   "contains '/' or '\\'; give the file name without folders",
                   kReasonInvalidMessage);
  }
  if (!attachment.content_type.empty()) {
    if (has_line_break_or_nul(attachment.content_type) ||
        attachment.content_type.size() > kMaxContentTypeLength ||
        !valid_content_type(attachment.content_type)) {
      return invalid(field + ".content_type", attachment.content_type,
                     "is not a MIME type of at most 900 octets; give type/subtype such as "
                     "application/pdf, or leave it empty to guess it from the file name",
                     kReasonInvalidMessage);
    }
    if (composite_content_type(attachment.content_type)) {
      return invalid(field + ".content_type", attachment.content_type,
                     "is a multipart or message type, which cannot be sent in base64 (RFC "
                     "2046); attach it as application/octet-stream",
                     kReasonInvalidMessage);
    }
  }
  if (!attachment.content_id.empty() && !valid_content_id(attachment.content_id)) {
    return invalid(field + ".content_id", attachment.content_id,
                   "is not a Content-ID; give printable ASCII without spaces or angle brackets, "
                   "such as logo@example.com",
                   kReasonInvalidMessage);
  }
  return Status();
}

// Returns `address` with its domain in lower case: RFC 5321 section 2.4 lets the receiving
// server tell local parts apart by case, but domains are the same in any case.
std::string comparison_key(const std::string& address) {
  const std::size_t at = address.rfind('@');
  if (at == std::string::npos) return address;
  return address.substr(0, at + 1) + ascii_lower(std::string_view(address).substr(at + 1));
}

// Appends the addresses of `mailboxes` that `seen` does not have yet.
void add_recipients(const std::vector<MailAddress>& mailboxes, std::set<std::string>& seen,
                    std::vector<std::string>& recipients) {
  for (const MailAddress& mailbox : mailboxes) {
    if (seen.insert(comparison_key(mailbox.address)).second) recipients.push_back(mailbox.address);
  }
}

}  // namespace

bool valid_message_id(std::string_view id, bool allow_utf8) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  if (!allow_utf8 && !is_ascii(id)) return false;
  if (allow_utf8 && !is_valid_utf8(id)) return false;
  const std::size_t at = id.rfind('@');
  if (at == std::string_view::npos) return false;
  if (!is_dot_atom_text(id.substr(0, at), allow_utf8)) return false;
  const std::string_view right = id.substr(at + 1);
  if (right.size() >= 2 && right.front() == '[' && right.back() == ']') {
    // no-fold-literal: dtext is printable ASCII other than '[', ']' and '\'.
    const std::string_view inside = right.substr(1, right.size() - 2);
    return std::all_of(inside.begin(), inside.end(), [](char c) {
      return c >= 33 && c <= 126 && c != '[' && c != ']' && c != '\\';
    });
  }
  return is_dot_atom_text(right, allow_utf8);
}

Result<Envelope> check_message(const MailMessage& message, const BuildOptions& options) {
  const bool utf8 = options.allow_utf8_addresses;
  if (Status status = check_address("from.address", message.from.address, utf8); !status.ok()) {
    return status;
  }
  if (Status status = check_header_text("from.display_name", message.from.display_name);
      !status.ok()) {
    return status;
  }
  if (!message.envelope_from.empty()) {
    if (Status status = check_address("envelope_from", message.envelope_from, utf8); !status.ok()) {
      return status;
    }
  }
  for (const auto& [list, mailboxes] :
       {std::pair<const char*, const std::vector<MailAddress>*>{"to", &message.to},
        {"cc", &message.cc},
        {"bcc", &message.bcc},
        {"reply_to", &message.reply_to}}) {
    if (Status status = check_mailboxes(list, *mailboxes, utf8); !status.ok()) return status;
  }
  if (Status status = check_header_text("subject", message.subject); !status.ok()) return status;
  if (Status status = check_extra_headers(message); !status.ok()) return status;
  for (std::size_t i = 0; i < message.attachments.size(); ++i) {
    if (Status status = check_attachment(message.attachments[i], i); !status.ok()) return status;
  }
  if (!message.message_id.empty()) {
    if (has_line_break_or_nul(message.message_id)) {
      return invalid("message_id", message.message_id, "contains CR, LF or NUL",
                     kReasonInvalidHeader);
    }
    if (!is_ascii(message.message_id) && !utf8) {
      return invalid("message_id", message.message_id,
                     "is not ASCII, and this transport cannot carry UTF-8 headers (SMTPUTF8)",
                     kReasonSmtputf8Required);
    }
    if (!valid_message_id(message.message_id, utf8)) {
      return invalid("message_id", message.message_id,
                     "is not a Message-ID; give left@right without angle brackets or spaces, "
                     "such as 20260101.42@example.com",
                     kReasonInvalidHeader);
    }
  }
  if (const std::string& domain = options.message_id_domain; !domain.empty()) {
    if (!is_ascii(domain) && !utf8) {
      return invalid("message_id_domain", domain,
                     "is not ASCII, and this transport cannot carry UTF-8 headers (SMTPUTF8)",
                     kReasonSmtputf8Required);
    }
    if (has_line_break_or_nul(domain) || !valid_domain(domain, utf8)) {
      return invalid("message_id_domain", domain, "is not a domain name or address literal",
                     kReasonInvalidHeader);
    }
  }

  Envelope envelope;
  envelope.from = message.envelope_from.empty() ? message.from.address : message.envelope_from;
  std::set<std::string> seen;
  add_recipients(message.to, seen, envelope.recipients);
  add_recipients(message.cc, seen, envelope.recipients);
  add_recipients(message.bcc, seen, envelope.recipients);
  if (envelope.recipients.empty()) {
    return Status::invalid_argument(
               "the message has no recipient; give at least one address in "
               "to, cc or bcc")
        .set_reason(kReasonNoRecipients);
  }
  return envelope;
}

}  // namespace outbound::mail
