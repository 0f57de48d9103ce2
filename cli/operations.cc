#include "operations.h"

#include <chrono>

#include "mail_operations.h"
#include "operation_args.h"
#include "pay_operations.h"

namespace outbound::cli {
namespace {

using nlohmann::json;

Result<json> auth_issue(const Host& host, const std::string& client_id, const json& args) {
  const std::string op = "auth.issue";
  if (Status s = reject_unknown(args, op, {"sub", "claims", "ttl"}); !s.ok()) return s;
  auto subject = required_string(args, op, "sub");
  if (!subject.ok()) return subject.status();

  IssueRequest request;
  request.subject = *subject;
  if (auto claims = args.find("claims"); claims != args.end()) {
    if (!claims->is_object()) {
      return Status::invalid_argument(op + " argument 'claims' must be a JSON object");
    }
    request.claims_json = claims->dump();
  }
  if (auto ttl = args.find("ttl"); ttl != args.end()) {
    if (!ttl->is_number_integer() || ttl->get<std::int64_t>() <= 0) {
      return Status::invalid_argument(op +
                                      " argument 'ttl' must be a positive whole number of "
                                      "seconds");
    }
    request.ttl = std::chrono::seconds(ttl->get<std::int64_t>());
  }

  auto client = host.auth(client_id);
  if (!client.ok()) return client.status();
  auto issued = (*client)->issue(CallContext{}, request);
  if (!issued.ok()) return issued.status();
  return json{{"client", (*client)->id()},
              {"token", issued->token},
              {"algorithm", issued->algorithm},
              {"key_id", issued->key_id},
              {"issued_at", to_unix_seconds(issued->issued_at)},
              {"expires_at", to_unix_seconds(issued->expires_at)}};
}

Result<json> auth_verify(const Host& host, const std::string& client_id, const json& args) {
  const std::string op = "auth.verify";
  if (Status s = reject_unknown(args, op, {"token"}); !s.ok()) return s;
  auto token = required_string(args, op, "token");
  if (!token.ok()) return token.status();

  auto client = host.auth(client_id);
  if (!client.ok()) return client.status();
  auto verified = (*client)->verify(CallContext{}, VerifyRequest{*token});
  if (!verified.ok()) return verified.status();
  json result = {{"client", (*client)->id()},
                 {"valid", true},
                 {"subject", verified->subject},
                 {"algorithm", verified->algorithm},
                 {"key_id", verified->key_id},
                 {"header", parse_or_text(verified->header_json)},
                 {"claims", parse_or_text(verified->claims_json)}};
  if (verified->expires_at) result["expires_at"] = to_unix_seconds(*verified->expires_at);
  return result;
}

Result<json> check(const Host& host, const std::string& client_id, const json& args) {
  if (Status s = reject_unknown(args, "check", {}); !s.ok()) return s;
  json clients = json::array();
  Status first_failure;
  for (const ClientInfo& info : host.clients()) {
    if (!client_id.empty() && info.id != client_id) continue;
    auto client = host.client(info.id);
    Status health = client.ok() ? (*client)->health_check(CallContext{}) : client.status();
    json entry = {{"id", info.id},
                  {"kind", std::string(client_kind_name(info.kind))},
                  {"plugin", info.plugin_name},
                  {"version", info.plugin_version},
                  {"healthy", health.ok()}};
    if (!health.ok()) {
      entry["error"] = health.message();
      if (first_failure.ok()) {
        // Plugins usually name the client in their messages already.
        const std::string name = "client '" + info.id + "'";
        first_failure =
            health.message().find(name) == std::string::npos ? health.with_context(name) : health;
      }
    }
    clients.push_back(std::move(entry));
  }
  if (!client_id.empty() && clients.empty()) {
    return Status::not_found("no client '" + client_id + "' is configured");
  }
  if (!first_failure.ok()) return first_failure;
  return json{{"clients", std::move(clients)}};
}

}  // namespace

const std::vector<std::string>& operation_names() {
  static const std::vector<std::string> names = {"auth.issue",         "auth.verify", "pay.charge",
                                                 "pay.refund",         "pay.capture", "pay.get",
                                                 "pay.webhook_verify", "mail.send",   "check"};
  return names;
}

Result<json> run_operation(const Host& host, const std::string& op, const std::string& client_id,
                           const json& args, json* error_fields) {
  if (Status s = expect_object(args, op); !s.ok()) return s;
  if (op == "auth.issue") return auth_issue(host, client_id, args);
  if (op == "auth.verify") return auth_verify(host, client_id, args);
  if (op == "pay.charge") return pay_charge(host, client_id, args, error_fields);
  if (op == "pay.refund") return pay_refund(host, client_id, args, error_fields);
  if (op == "pay.capture") return pay_capture(host, client_id, args, error_fields);
  if (op == "mail.send") return mail_send(host, client_id, args);
  if (op == "pay.get") return pay_get(host, client_id, args);
  if (op == "pay.webhook_verify") return pay_webhook_verify(host, client_id, args);
  if (op == "check") return check(host, client_id, args);
  std::string names;
  for (const auto& name : operation_names()) names += (names.empty() ? "" : ", ") + name;
  return Status::invalid_argument("unknown operation '" + op + "'; valid operations: " + names);
}

}  // namespace outbound::cli
