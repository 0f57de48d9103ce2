// Golden messages: the exact bytes for each body structure, so that any change to the output is
// seen and reviewed. Each was checked by hand against RFC 5322, RFC 2045 to RFC 2047 and RFC
// 2231, and the interop test reads the same messages with Python's email package.

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "mail/message.h"
#include "mail_test_support.h"

namespace outbound::mail {
namespace {

using testing::crlf;
using testing::simple_message;

// Thu, 01 Jan 2026 00:00:00 +0000.
const std::chrono::system_clock::time_point kDate{std::chrono::seconds(1767225600)};

std::string build(const MailMessage& message) {
  BuildOptions options;
  options.date = kDate;
  Result<BuiltMessage> built = build_message(message, options);
  EXPECT_TRUE(built.ok()) << built.status();
  return built.ok() ? built->bytes : std::string();
}

TEST(Golden, TextOnly) {
  EXPECT_EQ(build(simple_message()), crlf(R"(From: Sender <sender@example.com>
To: Alice <alice@example.org>
Subject: Hello
Date: Thu, 01 Jan 2026 00:00:00 +0000
Message-ID: <fixed.1@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Hello, Alice.
)"));
}

TEST(Golden, HtmlOnly) {
  MailMessage message = simple_message();
  message.text_body.clear();
  message.html_body = "<p>Hello, <b>Alice</b>.</p>\n";
  EXPECT_EQ(build(message), crlf(R"(From: Sender <sender@example.com>
To: Alice <alice@example.org>
Subject: Hello
Date: Thu, 01 Jan 2026 00:00:00 +0000
Message-ID: <fixed.1@example.com>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 7bit

<p>Hello, <b>Alice</b>.</p>
)"));
}

TEST(Golden, TextAndHtmlAsAlternative) {
  MailMessage message = simple_message();
  message.html_body = "<p>Hello, <b>Alice</b>.</p>\n";
  EXPECT_EQ(build(message), crlf(R"(From: Sender <sender@example.com>
To: Alice <alice@example.org>
Subject: Hello
Date: Thu, 01 Jan 2026 00:00:00 +0000
Message-ID: <fixed.1@example.com>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="=_24b653d1d26c7ad01dbea398"

--=_24b653d1d26c7ad01dbea398
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Hello, Alice.

--=_24b653d1d26c7ad01dbea398
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 7bit

<p>Hello, <b>Alice</b>.</p>

--=_24b653d1d26c7ad01dbea398--
)"));
}

TEST(Golden, BinaryAndNonAsciiAttachments) {
  MailMessage message = simple_message();
  message.attachments = {{"data.bin", "", std::string("\x00\x01\x02\xfe\xff\r\n.\n", 9), ""},
                         {"Résumé €.pdf", "", "%PDF-1.4\n", ""}};
  EXPECT_EQ(build(message), crlf(R"(From: Sender <sender@example.com>
To: Alice <alice@example.org>
Subject: Hello
Date: Thu, 01 Jan 2026 00:00:00 +0000
Message-ID: <fixed.1@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_03294e151c60081020e9bcd2"

--=_03294e151c60081020e9bcd2
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Hello, Alice.

--=_03294e151c60081020e9bcd2
Content-Type: application/octet-stream; name="data.bin"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="data.bin"

AAEC/v8NCi4K

--=_03294e151c60081020e9bcd2
Content-Type: application/pdf; name*=utf-8''R%C3%A9sum%C3%A9%20%E2%82%AC.pdf
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
 filename*=utf-8''R%C3%A9sum%C3%A9%20%E2%82%AC.pdf

JVBERi0xLjQK

--=_03294e151c60081020e9bcd2--
)"));
}

TEST(Golden, NonAsciiSubjectAndDisplayNames) {
  MailMessage message = simple_message();
  message.subject = "Grüße aus Köln 🌷";
  message.from.display_name = "Jöran Ångström";
  message.to = {{"zoe@example.org", "Zoë Saldaña"}};
  message.cc = {{"taro@example.jp", "山田 太郎"}};
  message.text_body = "Grüße!\n";
  EXPECT_EQ(build(message), crlf(R"(From: =?utf-8?B?SsO2cmFuIMOFbmdzdHLDtm0=?= <sender@example.com>
To: =?utf-8?B?Wm/DqyBTYWxkYcOxYQ==?= <zoe@example.org>
Cc: =?utf-8?B?5bGx55SwIOWkqumDjg==?= <taro@example.jp>
Subject: =?utf-8?B?R3LDvMOfZSBhdXMgS8O2bG4g8J+Mtw==?=
Date: Thu, 01 Jan 2026 00:00:00 +0000
Message-ID: <fixed.1@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Gr=C3=BC=C3=9Fe!
)"));
}

TEST(Golden, InlineImageInRelatedPart) {
  MailMessage message = simple_message();
  message.html_body = "<p><img src=\"cid:logo@example.com\"></p>\n";
  message.attachments = {{"logo.png", "", "\x89PNG\r\n\x1a\n", "logo@example.com"},
                         {"notes.txt", "", "notes\n", ""}};
  EXPECT_EQ(build(message), crlf(R"(From: Sender <sender@example.com>
To: Alice <alice@example.org>
Subject: Hello
Date: Thu, 01 Jan 2026 00:00:00 +0000
Message-ID: <fixed.1@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_03294e151c60081020e9bcd2"

--=_03294e151c60081020e9bcd2
Content-Type: multipart/alternative; boundary="=_24b653d1d26c7ad01dbea398"

--=_24b653d1d26c7ad01dbea398
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Hello, Alice.

--=_24b653d1d26c7ad01dbea398
Content-Type: multipart/related; type="text/html";
 boundary="=_4994da801b9ee41e546d1559"

--=_4994da801b9ee41e546d1559
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 7bit

<p><img src="cid:logo@example.com"></p>

--=_4994da801b9ee41e546d1559
Content-Type: image/png; name="logo.png"
Content-Transfer-Encoding: base64
Content-Disposition: inline; filename="logo.png"
Content-ID: <logo@example.com>

iVBORw0KGgo=

--=_4994da801b9ee41e546d1559--

--=_24b653d1d26c7ad01dbea398--

--=_03294e151c60081020e9bcd2
Content-Type: text/plain; name="notes.txt"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="notes.txt"

bm90ZXMK

--=_03294e151c60081020e9bcd2--
)"));
}

}  // namespace
}  // namespace outbound::mail
