#pragma once

#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

namespace outbound::cli {

/// Prints a mail receipt document (see send_mail in mail_operations.h) for `mail send`
/// without --json: a line naming the client, plugin and message id, then the size, the
/// server's reply, one line per recipient with its reply, and the count accepted. Every
/// string from the server is printed through escape_for_terminal.
void print_mail_receipt_text(const nlohmann::json& receipt, std::ostream& out);

/// Returns a recipient's reply for people: "250 2.1.5 OK", or "not sent to a server" when it
/// has no reply code.
std::string describe_recipient_reply(const nlohmann::json& recipient);

}  // namespace outbound::cli
