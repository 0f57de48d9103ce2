#include "smtp/capabilities.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace outbound::smtp {
namespace {

Reply ehlo_reply(std::vector<std::string> lines) {
  Reply reply;
  reply.code = 250;
  reply.lines = std::move(lines);
  return reply;
}

TEST(Capabilities, ReadsKnownExtensions) {
  const Capabilities capabilities = parse_capabilities(
      ehlo_reply({"mail.example.test greets you", "SIZE 35882577", "8BITMIME", "pipelining",
                  "AUTH PLAIN login XOAUTH2", "STARTTLS", "SMTPUTF8", "ENHANCEDSTATUSCODES"}));
  EXPECT_TRUE(capabilities.extended);
  EXPECT_TRUE(capabilities.starttls);
  EXPECT_TRUE(capabilities.size);
  EXPECT_EQ(capabilities.max_size, 35882577u);
  EXPECT_TRUE(capabilities.eight_bit_mime);
  EXPECT_TRUE(capabilities.pipelining);
  EXPECT_TRUE(capabilities.smtputf8);
  EXPECT_EQ(capabilities.auth_mechanisms, (std::vector<std::string>{"PLAIN", "LOGIN", "XOAUTH2"}));
  EXPECT_TRUE(capabilities.offers_auth("LOGIN"));
  EXPECT_FALSE(capabilities.offers_auth("CRAM-MD5"));
}

TEST(Capabilities, GreetingLineIsNotAnExtension) {
  // The first line is the server's name and greeting, even when it looks like a keyword.
  const Capabilities capabilities = parse_capabilities(ehlo_reply({"STARTTLS"}));
  EXPECT_FALSE(capabilities.starttls);
}

TEST(Capabilities, MechanismsAreTokensNotSubstrings) {
  const Capabilities capabilities =
      parse_capabilities(ehlo_reply({"host", "AUTH XLOGINX CRAM-MD5", "X-NOT-PLAIN"}));
  EXPECT_FALSE(capabilities.offers_auth("LOGIN"));
  EXPECT_FALSE(capabilities.offers_auth("PLAIN"));
  EXPECT_TRUE(capabilities.offers_auth("CRAM-MD5"));
}

TEST(Capabilities, OldAuthEqualsForm) {
  const Capabilities capabilities =
      parse_capabilities(ehlo_reply({"host", "AUTH=LOGIN PLAIN", "AUTH LOGIN"}));
  EXPECT_EQ(capabilities.auth_mechanisms, (std::vector<std::string>{"LOGIN", "PLAIN"}));
}

TEST(Capabilities, SizeWithoutLimit) {
  const Capabilities capabilities = parse_capabilities(ehlo_reply({"host", "SIZE"}));
  EXPECT_TRUE(capabilities.size);
  EXPECT_EQ(capabilities.max_size, 0u);
}

TEST(Capabilities, EmptyForSingleLine) {
  const Capabilities capabilities = parse_capabilities(ehlo_reply({"host"}));
  EXPECT_FALSE(capabilities.starttls);
  EXPECT_TRUE(capabilities.auth_mechanisms.empty());
  EXPECT_FALSE(capabilities.size);
}

}  // namespace
}  // namespace outbound::smtp
