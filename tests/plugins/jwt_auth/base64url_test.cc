#include "jwt_auth/base64url.h"

#include <string>

#include <gtest/gtest.h>

namespace outbound::jwt {
namespace {

TEST(Base64Url, EncodesRfc4648Vectors) {
  // RFC 4648 section 10, without the padding that base64url in JWS leaves out.
  const struct {
    const char* plain;
    const char* encoded;
  } cases[] = {{"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
               {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.plain);
    EXPECT_EQ(base64url_encode(c.plain), c.encoded);
    const std::optional<std::string> decoded = base64url_decode(c.encoded);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, c.plain);
  }
}

TEST(Base64Url, UsesUrlSafeAlphabet) {
  EXPECT_EQ(base64url_encode("\xfb\xff\xbf"), "-_-_");
  const std::optional<std::string> decoded = base64url_decode("-_-_");
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, "\xfb\xff\xbf");
}

TEST(Base64Url, RoundTripsEveryByteValue) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (std::size_t length = 0; length <= bytes.size(); length += 37) {
    SCOPED_TRACE(length);
    const std::string part = bytes.substr(0, length);
    const std::optional<std::string> decoded = base64url_decode(base64url_encode(part));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, part);
  }
}

TEST(Base64Url, RejectsNonStrictText) {
  const struct {
    const char* name;
    const char* text;
  } cases[] = {
      {"padding after two characters", "Zg=="},
      {"padding after three characters", "Zm8="},
      {"plus from the standard alphabet", "+_-_"},
      {"slash from the standard alphabet", "-/-_"},
      {"space inside", "Zm9v Zm9v"},
      {"newline at the end", "Zm9v\n"},
      {"leading space", " Zm9v"},
      {"one leftover character", "Zm9vY"},
      {"non-zero unused bits after two characters", "Zh"},
      {"non-zero unused bits after three characters", "Zm9"},
      {"non-ASCII bytes", "Zm\xc3\xa9"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_FALSE(base64url_decode(c.text).has_value());
  }
}

TEST(Base64Url, DecodedSizeFollowsTheTextSize) {
  const struct {
    std::size_t text;
    std::size_t decoded;
  } cases[] = {{0, 0}, {2, 1}, {3, 2}, {4, 3}, {6, 4}, {7, 5}, {8, 6}, {43, 32}, {342, 256}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(base64url_decoded_size(c.text), c.decoded);
  }
}

TEST(Base64Url, DecodeToWritesExactlyTheDecodedSize) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(255 - i);
  for (std::size_t length = 0; length <= 40; ++length) {
    SCOPED_TRACE(length);
    const std::string encoded = base64url_encode(bytes.substr(0, length));
    const std::size_t size = base64url_decoded_size(encoded.size());
    ASSERT_EQ(size, length);
    // Guard bytes after the output must stay untouched.
    std::string out(size + 4, '#');
    ASSERT_TRUE(base64url_decode_to(encoded, out.data()));
    EXPECT_EQ(out.substr(0, size), bytes.substr(0, length));
    EXPECT_EQ(out.substr(size), "####");
  }
}

TEST(Base64Url, DecodeToRejectsNonStrictText) {
  char out[16];
  for (const char* text : {"Zm9vY", "Zh", "Zm9", "Zm9v=", "Zm+v", "Zm9v\n"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(base64url_decode_to(text, out));
  }
}

TEST(Base64Url, RejectsEmbeddedNul) {
  EXPECT_FALSE(base64url_decode(std::string("Zm\0v", 4)).has_value());
}

}  // namespace
}  // namespace outbound::jwt
