// End-to-end tests of the `outbound pay` commands, the payment batch operations and the
// payment part of `outbound demo`: the real binary against the stub payment plugin
// (stub_payment_plugin.cc), each test in a fresh temporary folder with its own configuration.

#include <filesystem>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_configs.h"
#include "cli_output.h"
#include "cli_process.h"
#include "test_support.h"

namespace outbound::cli_testing {
namespace {

using nlohmann::json;
using testing::ProcessResult;
using testing::TempDir;

namespace fs = std::filesystem;

/// Writes a configuration whose stub keeps its objects in state.json, so that separate
/// commands see each other's charges.
fs::path write_stateful_config(const TempDir& dir) {
  return write_payment_config(dir, {{"state_file", "state.json"}});
}

const std::vector<std::string> kCharge = {"pay",        "charge", "--amount", "2000",
                                          "--currency", "usd",    "--source", "tok_visa"};

std::vector<std::string> charge_with(const std::vector<std::string>& extra) {
  return concatenated(kCharge, extra);
}

/// A command line and the exit code it should end with.
using ExitCase = std::pair<std::vector<std::string>, int>;

/// Runs each command of `cases` with `config` and checks its exit code.
void expect_exit_codes(const fs::path& config, const std::vector<ExitCase>& cases) {
  for (const auto& [arguments, exit_code] : cases) {
    SCOPED_TRACE(joined(arguments));

    const ProcessResult result = run_cli(with_config(config, arguments));

    EXPECT_EQ(result.exit_code, exit_code) << describe(result);
  }
}

/// Runs each of `commands` with `config` and checks that it exits with `exit_code`.
void expect_exit_code(const fs::path& config, const std::vector<std::vector<std::string>>& commands,
                      int exit_code) {
  for (const std::vector<std::string>& arguments : commands) {
    expect_exit_codes(config, {{arguments, exit_code}});
  }
}

TEST(CliPayCharge, TextShowsEveryFact) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);

  const ProcessResult result = run_cli(with_config(config, kCharge));

  ASSERT_EQ(result.exit_code, 0) << describe(result);
  EXPECT_TRUE(contains(result.out, "client 'payments' (stub-payment 1.0.0): charge ch_stub_1"))
      << result.out;
  expect_fields(result.out, {{"amount", "20.00 USD"},
                             {"status", "succeeded"},
                             {"captured", "yes (20.00 USD)"},
                             {"refunded", "no"},
                             {"request id", "req_stub_1"}});
  EXPECT_FALSE(contains(result.out, "replayed")) << result.out;
}

TEST(CliPayCharge, JsonCarriesEveryFact) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);

  const ProcessResult result = run_cli(with_config(
      config, {"--json", "pay", "charge", "--amount", "1250", "--currency", "EUR", "--source",
               "tok_visa", "--customer", "cus_1", "--description", "order 42", "--metadata",
               "order=42", "--metadata", "note=a=b", "--no-capture"}));

  ASSERT_EQ(result.exit_code, 0) << describe(result);
  const json charge = parse_json(result);
  EXPECT_EQ(charge["client"], "payments");
  EXPECT_EQ(charge["plugin"], "stub-payment");
  EXPECT_EQ(charge["plugin_version"], "1.0.0");
  EXPECT_EQ(charge["object"], "charge");
  EXPECT_EQ(charge["id"], "ch_stub_1");
  EXPECT_EQ(charge["amount"], 1250);
  EXPECT_EQ(charge["currency"], "eur");
  EXPECT_EQ(charge["status"], "succeeded");
  EXPECT_EQ(charge["captured"], false);
  EXPECT_EQ(charge["amount_captured"], 0);
  EXPECT_EQ(charge["refunded"], false);
  EXPECT_EQ(charge["amount_refunded"], 0);
  EXPECT_EQ(charge["customer"], "cus_1");
  EXPECT_EQ(charge["description"], "order 42");
  EXPECT_EQ(charge["metadata"], json({{"order", "42"}, {"note", "a=b"}}));
  EXPECT_EQ(charge["request_id"], "req_stub_1");
  EXPECT_EQ(charge["idempotent_replayed"], false);
  EXPECT_TRUE(charge["created"].is_number_integer());
}

TEST(CliPayCharge, DeclineShowsProviderDetails) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);
  const std::vector<std::string> declined = {
      "pay", "charge", "--amount", "2000", "--currency", "usd", "--source", "tok_chargeDeclined"};

  const ProcessResult text = run_cli(with_config(config, declined));
  const ProcessResult as_json = run_cli(with_config(config, with_json(declined)));

  EXPECT_EQ(text.exit_code, 4) << describe(text);
  EXPECT_TRUE(contains(text.err, "error: failed_precondition (card_declined)")) << text.err;
  EXPECT_TRUE(contains(text.err, "code card_declined")) << text.err;
  EXPECT_TRUE(contains(text.err, "decline code generic_decline")) << text.err;
  EXPECT_TRUE(contains(text.err, "provider request id: req_stub_1")) << text.err;
  EXPECT_EQ(as_json.exit_code, 4) << describe(as_json);
  const json error = parse_json(as_json)["error"];
  EXPECT_EQ(error["code"], "failed_precondition");
  EXPECT_EQ(error["reason"], "card_declined");
  EXPECT_EQ(error["retryable"], false);
  EXPECT_EQ(error["provider"]["code"], "card_declined");
  EXPECT_EQ(error["provider"]["decline_code"], "generic_decline");
  EXPECT_EQ(error["provider"]["request_id"], "req_stub_1");
  EXPECT_EQ(error["provider"]["reply_code"], 402);
}

TEST(CliPayCharge, ProviderParamIsPrinted) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);
  const std::vector<std::string> unknown_token = {"pay",        "charge", "--amount", "2000",
                                                  "--currency", "usd",    "--source", "tok_nope"};

  const ProcessResult text = run_cli(with_config(config, unknown_token));
  const ProcessResult as_json = run_cli(with_config(config, with_json(unknown_token)));

  EXPECT_EQ(text.exit_code, 4) << describe(text);
  EXPECT_TRUE(contains(text.err, "param source")) << text.err;
  EXPECT_EQ(as_json.exit_code, 4) << describe(as_json);
  EXPECT_EQ(parse_json(as_json)["error"]["provider"]["param"], "source");
}

struct AmountCase {
  std::string amount;
  std::string currency;
  std::string fix;
};

TEST(CliPayCharge, MalformedAmountsExitTwo) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);
  const std::vector<AmountCase> cases = {
      {"12.50", "usd", "12.50 USD is --amount 1250"},
      {"12.5", "usd", "12.50 USD is --amount 1250"},
      {"12.505", "usd", "USD has 2 decimal places"},
      {"12.5", "jpy", "JPY has no decimal places, so use --amount 12 for 12 JPY or --amount 13"},
      {"12.00", "jpy", "12 JPY is --amount 12"},
      {"1e3", "usd", "1e3 is --amount 1000"},
      {"-5", "usd", "is negative"},
      {"abc", "usd", "digits only, such as --amount 2000 for 20.00 USD"},
      {"+5", "usd", "digits only"},
      {"20 00", "usd", "digits only"},
      {"99999999999999999999", "usd", "larger than the maximum, 9223372036854775807"},
      {"", "usd", "--amount is empty"},
  };
  for (const AmountCase& amount : cases) {
    SCOPED_TRACE("--amount '" + amount.amount + "' " + amount.currency);
    const ProcessResult result =
        run_cli(with_config(config, {"pay", "charge", "--amount", amount.amount, "--currency",
                                     amount.currency, "--source", "tok_visa"}));

    EXPECT_EQ(result.exit_code, 2) << describe(result);
    if (!amount.amount.empty()) {
      EXPECT_TRUE(contains(result.err, "--amount '" + amount.amount + "'")) << result.err;
    }
    EXPECT_TRUE(contains(result.err, amount.fix)) << result.err;
    EXPECT_TRUE(contains(result.err, "outbound pay charge --help")) << result.err;
  }
}

TEST(CliPayCharge, MalformedAmountIsJsonUsageError) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);

  const ProcessResult result =
      run_cli(with_config(config, {"--json", "pay", "charge", "--amount", "12.50", "--currency",
                                   "usd", "--source", "tok_visa"}));

  EXPECT_EQ(result.exit_code, 2) << describe(result);
  const json error = parse_json(result)["error"];
  EXPECT_EQ(error["code"], "invalid_argument");
  EXPECT_EQ(error["reason"], "usage");
  EXPECT_TRUE(contains(error["message"].get<std::string>(), "12.50 USD is --amount 1250"));
}

TEST(CliPayCharge, RejectedAmountsExitFour) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);
  const std::vector<AmountCase> cases = {
      {"0", "usd", "at least 1 minor unit"},
      {"5125", "kwd", "use 5120 or 5130"},
      {"150", "isk", "use 100 or 200"},
      {"2000", "dollars", "currency 'dollars'"},
  };
  for (const AmountCase& amount : cases) {
    SCOPED_TRACE(amount.amount + " " + amount.currency);
    const ProcessResult result =
        run_cli(with_config(config, {"--json", "pay", "charge", "--amount", amount.amount,
                                     "--currency", amount.currency, "--source", "tok_visa"}));

    EXPECT_EQ(result.exit_code, 4) << describe(result);
    const json error = parse_json(result)["error"];
    EXPECT_EQ(error["code"], "invalid_argument");
    EXPECT_TRUE(contains(error["message"].get<std::string>(), amount.fix)) << error.dump();
    // Rejected before the plugin is called, so no provider request was made.
    EXPECT_FALSE(error.contains("provider")) << error.dump();
  }
}

TEST(CliPayCharge, BadOptionsExitTwo) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);
  const std::vector<std::vector<std::string>> cases = {
      {"pay", "charge", "--currency", "usd", "--source", "tok_visa"},
      {"pay", "charge", "--amount", "2000", "--source", "tok_visa"},
      {"pay", "charge", "--amount", "2000", "--currency", "usd"},
      charge_with({"--metadata", "no-equals"}),
      charge_with({"--metadata", "=value"}),
      charge_with({"--metadata", "k=1", "--metadata", "k=2"}),
      {"pay", "charge", "--amount", "2000", "--currency", "", "--source", "tok_visa"},
      {"pay", "charge", "--amount", "2000", "--currency", "usd", "--source", ""},
      charge_with({"--idempotency-key", ""}),
      charge_with({"--account", ""}),
      charge_with({"--no-capture=yes"}),
      charge_with({"--colour", "red"}),
      charge_with({"extra"}),
      charge_with({"--client", "nobody"}),
      {"pay"},
      {"pay", "pay-out"},
  };
  expect_exit_code(config, cases, 2);
}

TEST(CliPayCharge, IdempotencyKeyReplays) {
  TempDir dir;
  const fs::path config = write_stateful_config(dir);
  const auto keyed = charge_with({"--idempotency-key", "order-42-attempt"});

  const ProcessResult first =
      run_cli(with_config(config, concatenated({"--log-level", "debug"}, keyed)));
  const ProcessResult second = run_cli(with_config(config, keyed));
  const ProcessResult third = run_cli(with_config(config, with_json(keyed)));
  const ProcessResult other_amount = run_cli(
      with_config(config, {"--json", "pay", "charge", "--amount", "3000", "--currency", "usd",
                           "--source", "tok_visa", "--idempotency-key", "order-42-attempt"}));

  ASSERT_EQ(first.exit_code, 0) << describe(first);
  EXPECT_TRUE(contains(first.err, "idempotency_key='order-42-attempt'")) << first.err;
  EXPECT_FALSE(contains(first.out, "replayed")) << first.out;
  ASSERT_EQ(second.exit_code, 0) << describe(second);
  EXPECT_TRUE(contains(second.out, "charge ch_stub_1")) << second.out;
  EXPECT_TRUE(contains(second.out, "replayed from the idempotency cache")) << second.out;
  ASSERT_EQ(third.exit_code, 0) << describe(third);
  EXPECT_EQ(parse_json(third)["id"], "ch_stub_1");
  EXPECT_EQ(parse_json(third)["idempotent_replayed"], true);
  EXPECT_EQ(other_amount.exit_code, 4) << describe(other_amount);
  EXPECT_EQ(parse_json(other_amount)["error"]["reason"], "idempotency_error");
}

TEST(CliPayCharge, HostGivesEachRunItsOwnKey) {
  TempDir dir;
  const fs::path config = write_stateful_config(dir);

  const ProcessResult first = run_cli(with_config(config, kCharge));
  const ProcessResult second = run_cli(with_config(config, kCharge));

  ASSERT_EQ(first.exit_code, 0) << describe(first);
  ASSERT_EQ(second.exit_code, 0) << describe(second);
  EXPECT_TRUE(contains(first.out, "charge ch_stub_1")) << first.out;
  EXPECT_TRUE(contains(second.out, "charge ch_stub_2")) << second.out;
  EXPECT_FALSE(contains(second.out, "replayed")) << second.out;
}

TEST(CliPayRefund, PartialThenRestThenNothingLeft) {
  TempDir dir;
  const fs::path config = write_stateful_config(dir);
  ASSERT_EQ(run_cli(with_config(config, kCharge)).exit_code, 0);

  const ProcessResult partial =
      run_cli(with_config(config, {"pay", "refund", "ch_stub_1", "--amount", "500", "--reason",
                                   "requested_by_customer", "--metadata", "ticket=7"}));
  const ProcessResult rest = run_cli(with_config(config, {"--json", "pay", "refund", "ch_stub_1"}));
  const ProcessResult charge = run_cli(with_config(config, {"--json", "pay", "get", "ch_stub_1"}));
  const ProcessResult again =
      run_cli(with_config(config, {"--json", "pay", "refund", "ch_stub_1"}));

  ASSERT_EQ(partial.exit_code, 0) << describe(partial);
  EXPECT_TRUE(contains(partial.out, "client 'payments' (stub-payment 1.0.0): refund re_stub_1"))
      << partial.out;
  expect_fields(partial.out, {{"amount", "5.00 USD"},
                              {"charge", "ch_stub_1"},
                              {"status", "succeeded"},
                              {"reason", "requested_by_customer"},
                              {"metadata", "ticket=7"},
                              {"request id", "req_stub_2"}});
  ASSERT_EQ(rest.exit_code, 0) << describe(rest);
  EXPECT_EQ(parse_json(rest)["object"], "refund");
  EXPECT_EQ(parse_json(rest)["id"], "re_stub_2");
  EXPECT_EQ(parse_json(rest)["amount"], 1500);
  EXPECT_EQ(parse_json(rest)["currency"], "usd");
  ASSERT_EQ(charge.exit_code, 0) << describe(charge);
  EXPECT_EQ(parse_json(charge)["refunded"], true);
  EXPECT_EQ(parse_json(charge)["amount_refunded"], 2000);
  EXPECT_EQ(again.exit_code, 4) << describe(again);
  EXPECT_EQ(parse_json(again)["error"]["code"], "failed_precondition");
}

TEST(CliPayRefund, ChargeShowsAmountRefunded) {
  TempDir dir;
  const fs::path config = write_stateful_config(dir);
  ASSERT_EQ(run_cli(with_config(config, kCharge)).exit_code, 0);
  ASSERT_EQ(
      run_cli(with_config(config, {"pay", "refund", "ch_stub_1", "--amount", "250"})).exit_code, 0);

  const ProcessResult result = run_cli(with_config(config, {"pay", "get", "ch_stub_1"}));

  ASSERT_EQ(result.exit_code, 0) << describe(result);
  EXPECT_EQ(field(result.out, "refunded"), "no (2.50 USD refunded)") << result.out;
}

TEST(CliPayRefund, PaymentIntentIdRoutesToIntent) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);

  const ProcessResult result = run_cli(with_config(config, {"--json", "pay", "refund", "pi_123"}));

  EXPECT_EQ(result.exit_code, 4) << describe(result);
  const json error = parse_json(result)["error"];
  EXPECT_EQ(error["code"], "not_found");
  EXPECT_TRUE(contains(error["message"].get<std::string>(), "payment intent: 'pi_123'"));
  EXPECT_EQ(error["provider"]["param"], "payment_intent");
}

TEST(CliPayRefund, BadValuesExitTwoOrFour) {
  TempDir dir;
  const fs::path config = write_stateful_config(dir);
  ASSERT_EQ(run_cli(with_config(config, kCharge)).exit_code, 0);
  const std::vector<ExitCase> cases = {
      {{"pay", "refund"}, 2},
      {{"pay", "refund", "ch_stub_1", "--amount", "1.5"}, 2},
      {{"pay", "refund", "ch_stub_1", "--amount", "-100"}, 2},
      {{"pay", "refund", "ch_stub_1", "ch_stub_2"}, 2},
      {{"pay", "refund", "ch_stub_1", "--reason", ""}, 2},
      {{"pay", "refund", "ch_stub_1", "--amount", "0"}, 4},
      {{"pay", "refund", "ch_stub_1", "--reason", "changed_mind"}, 4},
      {{"pay", "refund", "ch_stub_1", "--amount", "2001"}, 4},
      {{"pay", "refund", "ch_nope"}, 4},
  };
  expect_exit_codes(config, cases);
  const ProcessResult decimal =
      run_cli(with_config(config, {"pay", "refund", "ch_stub_1", "--amount", "1.5"}));
  EXPECT_TRUE(contains(decimal.err, "--amount '1.5' is not a whole number of minor units"))
      << decimal.err;
  EXPECT_TRUE(contains(decimal.err, "outbound pay refund --help")) << decimal.err;
}

TEST(CliPayGet, RoutesByIdPrefix) {
  TempDir dir;
  const fs::path config = write_stateful_config(dir);
  ASSERT_EQ(run_cli(with_config(config, kCharge)).exit_code, 0);
  ASSERT_EQ(run_cli(with_config(config, {"pay", "refund", "ch_stub_1"})).exit_code, 0);

  const ProcessResult charge = run_cli(with_config(config, {"--json", "pay", "get", "ch_stub_1"}));
  const ProcessResult refund = run_cli(with_config(config, {"pay", "get", "re_stub_1"}));
  const ProcessResult intent = run_cli(with_config(config, {"--json", "pay", "get", "pi_123"}));
  const ProcessResult missing = run_cli(with_config(config, {"--json", "pay", "get", "ch_nope"}));

  ASSERT_EQ(charge.exit_code, 0) << describe(charge);
  EXPECT_EQ(parse_json(charge)["object"], "charge");
  EXPECT_EQ(parse_json(charge)["id"], "ch_stub_1");
  ASSERT_EQ(refund.exit_code, 0) << describe(refund);
  EXPECT_TRUE(contains(refund.out, "refund re_stub_1")) << refund.out;
  EXPECT_EQ(field(refund.out, "amount"), "20.00 USD") << refund.out;
  // The stub has no payment intents, so its error names the operation the id was routed to.
  EXPECT_EQ(parse_json(intent)["error"]["code"], "unimplemented") << describe(intent);
  EXPECT_TRUE(contains(parse_json(intent)["error"]["message"].get<std::string>(),
                       "retrieve_payment_intent"));
  EXPECT_EQ(missing.exit_code, 4) << describe(missing);
  EXPECT_EQ(parse_json(missing)["error"]["code"], "not_found");
  EXPECT_EQ(parse_json(missing)["error"]["provider"]["code"], "resource_missing");
}

TEST(CliPayGet, MissingIdExitsTwo) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);

  const ProcessResult result = run_cli(with_config(config, {"pay", "get"}));

  EXPECT_EQ(result.exit_code, 2) << describe(result);
  EXPECT_TRUE(contains(result.err, "PAYMENT_ID is required")) << result.err;
}

TEST(CliPayAccount, ObjectsBelongToAccount) {
  TempDir dir;
  const fs::path config = write_stateful_config(dir);
  ASSERT_EQ(run_cli(with_config(config, charge_with({"--account", "acct_1"}))).exit_code, 0);

  const ProcessResult platform = run_cli(with_config(config, {"pay", "get", "ch_stub_1"}));
  const ProcessResult account =
      run_cli(with_config(config, {"pay", "get", "ch_stub_1", "--account", "acct_1"}));
  const ProcessResult refund =
      run_cli(with_config(config, {"pay", "refund", "ch_stub_1", "--account", "acct_1"}));

  EXPECT_EQ(platform.exit_code, 4) << describe(platform);
  EXPECT_EQ(account.exit_code, 0) << describe(account);
  EXPECT_EQ(refund.exit_code, 0) << describe(refund);
}

constexpr const char* kEvent =
    "{\"id\": \"evt_1\",  \"type\": \"charge.succeeded\", \"api_version\": \"2024-06-20\",\r\n"
    " \"created\": 1700000000, \"livemode\": false,\n"
    " \"data\": {\"object\": {\"id\": \"ch_1\", \"amount\": 2000}}}\n";

/// Checks the result of `outbound --log-level debug --json pay webhook-verify` on kEvent: exit
/// code 0, the event's id, and the stub's debug line with the payload's size. That size shows
/// that every byte of the payload reached the plugin.
void expect_event_verified(const ProcessResult& result) {
  ASSERT_EQ(result.exit_code, 0) << describe(result);
  EXPECT_EQ(parse_json(result)["id"], "evt_1");
  EXPECT_TRUE(
      contains(result.err, "payload of " + std::to_string(std::string(kEvent).size()) + " bytes"))
      << result.err;
}

TEST(CliPayWebhook, VerifiesFromStandardInput) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);
  const std::string payload = kEvent;

  const ProcessResult text = run_cli(
      with_config(config,
                  {"--log-level", "debug", "pay", "webhook-verify", "--signature", "stub-valid"}),
      payload);
  const ProcessResult as_json =
      run_cli(with_config(config, {"--json", "pay", "webhook-verify", "--signature", "stub-valid"}),
              payload);

  ASSERT_EQ(text.exit_code, 0) << describe(text);
  EXPECT_TRUE(contains(text.out, "client 'payments' (stub-payment 1.0.0): the webhook is valid"))
      << text.out;
  expect_fields(
      text.out,
      {{"event", "evt_1"}, {"type", "charge.succeeded"}, {"created", "2023-11-14T22:13:20Z"}});
  // Whitespace, CR LF and the final newline all reach the plugin: the body is not re-serialised.
  EXPECT_TRUE(contains(text.err, "payload of " + std::to_string(payload.size()) + " bytes"))
      << text.err;
  ASSERT_EQ(as_json.exit_code, 0) << describe(as_json);
  const json event = parse_json(as_json);
  EXPECT_EQ(event["valid"], true);
  EXPECT_EQ(event["id"], "evt_1");
  EXPECT_EQ(event["type"], "charge.succeeded");
  EXPECT_EQ(event["api_version"], "2024-06-20");
  EXPECT_EQ(event["created"], 1700000000);
  EXPECT_EQ(event["livemode"], false);
  EXPECT_EQ(event["data_object"], json({{"id", "ch_1"}, {"amount", 2000}}));
}

TEST(CliPayWebhook, VerifiesFromFile) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);
  testing::write_file(dir / "event.json", kEvent);

  const ProcessResult result = run_cli(
      with_config(config, {"--log-level", "debug", "--json", "pay", "webhook-verify", "--signature",
                           "stub-valid", "--payload-file", (dir / "event.json").string()}));

  expect_event_verified(result);
}

TEST(CliPayWebhook, InvalidSignatureExitsFour) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);

  const ProcessResult text = run_cli(
      with_config(config, {"pay", "webhook-verify", "--signature", "t=1,v1=forged"}), kEvent);
  const ProcessResult as_json = run_cli(
      with_config(config, {"--json", "pay", "webhook-verify", "--signature", "t=1,v1=forged"}),
      kEvent);

  EXPECT_EQ(text.exit_code, 4) << describe(text);
  EXPECT_TRUE(contains(text.err, "unauthenticated (no_valid_signature)")) << text.err;
  EXPECT_EQ(as_json.exit_code, 4) << describe(as_json);
  EXPECT_EQ(parse_json(as_json)["error"]["reason"], "no_valid_signature");
}

TEST(CliPayWebhook, MissingInputExitsTwo) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);
  testing::write_file(dir / "empty.json", "");
  const std::vector<std::vector<std::string>> cases = {
      {"pay", "webhook-verify"},
      {"pay", "webhook-verify", "--signature", ""},
      {"pay", "webhook-verify", "--signature", "stub-valid"},
      {"pay", "webhook-verify", "--signature", "stub-valid", "--payload-file",
       (dir / "missing.json").string()},
      {"pay", "webhook-verify", "--signature", "stub-valid", "--payload-file",
       (dir / "empty.json").string()},
  };
  expect_exit_code(config, cases, 2);
}

TEST(CliPayBatch, RunsEveryPaymentOperation) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);
  const json webhook_args = {{"payload", kEvent}, {"signature", "stub-valid"}};
  // The second line repeats the first one's charge and key, so it is replayed.
  const json keyed_charge = {{"amount", 2000},
                             {"currency", "usd"},
                             {"source", "tok_visa"},
                             {"metadata", {{"order", "42"}}},
                             {"idempotency_key", "batch-key"}};
  const std::vector<json> lines = {
      {{"op", "pay.charge"}, {"client", "payments"}, {"args", keyed_charge}},
      {{"op", "pay.charge"}, {"args", keyed_charge}},
      {{"op", "pay.refund"},
       {"args", {{"payment_id", "ch_stub_1"}, {"amount", 500}, {"reason", "duplicate"}}}},
      {{"op", "pay.get"}, {"args", {{"payment_id", "re_stub_1"}}}},
      {{"op", "pay.get"}, {"args", {{"payment_id", "ch_stub_1"}}}},
      {{"op", "pay.webhook_verify"}, {"args", webhook_args}},
      {{"op", "pay.charge"},
       {"args",
        {{"amount", 2000}, {"currency", "usd"}, {"source", "tok_visa"}, {"capture", false}}}},
  };
  const ProcessResult result = run_cli(with_config(config, {"batch", "-"}), batch_input(lines));

  EXPECT_EQ(result.exit_code, 0) << describe(result);
  const std::vector<json> outputs = parse_lines(result.out);
  ASSERT_EQ(outputs.size(), lines.size()) << result.out;
  for (const json& output : outputs) EXPECT_EQ(output["ok"], true) << output.dump();
  EXPECT_EQ(outputs[0]["result"]["id"], "ch_stub_1");
  EXPECT_EQ(outputs[0]["result"]["idempotent_replayed"], false);
  EXPECT_EQ(outputs[0]["result"]["metadata"]["order"], "42");
  EXPECT_EQ(outputs[1]["result"]["id"], "ch_stub_1");
  EXPECT_EQ(outputs[1]["result"]["idempotent_replayed"], true);
  EXPECT_EQ(outputs[2]["result"]["id"], "re_stub_1");
  EXPECT_EQ(outputs[2]["result"]["amount"], 500);
  EXPECT_EQ(outputs[2]["result"]["reason"], "duplicate");
  EXPECT_EQ(outputs[3]["result"]["object"], "refund");
  EXPECT_EQ(outputs[4]["result"]["object"], "charge");
  EXPECT_EQ(outputs[4]["result"]["amount_refunded"], 500);
  EXPECT_EQ(outputs[5]["result"]["type"], "charge.succeeded");
  EXPECT_EQ(outputs[6]["result"]["id"], "ch_stub_2");
  EXPECT_EQ(outputs[6]["result"]["captured"], false);
}

struct BadLine {
  json args;
  std::string op;
  std::string named;
};

TEST(CliPayBatch, BadArgumentsNameTheArgument) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);
  const json charge = {{"amount", 2000}, {"currency", "usd"}, {"source", "tok_visa"}};
  auto with = [&charge](const std::string& name, const json& value) {
    json args = charge;
    args[name] = value;
    return args;
  };
  const std::vector<BadLine> cases = {
      {with("amount", 2000.5), "pay.charge", "'amount'"},
      {with("amount", 2000.0), "pay.charge", "'amount'"},
      {with("amount", "2000"), "pay.charge", "'amount'"},
      {with("amount", true), "pay.charge", "'amount'"},
      {with("amount", 18446744073709551615u), "pay.charge", "'amount'"},
      {with("amount", -5), "pay.charge", "amount -5"},
      {with("currency", 840), "pay.charge", "'currency'"},
      {with("colour", "red"), "pay.charge", "'colour'"},
      {with("capture", "no"), "pay.charge", "'capture'"},
      {with("metadata", {{"order", 42}}), "pay.charge", "'metadata.order'"},
      {with("metadata", "order=42"), "pay.charge", "'metadata'"},
      {with("idempotency_key", ""), "pay.charge", "'idempotency_key'"},
      {with("account", 7), "pay.charge", "'account'"},
      {{{"amount", 2000}, {"currency", "usd"}}, "pay.charge", "'source'"},
      {{{"payment_id", "ch_1"}, {"amount", 1.5}}, "pay.refund", "'amount'"},
      {{{"payment_id", "ch_1"}, {"reason", "changed_mind"}}, "pay.refund", "'reason'"},
      {{{"amount", 100}}, "pay.refund", "'payment_id'"},
      {{{"payment_id", "ch_1"}, {"expand", {"customer"}}}, "pay.get", "'expand'"},
      {{{"payload", "{}"}}, "pay.webhook_verify", "'signature'"},
      {{{"payload", 5}, {"signature", "stub-valid"}}, "pay.webhook_verify", "'payload'"},
  };
  std::vector<InvalidLine> lines;
  for (const BadLine& bad : cases) {
    lines.push_back({{{"op", bad.op}, {"args", bad.args}}, bad.named});
  }

  expect_invalid_lines(config, lines);
}

TEST(CliPayBatch, DeclineCarriesProviderDetails) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);
  const std::string input =
      R"({"op":"pay.charge","args":{"amount":2000,"currency":"usd","source":"tok_chargeDeclined"}})"
      "\n";

  const ProcessResult result = run_cli(with_config(config, {"batch", "-"}), input);

  EXPECT_EQ(result.exit_code, 4) << describe(result);
  const std::vector<json> outputs = parse_lines(result.out);
  ASSERT_EQ(outputs.size(), 1u) << result.out;
  EXPECT_EQ(outputs[0]["error"]["reason"], "card_declined");
  EXPECT_EQ(outputs[0]["error"]["provider"]["decline_code"], "generic_decline");
}

/// Writes a configuration whose only client is an HS256 auth client.
fs::path write_auth_only_config(const TempDir& dir) {
  return write_configuration(dir, "auth.json", {OUTBOUND_PLUGIN_DIR},
                             {{"auth", hs256_auth_client()}});
}

/// Writes a configuration with an HS256 auth client and the stub payment client.
fs::path write_demo_config(const TempDir& dir) {
  return write_configuration(dir, "demo.json", {OUTBOUND_PLUGIN_DIR, OUTBOUND_STUB_PAYMENT_DIR},
                             {{"auth", hs256_auth_client()}, {"payments", stub_payment_client()}});
}

TEST(CliPayDemo, ChargesAndRefunds) {
  TempDir dir;
  const fs::path config = write_demo_config(dir);

  const ProcessResult result = run_cli(with_config(config, {"demo"}));

  ASSERT_EQ(result.exit_code, 0) << describe(result);
  EXPECT_TRUE(contains(result.out, "auth.verify: the token is valid")) << result.out;
  EXPECT_TRUE(contains(result.out,
                       "pay.charge: client 'payments' (stub-payment 1.0.0) charged 20.00 USD to "
                       "tok_visa: ch_stub_1, succeeded, captured (request id req_stub_1)"))
      << result.out;
  EXPECT_TRUE(contains(result.out,
                       "pay.refund: client 'payments' refunded 20.00 USD of ch_stub_1: re_stub_1, "
                       "succeeded (request id req_stub_2)"))
      << result.out;
  EXPECT_FALSE(contains(result.out, "payment: skipped")) << result.out;
  EXPECT_TRUE(contains(result.out, "mail: skipped")) << result.out;
  EXPECT_TRUE(contains(result.out, "demo: done")) << result.out;
}

TEST(CliPayDemo, JsonListsBothSteps) {
  TempDir dir;

  JsonDemo demo = run_json_demo(write_demo_config(dir));

  ASSERT_EQ(demo.result.exit_code, 0) << describe(demo.result);
  EXPECT_EQ(demo.output["ok"], true);
  ASSERT_EQ(demo.steps.count("pay.charge"), 1u) << demo.output.dump();
  ASSERT_EQ(demo.steps.count("pay.refund"), 1u) << demo.output.dump();
  const json& charge = demo.steps["pay.charge"]["result"];
  EXPECT_EQ(charge["amount"], 2000);
  EXPECT_EQ(charge["currency"], "usd");
  EXPECT_EQ(charge["metadata"]["demo"], "outbound");
  const json& refund = demo.steps["pay.refund"]["result"];
  EXPECT_EQ(refund["charge"], "ch_stub_1");
  EXPECT_EQ(refund["amount"], 2000);
}

TEST(CliPayDemo, SkipsPaymentWithoutClient) {
  TempDir dir;
  const fs::path config = write_auth_only_config(dir);

  const ProcessResult result = run_cli(with_config(config, {"demo"}));

  ASSERT_EQ(result.exit_code, 0) << describe(result);
  EXPECT_TRUE(contains(result.out, "payment: skipped: no payment client is configured"))
      << result.out;
}

TEST(CliPayCharge, NoPaymentClientExitsThree) {
  TempDir dir;
  const fs::path config = write_auth_only_config(dir);

  const ProcessResult result = run_cli(with_config(config, kCharge));

  EXPECT_EQ(result.exit_code, 3) << describe(result);
  EXPECT_TRUE(contains(result.err, "no payment client")) << result.err;
}

// A vendor swap: two configurations that differ only in clients.payments.plugin, one
// `outbound pay charge` command, two plugins, and no file of the build touched in between.
TEST(CliVendorSwap, ChargeRunsThroughEitherPlugin) {
  TempDir dir;
  const fs::path stub_config =
      write_payment_config(dir, json::object(), "stub-payment", "stub.json");
  const fs::path alt_config = write_payment_config(dir, json::object(), "alt-payment", "alt.json");
  json stub_text = json::parse(testing::read_file(stub_config));
  stub_text["clients"]["payments"]["plugin"] = "alt-payment";
  ASSERT_EQ(stub_text, json::parse(testing::read_file(alt_config)));
  const fs::path plugin_dir(OUTBOUND_STUB_PAYMENT_DIR);
  const auto binary_time = fs::last_write_time(OUTBOUND_CLI_PATH);
  const auto stub_time = fs::last_write_time(plugin_dir / "stub_payment.so");
  const auto alt_time = fs::last_write_time(plugin_dir / "alt_payment.so");

  const ProcessResult through_stub = run_cli(with_config(stub_config, kCharge));
  const ProcessResult through_alt = run_cli(with_config(alt_config, kCharge));

  ASSERT_EQ(through_stub.exit_code, 0) << describe(through_stub);
  ASSERT_EQ(through_alt.exit_code, 0) << describe(through_alt);
  EXPECT_TRUE(contains(through_stub.out, "(stub-payment 1.0.0): charge ch_stub_1"))
      << through_stub.out;
  EXPECT_TRUE(contains(through_alt.out, "(alt-payment 2.0.0): charge ch_alt_1")) << through_alt.out;
  EXPECT_EQ(field(through_alt.out, "amount"), "20.00 USD") << through_alt.out;
  EXPECT_EQ(field(through_alt.out, "request id"), "req_alt_1") << through_alt.out;
  EXPECT_EQ(fs::last_write_time(OUTBOUND_CLI_PATH), binary_time);
  EXPECT_EQ(fs::last_write_time(plugin_dir / "stub_payment.so"), stub_time);
  EXPECT_EQ(fs::last_write_time(plugin_dir / "alt_payment.so"), alt_time);
}

TEST(CliPayStub, RejectsUnknownSettings) {
  TempDir dir;
  const fs::path config = write_payment_config(dir, {{"api_key", "sk_test_unused"}});

  const ProcessResult result = run_cli({"config", "check", config.string()});

  EXPECT_EQ(result.exit_code, 3) << describe(result);
  EXPECT_TRUE(contains(result.err, "'api_key'")) << result.err;
}

TEST(CliPayUsage, HelpExitsZero) {
  const std::vector<std::vector<std::string>> cases = {
      {"pay", "charge", "--help"},  {"pay", "refund", "--help"},         {"pay", "get", "--help"},
      {"pay", "capture", "--help"}, {"pay", "webhook-verify", "--help"},
  };
  for (const auto& arguments : cases) {
    SCOPED_TRACE(arguments[1]);

    const ProcessResult result = run_cli(arguments);

    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_TRUE(contains(result.out, "usage: outbound pay " + arguments[1])) << result.out;
  }
  const ProcessResult group = run_cli({"pay", "--help"});
  EXPECT_EQ(group.exit_code, 0) << describe(group);
  EXPECT_TRUE(contains(group.out, "pay webhook-verify")) << group.out;
}

/// Returns the idempotency key of a failure's text note "idempotency key K; rerun with ...",
/// or "" when there is none.
std::string key_in_note(const std::string& text) {
  std::smatch match;
  static const std::regex note("idempotency key (\\S+); rerun with --idempotency-key (\\S+) to");
  if (!std::regex_search(text, match, note)) return "";
  EXPECT_EQ(match[1].str(), match[2].str());
  return match[1].str();
}

bool is_uuid_v4(const std::string& text) {
  static const std::regex uuid(
      "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  return std::regex_match(text, uuid);
}

const std::vector<std::string> kDeclined = {
    "pay", "charge", "--amount", "2000", "--currency", "usd", "--source", "tok_chargeDeclined"};

TEST(CliPayIdempotency, FailedChargePrintsKey) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);

  const ProcessResult text =
      run_cli(with_config(config, concatenated({"--log-level", "debug"}, kDeclined)));
  const ProcessResult as_json = run_cli(with_config(config, with_json(kDeclined)));

  EXPECT_EQ(text.exit_code, 4) << describe(text);
  const std::string key = key_in_note(text.err);
  EXPECT_TRUE(is_uuid_v4(key)) << text.err;
  EXPECT_TRUE(contains(text.err, "to get the same outcome without charging twice")) << text.err;
  // The key printed is the key the plugin got.
  EXPECT_TRUE(contains(text.err, "idempotency_key='" + key + "'")) << text.err;
  EXPECT_FALSE(contains(text.err, "may be the error the provider stored")) << text.err;
  EXPECT_EQ(as_json.exit_code, 4) << describe(as_json);
  const json error = parse_json(as_json)["error"];
  EXPECT_TRUE(is_uuid_v4(error["idempotency_key"].get<std::string>())) << error.dump();
  EXPECT_NE(error["idempotency_key"], key);
  EXPECT_FALSE(error.contains("may_be_replayed")) << error.dump();
}

TEST(CliPayIdempotency, FailedRefundPrintsKey) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);

  const ProcessResult result = run_cli(with_config(config, {"pay", "refund", "ch_nope"}));

  EXPECT_EQ(result.exit_code, 4) << describe(result);
  EXPECT_TRUE(is_uuid_v4(key_in_note(result.err))) << result.err;
  EXPECT_TRUE(contains(result.err, "without refunding twice")) << result.err;
}

TEST(CliPayIdempotency, SuccessShowsKeyThatReplays) {
  TempDir dir;
  const fs::path config = write_stateful_config(dir);

  const ProcessResult first = run_cli(with_config(config, with_json(kCharge)));
  ASSERT_EQ(first.exit_code, 0) << describe(first);
  const std::string key = parse_json(first)["idempotency_key"].get<std::string>();
  const ProcessResult again = run_cli(with_config(config, charge_with({"--idempotency-key", key})));

  EXPECT_TRUE(is_uuid_v4(key)) << first.out;
  ASSERT_EQ(again.exit_code, 0) << describe(again);
  EXPECT_TRUE(contains(again.out, "charge ch_stub_1")) << again.out;
  EXPECT_EQ(field(again.out, "idempotency key"), key) << again.out;
  EXPECT_TRUE(contains(again.out, "replayed from the idempotency cache")) << again.out;
}

TEST(CliPayIdempotency, GivenKeyErrorMayBeReplay) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);
  const std::vector<std::string> keyed = concatenated(kDeclined, {"--idempotency-key", "order-7"});

  const ProcessResult text = run_cli(with_config(config, keyed));
  const ProcessResult as_json = run_cli(with_config(config, with_json(keyed)));

  EXPECT_EQ(text.exit_code, 4) << describe(text);
  EXPECT_EQ(key_in_note(text.err), "order-7") << text.err;
  EXPECT_TRUE(contains(text.err,
                       "--idempotency-key was given, so this may be the error the provider "
                       "stored for the first request with that key, replayed"))
      << text.err;
  const json error = parse_json(as_json)["error"];
  EXPECT_EQ(error["idempotency_key"], "order-7");
  EXPECT_EQ(error["may_be_replayed"], true);
}

TEST(CliPayIdempotency, BatchCarriesKeys) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);
  const std::string input =
      R"({"op":"pay.charge","args":{"amount":2000,"currency":"usd","source":"tok_visa","idempotency_key":"line-1"}})"
      "\n"
      R"({"op":"pay.charge","args":{"amount":2000,"currency":"usd","source":"tok_visa"}})"
      "\n"
      R"({"op":"pay.charge","args":{"amount":2000,"currency":"usd","source":"tok_chargeDeclined"}})"
      "\n"
      R"({"op":"pay.refund","args":{"payment_id":"ch_nope","idempotency_key":"line-4"}})"
      "\n"
      R"({"op":"pay.charge","args":{"amount":0,"currency":"usd","source":"tok_visa"}})"
      "\n";

  const ProcessResult result = run_cli(with_config(config, {"batch", "-"}), input);

  const std::vector<json> outputs = parse_lines(result.out);
  ASSERT_EQ(outputs.size(), 5u) << result.out;
  EXPECT_EQ(outputs[0]["result"]["idempotency_key"], "line-1");
  EXPECT_TRUE(is_uuid_v4(outputs[1]["result"]["idempotency_key"].get<std::string>()))
      << outputs[1].dump();
  EXPECT_TRUE(is_uuid_v4(outputs[2]["error"]["idempotency_key"].get<std::string>()))
      << outputs[2].dump();
  EXPECT_FALSE(outputs[2]["error"].contains("may_be_replayed")) << outputs[2].dump();
  EXPECT_EQ(outputs[3]["error"]["idempotency_key"], "line-4");
  EXPECT_EQ(outputs[3]["error"]["may_be_replayed"], true);
  // Rejected before the client was called, so no request could have used a key.
  EXPECT_FALSE(outputs[4]["error"].contains("idempotency_key")) << outputs[4].dump();
}

struct KeyCase {
  std::string key;
  std::string message;
};

TEST(CliPayIdempotency, MalformedKeyExitsTwo) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);
  const std::vector<KeyCase> cases = {
      {"order 42", "has a space at position 6"},
      {std::string(256, 'k'), "is 256 characters long; the maximum is 255"},
      {"clé", "has a non-ASCII byte at position 3"},
      {"key\x01", "has a control character at position 4"},
      {"key\tx", "has a control character at position 4"},
      {"key\nx", "has a control character at position 4"},
  };
  for (const KeyCase& key : cases) {
    SCOPED_TRACE(key.message);
    for (const std::vector<std::string>& command :
         {charge_with({"--idempotency-key", key.key}),
          std::vector<std::string>{"pay", "refund", "ch_1", "--idempotency-key", key.key},
          std::vector<std::string>{"pay", "capture", "ch_1", "--idempotency-key", key.key}}) {
      SCOPED_TRACE(command[1]);

      const ProcessResult result = run_cli(with_config(config, command));

      EXPECT_EQ(result.exit_code, 2) << describe(result);
      EXPECT_TRUE(contains(result.err, "usage error: --idempotency-key " + key.message))
          << result.err;
    }
  }
  const ProcessResult longest =
      run_cli(with_config(config, charge_with({"--idempotency-key", std::string(255, 'k')})));
  EXPECT_EQ(longest.exit_code, 0) << describe(longest);
}

TEST(CliPayIdempotency, BatchRejectsMalformedKey) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);
  const std::string input =
      json({{"op", "pay.charge"},
            {"args",
             {{"amount", 2000},
              {"currency", "usd"},
              {"source", "tok_visa"},
              {"idempotency_key", "has space"}}}})
          .dump() +
      "\n" +
      json({{"op", "pay.capture"},
            {"args", {{"payment_id", "ch_1"}, {"idempotency_key", std::string(300, 'k')}}}})
          .dump() +
      "\n";

  const ProcessResult result = run_cli(with_config(config, {"batch", "-"}), input);

  EXPECT_EQ(result.exit_code, 4) << describe(result);
  const std::vector<json> outputs = parse_lines(result.out);
  ASSERT_EQ(outputs.size(), 2u) << result.out;
  EXPECT_TRUE(contains(outputs[0]["error"]["message"].get<std::string>(),
                       "pay.charge argument 'idempotency_key' has a space"))
      << outputs[0].dump();
  EXPECT_TRUE(contains(outputs[1]["error"]["message"].get<std::string>(),
                       "is 300 characters long; the maximum is 255"))
      << outputs[1].dump();
}

TEST(CliPayText, ProviderStringsAreEscaped) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);

  const ProcessResult result = run_cli(with_config(
      config, charge_with({"--description", "order 42\n  request id:     req_forged\x1b[2J",
                           "--metadata", "note=a\rb\tc\\d"})));
  const ProcessResult error = run_cli(
      with_config(config, {"pay", "charge", "--amount", "2000", "--currency", "usd", "--source",
                           "tok_x\nprovider request id: req_forged\x1b]0;title\x07"}));

  ASSERT_EQ(result.exit_code, 0) << describe(result);
  EXPECT_EQ(fields(result.out, "request id").size(), 1u) << result.out;
  EXPECT_EQ(field(result.out, "request id"), "req_stub_1") << result.out;
  EXPECT_EQ(field(result.out, "description"), "order 42\\n  request id:     req_forged\\u001b[2J")
      << result.out;
  EXPECT_EQ(field(result.out, "metadata"), "note=a\\rb\\tc\\\\d") << result.out;
  EXPECT_FALSE(contains(result.out, "\x1b")) << result.out;
  EXPECT_EQ(error.exit_code, 4) << describe(error);
  EXPECT_FALSE(contains(error.err, "\nprovider request id: req_forged")) << error.err;
  EXPECT_TRUE(contains(error.err, "tok_x\\nprovider request id: req_forged\\u001b]0;title\\u0007"))
      << error.err;
  EXPECT_FALSE(contains(error.err, "\x1b")) << error.err;
}

TEST(CliPayText, Utf8IsKeptAndBrokenBytesEscaped) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);

  const ProcessResult result = run_cli(with_config(
      config, charge_with({"--description", "Grüße \xe2\x80\xae reversed \xc2\x9b end"})));
  const ProcessResult error = run_cli(with_config(config, {"pay", "get", "ch_\xff\xfe"}));

  ASSERT_EQ(result.exit_code, 0) << describe(result);
  // The right-to-left override U+202E and the C1 control U+009B (CSI) are escaped.
  EXPECT_EQ(field(result.out, "description"), "Grüße \\u202e reversed \\u009b end") << result.out;
  EXPECT_EQ(error.exit_code, 4) << describe(error);
  EXPECT_TRUE(contains(error.err, "'ch_\\xff\\xfe'")) << error.err;
}

TEST(CliPayCapture, CapturesAuthorisedCharge) {
  TempDir dir;
  const fs::path config = write_stateful_config(dir);
  ASSERT_EQ(run_cli(with_config(config, charge_with({"--no-capture"}))).exit_code, 0);

  const ProcessResult capture =
      run_cli(with_config(config, {"pay", "capture", "ch_stub_1", "--amount", "1500"}));
  const ProcessResult again =
      run_cli(with_config(config, {"--json", "pay", "capture", "ch_stub_1"}));
  const ProcessResult again_text = run_cli(with_config(config, {"pay", "capture", "ch_stub_1"}));
  const ProcessResult charge = run_cli(with_config(config, {"--json", "pay", "get", "ch_stub_1"}));

  ASSERT_EQ(capture.exit_code, 0) << describe(capture);
  EXPECT_TRUE(contains(capture.out, "client 'payments' (stub-payment 1.0.0): charge ch_stub_1"))
      << capture.out;
  EXPECT_EQ(field(capture.out, "captured"), "yes (15.00 USD)") << capture.out;
  EXPECT_TRUE(is_uuid_v4(field(capture.out, "idempotency key"))) << capture.out;
  EXPECT_EQ(again.exit_code, 4) << describe(again);
  EXPECT_EQ(parse_json(again)["error"]["code"], "failed_precondition");
  EXPECT_EQ(parse_json(again)["error"]["provider"]["code"], "charge_already_captured");
  EXPECT_TRUE(contains(again_text.err, "without capturing twice")) << again_text.err;
  EXPECT_EQ(parse_json(charge)["captured"], true);
  EXPECT_EQ(parse_json(charge)["amount_captured"], 1500);
}

TEST(CliPayCapture, KeyReplaysCapture) {
  TempDir dir;
  const fs::path config = write_stateful_config(dir);
  ASSERT_EQ(run_cli(with_config(config, charge_with({"--no-capture"}))).exit_code, 0);
  const std::vector<std::string> capture = {
      "--json", "pay", "capture", "ch_stub_1", "--idempotency-key", "capture-1"};

  const ProcessResult first = run_cli(with_config(config, capture));
  const ProcessResult second = run_cli(with_config(config, capture));

  ASSERT_EQ(first.exit_code, 0) << describe(first);
  EXPECT_EQ(parse_json(first)["idempotent_replayed"], false);
  ASSERT_EQ(second.exit_code, 0) << describe(second);
  EXPECT_EQ(parse_json(second)["idempotent_replayed"], true);
  EXPECT_EQ(parse_json(second)["idempotency_key"], "capture-1");
}

TEST(CliPayCapture, PaymentIntentIdRoutesToIntent) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);

  const ProcessResult result = run_cli(with_config(config, {"--json", "pay", "capture", "pi_123"}));

  // The stub has no payment intents, so its error names the operation the id was routed to.
  EXPECT_EQ(parse_json(result)["error"]["code"], "unimplemented") << describe(result);
  EXPECT_TRUE(contains(parse_json(result)["error"]["message"].get<std::string>(),
                       "capture_payment_intent"));
}

TEST(CliPayCapture, BadValuesExitTwoOrFour) {
  TempDir dir;
  const fs::path config = write_stateful_config(dir);
  ASSERT_EQ(run_cli(with_config(config, charge_with({"--no-capture"}))).exit_code, 0);
  const std::vector<ExitCase> cases = {
      {{"pay", "capture"}, 2},
      {{"pay", "capture", "ch_stub_1", "--amount", "12.50"}, 2},
      {{"pay", "capture", "ch_stub_1", "--amount", "-1"}, 2},
      {{"pay", "capture", "ch_stub_1", "--account", ""}, 2},
      {{"pay", "capture", "ch_stub_1", "--reason", "x"}, 2},
      {{"pay", "capture", "ch_stub_1", "ch_stub_2"}, 2},
      {{"pay", "capture", "ch_stub_1", "--amount", "0"}, 4},
      {{"pay", "capture", "ch_stub_1", "--amount", "2001"}, 4},
      {{"pay", "capture", "ch_nope"}, 4},
  };
  expect_exit_codes(config, cases);
  const ProcessResult zero =
      run_cli(with_config(config, {"pay", "capture", "ch_stub_1", "--amount", "0"}));
  EXPECT_TRUE(contains(zero.err,
                       "--amount is 0; give a positive number of minor units, or leave --amount "
                       "out to capture the whole authorised amount"))
      << zero.err;
}

TEST(CliPayCapture, BatchCaptures) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);
  const std::string input =
      R"({"op":"pay.charge","args":{"amount":2000,"currency":"usd","source":"tok_visa","capture":false}})"
      "\n"
      R"({"op":"pay.capture","args":{"payment_id":"ch_stub_1","amount":500,"idempotency_key":"cap-1"}})"
      "\n"
      R"({"op":"pay.capture","args":{"payment_id":"ch_stub_1","amount":500,"idempotency_key":"cap-1"}})"
      "\n"
      R"({"op":"pay.capture","args":{"payment_id":"ch_stub_1","amount":0}})"
      "\n"
      R"({"op":"pay.capture","args":{"payment_id":"ch_stub_1","reason":"x"}})"
      "\n";

  const ProcessResult result = run_cli(with_config(config, {"batch", "-"}), input);

  const std::vector<json> outputs = parse_lines(result.out);
  ASSERT_EQ(outputs.size(), 5u) << result.out;
  EXPECT_EQ(outputs[1]["result"]["amount_captured"], 500) << outputs[1].dump();
  EXPECT_EQ(outputs[1]["result"]["idempotency_key"], "cap-1");
  EXPECT_EQ(outputs[2]["result"]["idempotent_replayed"], true) << outputs[2].dump();
  EXPECT_TRUE(contains(outputs[3]["error"]["message"].get<std::string>(),
                       "pay.capture argument 'amount' is 0"))
      << outputs[3].dump();
  EXPECT_TRUE(contains(outputs[4]["error"]["message"].get<std::string>(),
                       "pay.capture has no argument 'reason'"))
      << outputs[4].dump();
}

struct MessageCase {
  std::vector<std::string> arguments;
  int exit_code;
  std::string expected;
  std::string unexpected;
};

// A command's messages name its options, not the batch arguments it is built on.
TEST(CliPayMessages, NameTheOption) {
  TempDir dir;
  const fs::path config = write_stateful_config(dir);
  ASSERT_EQ(run_cli(with_config(config, kCharge)).exit_code, 0);
  const std::vector<MessageCase> cases = {
      {{"pay", "charge", "--amount", "0", "--currency", "usd", "--source", "tok_visa"},
       4,
       "--amount is 0; a charge is at least 1 minor unit",
       "argument '"},
      {{"pay", "charge", "--amount", "2000", "--currency", "dollars", "--source", "tok_visa"},
       4,
       "--currency 'dollars' is not a three-letter ISO 4217 code",
       "argument '"},
      {{"pay", "charge", "--amount", "5125", "--currency", "kwd", "--source", "tok_visa"},
       4,
       "--amount 5125 KWD ends in a non-zero digit",
       "argument '"},
      {{"pay", "refund", "ch_stub_1", "--amount", "0"},
       4,
       "--amount is 0; give a positive number of minor units, or leave --amount out to refund "
       "the whole remaining amount",
       "argument '"},
      {{"pay", "refund", "ch_stub_1", "--reason", "changed_mind"},
       4,
       "--reason 'changed_mind' is not a refund reason; use duplicate, fraudulent or "
       "requested_by_customer",
       "argument '"},
      {{"pay", "refund", "ch_stub_1", "--amount", "12.50"},
       2,
       "--amount is in the payment's minor unit, such as 1250 for 12.50 in a two-decimal "
       "currency",
       "USD"},
      {{"pay", "refund", "ch_stub_1", "--amount", "abc"},
       2,
       "such as --amount 1250 for 12.50 in a two-decimal currency",
       "USD"},
      {{"pay", "charge", "--amount", "12.50", "--currency", "jpy", "--source", "tok_visa"},
       2,
       "JPY has no decimal places",
       "round"},
      {{"pay", "charge", "--amount", "12.505", "--currency", "usd", "--source", "tok_visa"},
       2,
       "USD has 2 decimal places, so use --amount 1250 for 12.50 USD or --amount 1251 for 12.51 "
       "USD",
       "round"},
  };
  for (const MessageCase& message : cases) {
    SCOPED_TRACE(joined(message.arguments));

    const ProcessResult result = run_cli(with_config(config, message.arguments));

    EXPECT_EQ(result.exit_code, message.exit_code) << describe(result);
    EXPECT_TRUE(contains(result.err, message.expected)) << result.err;
    EXPECT_FALSE(contains(result.err, message.unexpected)) << result.err;
    EXPECT_FALSE(contains(result.err, "pay.charge")) << result.err;
    EXPECT_FALSE(contains(result.err, "pay.refund")) << result.err;
  }
}

TEST(CliPayWebhook, PayloadFileDashReadsStandardInput) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);

  const ProcessResult result =
      run_cli(with_config(config, {"--log-level", "debug", "--json", "pay", "webhook-verify",
                                   "--signature", "stub-valid", "--payload-file", "-"}),
              kEvent);

  expect_event_verified(result);
}

TEST(CliPayBatch, FloatAmountSaysWriteInteger) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);
  const std::string input =
      R"({"op":"pay.charge","args":{"amount":1250.0,"currency":"usd","source":"tok_visa"}})"
      "\n"
      R"({"op":"pay.refund","args":{"payment_id":"ch_1","amount":1e3}})"
      "\n"
      R"({"op":"pay.charge","args":{"amount":12.5,"currency":"usd","source":"tok_visa"}})"
      "\n";

  const ProcessResult result = run_cli(with_config(config, {"batch", "-"}), input);
  const ProcessResult help = run_cli({"batch", "--help"});

  const std::vector<json> outputs = parse_lines(result.out);
  ASSERT_EQ(outputs.size(), 3u) << result.out;
  EXPECT_EQ(outputs[0]["ok"], false);
  EXPECT_TRUE(contains(outputs[0]["error"]["message"].get<std::string>(),
                       "amounts must be JSON integers such as 1250, not 1250.0, so write 1250"))
      << outputs[0].dump();
  EXPECT_TRUE(contains(outputs[1]["error"]["message"].get<std::string>(), "so write 1000"))
      << outputs[1].dump();
  EXPECT_TRUE(contains(outputs[2]["error"]["message"].get<std::string>(),
                       "must be a whole number of minor units, got 12.5"))
      << outputs[2].dump();
  EXPECT_TRUE(contains(help.out, "Amounts must be JSON integers such as 1250, not 1250.0"))
      << help.out;
}

}  // namespace
}  // namespace outbound::cli_testing
