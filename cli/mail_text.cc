#include "mail_text.h"

#include <iomanip>
#include <ostream>
#include <string>

#include "terminal_text.h"

namespace outbound::cli {
namespace {

using nlohmann::json;

const std::string& text_of(const json& document, const char* name) {
  return document[name].get_ref<const std::string&>();
}

void print_field(std::ostream& out, const std::string& label, const std::string& value) {
  out << "  " << std::left << std::setw(18) << label + ":" << value << '\n';
}

}  // namespace

std::string describe_recipient_reply(const json& recipient) {
  const int code = recipient["reply_code"].get<int>();
  if (code == 0) return "not sent to a server";
  std::string reply = std::to_string(code);
  for (const char* part : {"enhanced_code", "reply"}) {
    if (!text_of(recipient, part).empty()) reply += " " + text_of(recipient, part);
  }
  return escape_for_terminal(reply);
}

void print_mail_receipt_text(const json& receipt, std::ostream& out) {
  out << "client '" << escape_for_terminal(text_of(receipt, "client")) << "' ("
      << escape_for_terminal(text_of(receipt, "plugin")) << " "
      << escape_for_terminal(text_of(receipt, "plugin_version")) << "): sent message "
      << escape_for_terminal(text_of(receipt, "message_id")) << '\n';
  print_field(out, "size", std::to_string(receipt["size_octets"].get<std::size_t>()) + " octets");
  if (!text_of(receipt, "server_reply").empty()) {
    print_field(out, "server reply", escape_for_terminal(text_of(receipt, "server_reply")));
  }
  for (const json& recipient : receipt["recipients"]) {
    const bool accepted = recipient["accepted"].get<bool>();
    std::string line = escape_for_terminal(text_of(recipient, "address")) + " (" +
                       describe_recipient_reply(recipient) + ")";
    if (!accepted) {
      const int code = recipient["reply_code"].get<int>();
      line += code >= 400 && code < 500
                  ? "; temporary, so sending to this recipient again later may work"
                  : "; permanent";
    }
    print_field(out, accepted ? "accepted" : "rejected", line);
  }
  const auto accepted = receipt["accepted"].get<int>();
  const auto total = accepted + receipt["rejected"].get<int>();
  print_field(out, "recipients",
              std::to_string(accepted) + " of " + std::to_string(total) + " accepted");
}

}  // namespace outbound::cli
