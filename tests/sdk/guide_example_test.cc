#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "outbound/host.h"
#include "test_support.h"

namespace outbound {
namespace {

TEST(GuideExample, PluginLoadsAndAnswers) {
  testing::TempDir dir;
  const nlohmann::json config = {{"plugin_dirs", {OUTBOUND_ECHO_PLUGIN_DIR}},
                                 {"clients", {{"auth", {{"plugin", "echo-auth"}}}}}};
  testing::write_file(dir / "config.json", config.dump());
  HostOptions options;
  options.config_file = dir / "config.json";
  options.log_level = "off";

  auto host = Host::open(options);
  ASSERT_TRUE(host.ok()) << host.status();
  auto auth = (*host)->auth();
  ASSERT_TRUE(auth.ok()) << auth.status();
  IssueRequest request;
  request.subject = "alice";
  auto issued = (*auth)->issue(CallContext{}, request);
  auto verified = (*auth)->verify(CallContext{}, VerifyRequest{"echo:alice"});

  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->token, "echo:alice");
  EXPECT_EQ(verified.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(verified.status().reason(), auth_reason::kBadSignature);
  EXPECT_EQ((*auth)->plugin_name(), "echo-auth");
}

}  // namespace
}  // namespace outbound
