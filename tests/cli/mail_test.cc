// End-to-end tests of `outbound mail send`, the mail.send batch operation and the mail part of
// `outbound demo`: the real binary against the stub mail plugin (stub_mail_plugin.cc). The stub
// records every message it gets in a state file. Its reply to each recipient depends on the
// address: "reject" gets 550, "busy" 451, and "vanish" no final reply. Each test runs in a fresh
// temporary folder with its own configuration.

#include <cstring>
#include <filesystem>
#include <string>
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

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string encode_base64(const std::string& bytes) {
  std::string encoded;
  unsigned buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      encoded += kBase64Alphabet[(buffer >> bits) & 0x3f];
    }
  }
  if (bits > 0) encoded += kBase64Alphabet[(buffer << (6 - bits)) & 0x3f];
  while (encoded.size() % 4 != 0) encoded += '=';
  return encoded;
}

std::string decode_base64(const std::string& text) {
  std::string decoded;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    const char* found = std::strchr(kBase64Alphabet, c);
    if (found == nullptr || c == '\0') {
      ADD_FAILURE() << "not base64: " << text;
      return "";
    }
    buffer = (buffer << 6) | static_cast<unsigned>(found - kBase64Alphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return decoded;
}

/// Returns every byte value once, then a run long enough to need several base64 lines.
std::string binary_content() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (int i = 0; i < 70000; ++i) bytes += static_cast<char>((i * 7919) % 251);
  return bytes;
}

/// Returns a client of the stub mail plugin that records the messages it gets in state.json.
json stub_mail_client() {
  return {{"plugin", "stub-mail"}, {"settings", {{"state_file", "state.json"}}}};
}

/// Writes a configuration whose only client is the stub mail client "mail", keeping its state
/// in state.json. Retries are off, so that a transient rejection is reported at once.
fs::path write_config(const TempDir& dir) {
  json mail = stub_mail_client();
  mail["resilience"] = {{"retry", {{"max_retries", 0}}}};
  return write_configuration(dir, "config.json", {OUTBOUND_STUB_MAIL_DIR}, {{"mail", mail}});
}

/// Returns the stub's state file, or an empty object when the plugin never ran.
json read_state(const TempDir& dir) {
  const std::string text = testing::read_file(dir / "state.json");
  if (text.empty()) return json::object();
  return json::parse(text);
}

const std::vector<std::string> kSend = {
    "mail",      "send",  "--from", "demo@outbound.test", "--to", "someone@outbound.test",
    "--subject", "hello", "--text", "Hello there.\n"};

/// Returns a `mail send` command with the subject `subject` and an otherwise valid message.
std::vector<std::string> send_with_subject(const std::string& subject) {
  return {"mail",      "send",
          "--from",    "demo@outbound.test",
          "--to",      "someone@outbound.test",
          "--subject", subject,
          "--text",    "t"};
}

std::vector<std::string> send_with(const std::vector<std::string>& extra) {
  return concatenated(kSend, extra);
}

TEST(CliMailSend, TextShowsReceipt) {
  TempDir dir;
  const fs::path config = write_config(dir);

  const ProcessResult result = run_cli(with_config(config, kSend));

  ASSERT_EQ(result.exit_code, 0) << describe(result);
  EXPECT_TRUE(
      contains(result.out, "client 'mail' (stub-mail 1.0.0): sent message stub-1@outbound.test\n"))
      << result.out;
  const json state = read_state(dir);
  ASSERT_EQ(state["messages"].size(), 1u) << state.dump(2);
  const std::string size = std::to_string(state["messages"][0].dump().size());
  expect_fields(result.out, {{"size", size + " octets"},
                             {"server reply", "250 2.0.0 queued as stub-1"},
                             {"accepted", "someone@outbound.test (250 2.1.5 OK)"},
                             {"recipients", "1 of 1 accepted"}});
  EXPECT_TRUE(fields(result.out, "rejected").empty()) << result.out;
}

TEST(CliMailSend, JsonCarriesReceipt) {
  TempDir dir;
  const fs::path config = write_config(dir);

  const ProcessResult result =
      run_cli(with_config(config, with_json(send_with({"--to", "reject@outbound.test"}))));

  ASSERT_EQ(result.exit_code, 0) << describe(result);
  const json receipt = parse_json(result);
  EXPECT_EQ(receipt["client"], "mail");
  EXPECT_EQ(receipt["plugin"], "stub-mail");
  EXPECT_EQ(receipt["plugin_version"], "1.0.0");
  EXPECT_EQ(receipt["message_id"], "stub-1@outbound.test");
  EXPECT_GT(receipt["size_octets"].get<int>(), 0);
  EXPECT_EQ(receipt["server_reply"], "250 2.0.0 queued as stub-1");
  EXPECT_EQ(receipt["accepted"], 1);
  EXPECT_EQ(receipt["rejected"], 1);
  ASSERT_EQ(receipt["recipients"].size(), 2u) << receipt.dump();
  EXPECT_EQ(receipt["recipients"][0], json({{"address", "someone@outbound.test"},
                                            {"accepted", true},
                                            {"reply_code", 250},
                                            {"enhanced_code", "2.1.5"},
                                            {"reply", "OK"}}));
  EXPECT_EQ(receipt["recipients"][1], json({{"address", "reject@outbound.test"},
                                            {"accepted", false},
                                            {"reply_code", 550},
                                            {"enhanced_code", "5.1.1"},
                                            {"reply", "mailbox unavailable"}}));
}

TEST(CliMailSend, EveryOptionReachesPlugin) {
  TempDir dir;
  const fs::path config = write_config(dir);
  const std::string text = "Line one\r\nline two\nline three\r.\n.starts with a dot\n";
  const std::string html = "<p>Hello <b>there</b></p>\n";
  const std::string binary = binary_content();
  testing::write_file(dir / "body.txt", text);
  testing::write_file(dir / "body.html", html);
  testing::write_file(dir / "data.bin", binary);
  testing::write_file(dir / "notes.txt", "plain notes\n");

  const ProcessResult result =
      run_cli(with_config(config, {"mail",         "send",
                                   "--from",       "\"Doe, Jane \\\"JD\\\"\" <jane@outbound.test>",
                                   "--to",         "Bob Example <bob@outbound.test>",
                                   "--to",         "<carol@outbound.test>",
                                   "--cc",         "Dave <dave@outbound.test>",
                                   "--bcc",        "erin@outbound.test",
                                   "--reply-to",   "Help Desk <help@outbound.test>",
                                   "--reply-to",   "sales@outbound.test",
                                   "--subject",    "Grüße, 日本",
                                   "--text-file",  (dir / "body.txt").string(),
                                   "--html-file",  (dir / "body.html").string(),
                                   "--attach",     (dir / "data.bin").string(),
                                   "--attach",     (dir / "notes.txt").string(),
                                   "--header",     "X-Campaign=spring",
                                   "--header",     "X-Note=a=b",
                                   "--header",     "X-Empty=",
                                   "--message-id", "<order-42@outbound.test>",
                                   "--client",     "mail"}));

  ASSERT_EQ(result.exit_code, 0) << describe(result);
  EXPECT_TRUE(contains(result.out, "sent message order-42@outbound.test")) << result.out;
  EXPECT_EQ(fields(result.out, "accepted").size(), 4u) << result.out;
  const json state = read_state(dir);
  ASSERT_EQ(state["messages"].size(), 1u) << state.dump(2);
  const json& message = state["messages"][0];
  EXPECT_EQ(message["from"],
            json({{"address", "jane@outbound.test"}, {"name", "Doe, Jane \"JD\""}}));
  EXPECT_EQ(message["to"], json::parse(R"([{"address":"bob@outbound.test","name":"Bob Example"},
                                          {"address":"carol@outbound.test","name":""}])"));
  EXPECT_EQ(message["cc"], json::parse(R"([{"address":"dave@outbound.test","name":"Dave"}])"));
  EXPECT_EQ(message["bcc"], json::parse(R"([{"address":"erin@outbound.test","name":""}])"));
  EXPECT_EQ(message["reply_to"],
            json::parse(R"([{"address":"help@outbound.test","name":"Help Desk"},
                            {"address":"sales@outbound.test","name":""}])"));
  EXPECT_EQ(message["subject"], "Grüße, 日本");
  EXPECT_EQ(decode_base64(message["text_base64"]), text);
  EXPECT_EQ(decode_base64(message["html_base64"]), html);
  ASSERT_EQ(message["attachments"].size(), 2u);
  EXPECT_EQ(message["attachments"][0]["filename"], "data.bin");
  EXPECT_EQ(message["attachments"][0]["content_type"], "");
  EXPECT_EQ(message["attachments"][0]["size"], binary.size());
  EXPECT_TRUE(decode_base64(message["attachments"][0]["content_base64"]) == binary)
      << "the attachment's bytes changed on the way";
  EXPECT_EQ(message["attachments"][1]["filename"], "notes.txt");
  EXPECT_EQ(decode_base64(message["attachments"][1]["content_base64"]), "plain notes\n");
  EXPECT_EQ(message["headers"],
            json::parse(R"([["X-Campaign","spring"],["X-Note","a=b"],["X-Empty",""]])"));
  EXPECT_EQ(message["given_message_id"], "order-42@outbound.test");
  EXPECT_EQ(message["has_deadline"], true);
}

TEST(CliMailSend, TextFileFromStandardInput) {
  TempDir dir;
  const fs::path config = write_config(dir);
  const std::string body = "from stdin\r\nbare CR\rbare LF\n\x01 control\n";

  const ProcessResult result =
      run_cli(with_config(config, {"mail", "send", "--from", "demo@outbound.test", "--to",
                                   "someone@outbound.test", "--subject", "", "--text-file", "-"}),
              body);

  ASSERT_EQ(result.exit_code, 0) << describe(result);
  const json message = read_state(dir)["messages"][0];
  EXPECT_EQ(decode_base64(message["text_base64"]), body);
  EXPECT_EQ(message["subject"], "");
  EXPECT_EQ(decode_base64(message["html_base64"]), "");
}

TEST(CliMailSend, HtmlFileAloneIsEnough) {
  TempDir dir;
  const fs::path config = write_config(dir);
  const std::string html = "<html><body>only HTML</body></html>";

  const ProcessResult result = run_cli(
      with_config(config, {"mail", "send", "--from", "demo@outbound.test", "--to",
                           "someone@outbound.test", "--subject", "html", "--html-file", "-"}),
      html);

  ASSERT_EQ(result.exit_code, 0) << describe(result);
  const json message = read_state(dir)["messages"][0];
  EXPECT_EQ(decode_base64(message["html_base64"]), html);
  EXPECT_EQ(decode_base64(message["text_base64"]), "");
}

TEST(CliMailSend, BccOnlyIsARecipient) {
  TempDir dir;
  const fs::path config = write_config(dir);

  const ProcessResult result =
      run_cli(with_config(config, {"mail", "send", "--from", "demo@outbound.test", "--bcc",
                                   "hidden@outbound.test", "--subject", "s", "--text", "t"}));

  ASSERT_EQ(result.exit_code, 0) << describe(result);
  EXPECT_EQ(field(result.out, "accepted"), "hidden@outbound.test (250 2.1.5 OK)") << result.out;
}

TEST(CliMailSend, PartialRejectionExitsZero) {
  TempDir dir;
  const fs::path config = write_config(dir);

  const ProcessResult result = run_cli(with_config(
      config, send_with({"--cc", "reject@outbound.test", "--bcc", "busy@outbound.test"})));

  ASSERT_EQ(result.exit_code, 0) << describe(result);
  EXPECT_EQ(field(result.out, "accepted"), "someone@outbound.test (250 2.1.5 OK)") << result.out;
  const std::vector<std::string> rejected = fields(result.out, "rejected");
  ASSERT_EQ(rejected.size(), 2u) << result.out;
  EXPECT_EQ(rejected[0], "reject@outbound.test (550 5.1.1 mailbox unavailable); permanent");
  EXPECT_EQ(rejected[1],
            "busy@outbound.test (451 4.2.1 mailbox busy, try later); temporary, so sending to "
            "this recipient again later may work");
  EXPECT_EQ(field(result.out, "recipients"), "1 of 3 accepted") << result.out;
}

TEST(CliMailSend, AllRejectedExitsFour) {
  TempDir dir;
  const fs::path config = write_config(dir);
  const std::vector<std::string> arguments = {"mail",      "send",
                                              "--from",    "demo@outbound.test",
                                              "--to",      "reject1@outbound.test",
                                              "--to",      "reject2@outbound.test",
                                              "--subject", "s",
                                              "--text",    "t"};

  const ProcessResult text = run_cli(with_config(config, arguments));
  const ProcessResult as_json = run_cli(with_config(config, with_json(arguments)));

  EXPECT_EQ(text.exit_code, 4) << describe(text);
  EXPECT_TRUE(contains(text.err, "error: invalid_argument (all_recipients_rejected)")) << text.err;
  EXPECT_TRUE(contains(text.err, "reject2@outbound.test (550 5.1.1 mailbox unavailable)"))
      << text.err;
  EXPECT_TRUE(contains(text.err, "provider details: code 5.1.1, reply code 550")) << text.err;
  EXPECT_TRUE(contains(text.err, "the message was not sent")) << text.err;
  EXPECT_EQ(as_json.exit_code, 4) << describe(as_json);
  const json error = parse_json(as_json)["error"];
  EXPECT_EQ(error["code"], "invalid_argument");
  EXPECT_EQ(error["reason"], "all_recipients_rejected");
  EXPECT_EQ(error["retryable"], false);
  EXPECT_EQ(error["provider"]["reply_code"], 550);
  const json state = read_state(dir);
  EXPECT_EQ(state["calls"], 2);
  EXPECT_FALSE(state.contains("messages")) << state.dump(2);
}

TEST(CliMailSend, DeferredExitsFive) {
  TempDir dir;
  const fs::path config = write_config(dir);

  const ProcessResult result =
      run_cli(with_config(config, {"--json", "mail", "send", "--from", "demo@outbound.test", "--to",
                                   "busy@outbound.test", "--to", "reject@outbound.test",
                                   "--subject", "s", "--text", "t"}));

  EXPECT_EQ(result.exit_code, 5) << describe(result);
  const json error = parse_json(result)["error"];
  EXPECT_EQ(error["code"], "unavailable");
  EXPECT_EQ(error["reason"], "recipients_deferred");
  EXPECT_EQ(error["retryable"], true);
}

TEST(CliMailSend, UnknownOutcomeExitsFive) {
  TempDir dir;
  const fs::path config = write_config(dir);

  const ProcessResult result =
      run_cli(with_config(config, send_with({"--to", "vanish@outbound.test"})));

  EXPECT_EQ(result.exit_code, 5) << describe(result);
  EXPECT_TRUE(contains(result.err, "error: unavailable (unknown_outcome)")) << result.err;
  EXPECT_TRUE(contains(result.err, "the server may have accepted the message")) << result.err;
  EXPECT_TRUE(contains(result.err, "before sending it again")) << result.err;
}

/// A `mail send` command line that must fail as a usage error, and a part of its message.
struct UsageCase {
  std::vector<std::string> arguments;
  std::string message_part;
};

// Each value tries to smuggle a header (or a second message) through a line break. The command
// must stop it before the plugin runs, name the option, and print the value escaped, so the
// forged text never starts a line of the error output either.
TEST(CliMailSend, LineBreakInjectionIsUsageError) {
  TempDir dir;
  const fs::path config = write_config(dir);
  const std::vector<UsageCase> cases = {
      {send_with_subject("hi\r\nBcc: victim@outbound.test"), "--subject"},
      {send_with_subject("hi\nBcc: victim@outbound.test"), "--subject"},
      {send_with_subject("hi\rBcc: victim@outbound.test"), "--subject"},
      {send_with({"--to", "a@outbound.test\r\nBcc: victim@outbound.test"}), "--to"},
      {send_with({"--to", "Name\n <a@outbound.test>"}), "--to"},
      {send_with({"--cc", "a@outbound.test\nBcc: victim@outbound.test"}), "--cc"},
      {send_with({"--bcc", "a@outbound.test\r"}), "--bcc"},
      {send_with({"--reply-to", "a@outbound.test\nBcc: victim@outbound.test"}), "--reply-to"},
      {{"mail", "send", "--from", "demo@outbound.test\r\nBcc: victim@outbound.test", "--to",
        "someone@outbound.test", "--subject", "s", "--text", "t"},
       "--from"},
      {send_with({"--header", "X-Tag=1\r\nBcc: victim@outbound.test"}), "--header"},
      {send_with({"--header", "X-Tag\nBcc=1"}), "--header"},
      {send_with({"--message-id", "id@outbound.test\r\nBcc: victim@outbound.test"}),
       "--message-id"},
  };
  for (const UsageCase& injection : cases) {
    SCOPED_TRACE(joined(injection.arguments));

    const ProcessResult result = run_cli(with_config(config, injection.arguments));

    EXPECT_EQ(result.exit_code, 2) << describe(result);
    // The message part of each case is the option that carries the line break.
    EXPECT_TRUE(contains(result.err, "usage error: " + injection.message_part)) << result.err;
    EXPECT_FALSE(contains(result.err, "\nBcc: victim")) << result.err;
    EXPECT_FALSE(contains(result.err, "\rBcc: victim")) << result.err;
  }
  EXPECT_FALSE(fs::exists(dir / "state.json")) << "the plugin ran for an injected value";
}

TEST(CliMailSend, InjectionIsJsonUsageError) {
  TempDir dir;
  const fs::path config = write_config(dir);

  const ProcessResult result =
      run_cli(with_config(config, with_json(send_with_subject("a\r\nBcc: victim@outbound.test"))));

  EXPECT_EQ(result.exit_code, 2) << describe(result);
  const json error = parse_json(result)["error"];
  EXPECT_EQ(error["reason"], "usage");
  EXPECT_TRUE(contains(error["message"].get<std::string>(), "--subject contains a line break"))
      << error.dump();
}

TEST(CliMailSend, MalformedOptionsExitTwo) {
  TempDir dir;
  const fs::path config = write_config(dir);
  const std::string missing = (dir / "missing.txt").string();
  const std::vector<UsageCase> cases = {
      {{"mail", "send", "--to", "a@outbound.test", "--subject", "s", "--text", "t"},
       "--from is required"},
      {{"mail", "send", "--from", "demo@outbound.test", "--subject", "s", "--text", "t"},
       "a recipient is required"},
      {{"mail", "send", "--from", "demo@outbound.test", "--to", "a@outbound.test", "--text", "t"},
       "--subject is required"},
      {{"mail", "send", "--from", "demo@outbound.test", "--to", "a@outbound.test", "--subject",
        "s"},
       "a body is required"},
      {send_with({"--text-file", missing}), "--text and --text-file both"},
      {{"mail", "send", "--from", "demo@outbound.test", "--to", "a@outbound.test", "--subject", "s",
        "--text-file", "-", "--html-file", "-"},
       "cannot both read standard input"},
      {{"mail", "send", "--from", "demo@outbound.test", "--to", "a@outbound.test", "--subject", "s",
        "--text-file", missing},
       "--text-file '" + missing + "' cannot be read"},
      {send_with({"--html-file", missing}), "--html-file '" + missing + "' cannot be read"},
      {send_with({"--attach", missing}), "--attach '" + missing + "' cannot be read"},
      {send_with({"--attach", dir.path().string()}), "is not a regular file"},
      {send_with({"--html-file", dir.path().string()}), "is not a regular file"},
      {send_with({"--attach", "-"}), "--attach needs a file"},
      {send_with({"--header", "X-Campaign"}), "must look like NAME=VALUE"},
      {send_with({"--header", "=value"}), "has an empty header name"},
      {send_with({"--header", "X Campaign=1"}), "has a header name with a space"},
      {send_with({"--header", "Subject=other"}), "give it with --subject"},
      {send_with({"--header", "bcc=x@outbound.test"}), "give it with --bcc"},
      {send_with({"--header", "Reply-To=x@outbound.test"}), "give it with --reply-to"},
      {send_with({"--header", "Message-ID=<a@b>"}), "give it with --message-id"},
      {send_with({"--header", "Date=today"}), "the sender makes that header itself"},
      {send_with({"--header", "Content-Type=text/plain"}), "the sender makes that header itself"},
      {send_with({"--to", "a@outbound.test, b@outbound.test"}), "has a comma"},
      {send_with({"--to", "nobody"}), "is not an address of the form local@domain"},
      {send_with({"--to", "@outbound.test"}), "is not an address of the form local@domain"},
      {send_with({"--to", "Name <a@outbound.test"}), "has '<' without a closing '>'"},
      {send_with({"--to", "a@outbound.test>"}), "has '>' without an opening '<'"},
      {send_with({"--to", "Name <>"}), "has an empty address"},
      {send_with({"--to", "a<b <a@outbound.test>"}), "put the name in double quotes"},
      {send_with({"--to", "two words@outbound.test"}), "has a space in the address"},
      {send_with({"--to", "a@@outbound.test"}), "--to 'a@@outbound.test' is not a valid mailbox"},
      {send_with({"--cc", "a..b@outbound.test"}), "--cc 'a..b@outbound.test' is not a valid"},
      {send_with({"--to", "a@[1.2.3]"}), "is not a valid mailbox"},
      {send_with({"--to", ""}), "is empty"},
      {send_with({"--message-id", "no-at-sign"}), "needs an '@'"},
      {send_with({"--message-id", "a b@outbound.test"}), "has a space"},
      {send_with({"--colour", "red"}), "unknown option '--colour'"},
      {send_with({"--sbject", "x"}), "unknown option '--sbject'; did you mean --subject?"},
      {send_with({"extra"}), "unexpected argument 'extra'"},
      {send_with({"--client", "nobody"}), "nobody"},
  };
  for (const UsageCase& bad : cases) {
    SCOPED_TRACE(joined(bad.arguments));

    const ProcessResult result = run_cli(with_config(config, bad.arguments));

    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_TRUE(contains(result.err, bad.message_part)) << result.err;
  }
}

TEST(CliMailSend, NoMailClientExitsThree) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);

  const ProcessResult result = run_cli(with_config(config, kSend));

  EXPECT_EQ(result.exit_code, 3) << describe(result);
  EXPECT_TRUE(contains(result.err, "no mail client")) << result.err;
}

TEST(CliMailSend, TwoMailClientsNeedAChoice) {
  TempDir dir;
  const fs::path config =
      write_configuration(dir, "config.json", {OUTBOUND_STUB_MAIL_DIR, OUTBOUND_STUB_PAYMENT_DIR},
                          {{"first", stub_mail_client()},
                           {"second", stub_mail_client()},
                           {"payments", stub_payment_client()}});
  const std::string line =
      R"({"op":"mail.send","args":{"from":"demo@outbound.test","to":["a@outbound.test"],)"
      R"("subject":"s","text":"t"}})"
      "\n";

  const ProcessResult command = run_cli(with_config(config, kSend));
  const ProcessResult batch = run_cli(with_config(config, {"batch", "-"}), line);
  const ProcessResult wrong = run_cli(with_config(config, send_with({"--client", "payments"})));

  EXPECT_EQ(command.exit_code, 2) << describe(command);
  EXPECT_TRUE(contains(command.err, "several mail clients are configured (first, second)"))
      << command.err;
  EXPECT_TRUE(contains(command.err, "choose one with --client ID")) << command.err;
  EXPECT_FALSE(contains(command.err, "pass the id")) << command.err;
  EXPECT_TRUE(contains(batch.out, R"(choose one with \"client\" in the line)")) << batch.out;
  EXPECT_FALSE(contains(batch.out, "--client")) << batch.out;
  EXPECT_EQ(wrong.exit_code, 2) << describe(wrong);
  EXPECT_TRUE(contains(wrong.err, "client 'payments' is a payment client, not a mail client"))
      << wrong.err;
  EXPECT_TRUE(read_state(dir).empty());
}

TEST(CliMailBatch, SendsEveryForm) {
  TempDir dir;
  const fs::path config = write_config(dir);
  const std::string binary = binary_content();
  const std::vector<json> lines = {
      {{"op", "mail.send"},
       {"client", "mail"},
       {"args",
        {{"from", "\"Doe, Jane\" <jane@outbound.test>"},
         {"to",
          {"Bob <bob@outbound.test>", {{"address", "carol@outbound.test"}, {"name", "Carol"}}}},
         {"cc", {"reject@outbound.test"}},
         {"bcc", json::array({{{"address", "erin@outbound.test"}}})},
         {"reply_to", {"help@outbound.test"}},
         {"subject", "batch Grüße"},
         {"text", "text body\n"},
         {"html", "<p>html body</p>"},
         {"attachments",
          {{{"filename", "data.bin"},
            {"content_base64", encode_base64(binary)},
            {"content_type", "application/octet-stream"}},
           {{"filename", "logo.png"},
            {"content_base64", ""},
            {"content_id", "logo@outbound.test"}}}},
         {"headers", {{"X-Campaign", "spring"}, {"X-A", "1"}}},
         {"message_id", "<batch-1@outbound.test>"}}}},
      {{"op", "mail.send"},
       {"args",
        {{"from", "demo@outbound.test"},
         {"to", {"someone@outbound.test"}},
         {"subject", ""},
         {"html", "<p>only html</p>"}}}},
  };
  const ProcessResult result = run_cli(with_config(config, {"batch", "-"}), batch_input(lines));

  EXPECT_EQ(result.exit_code, 0) << describe(result);
  const std::vector<json> outputs = parse_lines(result.out);
  ASSERT_EQ(outputs.size(), 2u) << result.out;
  EXPECT_EQ(outputs[0]["ok"], true) << outputs[0].dump();
  EXPECT_EQ(outputs[0]["result"]["message_id"], "batch-1@outbound.test");
  EXPECT_EQ(outputs[0]["result"]["accepted"], 3);
  EXPECT_EQ(outputs[0]["result"]["rejected"], 1);
  EXPECT_EQ(outputs[0]["result"]["recipients"][2]["address"], "reject@outbound.test");
  EXPECT_EQ(outputs[1]["ok"], true) << outputs[1].dump();
  EXPECT_EQ(outputs[1]["result"]["message_id"], "stub-2@outbound.test");

  const json state = read_state(dir);
  ASSERT_EQ(state["messages"].size(), 2u) << state.dump(2);
  const json& first = state["messages"][0];
  EXPECT_EQ(first["from"], json({{"address", "jane@outbound.test"}, {"name", "Doe, Jane"}}));
  EXPECT_EQ(first["to"], json::parse(R"([{"address":"bob@outbound.test","name":"Bob"},
                                        {"address":"carol@outbound.test","name":"Carol"}])"));
  EXPECT_EQ(first["bcc"], json::parse(R"([{"address":"erin@outbound.test","name":""}])"));
  EXPECT_EQ(first["reply_to"], json::parse(R"([{"address":"help@outbound.test","name":""}])"));
  EXPECT_EQ(first["subject"], "batch Grüße");
  EXPECT_EQ(decode_base64(first["text_base64"]), "text body\n");
  EXPECT_EQ(decode_base64(first["html_base64"]), "<p>html body</p>");
  ASSERT_EQ(first["attachments"].size(), 2u);
  EXPECT_TRUE(decode_base64(first["attachments"][0]["content_base64"]) == binary)
      << "the attachment's bytes changed on the way";
  EXPECT_EQ(first["attachments"][0]["content_type"], "application/octet-stream");
  EXPECT_EQ(first["attachments"][1]["filename"], "logo.png");
  EXPECT_EQ(first["attachments"][1]["size"], 0);
  EXPECT_EQ(first["attachments"][1]["content_id"], "logo@outbound.test");
  // A JSON object keeps no order, so headers arrive sorted by name.
  EXPECT_EQ(first["headers"], json::parse(R"([["X-A","1"],["X-Campaign","spring"]])"));
}

TEST(CliMailBatch, FailuresKeepTheirCodes) {
  TempDir dir;
  const fs::path config = write_config(dir);
  const auto line = [](const std::string& to) {
    return json({{"op", "mail.send"},
                 {"args",
                  {{"from", "demo@outbound.test"}, {"to", {to}}, {"subject", "s"}, {"text", "t"}}}})
               .dump() +
           "\n";
  };

  const ProcessResult rejected =
      run_cli(with_config(config, {"batch", "-"}), line("reject@outbound.test"));
  const ProcessResult deferred = run_cli(with_config(config, {"batch", "-"}),
                                         line("reject@outbound.test") + line("busy@outbound.test"));

  EXPECT_EQ(rejected.exit_code, 4) << describe(rejected);
  EXPECT_EQ(parse_lines(rejected.out)[0]["error"]["reason"], "all_recipients_rejected");
  EXPECT_EQ(deferred.exit_code, 5) << describe(deferred);
  EXPECT_EQ(parse_lines(deferred.out)[1]["error"]["reason"], "recipients_deferred");
}

struct BadArgs {
  json args;
  std::string named;
};

TEST(CliMailBatch, BadArgumentsNameTheArgument) {
  TempDir dir;
  const fs::path config = write_config(dir);
  const json good = {{"from", "demo@outbound.test"},
                     {"to", {"someone@outbound.test"}},
                     {"subject", "s"},
                     {"text", "t"}};
  auto with = [&good](const std::string& name, const json& value) {
    json args = good;
    args[name] = value;
    return args;
  };
  auto without = [&good](const std::string& name) {
    json args = good;
    args.erase(name);
    return args;
  };
  const std::vector<BadArgs> cases = {
      {with("colour", "red"), "has no argument 'colour'"},
      {without("from"), "needs the argument 'from'"},
      {with("from", 5), "argument 'from' must be an address string"},
      {with("from", "a@outbound.test\r\nBcc: victim@outbound.test"),
       "argument 'from' contains a line break"},
      {with("to", "someone@outbound.test"), "argument 'to' must be an array"},
      {with("to", json::array()), "needs at least one recipient"},
      {with("to", {"ok@outbound.test", "bad"}), "argument 'to[1]' is not an address"},
      {with("to", {"ok@outbound.test", "a@@outbound.test"}),
       "argument 'to[1]' is not a valid mailbox"},
      {with("to", {"a@outbound.test\nBcc: victim@outbound.test"}),
       "argument 'to[0]' contains a line break"},
      {with("to", {{{"address", "a@outbound.test"}, {"email", "x"}}}),
       "argument 'to[0]' has no key 'email'"},
      {with("to", {{{"name", "No Address"}}}), "argument 'to[0]' needs the key 'address'"},
      {with("to", {{{"address", "a@outbound.test"}, {"name", "Eve\r\nBcc: victim@outbound.test"}}}),
       "argument 'to[0]' key 'name' contains a line break"},
      {with("to", {{{"address", "<a@outbound.test>"}}}), "argument 'to[0]' has '<' inside"},
      {with("cc", {7}), "argument 'cc[0]' must be an address string"},
      {with("bcc", "x"), "argument 'bcc' must be an array"},
      {with("reply_to", {"a@outbound.test, b@outbound.test"}),
       "argument 'reply_to[0]' has a comma"},
      {without("subject"), "needs the argument 'subject'"},
      {with("subject", 1), "argument 'subject' must be a string"},
      {with("subject", "a\nBcc: victim@outbound.test"), "argument 'subject' contains a line break"},
      {without("text"), "needs a body"},
      {with("text", true), "argument 'text' must be a string"},
      {with("html", json::array()), "argument 'html' must be a string"},
      {with("attachments", "file"), "argument 'attachments' must be an array"},
      {with("attachments", {"file"}), "argument 'attachments[0]' must be an object"},
      {with("attachments", {{{"content_base64", "AA=="}}}),
       "argument 'attachments[0]' needs the key 'filename'"},
      {with("attachments", {{{"filename", "a.bin"}}}),
       "argument 'attachments[0]' needs the key 'content_base64'"},
      {with("attachments", {{{"filename", "a.bin"}, {"content_base64", "AA="}}}),
       "key 'content_base64' is not valid base64"},
      {with("attachments", {{{"filename", "a.bin"}, {"content_base64", "A!=="}}}),
       "outside the base64 alphabet at position 2"},
      {with("attachments", {{{"filename", "../a.bin"}, {"content_base64", ""}}}), "names a folder"},
      {with("attachments", {{{"filename", "a\r\n.bin"}, {"content_base64", ""}}}),
       "key 'filename' contains a line break"},
      {with("attachments", {{{"filename", "a.bin"}, {"content_base64", ""}, {"size", 1}}}),
       "argument 'attachments[0]' has no key 'size'"},
      {with("headers", {"X-A: 1"}), "argument 'headers' must be an object"},
      {with("headers", {{"X-A", 1}}), "argument 'headers.X-A' must be a string"},
      {with("headers", {{"X-A", "1\r\nBcc: victim@outbound.test"}}),
       "argument 'headers.X-A' has a header value that contains a line break"},
      {with("headers", {{"Bad Name", "1"}}), "argument 'headers.Bad Name' has a header name"},
      {with("headers", {{"subject", "other"}}), "builds from the argument 'subject'"},
      {with("headers", {{"MIME-Version", "2.0"}}), "a header the sender builds itself"},
      {with("message_id", ""), "argument 'message_id' is empty"},
      {with("message_id", "no-at"), "argument 'message_id' needs an '@'"},
      {with("message_id", 42), "argument 'message_id' must be a string"},
  };
  std::vector<InvalidLine> lines;
  for (const BadArgs& bad : cases) {
    lines.push_back({{{"op", "mail.send"}, {"args", bad.args}}, bad.named});
  }

  expect_invalid_lines(config, lines);
  EXPECT_FALSE(fs::exists(dir / "state.json")) << "the plugin ran for an invalid line";
}

/// Writes a configuration with an HS256 auth client, the stub payment client and the stub mail
/// client, as the demo's default configuration has one client of each kind.
fs::path write_demo_config(const TempDir& dir) {
  return write_configuration(
      dir, "demo.json", {OUTBOUND_PLUGIN_DIR, OUTBOUND_STUB_PAYMENT_DIR, OUTBOUND_STUB_MAIL_DIR},
      {{"auth", hs256_auth_client()},
       {"payments", stub_payment_client()},
       {"mail", stub_mail_client()}});
}

TEST(CliMailDemo, SendsOneMessage) {
  TempDir dir;
  const fs::path config = write_demo_config(dir);

  const ProcessResult result = run_cli(with_config(config, {"demo"}));

  ASSERT_EQ(result.exit_code, 0) << describe(result);
  const json state = read_state(dir);
  ASSERT_EQ(state["messages"].size(), 1u) << state.dump(2);
  const json& message = state["messages"][0];
  const std::string size = std::to_string(message.dump().size());
  EXPECT_TRUE(contains(result.out,
                       "mail.send: client 'mail' (stub-mail 1.0.0) sent message "
                       "stub-1@outbound.test from demo@outbound.test, " +
                           size +
                           " octets\n"
                           "  someone@outbound.test: accepted (250 2.1.5 OK)\n"
                           "  server reply: 250 2.0.0 queued as stub-1\n"))
      << result.out;
  EXPECT_FALSE(contains(result.out, "mail: skipped")) << result.out;
  EXPECT_TRUE(contains(result.out, "pay.refund: client 'payments'")) << result.out;
  EXPECT_TRUE(contains(result.out, "demo: done")) << result.out;
  EXPECT_EQ(message["from"]["address"], "demo@outbound.test");
  EXPECT_EQ(message["to"], json::parse(R"([{"address":"someone@outbound.test","name":""}])"));
  EXPECT_EQ(message["subject"], "outbound demo");
  EXPECT_FALSE(decode_base64(message["text_base64"]).empty());
  EXPECT_TRUE(contains(decode_base64(message["html_base64"]), "<html>"));
}

TEST(CliMailDemo, JsonListsMailStep) {
  TempDir dir;

  JsonDemo demo = run_json_demo(write_demo_config(dir));

  ASSERT_EQ(demo.result.exit_code, 0) << describe(demo.result);
  EXPECT_EQ(demo.output["ok"], true);
  ASSERT_EQ(demo.steps.count("mail.send"), 1u) << demo.output.dump();
  EXPECT_EQ(demo.steps.count("mail"), 0u) << demo.output.dump();
  const json& send = demo.steps["mail.send"];
  EXPECT_EQ(send["ok"], true);
  EXPECT_EQ(send["result"]["message_id"], "stub-1@outbound.test");
  EXPECT_EQ(send["result"]["accepted"], 1);
}

TEST(CliMailDemo, SkipsMailWithoutClient) {
  TempDir dir;
  const fs::path config = write_payment_config(dir);

  const ProcessResult result = run_cli(with_config(config, {"demo"}));

  ASSERT_EQ(result.exit_code, 0) << describe(result);
  EXPECT_TRUE(contains(result.out, "mail: skipped: no mail client is configured")) << result.out;
}

TEST(CliMailUsage, HelpExitsZero) {
  const ProcessResult send = run_cli({"mail", "send", "--help"});
  const ProcessResult group = run_cli({"mail", "--help"});
  const ProcessResult top = run_cli({"--help"});
  const ProcessResult batch = run_cli({"batch", "--help"});

  EXPECT_EQ(send.exit_code, 0) << describe(send);
  EXPECT_TRUE(contains(send.out, "usage: outbound mail send --from A --to B")) << send.out;
  for (const char* option : {"--cc", "--bcc", "--reply-to", "--subject", "--text-file",
                             "--html-file", "--attach", "--header", "--message-id", "--client"}) {
    EXPECT_TRUE(contains(send.out, std::string("  ") + option)) << option;
  }
  EXPECT_EQ(group.exit_code, 0) << describe(group);
  EXPECT_TRUE(contains(group.out, "mail send")) << group.out;
  EXPECT_TRUE(contains(top.out, "mail send --from A")) << top.out;
  EXPECT_TRUE(contains(batch.out, "mail.send")) << batch.out;
}

#ifdef OUTBOUND_HAVE_FILE_MAIL
// The real file-mail plugin writes the message as an .eml file; the command's receipt and the
// file must describe the same message.
TEST(CliMailFileMail, SendWritesEml) {
  TempDir dir;
  const fs::path config = write_configuration(
      dir, "config.json", {OUTBOUND_PLUGIN_DIR},
      {{"mail", {{"plugin", "file-mail"}, {"settings", {{"directory", "outbox"}}}}}});
  testing::write_file(dir / "notes.txt", "attached notes\n");

  const ProcessResult result = run_cli(with_config(
      config,
      {"--json", "mail", "send", "--from", "Demo <demo@outbound.test>", "--to",
       "someone@outbound.test", "--bcc", "hidden@outbound.test", "--subject", "file-mail check",
       "--text", "Hello through file-mail.\n.dot line\n", "--attach", (dir / "notes.txt").string(),
       "--header", "X-Campaign=spring", "--message-id", "cli-check@outbound.test"}));

  ASSERT_EQ(result.exit_code, 0) << describe(result);
  const json receipt = parse_json(result);
  EXPECT_EQ(receipt["plugin"], "file-mail");
  EXPECT_EQ(receipt["message_id"], "cli-check@outbound.test");
  EXPECT_EQ(receipt["accepted"], 2);
  std::vector<fs::path> emls;
  for (const auto& entry : fs::directory_iterator(dir / "outbox")) {
    if (entry.path().extension() == ".eml") emls.push_back(entry.path());
  }
  ASSERT_EQ(emls.size(), 1u);
  const std::string eml = testing::read_file(emls.front());
  EXPECT_EQ(eml.size(), receipt["size_octets"].get<std::size_t>());
  EXPECT_TRUE(contains(eml, "Subject: file-mail check\r\n")) << eml;
  EXPECT_TRUE(contains(eml, "Message-ID: <cli-check@outbound.test>\r\n")) << eml;
  EXPECT_TRUE(contains(eml, "To: someone@outbound.test\r\n")) << eml;
  EXPECT_TRUE(contains(eml, "X-Campaign: spring\r\n")) << eml;
  EXPECT_TRUE(contains(eml, "Hello through file-mail.\r\n.dot line\r\n")) << eml;
  EXPECT_TRUE(contains(eml, "notes.txt")) << eml;
  EXPECT_FALSE(contains(eml, "hidden@outbound.test")) << "Bcc must not reach the headers";
  EXPECT_EQ(eml.find("\n"), eml.find("\r\n") + 1) << "the first line ends with a bare LF";
}
#endif

}  // namespace
}  // namespace outbound::cli_testing
