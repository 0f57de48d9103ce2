// `outbound demo`: one short scenario per configured client, to show the set-up works.

#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "command_support.h"
#include "commands.h"
#include "mail_operations.h"
#include "mail_text.h"
#include "operations.h"
#include "outbound/currency.h"
#include "terminal_text.h"

namespace outbound::cli {
namespace {

using nlohmann::json;

constexpr const char* kDemoHelp = R"(usage: outbound demo

Runs the demo through the configured clients, printing each step:
  auth      issues a token for demo-user and verifies it, with every auth client
  payment   charges 20.00 USD to the test card tok_visa (metadata demo=outbound) and
            refunds it in full, with every payment client
  mail      sends one message from demo@outbound.test to someone@outbound.test with the
            subject "outbound demo", a text and an HTML body, with every mail client, and
            prints the receipt
Kinds with no configured client are skipped and say so. A failed step is printed with its
error and the demo goes on with the next client. The exit code is that of the first failure.
)";

/// The demo charge: 20.00 USD in cents.
constexpr MinorUnits kDemoAmount = 2000;

/// Returns " (request id req_...)" for a payment result, or "" when the provider sent none.
std::string request_id_suffix(const json& result) {
  const std::string& request_id = result["request_id"].get_ref<const std::string&>();
  return request_id.empty() ? "" : " (request id " + request_id + ")";
}

/// Issues a token with the auth client `client` and verifies it, printing both steps.
void run_auth_demo(const Host& host, const std::string& client, Output& output, json& steps,
                   const std::function<void(const std::string&, const Status&)>& record_failure) {
  std::ostream& out = output.out();
  auto auth = host.auth(client);
  if (!auth.ok()) {
    record_failure("auth.issue", auth.status());
    return;
  }
  const json issue_args = {{"sub", "demo-user"}, {"claims", {{"scope", "demo"}}}};
  auto issued = run_operation(host, "auth.issue", client, issue_args);
  if (!issued.ok()) {
    record_failure("auth.issue", issued.status());
    return;
  }
  steps.push_back({{"step", "auth.issue"}, {"ok", true}, {"result", *issued}});
  if (!output.json()) {
    out << "auth.issue: client '" << client << "' (" << (*auth)->plugin_name() << " "
        << (*auth)->plugin_version() << ") signed a token for demo-user with "
        << (*issued)["algorithm"].get<std::string>();
    const std::string key_id = (*issued)["key_id"].get<std::string>();
    if (!key_id.empty()) out << " (key id " << key_id << ")";
    out << ", expiring " << format_utc((*issued)["expires_at"].get<std::int64_t>()) << ":\n"
        << (*issued)["token"].get<std::string>() << '\n';
  }
  auto verified = run_operation(host, "auth.verify", client, {{"token", (*issued)["token"]}});
  if (!verified.ok()) {
    record_failure("auth.verify", verified.status());
    return;
  }
  steps.push_back({{"step", "auth.verify"}, {"ok", true}, {"result", *verified}});
  if (!output.json()) {
    out << "auth.verify: the token is valid; its claims:\n"
        << (*verified)["claims"].dump(2) << '\n';
  }
}

/// Charges 20.00 USD to the test card tok_visa with the payment client `client`, then refunds
/// the charge in full, printing both steps.
void run_payment_demo(
    const Host& host, const std::string& client, Output& output, json& steps,
    const std::function<void(const std::string&, const Status&)>& record_failure) {
  std::ostream& out = output.out();
  const json charge_args = {{"amount", kDemoAmount},
                            {"currency", "usd"},
                            {"source", "tok_visa"},
                            {"description", "outbound demo"},
                            {"metadata", {{"demo", "outbound"}}}};
  auto charged = run_operation(host, "pay.charge", client, charge_args);
  if (!charged.ok()) {
    record_failure("pay.charge", charged.status());
    return;
  }
  steps.push_back({{"step", "pay.charge"}, {"ok", true}, {"result", *charged}});
  const std::string charge_id = (*charged)["id"].get<std::string>();
  if (!output.json()) {
    // The line is escaped as a whole because the ids and the status come from the provider.
    std::ostringstream line;
    line << "pay.charge: client '" << client << "' (" << (*charged)["plugin"].get<std::string>()
         << " " << (*charged)["plugin_version"].get<std::string>() << ") charged "
         << format_amount((*charged)["amount"].get<MinorUnits>(),
                          (*charged)["currency"].get<std::string>())
         << " to tok_visa: " << charge_id << ", " << (*charged)["status"].get<std::string>()
         << ((*charged)["captured"].get<bool>() ? ", captured" : ", not captured")
         << request_id_suffix(*charged);
    out << escape_for_terminal(line.str()) << '\n';
  }
  auto refunded = run_operation(host, "pay.refund", client, {{"payment_id", charge_id}});
  if (!refunded.ok()) {
    record_failure("pay.refund", refunded.status());
    return;
  }
  steps.push_back({{"step", "pay.refund"}, {"ok", true}, {"result", *refunded}});
  if (!output.json()) {
    std::ostringstream line;
    line << "pay.refund: client '" << client << "' refunded "
         << format_amount((*refunded)["amount"].get<MinorUnits>(),
                          (*refunded)["currency"].get<std::string>())
         << " of " << charge_id << ": " << (*refunded)["id"].get<std::string>() << ", "
         << (*refunded)["status"].get<std::string>() << request_id_suffix(*refunded);
    out << escape_for_terminal(line.str()) << '\n';
  }
}

/// Sends the demo message with the mail client `client` and prints its receipt.
void run_mail_demo(const Host& host, const std::string& client, Output& output, json& steps,
                   const std::function<void(const std::string&, const Status&)>& record_failure) {
  MailMessage message;
  message.from = {"demo@outbound.test", "outbound demo"};
  message.to = {{"someone@outbound.test", ""}};
  message.subject = "outbound demo";
  message.text_body =
      "This message was sent by `outbound demo` to show that the mail client works.\n";
  message.html_body =
      "<!DOCTYPE html>\n<html><body><p>This message was sent by <code>outbound demo</code> "
      "to show that the mail client works.</p></body></html>\n";
  auto sent = send_mail(host, client, message);
  if (!sent.ok()) {
    record_failure("mail.send", sent.status());
    return;
  }
  steps.push_back({{"step", "mail.send"}, {"ok", true}, {"result", *sent}});
  if (output.json()) return;
  std::ostream& out = output.out();
  out << "mail.send: client '" << client << "' ("
      << escape_for_terminal((*sent)["plugin"].get<std::string>()) << " "
      << escape_for_terminal((*sent)["plugin_version"].get<std::string>()) << ") sent message "
      << escape_for_terminal((*sent)["message_id"].get<std::string>()) << " from "
      << message.from.address << ", " << (*sent)["size_octets"].get<std::size_t>() << " octets\n";
  for (const json& recipient : (*sent)["recipients"]) {
    out << "  " << escape_for_terminal(recipient["address"].get<std::string>()) << ": "
        << (recipient["accepted"].get<bool>() ? "accepted" : "rejected") << " ("
        << describe_recipient_reply(recipient) << ")\n";
  }
  const std::string& server_reply = (*sent)["server_reply"].get_ref<const std::string&>();
  if (!server_reply.empty()) out << "  server reply: " << escape_for_terminal(server_reply) << '\n';
}

}  // namespace

int run_demo(const Invocation& invocation) {
  ParsedArguments arguments;
  int exit_code = kExitOk;
  if (!parse(invocation, {}, kDemoHelp, 0, &arguments, &exit_code)) return exit_code;
  auto host = invocation.open_host(&exit_code);
  if (!host) return exit_code;

  Output& output = *invocation.output;
  std::ostream& out = output.out();
  json steps = json::array();
  int result = kExitOk;
  auto record_failure = [&](const std::string& step, const Status& unredacted) {
    const Status status = output.redacted(unredacted);
    steps.push_back({{"step", step}, {"ok", false}, {"error", error_json(status)}});
    if (!output.json()) {
      out << step << ": failed: " << escape_for_terminal(status.to_string()) << '\n';
      const std::string details = describe_provider_details(status.provider());
      if (!details.empty()) out << "  provider details: " << escape_for_terminal(details) << '\n';
      if (!status.provider().request_id.empty()) {
        out << "  provider request id: " << escape_for_terminal(status.provider().request_id)
            << '\n';
      }
    }
    if (result == kExitOk) result = exit_code_for(status);
  };

  if (!output.json()) out << "demo: configuration " << host->config_file().string() << '\n';
  std::vector<std::string> auth_clients;
  for (const ClientInfo& info : host->clients()) {
    if (info.kind == ClientKind::kAuth) auth_clients.push_back(info.id);
  }
  if (auth_clients.empty()) {
    const Status missing = host->auth().status();
    steps.push_back({{"step", "auth"}, {"skipped", missing.message()}});
    if (!output.json()) out << "auth: skipped: " << missing.message() << '\n';
  }
  for (const std::string& client : auth_clients) {
    run_auth_demo(*host, client, output, steps, record_failure);
  }
  std::vector<std::string> payment_clients;
  for (const ClientInfo& info : host->clients()) {
    if (info.kind == ClientKind::kPayment) payment_clients.push_back(info.id);
  }
  if (payment_clients.empty()) {
    const Status missing = host->payments().status();
    steps.push_back({{"step", "payment"}, {"skipped", missing.message()}});
    if (!output.json()) out << "payment: skipped: " << missing.message() << '\n';
  }
  for (const std::string& client : payment_clients) {
    run_payment_demo(*host, client, output, steps, record_failure);
  }
  std::vector<std::string> mail_clients;
  for (const ClientInfo& info : host->clients()) {
    if (info.kind == ClientKind::kMail) mail_clients.push_back(info.id);
  }
  if (mail_clients.empty()) {
    const Status no_mail = host->mail().status();
    steps.push_back({{"step", "mail"}, {"skipped", no_mail.message()}});
    if (!output.json()) out << "mail: skipped: " << no_mail.message() << '\n';
  }
  for (const std::string& client : mail_clients) {
    run_mail_demo(*host, client, output, steps, record_failure);
  }
  if (output.json()) {
    output.print_json({{"ok", result == kExitOk}, {"steps", steps}});
  } else {
    out << (result == kExitOk ? "demo: done\n" : "demo: failed\n");
  }
  return result;
}

}  // namespace outbound::cli
