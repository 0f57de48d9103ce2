// The SMTP DATA payload: dot-stuffing and the terminator (RFC 5321 section 4.5.2).

#include <string>

#include <gtest/gtest.h>

#include "mail/message.h"

namespace outbound::mail {
namespace {

TEST(SmtpData, StuffsEveryLineThatStartsWithADot) {
  EXPECT_EQ(smtp_data(".first\r\nmid.dle\r\n.\r\n..two\r\n"),
            "..first\r\nmid.dle\r\n..\r\n...two\r\n.\r\n");
}

TEST(SmtpData, AppendsTheTerminator) {
  EXPECT_EQ(smtp_data("line\r\n"), "line\r\n.\r\n");
  EXPECT_EQ(smtp_data("no final line break"), "no final line break\r\n.\r\n");
  EXPECT_EQ(smtp_data(""), ".\r\n");
}

TEST(SmtpData, TurnsLoneCrAndLfIntoCrlf) {
  // Smuggling sequences (RFC 5321 section 4.1.1.4) cannot reach the wire as they are.
  EXPECT_EQ(smtp_data("a\n.\nb"), "a\r\n..\r\nb\r\n.\r\n");
  EXPECT_EQ(smtp_data("a\r.\rb"), "a\r\n..\r\nb\r\n.\r\n");
  EXPECT_EQ(smtp_data("a\r\n.\nb"), "a\r\n..\r\nb\r\n.\r\n");
  EXPECT_EQ(smtp_data("a\n.\r\nb"), "a\r\n..\r\nb\r\n.\r\n");
}

}  // namespace
}  // namespace outbound::mail
