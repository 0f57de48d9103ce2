#include "mail/message.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>

#include "mail/encoded_words.h"
#include "mail/header_fields.h"
#include "mail/idna.h"
#include "mail/message_checks.h"
#include "mail/mime_parts.h"
#include "mail/text.h"

namespace outbound::mail {
namespace {

// Hex digits of the hash in a generated Message-ID: 128 bits.
constexpr std::size_t kMessageIdHexDigits = 32;

// Appends `text` with its length in front, so that different field values never serialise to
// the same input.
void append_field(std::string& out, std::string_view text) {
  out += std::to_string(text.size());
  out += ':';
  out += text;
}

void append_mailboxes(std::string& out, const std::vector<MailAddress>& mailboxes) {
  append_field(out, std::to_string(mailboxes.size()));
  for (const MailAddress& mailbox : mailboxes) {
    append_field(out, mailbox.address);
    append_field(out, mailbox.display_name);
  }
}

// Returns "hash@domain", the hash covering every field of the message, the date and the seed.
// The same inputs give the same id, and a change to any gives another, barring a collision of
// the 128-bit hash prefix.
std::string generate_message_id(const MailMessage& message, const BuildOptions& options,
                                std::string_view domain) {
  std::string input;
  append_mailboxes(input, {message.from});
  append_mailboxes(input, message.to);
  append_mailboxes(input, message.cc);
  append_mailboxes(input, message.bcc);
  append_mailboxes(input, message.reply_to);
  append_field(input, message.subject);
  append_field(input, message.text_body);
  append_field(input, message.html_body);
  append_field(input, std::to_string(message.attachments.size()));
  for (const MailAttachment& attachment : message.attachments) {
    append_field(input, attachment.filename);
    append_field(input, attachment.content_type);
    append_field(input, attachment.content_id);
    append_field(input, attachment.content);
  }
  append_field(input, std::to_string(message.headers.size()));
  for (const auto& [name, value] : message.headers) {
    append_field(input, name);
    append_field(input, value);
  }
  append_field(input, message.envelope_from);
  const auto nanoseconds =
      std::chrono::duration_cast<std::chrono::nanoseconds>(options.date.time_since_epoch());
  append_field(input, std::to_string(static_cast<std::int64_t>(nanoseconds.count())));
  append_field(input, domain);
  append_field(input, options.message_id_seed);
  return sha256_hex(input).substr(0, kMessageIdHexDigits) + "@" + std::string(domain);
}

// Returns the folded address field `name` listing `mailboxes` as "phrase <address>" or a bare
// address.
std::string address_field(const char* name, const std::vector<MailAddress>& mailboxes) {
  std::string value;
  bool encoded = false;
  for (const MailAddress& mailbox : mailboxes) {
    if (!value.empty()) value += ", ";
    const HeaderText phrase = format_phrase(mailbox.display_name);
    encoded = encoded || phrase.has_encoded_words;
    if (phrase.text.empty()) {
      value += mailbox.address;
    } else {
      value += phrase.text + " <" + mailbox.address + ">";
    }
  }
  return fold_field(name, value, encoded ? kEncodedWordFoldWidth : kFoldWidth,
                    FieldSyntax::kStructured);
}

// Returns the folded unstructured field `name`: `text`, encoded when it must be.
std::string unstructured_field(std::string_view name, std::string_view text,
                               bool encode_lookalikes) {
  // The first encoded word shares its line with "name: ".
  const std::size_t prefix = name.size() + 2;
  const std::size_t first_word_max =
      prefix < kEncodedWordFoldWidth ? kEncodedWordFoldWidth - prefix : 0;
  const HeaderText value = format_unstructured(text, first_word_max, encode_lookalikes);
  return fold_field(name, value.text, value.has_encoded_words ? kEncodedWordFoldWidth : kFoldWidth,
                    FieldSyntax::kUnstructured);
}

std::string header_section(const MailMessage& message, const BuildOptions& options,
                           const std::string& message_id, const MimeEntity& body) {
  std::string header = address_field("From", {message.from});
  if (!message.to.empty()) header += address_field("To", message.to);
  if (!message.cc.empty()) header += address_field("Cc", message.cc);
  if (!message.reply_to.empty()) header += address_field("Reply-To", message.reply_to);
  // A subject that looks like an encoded word is encoded, so that it reads back as written.
  header += unstructured_field("Subject", message.subject, true);
  header += fold_field("Date", format_date(options.date), kFoldWidth, FieldSyntax::kStructured);
  header += fold_field("Message-ID", "<" + message_id + ">", kFoldWidth, FieldSyntax::kStructured);
  header += "MIME-Version: 1.0\r\n";
  for (const auto& [name, value] : message.headers) {
    header += unstructured_field(name, value, false);
  }
  header += serialize_fields(body);
  return header;
}

// Checks what build_message promises about its bytes; a failure is a bug in the builder.
Status check_lines(std::string_view bytes) {
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n') {
      if (i - line_start > kMaxLineLength) {
        return Status::internal("the message builder wrote a line of " +
                                std::to_string(i - line_start) + " octets, over the 998 allowed");
      }
      ++i;
      line_start = i + 1;
    } else if (c == '\r' || c == '\n') {
      return Status::internal("the message builder wrote a lone CR or LF at octet " +
                              std::to_string(i));
    }
  }
  if (line_start != bytes.size()) {
    return Status::internal("the message builder wrote a last line without CRLF");
  }
  return Status();
}

/// Returns `message` with every internationalised domain of an ASCII local part written as
/// A-labels (see address_to_ascii_domain), or nothing when no address has one, so that the
/// message is copied only when it changes.
std::optional<MailMessage> with_ascii_domains(const MailMessage& message) {
  const auto needs = [](const MailAddress& mailbox) {
    return address_to_ascii_domain(mailbox.address) != mailbox.address;
  };
  const auto any_needs = [&needs](const std::vector<MailAddress>& list) {
    return std::any_of(list.begin(), list.end(), needs);
  };
  if (!needs(message.from) && !any_needs(message.to) && !any_needs(message.cc) &&
      !any_needs(message.bcc) && !any_needs(message.reply_to) &&
      address_to_ascii_domain(message.envelope_from) == message.envelope_from) {
    return std::nullopt;
  }
  MailMessage converted = message;
  for (std::vector<MailAddress>* list :
       {&converted.to, &converted.cc, &converted.bcc, &converted.reply_to}) {
    for (MailAddress& mailbox : *list) mailbox.address = address_to_ascii_domain(mailbox.address);
  }
  converted.from.address = address_to_ascii_domain(converted.from.address);
  converted.envelope_from = address_to_ascii_domain(converted.envelope_from);
  return converted;
}

}  // namespace

Result<BuiltMessage> build_message(const MailMessage& original, const BuildOptions& options) {
  // An internationalised domain goes out as A-labels, so that only a non-ASCII local part
  // needs SMTPUTF8, and the bytes are the same whether or not the server offers it.
  const std::optional<MailMessage> converted = with_ascii_domains(original);
  const MailMessage& message = converted ? *converted : original;
  Result<Envelope> envelope = check_message(message, options);
  if (!envelope.ok()) return envelope.status();

  BuiltMessage built;
  built.envelope_from = envelope->from;
  built.recipients = std::move(envelope->recipients);
  if (message.message_id.empty()) {
    const std::string_view domain = options.message_id_domain.empty()
                                        ? domain_of(built.envelope_from)
                                        : std::string_view(options.message_id_domain);
    built.message_id = generate_message_id(message, options, domain);
  } else {
    built.message_id = message.message_id;
  }

  const MimeEntity body = build_body(message, built.message_id);
  const std::string header = header_section(message, options, built.message_id, body);
  built.bytes.reserve(header.size() + 2 + body.body.size());
  built.bytes = header;
  built.bytes += "\r\n";
  built.bytes += body.body;
  if (Status lines = check_lines(built.bytes); !lines.ok()) return lines;

  built.has_8bit = !is_ascii(built.bytes);
  built.needs_smtputf8 = !is_ascii(header) || !is_ascii(built.envelope_from);
  for (const std::string& recipient : built.recipients) {
    built.needs_smtputf8 = built.needs_smtputf8 || !is_ascii(recipient);
  }
  return built;
}

std::string smtp_data(std::string_view bytes) {
  std::string data;
  data.reserve(bytes.size() + bytes.size() / 64 + 5);
  bool line_start = true;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c == '\r' || c == '\n') {
      // CRLF, a lone CR and a lone LF all end the line as CRLF.
      if (c == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n') ++i;
      data += "\r\n";
      line_start = true;
      continue;
    }
    if (line_start && c == '.') data += '.';
    data += c;
    line_start = false;
  }
  if (!line_start) data += "\r\n";
  data += ".\r\n";
  return data;
}

}  // namespace outbound::mail
