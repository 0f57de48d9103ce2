// Webhook signature verification against signatures computed by the openssl command, not by
// the code under test.

#include "stripe/webhook.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "test_support.h"

namespace outbound::stripe {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

constexpr const char* kSecret = "whsec_test_secret_0123456789abcdef";
constexpr std::int64_t kTimestamp = 1796400000;
const std::string kPayload =
    R"({"id":"evt_1","object":"event","api_version":"2024-06-20","created":1796400000,)"
    R"("livemode":false,"type":"charge.succeeded","data":{"object":{"id":"ch_1","amount":2000}}})";

/// Returns the hex HMAC-SHA256 of `timestamp.payload` as `openssl dgst` computes it.
std::string openssl_signature(const std::string& secret, std::int64_t timestamp,
                              const std::string& payload) {
  const testing::ProcessResult result =
      testing::run_process({"openssl", "dgst", "-sha256", "-hmac", secret, "-r"}, {},
                           std::to_string(timestamp) + "." + payload);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return result.out.substr(0, 64);
}

system_clock::time_point at(std::int64_t unix_seconds) {
  return system_clock::time_point(seconds(unix_seconds));
}

Result<WebhookEvent> verify(const std::string& header, const std::string& payload = kPayload,
                            std::int64_t now = kTimestamp + 10) {
  return verify_webhook(header, payload, Secret(kSecret), seconds(300), at(now));
}

std::string header_with(const std::string& signature) {
  return "t=" + std::to_string(kTimestamp) + ",v1=" + signature;
}

TEST(StripeWebhook, OwnSignatureMatchesOpenssl) {
  EXPECT_EQ(webhook_signature(kSecret, kTimestamp, kPayload),
            openssl_signature(kSecret, kTimestamp, kPayload));
}

TEST(StripeWebhook, ValidSignatureGivesEvent) {
  Result<WebhookEvent> event =
      verify(header_with(openssl_signature(kSecret, kTimestamp, kPayload)));
  ASSERT_TRUE(event.ok()) << event.status().to_string();
  EXPECT_EQ(event->id, "evt_1");
  EXPECT_EQ(event->type, "charge.succeeded");
  EXPECT_EQ(event->api_version, "2024-06-20");
  EXPECT_EQ(event->created, at(1796400000));
  EXPECT_FALSE(event->livemode);
  EXPECT_EQ(event->data_object_json, R"({"amount":2000,"id":"ch_1"})");
  EXPECT_EQ(event->raw_json, kPayload);
}

TEST(StripeWebhook, AnyOfSeveralV1Matches) {
  const std::string good = openssl_signature(kSecret, kTimestamp, kPayload);
  const std::string old = openssl_signature("whsec_old_secret_value_000000", kTimestamp, kPayload);
  const std::string header = "t=" + std::to_string(kTimestamp) + ",v1=" + old + ",v1=" + good +
                             ",v0=" + std::string(64, 'a') + ",x9=whatever";
  EXPECT_TRUE(verify(header).ok()) << verify(header).status().to_string();
}

TEST(StripeWebhook, OnlyV0IsRejected) {
  const std::string header =
      "t=" + std::to_string(kTimestamp) + ",v0=" + openssl_signature(kSecret, kTimestamp, kPayload);
  Result<WebhookEvent> event = verify(header);
  ASSERT_FALSE(event.ok());
  EXPECT_EQ(event.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(event.status().reason(), kNoValidSignature);
}

TEST(StripeWebhook, TamperedPayloadIsRejected) {
  const std::string header = header_with(openssl_signature(kSecret, kTimestamp, kPayload));
  std::string tampered = kPayload;
  tampered.replace(tampered.find("2000"), 4, "9000");
  Result<WebhookEvent> event = verify(header, tampered);
  ASSERT_FALSE(event.ok());
  EXPECT_EQ(event.status().reason(), kNoValidSignature);
  EXPECT_EQ(event.status().message().find(kSecret), std::string::npos);
}

TEST(StripeWebhook, WrongSecretIsRejected) {
  const std::string header =
      header_with(openssl_signature("whsec_another_secret_0000000", kTimestamp, kPayload));
  EXPECT_EQ(verify(header).status().reason(), kNoValidSignature);
}

TEST(StripeWebhook, ToleranceAppliesBothWays) {
  const std::string header = header_with(openssl_signature(kSecret, kTimestamp, kPayload));
  EXPECT_TRUE(verify(header, kPayload, kTimestamp + 300).ok());
  EXPECT_TRUE(verify(header, kPayload, kTimestamp - 300).ok());
  Result<WebhookEvent> late = verify(header, kPayload, kTimestamp + 301);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().reason(), kStaleTimestamp);
  EXPECT_NE(late.status().message().find("301 s"), std::string::npos) << late.status().message();
  Result<WebhookEvent> early = verify(header, kPayload, kTimestamp - 301);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.status().reason(), kStaleTimestamp);
}

TEST(StripeWebhook, MalformedHeadersGiveTheirReasons) {
  const std::string good = openssl_signature(kSecret, kTimestamp, kPayload);
  struct Case {
    std::string header;
    const char* reason;
  };
  for (const Case& c :
       {Case{"", kMalformedSignatureHeader}, Case{"garbage", kMalformedSignatureHeader},
        Case{"t=abc,v1=" + good, kMalformedSignatureHeader},
        Case{"t=1,t=2,v1=" + good, kMalformedSignatureHeader},
        Case{"t=" + std::to_string(kTimestamp) + ",,v1=" + good, kMalformedSignatureHeader},
        Case{"=x,v1=" + good, kMalformedSignatureHeader}, Case{"v1=" + good, kMissingTimestamp},
        Case{"t=" + std::to_string(kTimestamp), kNoValidSignature},
        Case{header_with("zz"), kNoValidSignature},
        Case{header_with(std::string(64, 'A')), kNoValidSignature}}) {
    SCOPED_TRACE(c.header);
    Result<WebhookEvent> event = verify(c.header);
    ASSERT_FALSE(event.ok());
    EXPECT_EQ(event.status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(event.status().reason(), c.reason);
    EXPECT_FALSE(event.status().retryable());
  }
}

TEST(StripeWebhook, SignedNonEventIsMalformed) {
  const std::string payload = R"({"hello":"world"})";
  Result<WebhookEvent> event =
      verify(header_with(openssl_signature(kSecret, kTimestamp, payload)), payload);
  ASSERT_FALSE(event.ok());
  EXPECT_EQ(event.status().reason(), kMalformedEvent);
}

}  // namespace
}  // namespace outbound::stripe
