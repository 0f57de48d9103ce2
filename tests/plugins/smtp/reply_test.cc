#include "smtp/reply.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace outbound::smtp {
namespace {

// Feeds `bytes` in pieces of `piece` octets and returns the replies and the final state.
struct Parsed {
  std::vector<Reply> replies;
  ReplyParser::State state = ReplyParser::State::kNeedMore;
  std::string error;
  bool in_progress = false;
};

Parsed parse_in_pieces(const std::string& bytes, std::size_t piece) {
  Parsed parsed;
  ReplyParser parser;
  std::string pending;
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    pending += bytes.substr(at, piece);
    for (;;) {
      const ReplyParser::Step step = parser.feed(pending);
      pending.erase(0, step.consumed);
      parsed.state = step.state;
      if (step.state == ReplyParser::State::kComplete) {
        parsed.replies.push_back(parser.take());
        continue;
      }
      if (step.state == ReplyParser::State::kError) {
        parsed.error = parser.error();
        return parsed;
      }
      break;
    }
  }
  parsed.in_progress = parser.in_progress();
  return parsed;
}

TEST(ReplyParser, SingleLine) {
  const Parsed parsed = parse_in_pieces("250 OK\r\n", 1024);
  ASSERT_EQ(parsed.replies.size(), 1u);
  EXPECT_EQ(parsed.replies[0].code, 250);
  EXPECT_EQ(parsed.replies[0].lines, std::vector<std::string>{"OK"});
  EXPECT_TRUE(parsed.replies[0].positive());
  EXPECT_FALSE(parsed.in_progress);
}

TEST(ReplyParser, MultiLineSplitIntoSingleBytes) {
  const std::string ehlo =
      "250-mail.example.test Hello\r\n250-SIZE 10240000\r\n250-AUTH PLAIN LOGIN\r\n"
      "250 STARTTLS\r\n";
  for (std::size_t piece : {1u, 2u, 3u, 7u, 1024u}) {
    SCOPED_TRACE("piece size " + std::to_string(piece));
    const Parsed parsed = parse_in_pieces(ehlo, piece);
    ASSERT_EQ(parsed.replies.size(), 1u);
    EXPECT_EQ(parsed.replies[0].code, 250);
    EXPECT_EQ(parsed.replies[0].lines,
              (std::vector<std::string>{"mail.example.test Hello", "SIZE 10240000",
                                        "AUTH PLAIN LOGIN", "STARTTLS"}));
  }
}

TEST(ReplyParser, LeavesBytesAfterReply) {
  ReplyParser parser;
  const std::string bytes = "220 ready\r\nEXTRA";
  const ReplyParser::Step step = parser.feed(bytes);
  EXPECT_EQ(step.state, ReplyParser::State::kComplete);
  EXPECT_EQ(step.consumed, 11u);
  EXPECT_EQ(parser.take().code, 220);
}

TEST(ReplyParser, TwoRepliesInOnePacket) {
  const Parsed parsed = parse_in_pieces("250 first\r\n354 go ahead\r\n", 1024);
  ASSERT_EQ(parsed.replies.size(), 2u);
  EXPECT_EQ(parsed.replies[0].code, 250);
  EXPECT_EQ(parsed.replies[1].code, 354);
  EXPECT_TRUE(parsed.replies[1].intermediate());
}

TEST(ReplyParser, EnhancedStatusCode) {
  const Parsed parsed =
      parse_in_pieces("550-5.1.1 No such user\r\n550 5.1.1 here: reject@example.test\r\n", 5);
  ASSERT_EQ(parsed.replies.size(), 1u);
  const Reply& reply = parsed.replies[0];
  EXPECT_EQ(reply.code, 550);
  EXPECT_EQ(reply.enhanced_code, "5.1.1");
  EXPECT_EQ(reply.lines, (std::vector<std::string>{"No such user", "here: reject@example.test"}));
  EXPECT_EQ(reply.text(), "No such user; here: reject@example.test");
  EXPECT_EQ(reply.summary(), "550 5.1.1 No such user");
  EXPECT_TRUE(reply.permanent());
}

TEST(ReplyParser, EnhancedCodeOfOtherClassIsText) {
  const Parsed parsed = parse_in_pieces("451 5.1.1 odd\r\n", 1024);
  ASSERT_EQ(parsed.replies.size(), 1u);
  EXPECT_EQ(parsed.replies[0].enhanced_code, "");
  EXPECT_EQ(parsed.replies[0].lines, std::vector<std::string>{"5.1.1 odd"});
  EXPECT_TRUE(parsed.replies[0].transient());
}

TEST(ReplyParser, CodeWithoutText) {
  const Parsed parsed = parse_in_pieces("250-first\r\n250\r\n", 1);
  ASSERT_EQ(parsed.replies.size(), 1u);
  EXPECT_EQ(parsed.replies[0].lines, (std::vector<std::string>{"first", ""}));
}

TEST(ReplyParser, BareLineFeedEndsLine) {
  const Parsed parsed = parse_in_pieces("250-a\n250 b\n", 1024);
  ASSERT_EQ(parsed.replies.size(), 1u);
  EXPECT_EQ(parsed.replies[0].lines, (std::vector<std::string>{"a", "b"}));
}

TEST(ReplyParser, EndInsideMultiLineReplyIsInProgress) {
  const Parsed parsed = parse_in_pieces("250-mail.example.test\r\n250-SIZE 100\r\n", 1);
  EXPECT_TRUE(parsed.replies.empty());
  EXPECT_EQ(parsed.state, ReplyParser::State::kNeedMore);
  EXPECT_TRUE(parsed.in_progress);
}

TEST(ReplyParser, EndInsideLineIsInProgress) {
  const Parsed parsed = parse_in_pieces("25", 1);
  EXPECT_TRUE(parsed.in_progress);
}

TEST(ReplyParser, RejectsGarbage) {
  const std::vector<std::string> cases = {"HTTP/1.1 400 Bad Request\r\n",
                                          "hello\r\n",
                                          "25\r\n",
                                          "250x\r\n",
                                          "199 too low\r\n",
                                          "600 high\r\n",
                                          "2a0 letter\r\n",
                                          "\r\n",
                                          "260 bad second digit\r\n"};
  for (const std::string& bytes : cases) {
    SCOPED_TRACE(bytes);
    const Parsed parsed = parse_in_pieces(bytes, 1);
    EXPECT_EQ(parsed.state, ReplyParser::State::kError);
    EXPECT_FALSE(parsed.error.empty());
  }
}

TEST(ReplyParser, RejectsCodeChangeInsideReply) {
  const Parsed parsed = parse_in_pieces("250-one\r\n550 two\r\n", 1024);
  EXPECT_EQ(parsed.state, ReplyParser::State::kError);
  EXPECT_NE(parsed.error.find("changed its code"), std::string::npos) << parsed.error;
}

TEST(ReplyParser, RejectsOverlongLine) {
  const std::string line = "250 " + std::string(ReplyParser::kMaxLineOctets, 'x') + "\r\n";
  const Parsed parsed = parse_in_pieces(line, 512);
  EXPECT_EQ(parsed.state, ReplyParser::State::kError);
  EXPECT_NE(parsed.error.find("longer than"), std::string::npos) << parsed.error;
}

TEST(ReplyParser, RejectsTooManyLines) {
  std::string bytes;
  for (std::size_t i = 0; i <= ReplyParser::kMaxLines; ++i) bytes += "250-line\r\n";
  const Parsed parsed = parse_in_pieces(bytes, 4096);
  EXPECT_EQ(parsed.state, ReplyParser::State::kError);
}

TEST(ReplyParser, ControlCharactersInTextAreReplaced) {
  const Parsed parsed = parse_in_pieces("250 a\x1b[31mb\r\n", 1024);
  ASSERT_EQ(parsed.replies.size(), 1u);
  EXPECT_EQ(parsed.replies[0].lines, std::vector<std::string>{"a?[31mb"});
}

TEST(ReplyParser, ResetForgetsPartialReply) {
  ReplyParser parser;
  parser.feed("250-partial\r\n25");
  EXPECT_TRUE(parser.in_progress());
  parser.reset();
  EXPECT_FALSE(parser.in_progress());
  const ReplyParser::Step step = parser.feed("221 bye\r\n");
  EXPECT_EQ(step.state, ReplyParser::State::kComplete);
  EXPECT_EQ(parser.take().code, 221);
}

}  // namespace
}  // namespace outbound::smtp
