// The `outbound pay` commands. Each turns its options into the arguments of a payment
// operation (pay_operations.h) and prints the result, so a command and the same batch line
// give the same result document.

#include <algorithm>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "amount.h"
#include "command_support.h"
#include "commands.h"
#include "idempotency_key.h"
#include "operations.h"
#include "outbound/currency.h"
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
                          instead of charging again: 1 to 255 printable ASCII characters
                          without spaces (default: a new UUID for each run)
  --no-capture            authorise only; capture it later with 'outbound pay capture'
  --account ACCT          act for this connected account
  --client ID             the payment client to use when several are configured

The output shows the idempotency key, and so does every error the payment client returns.
After such a failure, and above all after a timeout, run the command again with
--idempotency-key and that key: the provider then returns the first outcome instead of
charging a second time.

Exit 2 (usage error) for a malformed option, including an --amount that is not digits only
(12.50, 1e3, -5, abc, or above 9223372036854775807) and a malformed --idempotency-key. Exit 4
(rejected) for a value the payment rules refuse: a currency that is not an ISO 4217 code, an
amount of 0, a three-decimal currency amount not a multiple of 10, or a declined card (reason
card_declined, with the provider's code and decline code). Exit 5 when the provider is
unavailable.
)";

constexpr const char* kRefundHelp =
    R"(usage: outbound pay refund PAYMENT_ID [--amount MINOR] [--reason R] [--metadata K=V]...
           [--idempotency-key K] [--account ACCT] [--client ID]

Refunds a payment in full, or in part with --amount, and prints the refund. A PAYMENT_ID
starting with pi_ is a payment intent; any other is a charge.
  --amount MINOR          the amount to refund in the payment's minor unit, digits only,
                          such as 1250 for 12.50 in a two-decimal currency (default: all
                          that is not refunded yet)
  --reason R              duplicate, fraudulent or requested_by_customer
  --metadata K=V          a metadata entry; repeatable
  --idempotency-key K     the key that makes a repeated request return the first result
                          instead of refunding again (default: a new UUID for each run)
  --account ACCT          act for this connected account
  --client ID             the payment client to use when several are configured

The output shows the idempotency key, and so does every error the payment client returns.
Rerun with --idempotency-key and that key to get the first outcome instead of
refunding twice.

Exit 2 (usage error) for a malformed option, including an --amount that is not digits only.
Exit 4 (rejected) for an amount of 0, an unknown reason, an unknown payment, or a refund the
provider refuses. Exit 5 when the provider is unavailable.
)";

constexpr const char* kCaptureHelp =
    R"(usage: outbound pay capture PAYMENT_ID [--amount MINOR] [--idempotency-key K]
           [--account ACCT] [--client ID]

Captures a payment that was authorised without capture (pay charge --no-capture) and prints
it. A PAYMENT_ID starting with pi_ is a payment intent; any other is a charge.
  --amount MINOR          the amount to capture in the payment's minor unit, digits only, at
                          most the authorised amount (default: all of it)
  --idempotency-key K     the key that makes a repeated request return the first result
                          instead of capturing again (default: a new UUID for each run)
  --account ACCT          act for this connected account
  --client ID             the payment client to use when several are configured

The output shows the idempotency key, and so does every error the payment client returns.
Rerun with --idempotency-key and that key to get the first outcome instead of
capturing twice.

Exit 2 (usage error) for a malformed option. Exit 4 (rejected) for an amount of 0, an unknown
payment, or a payment that is already captured or that the provider refuses to capture.
Exit 5 when the provider is unavailable.
)";

constexpr const char* kGetHelp =
    R"(usage: outbound pay get PAYMENT_ID [--account ACCT] [--client ID]

Retrieves a payment and prints it. A PAYMENT_ID starting with pi_ is a payment intent, one
starting with re_ a refund, any other a charge.
  --account ACCT          act for this connected account
  --client ID             the payment client to use when several are configured

Exit 4 when the provider has no such object, 5 when it is unavailable.
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

/// Copies --idempotency-key and --account into `args`, checking the key's form.
Status read_key_and_account(const ParsedArguments& arguments, json* args) {
  if (auto key = arguments.value("idempotency-key")) {
    if (Status s = check_idempotency_key(*key, "--idempotency-key"); !s.ok()) return s;
  }
  return copy_options(arguments, {"idempotency-key", "account"}, args);
}

/// Reads the options that `pay charge` and `pay refund` share into `args`.
Status read_shared_options(const ParsedArguments& arguments, json* args) {
  auto metadata = parse_metadata(arguments);
  if (!metadata.ok()) return metadata.status();
  if (!metadata->empty()) (*args)["metadata"] = std::move(*metadata);
  return read_key_and_account(arguments, args);
}

/// Prints what a failed create or capture call means for its idempotency key, from the
/// error fields of pay_operations.h. `repeat` names what a rerun without the key could do
/// twice ("charging").
void print_key_notes(std::ostream& err, const json& error_fields, const char* repeat) {
  auto key = error_fields.find("idempotency_key");
  if (key == error_fields.end()) return;
  const std::string& value = key->get_ref<const std::string&>();
  err << "idempotency key " << value << "; rerun with --idempotency-key " << value
      << " to get the same outcome without " << repeat << " twice\n";
  if (error_fields.value("may_be_replayed", false)) {
    err << "--idempotency-key was given, so this may be the error the provider stored for the "
           "first request with that key, replayed, and not the outcome of a new attempt\n";
  }
}

/// Opens the host and runs the payment operation `op`, printing its result with `print_text`,
/// or its error with the idempotency key notes. `repeat` is as for print_key_notes.
int run_payment(const Invocation& invocation, const ParsedArguments& arguments,
                const std::string& op, const json& args,
                void (*print_text)(const json&, std::ostream&), const char* repeat) {
  int exit_code = kExitOk;
  auto host = invocation.open_host(&exit_code);
  if (!host) return exit_code;
  Output& output = *invocation.output;
  json error_fields = json::object();
  auto result =
      run_operation(*host, op, arguments.value("client").value_or(""), args, &error_fields);
  if (!result.ok()) {
    const int code = output.fail(with_client_choice(result.status(), "choose one with --client ID"),
                                 exit_code_for_lookup(result.status()), error_fields);
    if (!output.json()) print_key_notes(output.err(), error_fields, repeat);
    return code;
  }
  if (output.json()) {
    output.print_json(*result);
  } else {
    print_text(*result, output.out());
  }
  return kExitOk;
}

/// Checks an amount the payment rules refuse before the host opens, naming the options.
/// Returns kInvalidArgument, which exits 4 like the same refusal from the provider.
Status check_charge_amount(MinorUnits amount, const std::string& currency) {
  if (amount == 0) {
    return Status::invalid_argument("--amount is 0; a charge is at least 1 minor unit");
  }
  const bool is_code =
      currency.size() == 3 && std::all_of(currency.begin(), currency.end(), [](unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      });
  if (!is_code) {
    return Status::invalid_argument("--currency '" + currency +
                                    "' is not a three-letter ISO 4217 code such as usd or eur");
  }
  return check_amount(amount, currency, "--amount");
}

/// Parses the optional --amount of a refund or capture, whose currency is the payment's.
Result<std::optional<MinorUnits>> parse_optional_amount(const ParsedArguments& arguments) {
  auto text = arguments.value("amount");
  if (!text) return std::optional<MinorUnits>();
  auto amount = parse_minor_units(*text, "--amount", "");
  if (!amount.ok()) return amount.status();
  return std::optional<MinorUnits>(*amount);
}

/// Returns the rejection of an --amount of 0. `whole` names what leaving --amount out does.
Status zero_amount(const std::string& whole) {
  return Status::invalid_argument(
      "--amount is 0; give a positive number of minor units, or leave --amount out to " + whole);
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
  const std::string currency = *arguments.value("currency");
  auto amount = parse_minor_units(*arguments.value("amount"), "--amount", currency);
  if (!amount.ok()) return output.usage(amount.status().message(), invocation.command);
  args["amount"] = *amount;
  if (Status s = read_shared_options(arguments, &args); !s.ok()) {
    return output.usage(s.message(), invocation.command);
  }
  if (arguments.has("no-capture")) args["capture"] = false;

  if (Status s = check_charge_amount(*amount, currency); !s.ok()) {
    return output.fail(s, kExitRejected);
  }
  return run_payment(invocation, arguments, "pay.charge", args, print_payment_text, "charging");
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
  auto amount = parse_optional_amount(arguments);
  if (!amount.ok()) return output.usage(amount.status().message(), invocation.command);
  if (Status s = copy_options(arguments, {"reason"}, &args); !s.ok()) {
    return output.usage(s.message(), invocation.command);
  }
  if (Status s = read_shared_options(arguments, &args); !s.ok()) {
    return output.usage(s.message(), invocation.command);
  }

  if (*amount && **amount == 0) {
    return output.fail(zero_amount("refund the whole remaining amount"), kExitRejected);
  }
  if (*amount) args["amount"] = **amount;
  if (auto reason = arguments.value("reason"); reason && *reason != "duplicate" &&
                                               *reason != "fraudulent" &&
                                               *reason != "requested_by_customer") {
    return output.fail(Status::invalid_argument("--reason '" + *reason +
                                                "' is not a refund reason; use duplicate, "
                                                "fraudulent or requested_by_customer"),
                       kExitRejected);
  }
  return run_payment(invocation, arguments, "pay.refund", args, print_payment_text, "refunding");
}

int run_pay_capture(const Invocation& invocation) {
  ParsedArguments arguments;
  int exit_code = kExitOk;
  const std::vector<OptionSpec> specs = {{"amount"}, {"idempotency-key"}, {"account"}, {"client"}};
  if (!parse(invocation, specs, kCaptureHelp, 1, &arguments, &exit_code)) return exit_code;
  Output& output = *invocation.output;
  if (arguments.positionals.empty() || arguments.positionals.front().empty()) {
    return output.usage(
        "PAYMENT_ID is required: a charge id (ch_...) or a payment intent id (pi_...)",
        invocation.command);
  }
  json args = {{"payment_id", arguments.positionals.front()}};
  auto amount = parse_optional_amount(arguments);
  if (!amount.ok()) return output.usage(amount.status().message(), invocation.command);
  if (Status s = read_key_and_account(arguments, &args); !s.ok()) {
    return output.usage(s.message(), invocation.command);
  }

  if (*amount && **amount == 0) {
    return output.fail(zero_amount("capture the whole authorised amount"), kExitRejected);
  }
  if (*amount) args["amount"] = **amount;
  return run_payment(invocation, arguments, "pay.capture", args, print_payment_text, "capturing");
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
  return run_payment(invocation, arguments, "pay.get", args, print_payment_text, "");
}

}  // namespace outbound::cli
