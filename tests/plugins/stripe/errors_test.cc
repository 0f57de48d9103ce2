#include "stripe/errors.h"

#include <string>

#include <gtest/gtest.h>

namespace outbound::stripe {
namespace {

HttpResponse response(int status, std::string body, HttpHeaders headers = {}) {
  HttpResponse reply;
  reply.status = status;
  reply.body = std::move(body);
  reply.headers = std::move(headers);
  reply.headers.emplace_back("Request-Id", "req_123");
  return reply;
}

Status map(const HttpResponse& reply) {
  return error_from_response(reply, "POST /v1/charges", "sk_test_secretvalue", Clock::system());
}

TEST(StripeErrors, CardErrorIsADeclineWithItsDetails) {
  const Status status = map(response(
      402,
      R"({"error":{"type":"card_error","code":"card_declined","decline_code":)"
      R"("insufficient_funds","param":"source","message":"Your card has insufficient funds."}})"));
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.reason(), "card_declined");
  EXPECT_FALSE(status.retryable());
  EXPECT_EQ(status.provider().code, "card_declined");
  EXPECT_EQ(status.provider().decline_code, "insufficient_funds");
  EXPECT_EQ(status.provider().param, "source");
  EXPECT_EQ(status.provider().request_id, "req_123");
  EXPECT_EQ(status.provider().reply_code, 402);
  EXPECT_NE(status.message().find("Your card has insufficient funds."), std::string::npos);
  EXPECT_NE(status.message().find("req_123"), std::string::npos);
}

struct Case {
  int http_status;
  const char* body;
  HttpHeaders headers;
  StatusCode code;
  bool retryable;
  const char* reason;
};

TEST(StripeErrors, MapsStatusTypeAndCode) {
  const Case cases[] = {
      {400,
       R"({"error":{"type":"invalid_request_error","code":"amount_too_small"}})",
       {},
       StatusCode::kInvalidArgument,
       false,
       "amount_too_small"},
      {400,
       R"({"error":{"type":"invalid_request_error","code":"charge_already_refunded"}})",
       {},
       StatusCode::kFailedPrecondition,
       false,
       "charge_already_refunded"},
      {400,
       R"({"error":{"type":"idempotency_error","message":"Keys for idempotent requests"}})",
       {},
       StatusCode::kFailedPrecondition,
       false,
       "idempotency_error"},
      {400,
       R"({"error":{"type":"invalid_request_error","code":"rate_limit"}})",
       {},
       StatusCode::kResourceExhausted,
       false,
       "rate_limit"},
      {401,
       R"({"error":{"type":"invalid_request_error","message":"Invalid API Key"}})",
       {},
       StatusCode::kUnauthenticated,
       false,
       ""},
      {403,
       R"({"error":{"type":"invalid_request_error","code":"account_invalid"}})",
       {},
       StatusCode::kPermissionDenied,
       false,
       "account_invalid"},
      {404,
       R"({"error":{"type":"invalid_request_error","code":"resource_missing"}})",
       {},
       StatusCode::kNotFound,
       false,
       "resource_missing"},
      {409,
       R"({"error":{"type":"idempotency_error","code":"idempotency_key_in_use"}})",
       {},
       StatusCode::kAborted,
       true,
       "idempotency_key_in_use"},
      {409,
       R"({"error":{"type":"invalid_request_error","code":"lock_timeout"}})",
       {},
       StatusCode::kAborted,
       true,
       "lock_timeout"},
      {429,
       R"({"error":{"type":"rate_limit_error","code":"rate_limit"}})",
       {},
       StatusCode::kResourceExhausted,
       false,
       "rate_limit"},
      {429,
       R"({"error":{"type":"invalid_request_error","code":"lock_timeout"}})",
       {},
       StatusCode::kAborted,
       true,
       "lock_timeout"},
      {500,
       R"({"error":{"type":"api_error","message":"An unknown error occurred"}})",
       {},
       StatusCode::kUnavailable,
       true,
       ""},
      {503, "", {}, StatusCode::kUnavailable, true, "unexpected_response"},
      {500,
       R"({"error":{"type":"api_error"}})",
       {{"Stripe-Should-Retry", "false"}},
       StatusCode::kUnavailable,
       false,
       ""},
      {400,
       R"({"error":{"type":"invalid_request_error"}})",
       {{"Stripe-Should-Retry", "true"}},
       StatusCode::kInvalidArgument,
       true,
       ""},
      {429,
       R"({"error":{"type":"rate_limit_error"}})",
       {{"Stripe-Should-Retry", "true"}},
       StatusCode::kResourceExhausted,
       true,
       ""},
  };
  for (const Case& c : cases) {
    const Status status = map(response(c.http_status, c.body, c.headers));
    SCOPED_TRACE(std::to_string(c.http_status) + " " + c.body);
    EXPECT_EQ(status.code(), c.code) << status;
    EXPECT_EQ(status.retryable(), c.retryable);
    EXPECT_EQ(status.reason(), c.reason);
    EXPECT_EQ(status.provider().request_id, "req_123");
  }
}

TEST(StripeErrors, BodyThatIsNotStripesJsonIsStillClear) {
  const Status status = map(response(
      500, R"({"message":"Unexpected error: Unhandled source token 'tok_bogus'","stack":"x"})"));
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(status.reason(), "unexpected_response");
  EXPECT_NE(status.message().find("not Stripe's error JSON"), std::string::npos);
  EXPECT_NE(status.message().find("tok_bogus"), std::string::npos);

  const Status html = map(response(502, "<html>\n<body>Bad Gateway</body></html>"));
  EXPECT_NE(html.message().find("<html> <body>Bad Gateway"), std::string::npos) << html;
}

TEST(StripeErrors, NeverQuotesTheApiKey) {
  const Status status = map(response(
      401,
      R"({"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_secretvalue"}})"));
  EXPECT_EQ(status.message().find("sk_test_secretvalue"), std::string::npos) << status;
  EXPECT_NE(status.message().find("[REDACTED]"), std::string::npos) << status;
  const Status raw = map(response(500, "echo sk_test_secretvalue"));
  EXPECT_EQ(raw.message().find("sk_test_secretvalue"), std::string::npos) << raw;
}

TEST(StripeErrors, KeepsRetryAfterOnRetriedErrors) {
  const Status status =
      map(response(503, R"({"error":{"type":"api_error"}})", {{"Retry-After", "2"}}));
  ASSERT_TRUE(status.retry_after().has_value());
  EXPECT_EQ(*status.retry_after(), std::chrono::seconds(2));
}

}  // namespace
}  // namespace outbound::stripe
