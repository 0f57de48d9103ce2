#include "mail_operations.h"

#include <initializer_list>
#include <utility>
#include <vector>

#include "base64.h"
#include "mail_input.h"
#include "operation_args.h"

namespace outbound::cli {
namespace {

using nlohmann::json;

json recipient_json(const RecipientResult& recipient) {
  return {{"address", recipient.address},
          {"accepted", recipient.accepted},
          {"reply_code", recipient.reply_code},
          {"enhanced_code", recipient.enhanced_code},
          {"reply", recipient.reply}};
}

json receipt_json(const MailSender& client, const MailReceipt& receipt) {
  json recipients = json::array();
  int accepted = 0;
  for (const RecipientResult& recipient : receipt.recipients) {
    recipients.push_back(recipient_json(recipient));
    if (recipient.accepted) ++accepted;
  }
  const int rejected = static_cast<int>(receipt.recipients.size()) - accepted;
  return {{"client", client.id()},
          {"plugin", client.plugin_name()},
          {"plugin_version", client.plugin_version()},
          {"message_id", receipt.message_id},
          {"size_octets", receipt.size_octets},
          {"server_reply", receipt.server_reply},
          {"accepted", accepted},
          {"rejected", rejected},
          {"recipients", std::move(recipients)}};
}

/// Returns "mail.send argument 'NAME'", the start of every message about an argument.
std::string argument(const std::string& op, const std::string& name) {
  return op + " argument '" + name + "'";
}

/// Returns `status` with `subject` put in front of its message: the checks of mail_input.h
/// word their messages to follow the name of the value ("... 'to[0]' has a comma").
Status about(const std::string& subject, const Status& status) {
  return Status(status.code(), subject + " " + status.message());
}

/// Rejects every key of the object `value` that is not in `known`.
Status reject_unknown_keys(const json& value, const std::string& label,
                           std::initializer_list<const char*> known) {
  for (const auto& item : value.items()) {
    std::string names;
    bool listed = false;
    for (const char* name : known) {
      listed = listed || item.key() == name;
      names += (names.empty() ? "" : ", ") + std::string(name);
    }
    if (!listed) {
      return Status::invalid_argument(label + " has no key '" + item.key() +
                                      "'; valid keys: " + names);
    }
  }
  return Status();
}

/// Reads the string at `key` of the object `value`. A missing or null key is "" unless
/// `required`. A string that goes into a header must be one line, so CR, LF and NUL are
/// rejected.
Result<std::string> read_line_string(const json& value, const std::string& label,
                                     const std::string& key, bool required) {
  auto found = value.find(key);
  if (found == value.end() || found->is_null()) {
    if (required) return Status::invalid_argument(label + " needs the key '" + key + "'");
    return std::string();
  }
  if (!found->is_string()) {
    return Status::invalid_argument(label + " key '" + key + "' must be a string, got " +
                                    std::string(found->type_name()));
  }
  const std::string& text = found->get_ref<const std::string&>();
  if (const std::string bad = forbidden_header_character(text); !bad.empty()) {
    return Status::invalid_argument(label + " key '" + key + "' contains " + bad +
                                    ", which would start a new header line");
  }
  return text;
}

/// Reads a mailbox given as a string or as an object {address, name} at `value`, which the
/// messages call `name`.
Result<MailAddress> read_mailbox(const json& value, const std::string& op,
                                 const std::string& name) {
  const std::string label = argument(op, name);
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    auto mailbox = parse_mailbox(text);
    if (!mailbox.ok()) {
      // The value is quoted unless it contains a line break, which the message already names.
      const Status status = about(label, mailbox.status());
      if (!forbidden_header_character(text).empty()) return status;
      return Status(status.code(), status.message() + " (got " + json(text).dump() + ")");
    }
    return mailbox;
  }
  if (!value.is_object()) {
    return Status::invalid_argument(label +
                                    " must be an address string such as \"Jane <jane@example."
                                    "com>\" or an object {\"address\", \"name\"}, got " +
                                    std::string(value.type_name()));
  }
  if (Status s = reject_unknown_keys(value, label, {"address", "name"}); !s.ok()) return s;
  auto address = read_line_string(value, label, "address", true);
  if (!address.ok()) return address.status();
  auto display_name = read_line_string(value, label, "name", false);
  if (!display_name.ok()) return display_name.status();
  MailAddress mailbox{*address, *display_name};
  if (Status s = check_mailbox(mailbox); !s.ok()) return about(label, s);
  return mailbox;
}

/// Reads the optional array of mailboxes `name` ("to").
Result<std::vector<MailAddress>> read_mailbox_list(const json& args, const std::string& op,
                                                   const std::string& name) {
  std::vector<MailAddress> mailboxes;
  auto found = args.find(name);
  if (found == args.end() || found->is_null()) return mailboxes;
  if (!found->is_array()) {
    return Status::invalid_argument(argument(op, name) +
                                    " must be an array of addresses, such as "
                                    "[\"jane@example.com\"], got " +
                                    std::string(found->type_name()));
  }
  for (std::size_t i = 0; i < found->size(); ++i) {
    auto mailbox = read_mailbox((*found)[i], op, name + "[" + std::to_string(i) + "]");
    if (!mailbox.ok()) return mailbox.status();
    mailboxes.push_back(std::move(*mailbox));
  }
  return mailboxes;
}

Result<MailAttachment> read_attachment(const json& value, const std::string& op,
                                       const std::string& name) {
  const std::string label = argument(op, name);
  if (!value.is_object()) {
    return Status::invalid_argument(label +
                                    " must be an object {\"filename\", \"content_base64\", "
                                    "\"content_type\"}, got " +
                                    std::string(value.type_name()));
  }
  if (Status s = reject_unknown_keys(value, label,
                                     {"filename", "content_base64", "content_type", "content_id"});
      !s.ok()) {
    return s;
  }
  MailAttachment attachment;
  auto filename = read_line_string(value, label, "filename", true);
  if (!filename.ok()) return filename.status();
  if (filename->empty() || filename->find_first_of("/\\") != std::string::npos) {
    return Status::invalid_argument(label +
                                    " has a filename that is empty or names a folder; give "
                                    "the file's own name, such as report.pdf");
  }
  attachment.filename = std::move(*filename);
  auto content_type = read_line_string(value, label, "content_type", false);
  if (!content_type.ok()) return content_type.status();
  attachment.content_type = std::move(*content_type);
  auto content_id = read_line_string(value, label, "content_id", false);
  if (!content_id.ok()) return content_id.status();
  attachment.content_id = std::move(*content_id);

  auto encoded = value.find("content_base64");
  if (encoded == value.end() || !encoded->is_string()) {
    return Status::invalid_argument(label +
                                    " needs the key 'content_base64', the file's bytes in "
                                    "base64, as a string");
  }
  auto content = decode_base64(encoded->get_ref<const std::string&>());
  if (!content.ok()) {
    return Status::invalid_argument(
        label + " key 'content_base64' is not valid base64: " + content.status().message());
  }
  attachment.content = std::move(*content);
  return attachment;
}

Status read_attachments(const json& args, const std::string& op, MailMessage* message) {
  auto found = args.find("attachments");
  if (found == args.end() || found->is_null()) return Status();
  if (!found->is_array()) {
    return Status::invalid_argument(argument(op, "attachments") + " must be an array, got " +
                                    std::string(found->type_name()));
  }
  for (std::size_t i = 0; i < found->size(); ++i) {
    auto attachment = read_attachment((*found)[i], op, "attachments[" + std::to_string(i) + "]");
    if (!attachment.ok()) return attachment.status();
    message->attachments.push_back(std::move(*attachment));
  }
  return Status();
}

Status read_headers(const json& args, const std::string& op, MailMessage* message) {
  auto found = args.find("headers");
  if (found == args.end() || found->is_null()) return Status();
  if (!found->is_object()) {
    return Status::invalid_argument(argument(op, "headers") +
                                    " must be an object of strings, such as "
                                    "{\"X-Campaign\": \"spring\"}, got " +
                                    std::string(found->type_name()));
  }
  for (const auto& item : found->items()) {
    const std::string label = argument(op, "headers." + item.key());
    if (!item.value().is_string()) {
      return Status::invalid_argument(label + " must be a string, got " +
                                      std::string(item.value().type_name()));
    }
    const std::string& value = item.value().get_ref<const std::string&>();
    if (Status s = check_header(item.key(), value); !s.ok()) return about(label, s);
    if (auto built = header_built_from(item.key())) {
      return Status::invalid_argument(
          label + " is a header the sender builds " +
          (built->empty() ? std::string("itself") : "from the argument '" + *built + "'") +
          "; leave it out of 'headers'");
    }
    message->headers.emplace_back(item.key(), value);
  }
  return Status();
}

/// Reads the addresses of `args` into `message`.
Status read_addresses(const json& args, const std::string& op, MailMessage* message) {
  auto from = args.find("from");
  if (from == args.end() || from->is_null()) {
    return Status::invalid_argument(op + " needs the argument 'from'");
  }
  auto sender = read_mailbox(*from, op, "from");
  if (!sender.ok()) return sender.status();
  message->from = std::move(*sender);
  const std::pair<const char*, std::vector<MailAddress>*> lists[] = {
      {"to", &message->to},
      {"cc", &message->cc},
      {"bcc", &message->bcc},
      {"reply_to", &message->reply_to}};
  for (const auto& [name, target] : lists) {
    auto mailboxes = read_mailbox_list(args, op, name);
    if (!mailboxes.ok()) return mailboxes.status();
    *target = std::move(*mailboxes);
  }
  if (message->to.empty() && message->cc.empty() && message->bcc.empty()) {
    return Status::invalid_argument(op + " needs at least one recipient in 'to', 'cc' or 'bcc'");
  }
  return Status();
}

Result<MailMessage> read_message(const json& args, const std::string& op) {
  if (Status s = reject_unknown(args, op,
                                {"from", "to", "cc", "bcc", "reply_to", "subject", "text", "html",
                                 "attachments", "headers", "message_id"});
      !s.ok()) {
    return s;
  }
  MailMessage message;
  if (Status s = read_addresses(args, op, &message); !s.ok()) return s;
  if (auto found = args.find("subject"); found == args.end() || found->is_null()) {
    return Status::invalid_argument(op + " needs the argument 'subject'");
  }
  auto subject = optional_string(args, op, "subject");
  if (!subject.ok()) return subject.status();
  if (const std::string bad = forbidden_header_character(*subject); !bad.empty()) {
    return Status::invalid_argument(argument(op, "subject") + " contains " + bad +
                                    ", which would start a new header line");
  }
  message.subject = std::move(*subject);

  auto text = optional_string(args, op, "text");
  if (!text.ok()) return text.status();
  auto html = optional_string(args, op, "html");
  if (!html.ok()) return html.status();
  const auto is_present = [&args](const char* name) {
    auto found = args.find(name);
    return found != args.end() && !found->is_null();
  };
  if (!is_present("text") && !is_present("html")) {
    return Status::invalid_argument(op + " needs a body: the argument 'text', 'html' or both");
  }
  message.text_body = std::move(*text);
  message.html_body = std::move(*html);

  if (Status s = read_attachments(args, op, &message); !s.ok()) return s;
  if (Status s = read_headers(args, op, &message); !s.ok()) return s;
  auto message_id = optional_string(args, op, "message_id", true);
  if (!message_id.ok()) return message_id.status();
  if (!message_id->empty()) {
    auto parsed = parse_message_id(*message_id);
    if (!parsed.ok()) return about(argument(op, "message_id"), parsed.status());
    message.message_id = std::move(*parsed);
  }
  return message;
}

}  // namespace

Result<json> send_mail(const Host& host, const std::string& client_id, const MailMessage& message) {
  auto client = host.mail(client_id);
  if (!client.ok()) return client.status();
  auto receipt = (*client)->send(CallContext{}, message);
  if (!receipt.ok()) return receipt.status();
  return receipt_json(**client, *receipt);
}

Result<json> mail_send(const Host& host, const std::string& client_id, const json& args) {
  auto message = read_message(args, "mail.send");
  if (!message.ok()) return message.status();
  return send_mail(host, client_id, *message);
}

}  // namespace outbound::cli
