#include "logging/masker.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace outbound::logging {
namespace {

// Its base64 has `/` and `=` padding, and its percent-encoding has hex letters.
constexpr std::string_view kSecret = "hunter2-Secret?>";
// Quotes and a backslash, which JSON escapes.
constexpr std::string_view kQuotedSecret = "pa\"ss\\word-42";

struct MaskCase {
  std::string name;
  std::string text;
  std::string expected;
};

void expect_masked(const Masker& masker, const std::vector<MaskCase>& cases) {
  for (const MaskCase& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    EXPECT_EQ(masker.mask(test_case.text), test_case.expected);
  }
}

TEST(Masker, RejectsShortValue) {
  Masker masker;
  EXPECT_FALSE(masker.add("abc"));
  EXPECT_EQ(masker.size(), 0U);
  EXPECT_EQ(masker.mask("abc abc"), "abc abc");
}

TEST(Masker, RejectsPartOfPlaceholder) {
  Masker masker;
  EXPECT_FALSE(masker.add("REDACTED"));
  EXPECT_EQ(masker.size(), 0U);
}

TEST(Masker, AcceptsMinimumLength) {
  Masker masker;
  EXPECT_TRUE(masker.add(std::string(Masker::kMinSecretLength, 'q')));
  EXPECT_EQ(masker.mask("x=qqqq;"), "x=[REDACTED];");
}

TEST(Masker, AddingSameValueTwiceKeepsSize) {
  Masker masker;
  ASSERT_TRUE(masker.add(kSecret));
  const std::size_t size = masker.size();
  EXPECT_GT(size, 1U);
  EXPECT_TRUE(masker.add(kSecret));
  EXPECT_EQ(masker.size(), size);
}

TEST(Masker, MasksEveryEncodingOfValue) {
  Masker masker;
  ASSERT_TRUE(masker.add(kSecret));
  ASSERT_TRUE(masker.add(kQuotedSecret));
  // Each base64 run below was made with Python's base64 module. A run keeps the characters
  // that also encode bytes next to the secret.
  expect_masked(
      masker,
      {
          {"plain", "password=hunter2-Secret?> end", "password=[REDACTED] end"},
          {"base64 padded", "b64 aHVudGVyMi1TZWNyZXQ/Pg== end", "b64 [REDACTED] end"},
          {"base64 unpadded", "b64 aHVudGVyMi1TZWNyZXQ/Pg end", "b64 [REDACTED] end"},
          {"base64url padded", "b64 aHVudGVyMi1TZWNyZXQ_Pg== end", "b64 [REDACTED] end"},
          {"base64url unpadded", "b64 aHVudGVyMi1TZWNyZXQ_Pg end", "b64 [REDACTED] end"},
          // AUTH PLAIN carries "\0user\0password". User lengths 1, 2 and 3 put the password
          // at byte offsets 0, 1 and 2 of a three-byte group.
          {"auth plain offset 0",
           "AUTH PLAIN AHUAaHVudGVyMi1TZWNyZXQ/Pg==", "AUTH PLAIN AHUA[REDACTED]"},
          {"auth plain offset 1",
           "AUTH PLAIN AHVzAGh1bnRlcjItU2VjcmV0Pz4=", "AUTH PLAIN AHVzAG[REDACTED]4="},
          {"auth plain offset 2", "AUTH PLAIN AHVzcgBodW50ZXIyLVNlY3JldD8+",
           "AUTH PLAIN AHVzcgB[REDACTED]"},
          // The secret followed by "|tail" after 0, 1 and 2 other bytes.
          {"embedded offset 0", "run aHVudGVyMi1TZWNyZXQ/Pnx0YWls", "run [REDACTED]nx0YWls"},
          {"embedded offset 1",
           "run eGh1bnRlcjItU2VjcmV0Pz58dGFpbA==", "run eG[REDACTED]58dGFpbA=="},
          {"embedded offset 2",
           "run eHlodW50ZXIyLVNlY3JldD8+fHRhaWw=", "run eHl[REDACTED]fHRhaWw="},
          {"percent upper hex", "q=hunter2-Secret%3F%3E&x=1", "q=[REDACTED]&x=1"},
          {"percent lower hex", "q=hunter2-Secret%3f%3e&x=1", "q=[REDACTED]&x=1"},
          {"quoted plain", "raw pa\"ss\\word-42 end", "raw [REDACTED] end"},
          {"quoted json", R"({"password":"pa\"ss\\word-42"})", R"({"password":"[REDACTED]"})"},
          {"quoted percent", "p=pa%22ss%5Cword-42", "p=[REDACTED]"},
      });
}

TEST(Masker, MasksShapesAndKeepsNeighbours) {
  const Masker masker;
  expect_masked(
      masker,
      {
          {"authorization bearer", "Authorization: Bearer abc.def-123",
           "Authorization: Bearer [REDACTED]"},
          {"authorization in request",
           "GET / HTTP/1.1\r\nAuthorization: Basic dXNlcjpwYXNz\r\nHost: api.example.com",
           "GET / HTTP/1.1\r\nAuthorization: Basic [REDACTED]\r\nHost: api.example.com"},
          {"authorization escaped line breaks",
           R"(request Authorization: Bearer abc\r\nHost: api.example.com)",
           R"(request Authorization: Bearer [REDACTED]\r\nHost: api.example.com)"},
          {"authorization without scheme", "Authorization: opaque-token-value",
           "Authorization: [REDACTED]"},
          {"headers listed on one line",
           "headers: Authorization: Bearer sk_live_abc; Stripe-Version: 2024-06-20; Accept: */*",
           "headers: Authorization: Bearer [REDACTED]; Stripe-Version: 2024-06-20; Accept: */*"},
          {"parameters stay inside the value", "Authorization: Digest a=1; b=2",
           "Authorization: Digest [REDACTED]"},
          {"proxy authorization digest",
           R"(proxy-authorization: Digest username="bob", response="6629fae49393a053974")",
           "proxy-authorization: Digest [REDACTED]"},
          {"authorization json member",
           R"(headers {"Authorization":"Token abc123","Accept":"*/*"})",
           R"(headers {"Authorization":"Token [REDACTED]","Accept":"*/*"})"},
          {"authorization escaped json member", R"({\"authorization\": \"Token abc123\"} sent)",
           R"({\"authorization\": \"Token [REDACTED]\"} sent)"},
          {"authorization inside json string", R"({"message":"Authorization: Token abc"})",
           R"({"message":"Authorization: Token [REDACTED]"})"},
          {"bearer anywhere", "retrying with Bearer tok_123.abc~x= after 401",
           "retrying with Bearer [REDACTED] after 401"},
          {"basic anywhere", "sent Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ== to proxy",
           "sent Basic [REDACTED] to proxy"},
          {"basic as a word", "Basic setup complete", "Basic setup complete"},
          {"jwt", "token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig_-nature rest",
           "token=[REDACTED] rest"},
          {"unsecured jwt", "jwt eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0. done", "jwt [REDACTED] done"},
          {"jwt marker alone", "eyJ alone", "eyJ alone"},
          {"jwt with one segment", "eyJhbGci.notajwt", "eyJhbGci.notajwt"},
          {"private key",
           "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAK\n-----END RSA PRIVATE KEY-----\n"
           "loaded",
           "key:\n[REDACTED]\nloaded"},
          {"private key json escaped",
           R"("-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----\n")",
           R"("[REDACTED]\n")"},
          {"private key truncated", "key -----BEGIN EC PRIVATE KEY-----\nMHcC", "key [REDACTED]"},
          {"certificate", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
           "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"},
          {"stripe keys", "using sk_live_51HxYz and rk_test_abc123, whsec_Q9x8 done",
           "using sk_live_[REDACTED] and rk_test_[REDACTED], whsec_[REDACTED] done"},
          {"stripe prefix inside word", "task_live_x", "task_live_x"},
          {"stripe prefix alone", "prefix sk_test_ only", "prefix sk_test_ only"},
          {"url password", "connecting to https://mailer:p%40ss@smtp.example.com:465/path",
           "connecting to https://mailer:[REDACTED]@smtp.example.com:465/path"},
          {"url password with at sign", "smtp://u:p@ss@host:25 ok",
           "smtp://u:[REDACTED]@host:25 ok"},
          {"url user only", "https://user@example.com/x", "https://user@example.com/x"},
          {"url port", "https://example.com:8443/path?a=b@c",
           "https://example.com:8443/path?a=b@c"},
      });
}

TEST(Masker, MaskedTextMasksToItself) {
  Masker masker;
  ASSERT_TRUE(masker.add(kSecret));
  const std::vector<std::string> texts = {
      "Authorization: Bearer abc",
      "proxy-authorization: Digest a=\"b\"",
      "Bearer tok sk_live_abc",
      "https://u:p@host",
      "eyJa.eyJb.c",
      "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----",
      "hunter2-Secret?> and more",
      R"({"message":"Authorization: Token abc"})",
  };
  for (const std::string& text : texts) {
    SCOPED_TRACE(text);
    const std::string once = masker.mask(text);
    EXPECT_NE(once, text);
    EXPECT_EQ(masker.mask(once), once);
  }
}

TEST(Masker, MasksSecretInsideLongerSecret) {
  Masker masker;
  ASSERT_TRUE(masker.add("inner-9876"));
  ASSERT_TRUE(masker.add("outer-inner-9876-tail"));
  expect_masked(masker, {
                            {"longer", "a outer-inner-9876-tail b", "a [REDACTED] b"},
                            {"shorter", "a inner-9876 b", "a [REDACTED] b"},
                            {"both", "outer-inner-9876-tail/inner-9876", "[REDACTED]/[REDACTED]"},
                        });
}

TEST(Masker, MasksOverlappingValues) {
  Masker masker;
  ASSERT_TRUE(masker.add("alpha-beta"));
  ASSERT_TRUE(masker.add("beta-gamma"));
  expect_masked(masker, {
                            {"overlap", "x alpha-beta-gamma y", "x [REDACTED] y"},
                            {"repeated", "abababab", "abababab"},
                        });
  ASSERT_TRUE(masker.add("abab"));
  EXPECT_EQ(masker.mask("x abababab y"), "x [REDACTED] y");
}

TEST(Masker, LeavesOrdinaryTextUnchanged) {
  Masker masker;
  ASSERT_TRUE(masker.add(kSecret));
  const std::string text =
      "client stripe charge ch_123 succeeded after 2 attempts in 153 ms; breaker closed, "
      "recipient count 3, key id 7, the task ran at risk level basic";
  EXPECT_EQ(masker.mask(text), text);
  EXPECT_EQ(masker.mask(""), "");
  EXPECT_EQ(masker.mask("h"), "h");
}

// Runs of repeated markers make a naive scanner quadratic, so a regression shows up as a test
// that runs for minutes instead of milliseconds.
TEST(Masker, MasksLongRepeatedMarkers) {
  const Masker masker;
  constexpr std::size_t kRepeats = 100000;
  std::string jwt_markers;
  std::string headers;
  std::string key_markers;
  for (std::size_t i = 0; i < kRepeats; ++i) {
    jwt_markers.append("eyJ");
    headers.append("Authorization: ");
    key_markers.append("-----BEGIN PRIVATE KEY-----");
  }
  EXPECT_EQ(masker.mask(jwt_markers), jwt_markers);
  // The trailing space is kept because white space after a header value is not part of it.
  EXPECT_EQ(masker.mask(headers), "Authorization: [REDACTED] ");
  EXPECT_EQ(masker.mask(key_markers), "[REDACTED]");
}

TEST(Masker, AddAndMaskConcurrently) {
  Masker masker;
  ASSERT_TRUE(masker.add(kSecret));
  constexpr int kWriters = 3;
  constexpr int kReaders = 4;
  constexpr int kValuesPerWriter = 200;
  const std::string text = std::string("before ") + std::string(kSecret) + " after";
  std::atomic<int> unmasked{0};

  std::vector<std::thread> threads;
  for (int writer = 0; writer < kWriters; ++writer) {
    threads.emplace_back([&masker, writer] {
      for (int i = 0; i < kValuesPerWriter; ++i) {
        masker.add("value-" + std::to_string(writer) + "-" + std::to_string(i) + "-x");
      }
    });
  }
  for (int reader = 0; reader < kReaders; ++reader) {
    threads.emplace_back([&masker, &text, &unmasked] {
      for (int i = 0; i < 2000; ++i) {
        if (masker.mask(text) != "before [REDACTED] after") ++unmasked;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(unmasked.load(), 0);
  for (int writer = 0; writer < kWriters; ++writer) {
    for (int i = 0; i < kValuesPerWriter; i += 37) {
      const std::string value = "value-" + std::to_string(writer) + "-" + std::to_string(i) + "-x";
      SCOPED_TRACE(value);
      EXPECT_EQ(masker.mask("v=" + value + ";"), "v=[REDACTED];");
    }
  }
}

}  // namespace
}  // namespace outbound::logging
