// A mail plugin for the command-line tests that delivers nothing and never touches the
// network. It records each message it is given, so that a test can check what the command
// passed to the plugin. Its reply to each envelope recipient depends on the address:
//
// - an address containing "reject" is refused for good: 550 5.1.1;
// - one containing "busy" is refused for now: 451 4.2.1;
// - one containing "vanish" makes the whole send fail as if the server went silent after the
//   message data: kUnavailable, reason unknown_outcome, not retryable;
// - any other is accepted: 250 2.1.5.
//
// When no recipient accepts the message, the result is what the smtp plugin returns: reason
// all_recipients_rejected (kInvalidArgument) when every refusal is permanent, else
// recipients_deferred (kUnavailable, retryable). The envelope is to, cc and bcc in that
// order, without duplicates (compared without case).
//
// Settings: an empty object, or {"state_file": PATH} to append every call to a JSON file:
// {"calls": N, "messages": [...]}, each message with its addresses, subject, headers and
// Message-ID as strings and its bodies and attachment contents in base64, so that any bytes
// survive. Only messages that at least one recipient accepted are appended. A relative PATH
// resolves against the configuration's folder.

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "outbound/plugin.h"

namespace {

using nlohmann::json;
using outbound::CallContext;
using outbound::MailAddress;
using outbound::MailMessage;
using outbound::MailReceipt;
using outbound::RecipientResult;
using outbound::Result;
using outbound::Status;

namespace fs = std::filesystem;

constexpr const char* kPluginName = "stub-mail";

std::string encode_base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string encoded;
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned value = (static_cast<unsigned char>(bytes[i]) << 16) |
                           (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                           static_cast<unsigned char>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) encoded += kAlphabet[(value >> shift) & 0x3f];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned value = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) value |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    encoded += kAlphabet[(value >> 18) & 0x3f];
    encoded += kAlphabet[(value >> 12) & 0x3f];
    encoded += rest == 2 ? kAlphabet[(value >> 6) & 0x3f] : '=';
    encoded += '=';
  }
  return encoded;
}

std::string lower_case(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

json mailbox_json(const MailAddress& mailbox) {
  return {{"address", mailbox.address}, {"name", mailbox.display_name}};
}

json mailboxes_json(const std::vector<MailAddress>& mailboxes) {
  json list = json::array();
  for (const MailAddress& mailbox : mailboxes) list.push_back(mailbox_json(mailbox));
  return list;
}

/// Returns the record of a message as the state file keeps it.
json message_json(const MailMessage& message, const std::string& message_id,
                  const CallContext& context) {
  json attachments = json::array();
  for (const auto& attachment : message.attachments) {
    attachments.push_back({{"filename", attachment.filename},
                           {"content_type", attachment.content_type},
                           {"content_id", attachment.content_id},
                           {"content_base64", encode_base64(attachment.content)},
                           {"size", attachment.content.size()}});
  }
  json headers = json::array();
  for (const auto& [name, value] : message.headers) headers.push_back({name, value});
  return {{"from", mailbox_json(message.from)},
          {"to", mailboxes_json(message.to)},
          {"cc", mailboxes_json(message.cc)},
          {"bcc", mailboxes_json(message.bcc)},
          {"reply_to", mailboxes_json(message.reply_to)},
          {"subject", message.subject},
          {"text_base64", encode_base64(message.text_body)},
          {"html_base64", encode_base64(message.html_body)},
          {"attachments", std::move(attachments)},
          {"headers", std::move(headers)},
          {"message_id", message_id},
          {"given_message_id", message.message_id},
          {"envelope_from", message.envelope_from},
          {"has_deadline", context.deadline != CallContext::TimePoint{}}};
}

/// Returns the envelope recipients: to, cc and bcc in order, without duplicates.
std::vector<std::string> envelope(const MailMessage& message) {
  std::vector<std::string> recipients;
  std::set<std::string> seen;
  for (const auto* list : {&message.to, &message.cc, &message.bcc}) {
    for (const MailAddress& mailbox : *list) {
      if (seen.insert(lower_case(mailbox.address)).second) recipients.push_back(mailbox.address);
    }
  }
  return recipients;
}

RecipientResult reply_to_recipient(const std::string& address) {
  if (contains(address, "reject")) return {address, false, 550, "5.1.1", "mailbox unavailable"};
  if (contains(address, "busy")) return {address, false, 451, "4.2.1", "mailbox busy, try later"};
  return {address, true, 250, "2.1.5", "OK"};
}

/// Returns the error of a send that no recipient accepted, worded like the smtp plugin's.
Status no_recipient_status(const std::vector<RecipientResult>& recipients) {
  bool transient = false;
  std::string list;
  for (const RecipientResult& recipient : recipients) {
    transient = transient || recipient.reply_code / 100 == 4;
    list += (list.empty() ? "" : ", ") + recipient.address + " (" +
            std::to_string(recipient.reply_code) + " " + recipient.enhanced_code + " " +
            recipient.reply + ")";
  }
  outbound::ProviderDetails details;
  details.reply_code = recipients.front().reply_code;
  details.code = recipients.front().enhanced_code;
  if (transient) {
    return Status::unavailable("the stub accepted no recipient, and some only for now: " + list +
                               "; the message was not sent")
        .set_retryable(true)
        .set_reason("recipients_deferred")
        .set_provider(details);
  }
  return Status::invalid_argument("the stub rejected every recipient: " + list +
                                  "; the message was not sent")
      .set_retryable(false)
      .set_reason("all_recipients_rejected")
      .set_provider(details);
}

class StubMail final : public outbound::MailSender {
 public:
  static Result<std::unique_ptr<StubMail>> create(const outbound::PluginContext& context) {
    const json settings = json::parse(context.settings_json, nullptr, false);
    if (!settings.is_object()) {
      return Status::invalid_argument(std::string(kPluginName) + " settings must be a JSON object");
    }
    std::string state_file;
    for (const auto& [key, value] : settings.items()) {
      if (key != "state_file") {
        return Status::invalid_argument(std::string(kPluginName) + " settings have no key '" + key +
                                        "'; valid keys: state_file");
      }
      if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
        return Status::invalid_argument(std::string(kPluginName) +
                                        " setting 'state_file' must be a non-empty path");
      }
      fs::path path = value.get<std::string>();
      if (path.is_relative()) path = fs::path(context.base_directory) / path;
      state_file = path.string();
    }
    return std::unique_ptr<StubMail>(new StubMail(context, std::move(state_file)));
  }

  const outbound::ClientInfo& info() const override { return info_; }

  Status health_check(const CallContext&) override {
    std::lock_guard lock(mutex_);
    return closed_ ? closed_error() : Status();
  }

  void close() override {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }

  Result<MailReceipt> send(const CallContext& context, const MailMessage& message) override {
    std::lock_guard lock(mutex_);
    if (closed_) return closed_error();
    json state = load();
    state["calls"] = state.value("calls", 0) + 1;
    save(state);

    const std::vector<std::string> recipients = envelope(message);
    if (recipients.empty()) return Status::invalid_argument("the message has no recipient");
    for (const std::string& address : recipients) {
      if (contains(address, "vanish")) {
        return Status::unavailable("the stub went silent after the message data for " + address +
                                   "; the message may have been accepted")
            .set_retryable(false)
            .set_reason("unknown_outcome");
      }
    }
    MailReceipt receipt;
    bool any_accepted = false;
    for (const std::string& address : recipients) {
      receipt.recipients.push_back(reply_to_recipient(address));
      any_accepted = any_accepted || receipt.recipients.back().accepted;
    }
    if (!any_accepted) return no_recipient_status(receipt.recipients);

    json& messages = state["messages"];
    if (!messages.is_array()) messages = json::array();
    const std::string number = std::to_string(messages.size() + 1);
    const std::string& from = message.from.address;
    receipt.message_id = !message.message_id.empty()
                             ? message.message_id
                             : "stub-" + number + from.substr(from.rfind('@'));
    const json record = message_json(message, receipt.message_id, context);
    receipt.size_octets = record.dump().size();
    receipt.server_reply = "250 2.0.0 queued as stub-" + number;
    messages.push_back(record);
    save(state);
    logger_->debug("send message_id={} recipients={}", receipt.message_id, recipients.size());
    return receipt;
  }

 private:
  StubMail(const outbound::PluginContext& context, std::string state_file)
      : info_(context.client), logger_(context.logger), state_file_(std::move(state_file)) {}

  Status closed_error() const {
    return Status::failed_precondition("client '" + info_.id + "' is closed");
  }

  json load() const {
    if (state_file_.empty() || !fs::exists(state_file_)) return json::object();
    std::ifstream file(state_file_);
    json state = json::parse(file, nullptr, false);
    return state.is_object() ? state : json::object();
  }

  /// Writes the state file through a temporary file, so a reader never sees half of it. A
  /// failure is logged; the test that reads the file then fails on what is missing.
  void save(const json& state) const {
    if (state_file_.empty()) return;
    const std::string temporary = state_file_ + ".tmp";
    {
      std::ofstream file(temporary, std::ios::trunc);
      file << state.dump(2, ' ', false, json::error_handler_t::replace);
      if (!file) {
        logger_->error("cannot write state file '{}'", temporary);
        return;
      }
    }
    std::error_code error;
    fs::rename(temporary, state_file_, error);
    if (error) logger_->error("cannot replace state file '{}': {}", state_file_, error.message());
  }

  const outbound::ClientInfo info_;
  const std::shared_ptr<spdlog::logger> logger_;
  const std::string state_file_;

  std::mutex mutex_;
  bool closed_ = false;
};

}  // namespace

OUTBOUND_PLUGIN(StubMail, "stub-mail", "1.0.0")
