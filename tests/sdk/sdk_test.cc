#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "outbound/plugin.h"
#include "outbound/secret.h"
#include "outbound/status.h"

namespace outbound {
namespace {

TEST(Secret, FormatsAsRedactedEverywhere) {
  const Secret secret(std::string("hunter2-canary"));

  std::ostringstream stream;
  stream << secret;

  EXPECT_EQ(fmt::format("{}", secret), "[REDACTED]");
  EXPECT_EQ(fmt::format("{:>12}", secret), "  [REDACTED]");
  EXPECT_EQ(stream.str(), "[REDACTED]");
  EXPECT_EQ(secret.expose(), "hunter2-canary");
}

TEST(Secret, ConstructorWipesTheSourceString) {
  std::string source = "wipe-me-please-0123456789";

  const Secret secret(std::move(source));

  EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move): checking the wipe
  EXPECT_EQ(secret.expose(), "wipe-me-please-0123456789");
}

TEST(Secret, MoveLeavesTheSourceEmpty) {
  Secret first(std::string("moved-value"));

  Secret second(std::move(first));

  EXPECT_TRUE(first.empty());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_EQ(second.expose(), "moved-value");
}

TEST(Secret, CloneIsIndependentAndEqual) {
  const Secret original(std::string("clone-me"));

  const Secret copy = original.clone();

  EXPECT_TRUE(copy.equals(original));
  EXPECT_NE(copy.expose().data(), original.expose().data());
  EXPECT_FALSE(copy.equals(Secret(std::string("clone-mf"))));
  EXPECT_FALSE(copy.equals(Secret(std::string("clone-me-longer"))));
}

TEST(SecureWipe, ClearsWholeCapacity) {
  std::string value = "a fairly long value that does not fit the small string buffer";
  const char* data = value.data();
  const std::size_t size = value.size();

  secure_wipe(value);

  EXPECT_TRUE(value.empty());
  for (std::size_t i = 0; i < size; ++i) EXPECT_EQ(data[i], '\0') << "at " << i;
}

TEST(Status, DefaultIsOkAndCheap) {
  const Status status;

  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kOk);
  EXPECT_FALSE(status.retryable());
}

TEST(Status, CodeNamesRoundTrip) {
  const std::vector<std::pair<StatusCode, const char*>> cases = {
      {StatusCode::kOk, "ok"},
      {StatusCode::kInvalidArgument, "invalid_argument"},
      {StatusCode::kDeadlineExceeded, "deadline_exceeded"},
      {StatusCode::kNotFound, "not_found"},
      {StatusCode::kAlreadyExists, "already_exists"},
      {StatusCode::kPermissionDenied, "permission_denied"},
      {StatusCode::kResourceExhausted, "resource_exhausted"},
      {StatusCode::kFailedPrecondition, "failed_precondition"},
      {StatusCode::kAborted, "aborted"},
      {StatusCode::kUnimplemented, "unimplemented"},
      {StatusCode::kInternal, "internal"},
      {StatusCode::kUnavailable, "unavailable"},
      {StatusCode::kUnauthenticated, "unauthenticated"},
  };
  for (const auto& [code, name] : cases) {
    SCOPED_TRACE(name);
    EXPECT_EQ(status_code_name(code), name);
    EXPECT_EQ(parse_status_code(name), code);
  }
  EXPECT_EQ(parse_status_code("bogus"), std::nullopt);
}

TEST(Status, RetryableDefaultsFollowTheCode) {
  EXPECT_TRUE(Status::unavailable("x").retryable());
  EXPECT_TRUE(Status::deadline_exceeded("x").retryable());
  EXPECT_TRUE(Status::resource_exhausted("x").retryable());
  EXPECT_TRUE(Status::aborted("x").retryable());
  EXPECT_FALSE(Status::invalid_argument("x").retryable());
  EXPECT_FALSE(Status::unauthenticated("x").retryable());
  EXPECT_FALSE(Status::unavailable("x").set_retryable(false).retryable());
}

TEST(Status, WithContextKeepsCodeAndReason) {
  Status status = Status::unauthenticated("token expired");
  status.set_reason("expired");

  const Status wrapped = status.with_context("client 'auth'");

  EXPECT_EQ(wrapped.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(wrapped.reason(), "expired");
  EXPECT_EQ(wrapped.message(), "client 'auth': token expired");
}

TEST(Result, OkStatusWithoutValueBecomesInternal) {
  const Result<int> result{Status()};

  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInternal);
}

TEST(Result, HoldsValue) {
  const Result<std::string> result(std::string("value"));

  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, "value");
  EXPECT_TRUE(result.status().ok());
}

class ThrowingAuth : public AuthProvider {
 public:
  ThrowingAuth() { info_.plugin_name = "thrower"; }
  const ClientInfo& info() const override { return info_; }
  Status health_check(const CallContext&) override { throw std::runtime_error("health boom"); }
  void close() override { throw std::runtime_error("close boom"); }
  Result<IssuedToken> issue(const CallContext&, const IssueRequest&) override {
    throw std::runtime_error("issue boom");
  }
  Result<VerifiedToken> verify(const CallContext&, const VerifyRequest&) override { throw 42; }

  static Result<std::unique_ptr<ThrowingAuth>> create(const PluginContext&) {
    return std::make_unique<ThrowingAuth>();
  }

 private:
  ClientInfo info_;
};

class FailingCreate : public ThrowingAuth {
 public:
  static Result<std::unique_ptr<FailingCreate>> create(const PluginContext&) {
    throw std::logic_error("create boom");
  }
};

TEST(PluginGuard, ExceptionsBecomeInternalStatus) {
  PluginContext context;
  Status status;
  ExternalClient* raw = plugin_detail::create_client<ThrowingAuth>(&context, &status);
  ASSERT_NE(raw, nullptr) << status;
  auto* auth = dynamic_cast<AuthProvider*>(raw);
  ASSERT_NE(auth, nullptr);

  const auto issued = auth->issue(CallContext{}, IssueRequest{});
  const auto verified = auth->verify(CallContext{}, VerifyRequest{});
  const Status health = auth->health_check(CallContext{});
  auth->close();

  EXPECT_EQ(issued.status().code(), StatusCode::kInternal);
  EXPECT_NE(issued.status().message().find("issue boom"), std::string::npos);
  EXPECT_EQ(issued.status().reason(), "plugin_exception");
  EXPECT_EQ(verified.status().code(), StatusCode::kInternal);
  EXPECT_NE(verified.status().message().find("non-standard exception"), std::string::npos);
  EXPECT_EQ(health.code(), StatusCode::kInternal);
  plugin_detail::destroy_client(raw);
}

TEST(PluginGuard, CreateExceptionBecomesStatus) {
  PluginContext context;
  Status status;

  ExternalClient* raw = plugin_detail::create_client<FailingCreate>(&context, &status);

  EXPECT_EQ(raw, nullptr);
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_NE(status.message().find("create boom"), std::string::npos);
}

TEST(PluginContext, SecretSettingPrefersResolvedSecrets) {
  PluginContext context;
  context.settings_json = R"({"api_key":"[REDACTED]","password":"literal-pw","port":25})";
  context.secrets.emplace("/api_key", Secret(std::string("from-reference")));

  EXPECT_EQ(context.secret_setting("/api_key")->expose(), "from-reference");
  EXPECT_EQ(context.secret_setting("/password")->expose(), "literal-pw");
  EXPECT_EQ(context.secret_setting("/missing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(context.secret_setting("/port").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace outbound
