// build_message: structure, envelope, headers, line endings and determinism.

#include "mail/message.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mail/content_types.h"
#include "mail_test_support.h"

namespace outbound::mail {
namespace {

using testing::body_section;
using testing::decode_encoded_words;
using testing::decode_quoted_printable;
using testing::field_value;
using testing::has_field;
using testing::has_lone_cr_or_lf;
using testing::header_section;
using testing::longest_line;
using testing::simple_message;
using testing::split_lines;

const std::chrono::system_clock::time_point kDate{std::chrono::seconds(1767225600)};

BuildOptions options_at(std::chrono::system_clock::time_point date = kDate) {
  BuildOptions options;
  options.date = date;
  return options;
}

BuiltMessage build_ok(const MailMessage& message, const BuildOptions& options = options_at()) {
  Result<BuiltMessage> built = build_message(message, options);
  EXPECT_TRUE(built.ok()) << built.status();
  return built.ok() ? std::move(built).value() : BuiltMessage{};
}

// Returns the number of times `needle` occurs in `haystack`.
std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t found = 0;
  for (std::size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++found;
  }
  return found;
}

TEST(BuildMessage, SmugglingSequencesBecomeCrlf) {
  const char* sequences[] = {"\n.\n", "\r.\r", "\r\n.\n", "\n.\r\n"};
  for (const char* sequence : sequences) {
    for (const bool html : {false, true}) {
      SCOPED_TRACE(std::string(html ? "html " : "text ") + (sequence[0] == '\r' ? "CR" : "LF") +
                   std::to_string(std::string(sequence).size()));
      MailMessage message = simple_message();
      const std::string text = std::string("before") + sequence + "MAIL FROM:<evil@example.net>";
      (html ? message.html_body : message.text_body) = text;
      const BuiltMessage built = build_ok(message);
      EXPECT_FALSE(has_lone_cr_or_lf(built.bytes));
      EXPECT_NE(built.bytes.find("before\r\n.\r\nMAIL FROM:"), std::string::npos);

      const std::string data = smtp_data(built.bytes);
      EXPECT_FALSE(has_lone_cr_or_lf(data));
      EXPECT_NE(data.find("before\r\n..\r\nMAIL FROM:"), std::string::npos);
      // The only end-of-data line is the last one.
      EXPECT_EQ(count(data, "\r\n.\r\n"), 1u);
      EXPECT_EQ(data.substr(data.size() - 5), "\r\n.\r\n");
    }
  }
}

TEST(BuildMessage, LoneCrAndLfBecomeCrlf) {
  for (const char* body : {"one\rtwo\rthree", "one\ntwo\nthree", "one\r\ntwo\nthree\r"}) {
    SCOPED_TRACE(body);
    MailMessage message = simple_message();
    message.text_body = body;
    const BuiltMessage built = build_ok(message);
    EXPECT_FALSE(has_lone_cr_or_lf(built.bytes));
    EXPECT_NE(built.bytes.find("one\r\ntwo\r\nthree\r\n"), std::string::npos);
  }
}

TEST(BuildMessage, LongLineBecomesQuotedPrintable) {
  MailMessage message = simple_message();
  const std::string line(1200, 'x');
  message.text_body = "short\n" + line + "\nend\n";
  const BuiltMessage built = build_ok(message);
  const std::string headers = header_section(built.bytes);
  EXPECT_EQ(field_value(headers, "Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_LE(longest_line(built.bytes), 76u);
  EXPECT_EQ(decode_quoted_printable(body_section(built.bytes)), "short\r\n" + line + "\r\nend\r\n");
}

TEST(BuildMessage, NonAsciiTextIsQuotedPrintable) {
  MailMessage message = simple_message();
  message.text_body = "Grüße, Ærøskøbing\n";
  const BuiltMessage built = build_ok(message);
  EXPECT_EQ(field_value(header_section(built.bytes), "Content-Transfer-Encoding"),
            "quoted-printable");
  EXPECT_FALSE(built.has_8bit);
  EXPECT_FALSE(built.needs_smtputf8);
  EXPECT_EQ(decode_quoted_printable(body_section(built.bytes)), "Grüße, Ærøskøbing\r\n");
}

TEST(BuildMessage, SameInputGivesSameBytes) {
  MailMessage message = simple_message();
  message.message_id.clear();
  message.html_body = "<p>html</p>";
  message.attachments = {{"a.pdf", "", "content", ""}};
  const BuiltMessage first = build_ok(message);
  const BuiltMessage second = build_ok(message);
  EXPECT_EQ(first.bytes, second.bytes);
  EXPECT_EQ(first.message_id, second.message_id);

  const BuiltMessage later = build_ok(message, options_at(kDate + std::chrono::milliseconds(1)));
  EXPECT_NE(later.message_id, first.message_id);
  message.text_body += "!";
  EXPECT_NE(build_ok(message).message_id, first.message_id);
}

TEST(BuildMessage, SeedSeparatesEqualMessages) {
  MailMessage message = simple_message();
  message.message_id.clear();
  BuildOptions first_call = options_at();
  first_call.message_id_seed = "request-1";
  BuildOptions second_call = options_at();
  second_call.message_id_seed = "request-2";
  EXPECT_NE(build_ok(message, first_call).message_id, build_ok(message, second_call).message_id);
  EXPECT_EQ(build_ok(message, first_call).message_id, build_ok(message, first_call).message_id);
}

TEST(BuildMessage, GeneratesMessageIdWithSenderDomain) {
  MailMessage message = simple_message();
  message.message_id.clear();
  const BuiltMessage built = build_ok(message);
  const std::string suffix = "@example.com";
  ASSERT_GT(built.message_id.size(), suffix.size());
  EXPECT_EQ(built.message_id.substr(built.message_id.size() - suffix.size()), suffix);
  EXPECT_EQ(field_value(header_section(built.bytes), "Message-ID"), "<" + built.message_id + ">");

  message.envelope_from = "bounces@mailer.example.net";
  EXPECT_NE(build_ok(message).message_id.find("@mailer.example.net"), std::string::npos);

  BuildOptions options = options_at();
  options.message_id_domain = "ids.example";
  EXPECT_NE(build_ok(message, options).message_id.find("@ids.example"), std::string::npos);
}

TEST(BuildMessage, KeepsAGivenMessageId) {
  const BuiltMessage built = build_ok(simple_message());
  EXPECT_EQ(built.message_id, "fixed.1@example.com");
}

TEST(BuildMessage, EnvelopeDropsRepeatedRecipients) {
  MailMessage message = simple_message();
  message.to = {{"alice@example.org", ""}, {"bob@example.org", "Bob"}};
  // The domain's case does not matter, the local part's may: BOB@ is another mailbox.
  message.cc = {{"alice@Example.ORG", "Alice again"}, {"carol@example.org", ""}};
  message.bcc = {{"dave@example.org", ""}, {"BOB@example.org", ""}, {"bob@example.org", ""}};
  const BuiltMessage built = build_ok(message);
  EXPECT_EQ(built.recipients,
            (std::vector<std::string>{"alice@example.org", "bob@example.org", "carol@example.org",
                                      "dave@example.org", "BOB@example.org"}));
  EXPECT_EQ(built.envelope_from, "sender@example.com");
}

TEST(BuildMessage, BccNeverAppearsInTheMessage) {
  MailMessage message = simple_message();
  message.bcc = {{"hidden@example.net", "Hidden Person"}};
  const BuiltMessage built = build_ok(message);
  EXPECT_FALSE(has_field(header_section(built.bytes), "Bcc"));
  EXPECT_EQ(built.bytes.find("hidden@example.net"), std::string::npos);
  EXPECT_EQ(built.bytes.find("Hidden Person"), std::string::npos);
  EXPECT_EQ(built.recipients.back(), "hidden@example.net");
}

TEST(BuildMessage, OnlyBccOmitsTheToField) {
  MailMessage message = simple_message();
  message.to.clear();
  message.bcc = {{"hidden@example.net", ""}};
  const BuiltMessage built = build_ok(message);
  EXPECT_FALSE(has_field(header_section(built.bytes), "To"));
  EXPECT_EQ(built.recipients, std::vector<std::string>{"hidden@example.net"});
}

TEST(BuildMessage, EnvelopeFromOverridesFromAddress) {
  MailMessage message = simple_message();
  message.envelope_from = "bounces@example.com";
  const BuiltMessage built = build_ok(message);
  EXPECT_EQ(built.envelope_from, "bounces@example.com");
  EXPECT_EQ(field_value(header_section(built.bytes), "From"), "Sender <sender@example.com>");
}

TEST(BuildMessage, WritesHeadersInDocumentedOrder) {
  MailMessage message = simple_message();
  message.cc = {{"carol@example.org", ""}};
  message.reply_to = {{"replies@example.com", "Replies"}};
  message.headers = {{"X-Campaign", "spring"}, {"List-Unsubscribe", "<mailto:u@example.com>"}};
  const BuiltMessage built = build_ok(message);
  std::vector<std::string> names;
  for (const std::string& line : split_lines(header_section(built.bytes))) {
    if (line.empty() || line[0] == ' ') continue;
    names.push_back(line.substr(0, line.find(':')));
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{
                "From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version",
                "X-Campaign", "List-Unsubscribe", "Content-Type", "Content-Transfer-Encoding"}));
  const std::string headers = header_section(built.bytes);
  EXPECT_EQ(field_value(headers, "Reply-To"), "Replies <replies@example.com>");
  EXPECT_EQ(field_value(headers, "List-Unsubscribe"), "<mailto:u@example.com>");
}

TEST(BuildMessage, FoldsLongAddressListsAt78) {
  MailMessage message = simple_message();
  message.to.clear();
  for (int i = 0; i < 30; ++i) {
    message.to.push_back(
        {"person" + std::to_string(i) + "@example.org",
         i % 2 ? "Person Number " + std::to_string(i) : "Pérson " + std::to_string(i)});
  }
  const BuiltMessage built = build_ok(message);
  const std::string headers = header_section(built.bytes);
  for (const std::string& line : split_lines(headers)) {
    // Lines with encoded words stay within 76 (RFC 2047 section 2).
    EXPECT_LE(line.size(), line.find("=?") == std::string::npos ? 78u : 76u) << line;
  }
  const std::string to = decode_encoded_words(field_value(headers, "To"));
  EXPECT_NE(to.find("Pérson 0 <person0@example.org>, Person Number 1 <person1@example.org>"),
            std::string::npos)
      << to;
  EXPECT_NE(to.find("Person Number 29 <person29@example.org>"), std::string::npos) << to;
}

TEST(BuildMessage, EncodesNonAsciiSubject) {
  MailMessage message = simple_message();
  message.subject =
      "Überraschung: Ihre Bestellung Nummer 2026-0042 ist unterwegs 🚚 und kommt morgen "
      "zwischen 9 und 12 Uhr an — bitte halten Sie sich bereit";
  const BuiltMessage built = build_ok(message);
  const std::string headers = header_section(built.bytes);
  EXPECT_EQ(decode_encoded_words(field_value(headers, "Subject")), message.subject);
  for (const std::string& line : split_lines(headers)) EXPECT_LE(line.size(), 76u) << line;
  EXPECT_FALSE(built.has_8bit);
}

TEST(BuildMessage, EncodesSubjectThatLooksEncoded) {
  MailMessage message = simple_message();
  message.subject = "=?utf-8?Q?not_really?=";
  const std::string subject = field_value(header_section(build_ok(message).bytes), "Subject");
  EXPECT_NE(subject, message.subject);
  EXPECT_EQ(decode_encoded_words(subject), message.subject);
}

TEST(BuildMessage, KeepsEveryLineWithin998Octets) {
  MailMessage message = simple_message();
  message.subject = std::string(2000, 's');
  message.from.display_name = std::string(1500, 'n');
  message.headers = {{"X-Long", std::string(3000, 'v')}};
  message.text_body = std::string(5000, 't');
  message.html_body = "<p>" + std::string(5000, 'h') + "</p>";
  message.attachments = {{std::string(200, 'f') + ".txt", "", std::string(5000, 'a'), ""}};
  const BuiltMessage built = build_ok(message);
  EXPECT_LE(longest_line(built.bytes), 998u);
  const std::string headers = header_section(built.bytes);
  EXPECT_EQ(decode_encoded_words(field_value(headers, "Subject")), message.subject);
  EXPECT_EQ(decode_encoded_words(field_value(headers, "X-Long")), std::string(3000, 'v'));
}

TEST(BuildMessage, Utf8AddressesNeedSmtputf8) {
  MailMessage message = simple_message();
  message.to = {{"jöran@bücher.example", "Jöran"}};
  BuildOptions options = options_at();
  options.allow_utf8_addresses = true;
  const BuiltMessage built = build_ok(message, options);
  EXPECT_TRUE(built.needs_smtputf8);
  EXPECT_TRUE(built.has_8bit);
  EXPECT_EQ(built.recipients, std::vector<std::string>{"jöran@bücher.example"});
  EXPECT_NE(built.bytes.find("<jöran@bücher.example>"), std::string::npos);

  // Only a non-ASCII Bcc: the headers are ASCII, but the envelope is not.
  message = simple_message();
  message.bcc = {{"zoë@example.org", ""}};
  const BuiltMessage hidden = build_ok(message, options);
  EXPECT_TRUE(hidden.needs_smtputf8);
  EXPECT_FALSE(hidden.has_8bit);
}

TEST(BuildMessage, InternationalDomainBecomesALabels) {
  MailMessage message = simple_message();
  message.from = {"news@Bücher.example", "Bücher"};
  message.to = {{"alice@münchen.example", "Alice"}};
  message.cc = {{"bob@example.org", ""}};
  message.bcc = {{"carol@例え.example", ""}};
  message.reply_to = {{"desk@bücher.example", ""}};
  message.message_id.clear();

  // Without SMTPUTF8: the domains fit in ASCII, so the message can be sent.
  const BuiltMessage built = build_ok(message);

  EXPECT_FALSE(built.needs_smtputf8);
  EXPECT_FALSE(built.has_8bit);
  EXPECT_EQ(built.envelope_from, "news@xn--bcher-kva.example");
  EXPECT_EQ(built.recipients,
            (std::vector<std::string>{"alice@xn--mnchen-3ya.example", "bob@example.org",
                                      "carol@xn--r8jz45g.example"}));
  const std::string headers = header_section(built.bytes);
  EXPECT_NE(field_value(headers, "From").find("<news@xn--bcher-kva.example>"), std::string::npos)
      << headers;
  EXPECT_NE(field_value(headers, "To").find("<alice@xn--mnchen-3ya.example>"), std::string::npos)
      << headers;
  EXPECT_EQ(field_value(headers, "Reply-To"), "desk@xn--bcher-kva.example") << headers;
  EXPECT_EQ(built.message_id.substr(built.message_id.find('@')), "@xn--bcher-kva.example");
}

TEST(BuildMessage, NonAsciiLocalPartKeepsItsDomain) {
  MailMessage message = simple_message();
  message.to = {{"jöran@bücher.example", ""}};
  BuildOptions options = options_at();
  options.allow_utf8_addresses = true;

  const BuiltMessage built = build_ok(message, options);

  EXPECT_TRUE(built.needs_smtputf8);
  EXPECT_EQ(built.recipients, std::vector<std::string>{"jöran@bücher.example"});
}

TEST(BuildMessage, AsciiMessageNeedsNeitherSmtputf8Nor8Bit) {
  const BuiltMessage built = build_ok(simple_message());
  EXPECT_FALSE(built.needs_smtputf8);
  EXPECT_FALSE(built.has_8bit);
}

TEST(BuildMessage, BoundaryAvoidsTheContent) {
  MailMessage message = simple_message();
  message.html_body = "<p>html</p>";
  const BuiltMessage first = build_ok(message);
  const std::string content_type = field_value(header_section(first.bytes), "Content-Type");
  const std::size_t start = content_type.find("boundary=\"") + 10;
  const std::string boundary = content_type.substr(start, content_type.find('"', start) - start);
  ASSERT_EQ(boundary.rfind("=_", 0), 0u) << content_type;

  message.text_body = "--" + boundary + "\n--" + boundary + "--\n";
  const BuiltMessage second = build_ok(message);
  const std::string second_type = field_value(header_section(second.bytes), "Content-Type");
  EXPECT_EQ(second_type.find(boundary), std::string::npos) << second_type;
  // The text still contains the old boundary, and the new one is used only as delimiters.
  EXPECT_NE(second.bytes.find("--" + boundary + "\r\n"), std::string::npos);
}

TEST(BuildMessage, EmptyBodyIsAnEmptyTextPart) {
  MailMessage message = simple_message();
  message.text_body.clear();
  const BuiltMessage built = build_ok(message);
  EXPECT_EQ(field_value(header_section(built.bytes), "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(body_section(built.bytes), "");
}

TEST(BuildMessage, AttachmentsWithoutBodyAreMixed) {
  MailMessage message = simple_message();
  message.text_body.clear();
  message.attachments = {{"a.csv", "", "x,y\n", ""}, {"b", "application/x-custom", "b", ""}};
  const BuiltMessage built = build_ok(message);
  const std::string body = body_section(built.bytes);
  EXPECT_EQ(field_value(header_section(built.bytes), "Content-Type").rfind("multipart/mixed", 0),
            0u);
  EXPECT_NE(body.find("Content-Type: text/csv; name=\"a.csv\""), std::string::npos) << body;
  EXPECT_NE(body.find("Content-Type: application/x-custom; name=\"b\""), std::string::npos);
  EXPECT_EQ(body.find("text/plain"), std::string::npos) << body;
}

TEST(BuildMessage, InlinePartWithoutHtmlStaysInMixed) {
  MailMessage message = simple_message();
  message.attachments = {{"logo.png", "", "png", "logo@example.com"}};
  const BuiltMessage built = build_ok(message);
  const std::string body = body_section(built.bytes);
  EXPECT_EQ(body.find("multipart/related"), std::string::npos);
  EXPECT_NE(body.find("Content-Disposition: inline; filename=\"logo.png\""), std::string::npos);
  EXPECT_NE(body.find("Content-ID: <logo@example.com>"), std::string::npos);
}

TEST(BuildMessage, AttachmentWithoutFilenameHasNoName) {
  MailMessage message = simple_message();
  message.attachments = {{"", "", "raw", ""}};
  const std::string body = body_section(build_ok(message).bytes);
  EXPECT_NE(body.find("Content-Type: application/octet-stream\r\n"), std::string::npos) << body;
  EXPECT_NE(body.find("Content-Disposition: attachment\r\n"), std::string::npos) << body;
}

TEST(ContentTypes, GuessesFromExtension) {
  EXPECT_EQ(guess_content_type("report.PDF"), "application/pdf");
  EXPECT_EQ(guess_content_type("photo.jpeg"), "image/jpeg");
  EXPECT_EQ(guess_content_type("archive.tar.gz"), "application/gzip");
  EXPECT_EQ(guess_content_type("sheet.xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(guess_content_type("notes.txt"), "text/plain");
  EXPECT_EQ(guess_content_type("README"), "application/octet-stream");
  EXPECT_EQ(guess_content_type("trailing."), "application/octet-stream");
  EXPECT_EQ(guess_content_type("message.eml"), "application/octet-stream");
}

}  // namespace
}  // namespace outbound::mail
