// `outbound mail send`: builds a message from the options, checks what would corrupt its
// headers before any client is called, and sends it through send_mail, the same path as the
// `mail.send` batch operation.

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

#include "command_support.h"
#include "commands.h"
#include "mail_input.h"
#include "mail_operations.h"
#include "mail_text.h"

namespace outbound::cli {
namespace {

using nlohmann::json;

constexpr const char* kMailSendHelp =
    R"(usage: outbound mail send --from A --to B [--to C]... [--cc A]... [--bcc A]...
           [--reply-to A]... --subject S [--text T | --text-file F] [--html-file F]
           [--attach F]... [--header K=V]... [--message-id ID] [--client ID]

Sends one message and prints its Message-ID, its size, and each recipient's reply: accepted,
or rejected with the server's code and text.
  --from A            the sender, as an address (jane@example.com) or with a display name
                      ("Jane Doe <jane@example.com>"; quote a name with a comma:
                      '"Doe, Jane" <jane@example.com>')
  --to A              a recipient; repeatable, one address each
  --cc A              a recipient shown in the Cc header; repeatable
  --bcc A             a recipient left out of every header; repeatable
  --reply-to A        an address for replies (the Reply-To header); repeatable
  --subject S         the subject, one line; may be empty
  --text T            the plain-text body
  --text-file F       the plain-text body from file F, or from standard input with -
  --html-file F       an HTML body from file F (or - for standard input); with a text body
                      both go out as alternatives, and alone it is the only body
  --attach F          attach file F under its own name; the plugin picks the content type
                      from the name; repeatable
  --header K=V        an extra header field, such as X-Campaign=spring; repeatable. Headers
                      that other options set (From, To, Cc, Bcc, Reply-To, Subject,
                      Message-ID) and those the sender makes (Date, MIME-Version,
                      Content-*) are not allowed
  --message-id ID     the Message-ID, such as order-42@example.com (default: the plugin
                      makes one with the sender's domain)
  --client ID         the mail client to use when several are configured

At least one recipient (--to, --cc or --bcc) and a body (--text, --text-file or --html-file)
are required. Line endings in the bodies are normalised by the plugin.

Exit 0 when at least one recipient accepted the message, even if others were rejected.
Exit 2 (usage error) for a malformed option, including a line break (CR or LF) in an
address, the subject, a header or the Message-ID, or a file that cannot be read. Exit 4
when every recipient was rejected for good (SMTP 5xx, reason all_recipients_rejected), the
server refused the login (535) or the plugin rejected the message. Exit 5 for a temporary
failure: a 4xx reply, a timeout, a refused connection; with reason unknown_outcome the
server may have accepted the message, so check before sending it again.
)";

/// Reads the whole file `name`, or standard input for "-", as raw bytes.
Result<std::string> read_input(const std::string& name, const std::string& option) {
  if (name == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::error_code error;
  const auto type = std::filesystem::status(name, error).type();
  if (error) {
    return Status::invalid_argument(option + " '" + name + "' cannot be read (" + error.message() +
                                    "); check the path");
  }
  if (type != std::filesystem::file_type::regular) {
    return Status::invalid_argument(option + " '" + name +
                                    "' is not a regular file (a folder, say); give a file");
  }
  std::ifstream file(name, std::ios::binary);
  if (!file) {
    return Status::invalid_argument(option + " '" + name +
                                    "' cannot be opened; check that this user may read it");
  }
  std::string content((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (file.bad()) {
    return Status::invalid_argument(option + " '" + name + "' could not be read to the end");
  }
  return content;
}

/// Reads every value of the repeatable address option `option` ("to").
Result<std::vector<MailAddress>> read_mailboxes(const ParsedArguments& arguments,
                                                const std::string& option) {
  std::vector<MailAddress> mailboxes;
  for (const std::string& value : arguments.values(option)) {
    auto mailbox = parse_mailbox(value);
    if (!mailbox.ok()) {
      return Status::invalid_argument("--" + option + " '" + value + "' " +
                                      mailbox.status().message());
    }
    mailboxes.push_back(std::move(*mailbox));
  }
  return mailboxes;
}

Status read_addresses(const ParsedArguments& arguments, MailMessage* message) {
  auto from = read_mailboxes(arguments, "from");
  if (!from.ok()) return from.status();
  if (from->empty()) {
    return Status::invalid_argument("--from is required: the sender's address");
  }
  message->from = std::move(from->front());
  const std::pair<const char*, std::vector<MailAddress>*> lists[] = {
      {"to", &message->to},
      {"cc", &message->cc},
      {"bcc", &message->bcc},
      {"reply-to", &message->reply_to}};
  for (const auto& [option, target] : lists) {
    auto mailboxes = read_mailboxes(arguments, option);
    if (!mailboxes.ok()) return mailboxes.status();
    *target = std::move(*mailboxes);
  }
  if (message->to.empty() && message->cc.empty() && message->bcc.empty()) {
    return Status::invalid_argument("a recipient is required: give --to, --cc or --bcc");
  }
  return Status();
}

Status read_bodies(const ParsedArguments& arguments, MailMessage* message) {
  const auto text = arguments.value("text");
  const auto text_file = arguments.value("text-file");
  const auto html_file = arguments.value("html-file");
  if (text && text_file) {
    return Status::invalid_argument("--text and --text-file both give the text body; give one");
  }
  if (!text && !text_file && !html_file) {
    return Status::invalid_argument("a body is required: give --text, --text-file or --html-file");
  }
  if (text_file && html_file && *text_file == "-" && *html_file == "-") {
    return Status::invalid_argument(
        "--text-file and --html-file cannot both read standard input; give one a file");
  }
  if (text) message->text_body = *text;
  if (text_file) {
    auto body = read_input(*text_file, "--text-file");
    if (!body.ok()) return body.status();
    message->text_body = std::move(*body);
  }
  if (html_file) {
    auto body = read_input(*html_file, "--html-file");
    if (!body.ok()) return body.status();
    if (body->empty()) {
      return Status::invalid_argument("--html-file '" + *html_file + "' is empty");
    }
    message->html_body = std::move(*body);
  }
  return Status();
}

Status read_attachments(const ParsedArguments& arguments, MailMessage* message) {
  for (const std::string& path : arguments.values("attach")) {
    if (path == "-") {
      return Status::invalid_argument("--attach needs a file; standard input has no file name");
    }
    auto content = read_input(path, "--attach");
    if (!content.ok()) return content.status();
    MailAttachment attachment;
    attachment.filename = std::filesystem::path(path).filename().string();
    if (attachment.filename.empty()) {
      return Status::invalid_argument("--attach '" + path + "' names a folder, not a file");
    }
    attachment.content = std::move(*content);
    message->attachments.push_back(std::move(attachment));
  }
  return Status();
}

Status read_headers(const ParsedArguments& arguments, MailMessage* message) {
  for (const std::string& header : arguments.values("header")) {
    const auto equals = header.find('=');
    if (equals == std::string::npos) {
      return Status::invalid_argument("--header '" + header +
                                      "' must look like NAME=VALUE, such as X-Campaign=spring");
    }
    const std::string name = header.substr(0, equals);
    const std::string value = header.substr(equals + 1);
    if (Status s = check_header(name, value); !s.ok()) {
      return Status::invalid_argument("--header '" + header + "' " + s.message());
    }
    if (auto built = header_built_from(name)) {
      std::string option = *built;
      for (char& c : option) c = c == '_' ? '-' : c;
      return Status::invalid_argument("--header '" + name + "' is not allowed: " +
                                      (built->empty()
                                           ? std::string("the sender makes that header itself")
                                           : "give it with --" + option));
    }
    message->headers.emplace_back(name, value);
  }
  return Status();
}

/// Builds the message from the options. Every problem is a usage error naming the option.
Result<MailMessage> read_message(const ParsedArguments& arguments) {
  MailMessage message;
  if (Status s = read_addresses(arguments, &message); !s.ok()) return s;
  const auto subject = arguments.value("subject");
  if (!subject) return Status::invalid_argument("--subject is required (it may be empty)");
  if (const std::string bad = forbidden_header_character(*subject); !bad.empty()) {
    return Status::invalid_argument("--subject contains " + bad +
                                    ", which would start a new header line; give one line");
  }
  message.subject = *subject;
  if (Status s = read_bodies(arguments, &message); !s.ok()) return s;
  if (Status s = read_attachments(arguments, &message); !s.ok()) return s;
  if (Status s = read_headers(arguments, &message); !s.ok()) return s;
  if (const auto message_id = arguments.value("message-id")) {
    auto parsed = parse_message_id(*message_id);
    if (!parsed.ok()) {
      return Status::invalid_argument("--message-id '" + *message_id + "' " +
                                      parsed.status().message());
    }
    message.message_id = std::move(*parsed);
  }
  return message;
}

/// Returns a hint for a failed send, or "" when the error needs none.
std::string failure_hint(const Status& status) {
  if (status.reason() == "unknown_outcome") {
    return "the server may have accepted the message before the connection failed; check the "
           "recipient's mailbox or the server's log before sending it again";
  }
  return "";
}

}  // namespace

int run_mail_send(const Invocation& invocation) {
  ParsedArguments arguments;
  int exit_code = kExitOk;
  const std::vector<OptionSpec> specs = {{"from"},
                                         {"to", true, true},
                                         {"cc", true, true},
                                         {"bcc", true, true},
                                         {"reply-to", true, true},
                                         {"subject"},
                                         {"text"},
                                         {"text-file"},
                                         {"html-file"},
                                         {"attach", true, true},
                                         {"header", true, true},
                                         {"message-id"},
                                         {"client"}};
  if (!parse(invocation, specs, kMailSendHelp, 0, &arguments, &exit_code)) return exit_code;
  Output& output = *invocation.output;
  auto message = read_message(arguments);
  if (!message.ok()) return output.usage(message.status().message(), invocation.command);

  auto host = invocation.open_host(&exit_code);
  if (!host) return exit_code;
  auto receipt = send_mail(*host, arguments.value("client").value_or(""), *message);
  if (!receipt.ok()) {
    const int code =
        output.fail(with_client_choice(receipt.status(), "choose one with --client ID"),
                    exit_code_for_lookup(receipt.status()));
    const std::string hint = failure_hint(receipt.status());
    if (!output.json() && !hint.empty()) output.err() << hint << '\n';
    return code;
  }
  if (output.json()) {
    output.print_json(*receipt);
  } else {
    print_mail_receipt_text(*receipt, output.out());
  }
  return kExitOk;
}

}  // namespace outbound::cli
