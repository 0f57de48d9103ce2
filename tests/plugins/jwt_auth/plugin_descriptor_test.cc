// Loads the built jwt_auth.so the way the host does and drives it through its descriptor.

#include <dlfcn.h>

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "outbound/plugin.h"
#include "test_support.h"

namespace outbound::jwt {
namespace {

struct LibraryCloser {
  void operator()(void* handle) const { dlclose(handle); }
};

PluginContext hs256_context(const std::string& settings_json) {
  PluginContext context;
  context.client.id = "auth";
  context.client.plugin_name = "jwt-auth";
  context.settings_json = settings_json;
  context.secrets.emplace("/signing_key",
                          Secret::copy_of("0123456789abcdefghijklmnopqrstuvwxyzABCD"));
  context.clock = std::make_shared<testing::FixedClock>(testing::at_seconds(1700000000));
  return context;
}

TEST(JwtAuthDescriptor, CreatesClientThroughExportedDescriptor) {
  std::unique_ptr<void, LibraryCloser> library(
      dlopen(OUTBOUND_JWT_AUTH_PLUGIN_FILE, RTLD_NOW | RTLD_LOCAL));
  ASSERT_NE(library, nullptr) << dlerror();
  auto descriptor_fn =
      reinterpret_cast<outbound_plugin_descriptor_fn>(dlsym(library.get(), OUTBOUND_PLUGIN_SYMBOL));
  ASSERT_NE(descriptor_fn, nullptr) << dlerror();
  const outbound_plugin_descriptor_t* descriptor = descriptor_fn();
  ASSERT_NE(descriptor, nullptr);
  EXPECT_EQ(descriptor->magic, OUTBOUND_PLUGIN_MAGIC);
  EXPECT_EQ(descriptor->abi_major, static_cast<std::uint32_t>(OUTBOUND_ABI_MAJOR));
  EXPECT_STREQ(descriptor->name, "jwt-auth");
  EXPECT_STREQ(descriptor->version, "1.0.0");
  EXPECT_STREQ(descriptor->kind, "auth");
  EXPECT_STREQ(descriptor->fingerprint, OUTBOUND_BUILD_FINGERPRINT);

  const PluginContext context =
      hs256_context(R"({"algorithm":"HS256","signing_key":"[REDACTED]","key_id":"k1"})");
  Status status;
  ExternalClient* client = descriptor->create(&context, &status);
  ASSERT_NE(client, nullptr) << status;
  auto* auth = dynamic_cast<AuthProvider*>(client);
  ASSERT_NE(auth, nullptr);

  IssueRequest request;
  request.subject = "user-1";
  Result<IssuedToken> issued = auth->issue(CallContext{}, request);
  ASSERT_TRUE(issued.ok()) << issued.status();
  Result<VerifiedToken> verified = auth->verify(CallContext{}, VerifyRequest{issued->token});
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "user-1");
  descriptor->destroy(client);
}

TEST(JwtAuthDescriptor, CreateReportsSettingsError) {
  std::unique_ptr<void, LibraryCloser> library(
      dlopen(OUTBOUND_JWT_AUTH_PLUGIN_FILE, RTLD_NOW | RTLD_LOCAL));
  ASSERT_NE(library, nullptr) << dlerror();
  auto descriptor_fn =
      reinterpret_cast<outbound_plugin_descriptor_fn>(dlsym(library.get(), OUTBOUND_PLUGIN_SYMBOL));
  ASSERT_NE(descriptor_fn, nullptr) << dlerror();

  const PluginContext context =
      hs256_context(R"({"algorithm":"HS999","signing_key":"[REDACTED]"})");
  Status status;
  ExternalClient* client = descriptor_fn()->create(&context, &status);
  EXPECT_EQ(client, nullptr);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("/algorithm"), std::string::npos) << status;
}

}  // namespace
}  // namespace outbound::jwt
