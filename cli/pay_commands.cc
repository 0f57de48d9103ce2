// The `outbound pay` commands. Each turns its options into the arguments of a payment
// operation (pay_operations.h) and prints the result, so a command and the same batch line
// give the same result document.

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "amount.h"
#include "command_support.h"
#include "commands.h"
#include "pay_text.h"

namespace outbound::cli {
namespace {

using nlohmann::json;

constexpr const char* kChargeHelp =
    R"(usage: outbound pay charge --amount MINOR --currency CUR --source TOKEN [--customer ID]
           [--description T] [--metadata K=V]... [--idempotency-key K] [--no-capture]
           [--account ACCT] [--client ID]

Creates a charge and prints it: id, amount, status, whether it is captured and refunded, and
the provider's request id.
  --amount MINOR          the amount in the currency's minor unit, digits only: 2000 is
                          20.00 USD, 500 is 500 JPY, 5120 is 5.120 KWD
  --currency CUR          ISO 4217 code, such as usd
  --source TOKEN          the card token or source id, such as tok_visa
  --customer ID           the customer to charge
  --description T         a description stored with the charge
  --metadata K=V          a metadata entry; repeatable
  --idempotency-key K     the key that makes a repeated request return the first result
                          instead of charging again (default: a new key for each run)
  --no-capture            authorise only; the charge is captured later
  --account ACCT          act for this connected account
  --client ID             the payment client to use when several are configured

Exit 2 (usage error) for a malformed option, including an --amount that is not digits only
(12.50, 1e3, -5, abc, or above 9223372036854775807). Exit 4 (rejected) for a value the
payment rules refuse: a currency that is not an ISO 4217 code, an amount of 0, a three-decimal
currency amount not a multiple of 10, or a declined card (reason card_declined, with the
provider's code and decline code). Exit 5 when the provider is unavailable.
)";

constexpr const char* kRefundHelp =
    R"(usage: outbound pay refund PAYMENT_ID [--amount MINOR] [--reason R] [--metadata K=V]...
           [--idempotency-key K] [--account ACCT] [--client ID]

Refunds a payment in full, or in part with --amount, and prints the refund. A PAYMENT_ID
starting with pi_ is a payment intent; any other is a charge.
  --amount MINOR          the amount to refund in the payment's minor unit, digits only
                          (default: all that is not refunded yet)
  --reason R              duplicate, fraudulent or requested_by_customer
  --metadata K=V          a metadata entry; repeatable
  --idempotency-key K     the key that makes a repeated request return the first result
                          instead of refunding again (default: a new key for each run)
  --account ACCT          act for this connected account
  --client ID             the payment client to use when several are configured

Exit 2 (usage error) for a malformed option, including an --amount that is not digits only.
Exit 4 (rejected) for an amount of 0, an unknown reason, an unknown payment, or a refund the
provider refuses. Exit 5 when the provider is unavailable.
)";

constexpr const char* kGetHelp =
    R"(usage: outbound pay get PAYMENT_ID [--account ACCT] [--client ID]

Retrieves a payment and prints it. A PAYMENT_ID starting with pi_ is a payment intent, one
starting with re_ a refund, any other a charge.
  --account ACCT          act for this connected account
  --client ID             the payment client to use when several are configured

Exit 4 when the provider has no such object, 5 when it is unavailable.
)";

constexpr const char* kWebhookVerifyHelp =
    R"(usage: outbound pay webhook-verify --signature HEADER [--payload-file F] [--client ID]

Verifies a webhook delivery and prints its event: id, type, API version, creation time,
livemode and data object. The payload is the request body exactly as received, read as raw
bytes from F, or from standard input without --payload-file; re-serialised JSON does not
verify.
  --signature HEADER      the value of the signature header (Stripe-Signature for stripe)
  --payload-file F        the file containing the body
  --client ID             the payment client whose webhook secret verifies it

Exit 4 when the delivery is not valid, with the plugin's reason (for stripe:
malformed_signature_header, missing_timestamp, no_valid_signature or
timestamp_outside_tolerance).
Exit 2 when the payload is empty or the file cannot be read.
)";

/// Reads the repeatable `--metadata K=V` options into a JSON object. An entry without `=`,
/// with an empty key or with a key given twice is a usage error.
Result<json> parse_metadata(const ParsedArguments& arguments) {
  json metadata = json::object();
  for (const std::string& entry : arguments.values("metadata")) {
    const auto equals = entry.find('=');
    if (equals == std::string::npos || equals == 0) {
      return Status::invalid_argument("--metadata '" + entry + "' must look like KEY=VALUE");
    }
    const std::string key = entry.substr(0, equals);
    if (metadata.contains(key)) {
      return Status::invalid_argument("--metadata key '" + key + "' is given twice; give it once");
    }
    metadata[key] = entry.substr(equals + 1);
  }
  return metadata;
}

/// Copies the string options in `names` into `args`, with `-` in the name turned into `_`. An
/// empty value is a usage error, because it would silently mean "not given".
Status copy_options(const ParsedArguments& arguments, std::initializer_list<const char*> names,
                    json* args) {
  for (const char* name : names) {
    auto value = arguments.value(name);
    if (!value) continue;
    if (value->empty()) {
      return Status::invalid_argument("--" + std::string(name) +
                                      " is empty; give a value or leave the option out");
    }
    std::string key = name;
    for (char& c : key) c = c == '-' ? '_' : c;
    (*args)[key] = *value;
  }
  return Status();
}

/// Reads the options that `pay charge` and `pay refund` share into `args`.
Status read_shared_options(const ParsedArguments& arguments, json* args) {
  auto metadata = parse_metadata(arguments);
  if (!metadata.ok()) return metadata.status();
  if (!metadata->empty()) (*args)["metadata"] = std::move(*metadata);
  return copy_options(arguments, {"idempotency-key", "account"}, args);
}

/// Opens the host and runs the payment operation `op`, printing its result with `print_text`.
int run_payment(const Invocation& invocation, const ParsedArguments& arguments,
                const std::string& op, const json& args,
                void (*print_text)(const json&, std::ostream&)) {
  int exit_code = kExitOk;
  auto host = invocation.open_host(&exit_code);
  if (!host) return exit_code;
  return run_and_print(invocation, *host, op, arguments.value("client").value_or(""), args,
                       print_text);
}

}  // namespace

int run_pay_charge(const Invocation& invocation) {
  ParsedArguments arguments;
  int exit_code = kExitOk;
  const std::vector<OptionSpec> specs = {{"amount"},          {"currency"},
                                         {"source"},          {"customer"},
                                         {"description"},     {"metadata", true, true},
                                         {"idempotency-key"}, {"no-capture", false},
                                         {"account"},         {"client"}};
  if (!parse(invocation, specs, kChargeHelp, 0, &arguments, &exit_code)) return exit_code;
  Output& output = *invocation.output;
  for (const char* required : {"amount", "currency", "source"}) {
    if (!arguments.has(required)) {
      return output.usage("--" + std::string(required) + " is required", invocation.command);
    }
  }
  json args = json::object();
  if (Status s = copy_options(arguments, {"currency", "source", "customer", "description"}, &args);
      !s.ok()) {
    return output.usage(s.message(), invocation.command);
  }
  auto amount =
      parse_minor_units(*arguments.value("amount"), "--amount", *arguments.value("currency"));
  if (!amount.ok()) return output.usage(amount.status().message(), invocation.command);
  args["amount"] = *amount;
  if (Status s = read_shared_options(arguments, &args); !s.ok()) {
    return output.usage(s.message(), invocation.command);
  }
  if (arguments.has("no-capture")) args["capture"] = false;
  return run_payment(invocation, arguments, "pay.charge", args, print_payment_text);
}

int run_pay_refund(const Invocation& invocation) {
  ParsedArguments arguments;
  int exit_code = kExitOk;
  const std::vector<OptionSpec> specs = {{"amount"},          {"reason"},  {"metadata", true, true},
                                         {"idempotency-key"}, {"account"}, {"client"}};
  if (!parse(invocation, specs, kRefundHelp, 1, &arguments, &exit_code)) return exit_code;
  Output& output = *invocation.output;
  if (arguments.positionals.empty() || arguments.positionals.front().empty()) {
    return output.usage(
        "PAYMENT_ID is required: a charge id (ch_...) or a payment intent id "
        "(pi_...)",
        invocation.command);
  }
  json args = {{"payment_id", arguments.positionals.front()}};
  if (auto text = arguments.value("amount")) {
    // The payment's currency is not known here, so hints use USD as the example.
    auto amount = parse_minor_units(*text, "--amount", "");
    if (!amount.ok()) return output.usage(amount.status().message(), invocation.command);
    args["amount"] = *amount;
  }
  if (Status s = copy_options(arguments, {"reason"}, &args); !s.ok()) {
    return output.usage(s.message(), invocation.command);
  }
  if (Status s = read_shared_options(arguments, &args); !s.ok()) {
    return output.usage(s.message(), invocation.command);
  }
  return run_payment(invocation, arguments, "pay.refund", args, print_payment_text);
}

int run_pay_get(const Invocation& invocation) {
  ParsedArguments arguments;
  int exit_code = kExitOk;
  if (!parse(invocation, {{"account"}, {"client"}}, kGetHelp, 1, &arguments, &exit_code)) {
    return exit_code;
  }
  Output& output = *invocation.output;
  if (arguments.positionals.empty() || arguments.positionals.front().empty()) {
    return output.usage(
        "PAYMENT_ID is required: a charge (ch_...), refund (re_...) or payment "
        "intent (pi_...) id",
        invocation.command);
  }
  json args = {{"payment_id", arguments.positionals.front()}};
  if (Status s = copy_options(arguments, {"account"}, &args); !s.ok()) {
    return output.usage(s.message(), invocation.command);
  }
  return run_payment(invocation, arguments, "pay.get", args, print_payment_text);
}

int run_pay_webhook_verify(const Invocation& invocation) {
  ParsedArguments arguments;
  int exit_code = kExitOk;
  if (!parse(invocation, {{"signature"}, {"payload-file"}, {"client"}}, kWebhookVerifyHelp, 0,
             &arguments, &exit_code)) {
    return exit_code;
  }

  Output& output = *invocation.output;
  auto signature = arguments.value("signature");
  if (!signature || signature->empty()) {
    return output.usage("--signature is required: the value of the webhook's signature header",
                        invocation.command);
  }

  // The body is read as raw bytes and passed on unchanged: the signature covers the exact
  // bytes, so even a trailing newline must stay.
  std::string payload;
  const auto file_name = arguments.value("payload-file");
  if (file_name) {
    std::ifstream file(*file_name, std::ios::binary);
    if (!file) {
      return output.usage("cannot read payload file '" + *file_name + "'; check the path",
                          invocation.command);
    }
    payload.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  } else {
    payload.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  if (payload.empty()) {
    return output.usage(file_name ? "payload file '" + *file_name + "' is empty"
                                  : "no payload on standard input; pipe the webhook body in or "
                                    "give --payload-file",
                        invocation.command);
  }

  return run_payment(invocation, arguments, "pay.webhook_verify",
                     {{"payload", payload}, {"signature", *signature}}, print_webhook_event_text);
}

}  // namespace outbound::cli
