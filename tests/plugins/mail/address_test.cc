// Mailbox syntax of RFC 5321 section 4.1.2 with the limits of section 4.5.3.1, and its UTF-8
// extension (RFC 6531).

#include "mail/address.h"

#include <string>

#include <gtest/gtest.h>

namespace outbound::mail {
namespace {

struct MailboxCase {
  std::string address;
  bool valid_ascii;
  bool valid_utf8;
};

TEST(Mailbox, AcceptsAndRejectsByRfc5321) {
  const std::string local64(64, 'a');
  const std::string label63(63, 'b');
  const MailboxCase cases[] = {
      {"user@example.com", true, true},
      {"first.last+tag@sub.example.co.uk", true, true},
      {"user@localhost", true, true},
      {"!#$%&'*+-/=?^_`{|}~@example.com", true, true},
      {"\"john doe\"@example.com", true, true},
      {"\"quote\\\"inside\"@example.com", true, true},
      {"\"at@sign\"@example.com", true, true},
      {"user@[192.0.2.1]", true, true},
      {"user@[IPv6:2001:db8::1]", true, true},
      {"user@[ipv6:::1]", true, true},
      {local64 + "@example.com", true, true},
      {"user@" + label63 + ".com", true, true},
      {"user@a-b.example", true, true},
      {"", false, false},
      {"user", false, false},
      {"@example.com", false, false},
      {"user@", false, false},
      {"user@@example.com", false, false},
      {".user@example.com", false, false},
      {"user.@example.com", false, false},
      {"us..er@example.com", false, false},
      {"us er@example.com", false, false},
      {"user@exa mple.com", false, false},
      {"user@-example.com", false, false},
      {"user@example-.com", false, false},
      {"user@example..com", false, false},
      {"user@example.com.", false, false},
      {"user@ex_ample.com", false, false},
      {"\"unterminated@example.com", false, false},
      {"\"bad\\\"@example.com", false, false},
      {"user@[192.0.2.256]", false, false},
      {"user@[192.0.2]", false, false},
      {"user@[IPv6:not-an-address]", false, false},
      {"user@[tag:general]", false, false},
      {"user@[]", false, false},
      {local64 + "a@example.com", false, false},
      {"user@" + label63 + "c.com", false, false},
      {"a@" + std::string(250, 'b'), false, false},
      {"user<x>@example.com", false, false},
      {"user@example.com\r\nRCPT TO:<x@y>", false, false},
      {"jöran@example.com", false, true},
      {"user@bücher.example", false, true},
      {"用户@例子.广告", false, true},
      {"\"jö ran\"@example.com", false, true},
      {"user@\xff.example", false, false},
      {"\xc3@example.com", false, false},
      {"user@-bücher.example", false, false},
  };
  for (const MailboxCase& test : cases) {
    SCOPED_TRACE(test.address);
    EXPECT_EQ(valid_mailbox(test.address, false), test.valid_ascii);
    EXPECT_EQ(valid_mailbox(test.address, true), test.valid_utf8);
  }
}

TEST(Mailbox, LimitsWholeMailboxTo254Octets) {
  // 64 + 1 + 189 = 254 octets, in labels of at most 63.
  const std::string domain =
      std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(61, 'c');
  const std::string longest = std::string(64, 'x') + "@" + domain;
  ASSERT_EQ(longest.size(), 254u);
  EXPECT_TRUE(valid_mailbox(longest, false));
  EXPECT_FALSE(valid_mailbox(longest + "d", false));
}

TEST(Mailbox, DomainOfIsTextAfterLastAt) {
  EXPECT_EQ(domain_of("user@example.com"), "example.com");
  EXPECT_EQ(domain_of("\"a@b\"@example.org"), "example.org");
  EXPECT_EQ(domain_of("user@[192.0.2.1]"), "[192.0.2.1]");
  EXPECT_EQ(domain_of("no-at-sign"), "");
}

}  // namespace
}  // namespace outbound::mail
