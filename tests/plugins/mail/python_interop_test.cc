// A second implementation reads what the builder writes: Python's email package, with
// policy.strict so that any defect it finds is an error, parses each message and reports its
// structure, decoded headers, bodies and attachments as JSON.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mail/message.h"
#include "mail_test_support.h"
#include "test_support.h"

namespace outbound::mail {
namespace {

using nlohmann::json;
using testing::simple_message;

// Debian's interpreter; the email package is part of its standard library.
constexpr const char* kPython = "/usr/bin/python3";

// Prints one JSON object per file: header values as Python decodes them, the parts in walk()
// order with their type, disposition, file name, Content-ID and decoded content (text with
// line breaks as "\n", binary as hex), and every defect found.
constexpr const char* kReader = R"(
import email, email.policy, json, sys
result = []
for path in sys.argv[1:]:
    with open(path, 'rb') as f:
        message = email.message_from_bytes(f.read(), policy=email.policy.strict)
    def mailboxes(name):
        field = message[name]
        if field is None:
            return []
        return [[a.display_name, a.addr_spec] for a in field.addresses]
    parts = []
    defects = [str(d) for d in message.defects]
    for part in message.walk():
        defects += [str(d) for d in part.defects]
        entry = {'type': part.get_content_type()}
        if not part.is_multipart():
            content = part.get_content()
            if isinstance(content, str):
                entry['text'] = content.replace('\r\n', '\n')
            else:
                entry['hex'] = content.hex()
            entry['disposition'] = part.get_content_disposition()
            entry['filename'] = part.get_filename()
            entry['content_id'] = part.get('Content-ID')
        parts.append(entry)
    result.append({
        'subject': str(message['subject']),
        'from': mailboxes('from'),
        'to': mailboxes('to'),
        'cc': mailboxes('cc'),
        'bcc_present': 'bcc' in message,
        'message_id': str(message['message-id']),
        'date': message['date'].datetime.isoformat(),
        'parts': parts,
        'defects': defects,
    })
print(json.dumps(result))
)";

std::string hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (unsigned char c : bytes) {
    text += kDigits[c >> 4];
    text += kDigits[c & 0x0F];
  }
  return text;
}

class PythonReader : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kPython)) GTEST_SKIP() << kPython << " is not installed";
  }

  // Builds each message, has Python parse them all in one run, and returns its reports.
  json read_with_python(const std::vector<MailMessage>& messages) {
    std::vector<std::string> argv = {kPython, "-c", kReader};
    BuildOptions options;
    options.date = std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));
    for (std::size_t i = 0; i < messages.size(); ++i) {
      Result<BuiltMessage> built = build_message(messages[i], options);
      EXPECT_TRUE(built.ok()) << built.status();
      if (!built.ok()) return json::array();
      const auto path = dir_.path() / ("message" + std::to_string(i) + ".eml");
      outbound::testing::write_file(path, built->bytes);
      argv.push_back(path.string());
    }
    const outbound::testing::ProcessResult run = outbound::testing::run_process(argv);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    json parsed = json::parse(run.out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << run.out;
    return parsed.is_discarded() ? json::array() : parsed;
  }

  outbound::testing::TempDir dir_;
};

TEST_F(PythonReader, ReadsEveryStructure) {
  MailMessage text = simple_message();

  MailMessage html = simple_message();
  html.text_body.clear();
  html.html_body = "<p>Hi</p>\n";

  MailMessage alternative = simple_message();
  alternative.html_body = "<p>Hello, <b>Alice</b>.</p>\n";

  std::string binary;
  for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
  MailMessage attachments = simple_message();
  attachments.html_body = "<p><img src=\"cid:logo@example.com\"></p>\n";
  const std::string long_name =
      "Überweisungsbestätigung für die Rechnung Nummer 2026-0042 vom Januar ✓.pdf";
  attachments.attachments = {{"all-octets.bin", "", binary, ""},
                             {"Résumé €.pdf", "", "%PDF-1.4\n", ""},
                             {long_name, "", "long", ""},
                             {"logo.png", "", "\x89PNG\r\n\x1a\n", "logo@example.com"}};

  const json reports = read_with_python({text, html, alternative, attachments});
  ASSERT_EQ(reports.size(), 4u);
  for (const json& report : reports) EXPECT_EQ(report["defects"], json::array()) << report;

  EXPECT_EQ(reports[0]["parts"], json::parse(R"([{"type": "text/plain", "text": "Hello, Alice.\n",
      "disposition": null, "filename": null, "content_id": null}])"));
  EXPECT_EQ(reports[0]["subject"], "Hello");
  EXPECT_EQ(reports[0]["from"], json::parse(R"([["Sender", "sender@example.com"]])"));
  EXPECT_EQ(reports[0]["message_id"], "<fixed.1@example.com>");
  EXPECT_EQ(reports[0]["date"], "2026-01-01T00:00:00+00:00");

  EXPECT_EQ(reports[1]["parts"][0]["type"], "text/html");
  EXPECT_EQ(reports[1]["parts"][0]["text"], "<p>Hi</p>\n");

  const json& alternative_parts = reports[2]["parts"];
  ASSERT_EQ(alternative_parts.size(), 3u);
  EXPECT_EQ(alternative_parts[0]["type"], "multipart/alternative");
  EXPECT_EQ(alternative_parts[1]["text"], "Hello, Alice.\n");
  EXPECT_EQ(alternative_parts[2]["text"], "<p>Hello, <b>Alice</b>.</p>\n");

  const json& mixed = reports[3]["parts"];
  std::vector<std::string> types;
  for (const json& part : mixed) types.push_back(part["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"multipart/mixed", "multipart/alternative",
                                             "text/plain", "multipart/related", "text/html",
                                             "image/png", "application/octet-stream",
                                             "application/pdf", "application/pdf"}));
  ASSERT_EQ(mixed.size(), 9u);
  EXPECT_EQ(mixed[5]["disposition"], "inline");
  EXPECT_EQ(mixed[5]["content_id"], "<logo@example.com>");
  EXPECT_EQ(mixed[5]["hex"], hex("\x89PNG\r\n\x1a\n"));
  EXPECT_EQ(mixed[6]["filename"], "all-octets.bin");
  EXPECT_EQ(mixed[6]["disposition"], "attachment");
  EXPECT_EQ(mixed[6]["hex"], hex(binary));
  EXPECT_EQ(mixed[7]["filename"], "Résumé €.pdf");
  EXPECT_EQ(mixed[7]["hex"], hex("%PDF-1.4\n"));
  EXPECT_EQ(mixed[8]["filename"], long_name);
}

TEST_F(PythonReader, DecodesNonAsciiHeaders) {
  MailMessage message = simple_message();
  message.subject =
      "Grüße aus Köln 🌷 — ein Betreff, der lang genug ist, um in mehrere Wörter geteilt zu "
      "werden, 日本語も少し";
  message.from = {"sender@example.com", "Jöran Ångström"};
  message.to = {{"zoe@example.org", "Zoë Saldaña"},
                {"plain@example.org", "Doe, John"},
                {"quoted@example.org", "Bob \"the\" Builder"}};
  message.cc = {{"taro@example.jp", "山田 太郎"}};
  message.bcc = {{"hidden@example.net", "Hidden"}};
  message.text_body = "Grüße!\n";

  const json reports = read_with_python({message});
  ASSERT_EQ(reports.size(), 1u);
  const json& report = reports[0];
  EXPECT_EQ(report["defects"], json::array());
  EXPECT_EQ(report["subject"], message.subject);
  EXPECT_EQ(report["from"], json::parse(R"([["Jöran Ångström", "sender@example.com"]])"));
  EXPECT_EQ(report["to"], json::parse(R"([["Zoë Saldaña", "zoe@example.org"],
      ["Doe, John", "plain@example.org"], ["Bob \"the\" Builder", "quoted@example.org"]])"));
  EXPECT_EQ(report["cc"], json::parse(R"([["山田 太郎", "taro@example.jp"]])"));
  EXPECT_EQ(report["bcc_present"], false);
  EXPECT_EQ(report["parts"][0]["text"], "Grüße!\n");
}

TEST_F(PythonReader, ReadsSmugglingAndLongLinesAsText) {
  MailMessage smuggling = simple_message();
  smuggling.text_body = "a\n.\nb\r.\rc\r\n.\nd\n.\r\ne\rf\ng";
  MailMessage long_line = simple_message();
  long_line.text_body = std::string(1200, 'x') + "\n";
  long_line.html_body = "<p>" + std::string(1200, 'y') + "</p>";

  const json reports = read_with_python({smuggling, long_line});
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0]["defects"], json::array());
  EXPECT_EQ(reports[0]["parts"][0]["text"], "a\n.\nb\n.\nc\n.\nd\n.\ne\nf\ng\n");
  EXPECT_EQ(reports[1]["defects"], json::array());
  EXPECT_EQ(reports[1]["parts"][1]["text"], std::string(1200, 'x') + "\n");
  EXPECT_EQ(reports[1]["parts"][2]["text"], "<p>" + std::string(1200, 'y') + "</p>\n");
}

}  // namespace
}  // namespace outbound::mail
