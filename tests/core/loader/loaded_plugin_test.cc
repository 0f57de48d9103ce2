#include "loader/plugin_loader.h"

#include <memory>
#include <optional>
#include <string>

#include <dlfcn.h>
#include <gtest/gtest.h>

#include "loader_test_support.h"
#include "outbound/auth.h"

namespace outbound::loader {
namespace {

namespace fs = std::filesystem;
using testing::auth_context;
using testing::fixture_file;
using testing::fixture_folder;
using testing::load_folders;

// Whether the dynamic linker still has `file` mapped in this process.
bool library_is_loaded(const fs::path& file) {
  void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return false;
  ::dlclose(handle);
  return true;
}

// Loads the single plugin of a fixture folder and creates an auth client from it.
Result<std::shared_ptr<ExternalClient>> create_client(const std::string& folder,
                                                      const std::string& name) {
  const Result<PluginCatalog> catalog = load_folders({fixture_folder(folder)});
  if (!catalog.ok()) return catalog.status();
  const std::shared_ptr<const LoadedPlugin> plugin = catalog->find(name);
  if (plugin == nullptr) return Status::not_found("fixture plugin " + name + " not found");
  return plugin->create(auth_context(*plugin));
}

// Returns the token that the client's issue() returns, or the error's text.
std::string issue_token(ExternalClient& client) {
  auto* auth = dynamic_cast<AuthProvider*>(&client);
  if (auth == nullptr) return "(not an AuthProvider)";
  const Result<IssuedToken> issued = auth->issue(CallContext{}, IssueRequest{});
  return issued.ok() ? issued->token : issued.status().to_string();
}

TEST(LoadedPlugin, CreatesWorkingClient) {
  const Result<std::shared_ptr<ExternalClient>> client = create_client("good", "fixture-good");

  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_NE(client.value(), nullptr);
  EXPECT_EQ(client.value()->kind(), ClientKind::kAuth);
  EXPECT_EQ(client.value()->id(), "test-client");
  EXPECT_EQ(client.value()->plugin_name(), "fixture-good");
  EXPECT_EQ(issue_token(*client.value()), "fixture-good");
  EXPECT_TRUE(client.value()->health_check(CallContext{}).ok());
}

TEST(LoadedPlugin, ClientOutlivesCatalogAndLoader) {
  const fs::path file = fixture_file("good", "good.so");
  auto loader = std::make_unique<PluginLoader>(nullptr);
  std::optional<Result<PluginCatalog>> catalog = loader->load({fixture_folder("good")});
  ASSERT_TRUE(catalog->ok()) << catalog->status();
  std::shared_ptr<const LoadedPlugin> plugin = (*catalog)->find("fixture-good");
  ASSERT_NE(plugin, nullptr);
  Result<std::shared_ptr<ExternalClient>> created = plugin->create(auth_context(*plugin));
  ASSERT_TRUE(created.ok()) << created.status();
  std::shared_ptr<ExternalClient> client = std::move(created).value();

  plugin.reset();
  catalog.reset();
  loader.reset();

  EXPECT_TRUE(library_is_loaded(file));
  EXPECT_EQ(issue_token(*client), "fixture-good");
  client.reset();
  EXPECT_FALSE(library_is_loaded(file));
}

TEST(LoadedPlugin, CatalogKeepsLibraryAfterClientDrops) {
  const fs::path file = fixture_file("good", "good.so");
  std::optional<Result<PluginCatalog>> catalog = load_folders({fixture_folder("good")});
  ASSERT_TRUE(catalog->ok()) << catalog->status();
  {
    const std::shared_ptr<const LoadedPlugin> plugin = (*catalog)->find("fixture-good");
    ASSERT_NE(plugin, nullptr);
    const Result<std::shared_ptr<ExternalClient>> client = plugin->create(auth_context(*plugin));
    ASSERT_TRUE(client.ok()) << client.status();
  }

  EXPECT_TRUE(library_is_loaded(file));
  catalog.reset();
  EXPECT_FALSE(library_is_loaded(file));
}

TEST(LoadedPlugin, ThrowInCreateIsInternal) {
  const std::string file = fixture_file("throws_in_create", "throws_in_create.so").string();

  const Result<std::shared_ptr<ExternalClient>> client =
      create_client("throws_in_create", "fixture-throws-in-create");

  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), StatusCode::kInternal);
  EXPECT_EQ(client.status().reason(), "plugin_exception");
  const std::string& message = client.status().message();
  EXPECT_EQ(message.rfind("plugin fixture-throws-in-create (" + file + "): ", 0), 0u) << message;
  EXPECT_NE(message.find("fixture create failure"), std::string::npos) << message;
}

TEST(LoadedPlugin, ThrowInCallIsInternal) {
  const Result<std::shared_ptr<ExternalClient>> client =
      create_client("throws_in_call", "fixture-throws-in-call");
  ASSERT_TRUE(client.ok()) << client.status();
  auto* auth = dynamic_cast<AuthProvider*>(client.value().get());
  ASSERT_NE(auth, nullptr);

  const Result<IssuedToken> issued = auth->issue(CallContext{}, IssueRequest{});
  const Result<VerifiedToken> verified = auth->verify(CallContext{}, VerifyRequest{"token"});

  ASSERT_FALSE(issued.ok());
  EXPECT_EQ(issued.status().code(), StatusCode::kInternal);
  EXPECT_NE(issued.status().message().find("fixture issue failure"), std::string::npos)
      << issued.status().message();
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().code(), StatusCode::kInternal);
  EXPECT_NE(verified.status().message().find("non-standard exception from verify"),
            std::string::npos)
      << verified.status().message();
  EXPECT_TRUE(auth->health_check(CallContext{}).ok());
}

TEST(LoadedPlugin, VersionedFoldersKeepTheirClients) {
  const Result<PluginCatalog> v1 = load_folders({fixture_folder("versioned_v1")});
  ASSERT_TRUE(v1.ok()) << v1.status();
  const std::shared_ptr<const LoadedPlugin> v1_plugin = v1->find("fixture-versioned");
  ASSERT_NE(v1_plugin, nullptr);
  const Result<std::shared_ptr<ExternalClient>> v1_client =
      v1_plugin->create(auth_context(*v1_plugin));
  ASSERT_TRUE(v1_client.ok()) << v1_client.status();
  EXPECT_EQ(v1_plugin->description().version, "1.0.0");
  EXPECT_EQ(issue_token(*v1_client.value()), "v1");

  const Result<PluginCatalog> v2 = load_folders({fixture_folder("versioned_v2")});
  ASSERT_TRUE(v2.ok()) << v2.status();
  const std::shared_ptr<const LoadedPlugin> v2_plugin = v2->find("fixture-versioned");
  ASSERT_NE(v2_plugin, nullptr);
  const Result<std::shared_ptr<ExternalClient>> v2_client =
      v2_plugin->create(auth_context(*v2_plugin));
  ASSERT_TRUE(v2_client.ok()) << v2_client.status();

  EXPECT_EQ(v2_plugin->description().version, "2.0.0");
  EXPECT_EQ(issue_token(*v2_client.value()), "v2");
  EXPECT_EQ(issue_token(*v1_client.value()), "v1");
}

TEST(LoadedPlugin, KindMismatchIsInternal) {
  const Result<PluginCatalog> catalog = load_folders({fixture_folder("good")});
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  const std::shared_ptr<const LoadedPlugin> plugin = catalog->find("fixture-good");
  ASSERT_NE(plugin, nullptr);
  PluginContext context = auth_context(*plugin);
  // The fixture echoes the host's ClientInfo, so its info().kind becomes mail.
  context.client.kind = ClientKind::kMail;

  const Result<std::shared_ptr<ExternalClient>> client = plugin->create(context);

  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), StatusCode::kInternal);
  EXPECT_NE(
      client.status().message().find("created a mail client but the descriptor declares auth"),
      std::string::npos)
      << client.status().message();
}

}  // namespace
}  // namespace outbound::loader
