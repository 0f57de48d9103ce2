// Everything build_message rejects, each with the field it names and the reason it sets.

#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mail/message.h"
#include "mail_test_support.h"

namespace outbound::mail {
namespace {

using testing::simple_message;

struct RejectionCase {
  std::string name;
  std::function<void(MailMessage&, BuildOptions&)> change;
  /// Text the error message must contain: the field, and the value where it is shown.
  std::vector<std::string> message_parts;
  std::string reason;
};

void expect_rejected(const RejectionCase& test) {
  SCOPED_TRACE(test.name);
  MailMessage message = simple_message();
  BuildOptions options;
  test.change(message, options);
  Result<BuiltMessage> built = build_message(message, options);
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(built.status().reason(), test.reason);
  for (const std::string& part : test.message_parts) {
    EXPECT_NE(built.status().message().find(part), std::string::npos)
        << "missing \"" << part << "\" in: " << built.status().message();
  }
  // A message shows CR and LF escaped, so it never splits a log line.
  EXPECT_EQ(built.status().message().find_first_of("\r\n"), std::string::npos);
}

// Returns a change that puts `bad` into each text field in turn, one case per field.
std::vector<RejectionCase> line_break_cases(const std::string& label, const std::string& bad,
                                            const std::string& shown) {
  const std::string value = "a" + bad + "b";
  const std::string quoted = "\"a" + shown + "b\"";
  const std::string address = "x" + bad + "y@example.com";
  const std::string address_shown = "\"x" + shown + "y@example.com\"";
  using M = MailMessage&;
  using O = BuildOptions&;
  return {
      {label + " in from.address",
       [=](M m, O) { m.from.address = address; },
       {"from.address", address_shown},
       kReasonInvalidAddress},
      {label + " in from.display_name",
       [=](M m, O) { m.from.display_name = value; },
       {"from.display_name", quoted},
       kReasonInvalidHeader},
      {label + " in to address",
       [=](M m, O) {
         m.to.push_back({address, ""});
       },
       {"to[1].address", address_shown},
       kReasonInvalidAddress},
      {label + " in to display name",
       [=](M m, O) { m.to[0].display_name = value; },
       {"to[0].display_name", quoted},
       kReasonInvalidHeader},
      {label + " in cc address",
       [=](M m, O) {
         m.cc = {{address, ""}};
       },
       {"cc[0].address", address_shown},
       kReasonInvalidAddress},
      {label + " in cc display name",
       [=](M m, O) {
         m.cc = {{"c@example.com", value}};
       },
       {"cc[0].display_name", quoted},
       kReasonInvalidHeader},
      {label + " in bcc address",
       [=](M m, O) {
         m.bcc = {{address, ""}};
       },
       {"bcc[0].address", address_shown},
       kReasonInvalidAddress},
      {label + " in bcc display name",
       [=](M m, O) {
         m.bcc = {{"b@example.com", value}};
       },
       {"bcc[0].display_name", quoted},
       kReasonInvalidHeader},
      {label + " in reply_to address",
       [=](M m, O) {
         m.reply_to = {{address, ""}};
       },
       {"reply_to[0].address", address_shown},
       kReasonInvalidAddress},
      {label + " in reply_to display name",
       [=](M m, O) {
         m.reply_to = {{"r@example.com", value}};
       },
       {"reply_to[0].display_name", quoted},
       kReasonInvalidHeader},
      {label + " in envelope_from",
       [=](M m, O) { m.envelope_from = address; },
       {"envelope_from", address_shown},
       kReasonInvalidAddress},
      {label + " in subject",
       [=](M m, O) { m.subject = value; },
       {"subject", quoted},
       kReasonInvalidHeader},
      {label + " in header name",
       [=](M m, O) {
         m.headers = {{"X-" + value, "v"}};
       },
       {"headers[0].name"},
       kReasonInvalidHeader},
      {label + " in header value",
       [=](M m, O) {
         m.headers = {{"X-Ok", value}};
       },
       {"headers[0].value", quoted},
       kReasonInvalidHeader},
      {label + " in attachment filename",
       [=](M m, O) {
         m.attachments = {{value + ".txt", "", "x", ""}};
       },
       {"attachments[0].filename"},
       kReasonInvalidHeader},
      {label + " in attachment content type",
       [=](M m, O) {
         m.attachments = {{"a.txt", "text/plain" + bad, "x", ""}};
       },
       {"attachments[0].content_type"},
       kReasonInvalidMessage},
      {label + " in attachment content id",
       [=](M m, O) {
         m.attachments = {{"a.png", "", "x", value + "@example.com"}};
       },
       {"attachments[0].content_id"},
       kReasonInvalidMessage},
      {label + " in message_id",
       [=](M m, O) { m.message_id = value + "@example.com"; },
       {"message_id"},
       kReasonInvalidHeader},
      {label + " in message_id_domain",
       [=](M, O o) { o.message_id_domain = value + ".com"; },
       {"message_id_domain"},
       kReasonInvalidHeader},
  };
}

TEST(Rejection, LineBreaksAndNulInEveryField) {
  for (const auto& [label, bad, shown] :
       {std::tuple<std::string, std::string, std::string>{"CR", "\r", "\\r"},
        {"LF", "\n", "\\n"},
        {"CRLF", "\r\n", "\\r\\n"},
        {"NUL", std::string(1, '\0'), "\\0"}}) {
    for (const RejectionCase& test : line_break_cases(label, bad, shown)) expect_rejected(test);
  }
}

TEST(Rejection, AngleBracketsInAddresses) {
  using M = MailMessage&;
  using O = BuildOptions&;
  const RejectionCase cases[] = {
      {"from",
       [](M m, O) { m.from.address = "<sender@example.com>"; },
       {"from.address", "'<' or '>'"},
       kReasonInvalidAddress},
      {"to",
       [](M m, O) { m.to[0].address = "Alice <alice@example.org>"; },
       {"to[0].address", "'<' or '>'"},
       kReasonInvalidAddress},
      {"bcc",
       [](M m, O) {
         m.bcc = {{"x@example.org>", ""}};
       },
       {"bcc[0].address"},
       kReasonInvalidAddress},
      {"envelope_from",
       [](M m, O) { m.envelope_from = "a<b@example.com"; },
       {"envelope_from"},
       kReasonInvalidAddress},
  };
  for (const RejectionCase& test : cases) expect_rejected(test);
}

TEST(Rejection, InvalidMailboxes) {
  for (const std::string& address :
       std::vector<std::string>{"", "alice", "alice@", "@example.org", "al ice@example.org",
                                "alice@exa_mple.org", "alice@example..org", ".alice@example.org",
                                "alice@[300.1.1.1]", std::string(65, 'a') + "@example.org"}) {
    expect_rejected({"to " + address,
                     [&](MailMessage& m, BuildOptions&) { m.to[0].address = address; },
                     {"to[0].address"},
                     kReasonInvalidAddress});
  }
}

TEST(Rejection, ReservedAndInvalidHeaderNames) {
  for (const std::string& name : std::vector<std::string>{
           "From", "to", "Cc", "BCC", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version",
           "Content-Type", "Content-Transfer-Encoding", "content-disposition"}) {
    expect_rejected({"reserved " + name,
                     [&](MailMessage& m, BuildOptions&) {
                       m.headers = {{"X-Ok", "1"}, {name, "v"}};
                     },
                     {"headers[1].name", "\"" + name + "\"", "writes itself"},
                     kReasonInvalidHeader});
  }
  for (const std::string& name :
       std::vector<std::string>{"", "X Space", "X:Colon", "X-Ü", std::string(77, 'x')}) {
    expect_rejected({"invalid " + name,
                     [&](MailMessage& m, BuildOptions&) {
                       m.headers = {{name, "v"}};
                     },
                     {"headers[0].name", "not a header field name"},
                     kReasonInvalidHeader});
  }
}

TEST(Rejection, NoRecipients) {
  expect_rejected({"none",
                   [](MailMessage& m, BuildOptions&) { m.to.clear(); },
                   {"no recipient"},
                   kReasonNoRecipients});
}

TEST(Rejection, NonAsciiAddressWithoutSmtputf8) {
  using M = MailMessage&;
  using O = BuildOptions&;
  const RejectionCase cases[] = {
      {"from",
       [](M m, O) { m.from.address = "jöran@example.com"; },
       {"from.address", "jöran@example.com", "SMTPUTF8"},
       kReasonSmtputf8Required},
      {"to",
       [](M m, O) { m.to[0].address = "ålice@bücher.example"; },
       {"to[0].address"},
       kReasonSmtputf8Required},
      {"bcc",
       [](M m, O) {
         m.bcc = {{"zoë@example.org", ""}};
       },
       {"bcc[0].address"},
       kReasonSmtputf8Required},
      {"envelope_from",
       [](M m, O) { m.envelope_from = "bøunce@exämple.com"; },
       {"envelope_from"},
       kReasonSmtputf8Required},
      {"message_id",
       [](M m, O) { m.message_id = "id@exämple.com"; },
       {"message_id"},
       kReasonSmtputf8Required},
  };
  for (const RejectionCase& test : cases) expect_rejected(test);
}

TEST(Rejection, OtherInvalidFields) {
  using M = MailMessage&;
  using O = BuildOptions&;
  const RejectionCase cases[] = {
      {"invalid UTF-8 subject",
       [](M m, O) { m.subject = "bad \xff byte"; },
       {"subject", "\\xFF", "not valid UTF-8"},
       kReasonInvalidHeader},
      {"invalid UTF-8 display name",
       [](M m, O) { m.to[0].display_name = "\xc3"; },
       {"to[0].display_name"},
       kReasonInvalidHeader},
      {"filename with folder",
       [](M m, O) {
         m.attachments = {{"dir/a.txt", "", "x", ""}};
       },
       {"attachments[0].filename", "folders"},
       kReasonInvalidMessage},
      {"filename with backslash",
       [](M m, O) {
         m.attachments = {{"C:\\a.txt", "", "x", ""}};
       },
       {"attachments[0].filename"},
       kReasonInvalidMessage},
      {"content type without subtype",
       [](M m, O) {
         m.attachments = {{"a", "application", "x", ""}};
       },
       {"attachments[0].content_type", "\"application\""},
       kReasonInvalidMessage},
      {"content type too long",
       [](M m, O) {
         m.attachments = {{"a", "text/plain; x=" + std::string(900, 'y'), "x", ""}};
       },
       {"attachments[0].content_type", "900 octets"},
       kReasonInvalidMessage},
      {"multipart content type",
       [](M m, O) {
         m.attachments = {{"a", "multipart/mixed", "x", ""}};
       },
       {"attachments[0].content_type", "base64"},
       kReasonInvalidMessage},
      {"message content type",
       [](M m, O) {
         m.attachments = {{"a.eml", "message/rfc822", "x", ""}};
       },
       {"attachments[0].content_type"},
       kReasonInvalidMessage},
      {"content id with brackets",
       [](M m, O) {
         m.attachments = {{"a.png", "", "x", "<logo@example.com>"}};
       },
       {"attachments[0].content_id"},
       kReasonInvalidMessage},
      {"content id with space",
       [](M m, O) {
         m.attachments = {{"a.png", "", "x", "a b"}};
       },
       {"attachments[0].content_id"},
       kReasonInvalidMessage},
      {"message id with brackets",
       [](M m, O) { m.message_id = "<id@example.com>"; },
       {"message_id", "without angle brackets"},
       kReasonInvalidHeader},
      {"message id without at",
       [](M m, O) { m.message_id = "no-at-sign"; },
       {"message_id"},
       kReasonInvalidHeader},
      {"message id with space",
       [](M m, O) { m.message_id = "a b@example.com"; },
       {"message_id"},
       kReasonInvalidHeader},
      {"message id domain",
       [](M, O o) { o.message_id_domain = "not a domain"; },
       {"message_id_domain"},
       kReasonInvalidHeader},
  };
  for (const RejectionCase& test : cases) expect_rejected(test);
}

TEST(Rejection, AcceptsWhatTheRulesAllow) {
  MailMessage message = simple_message();
  message.to.push_back({"\"quoted local\"@example.org", "Quoted"});
  message.cc = {{"ops@[192.0.2.10]", ""}, {"v6@[IPv6:2001:db8::1]", ""}};
  message.message_id = "20260101.42@[192.0.2.10]";
  message.headers = {{"X-Empty", ""}, {"X-Unicode", "Grüße"}, {"X-Tab", "a\tb"}};
  message.attachments = {{"a.txt", "text/plain; charset=utf-8", "x", "part.1@example.org"}};
  BuildOptions options;
  Result<BuiltMessage> built = build_message(message, options);
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_NE(built->bytes.find("Message-ID: <20260101.42@[192.0.2.10]>"), std::string::npos);
}

}  // namespace
}  // namespace outbound::mail
