#include "loader/plugin_loader.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include "loader_test_support.h"
#include "outbound/version.h"

namespace outbound::loader {
namespace {

namespace fs = std::filesystem;
using testing::fixture_file;
using testing::fixture_folder;
using testing::load_folders;
using testing::TempFolder;

// Returns the value of `field` in a fingerprint of `field=value` pairs separated by `;`.
std::string fingerprint_field(const std::string& fingerprint, const std::string& field) {
  const std::string key = field + "=";
  const std::size_t start = fingerprint.find(key);
  if (start == std::string::npos) return "";
  const std::size_t value_start = start + key.size();
  return fingerprint.substr(value_start, fingerprint.find(';', value_start) - value_start);
}

TEST(PluginLoader, LoadsGoodPlugin) {
  const Result<PluginCatalog> catalog = load_folders({fixture_folder("good")});

  ASSERT_TRUE(catalog.ok()) << catalog.status();
  ASSERT_EQ(catalog->plugins().size(), 1u);
  const std::shared_ptr<const LoadedPlugin> plugin = catalog->find("fixture-good");
  ASSERT_NE(plugin, nullptr);
  const PluginDescription& description = plugin->description();
  EXPECT_EQ(description.file, fixture_file("good", "good.so").string());
  EXPECT_EQ(description.name, "fixture-good");
  EXPECT_EQ(description.version, "1.0.0");
  EXPECT_EQ(description.kind, ClientKind::kAuth);
  EXPECT_EQ(description.abi_major, static_cast<std::uint32_t>(OUTBOUND_ABI_MAJOR));
  EXPECT_EQ(description.abi_minor, static_cast<std::uint32_t>(OUTBOUND_ABI_MINOR));
  EXPECT_EQ(description.fingerprint, OUTBOUND_BUILD_FINGERPRINT);
  EXPECT_EQ(catalog->find("fixture-missing"), nullptr);
}

TEST(PluginLoader, RejectsBrokenFixtures) {
  const std::string host_compiler = fingerprint_field(OUTBOUND_BUILD_FINGERPRINT, "compiler");
  struct Case {
    std::string folder;
    std::vector<std::string> reasons;
  };
  const std::vector<Case> cases = {
      {"wrong_major",
       {"ABI major mismatch: host " + std::to_string(OUTBOUND_ABI_MAJOR) + ", plugin " +
            std::to_string(OUTBOUND_ABI_MAJOR + 1),
        "rebuild the plugin against this SDK"}},
      {"newer_minor",
       {"ABI minor mismatch: host " + std::to_string(OUTBOUND_ABI_MINOR) + ", plugin " +
        std::to_string(OUTBOUND_ABI_MINOR + 1)}},
      {"wrong_fingerprint",
       {"fingerprint field \"compiler\": host " + host_compiler + ", plugin gcc-0.0"}},
      {"no_descriptor", {"not an outbound plugin: it does not export outbound_plugin_descriptor"}},
      {"undefined_symbol",
       {"failed to load", "undefined symbol: outbound_fixture_missing_function"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.folder);
    const std::string file = fixture_file(c.folder, c.folder + ".so").string();

    const Result<PluginCatalog> catalog = load_folders({fixture_folder(c.folder)});

    ASSERT_FALSE(catalog.ok());
    EXPECT_EQ(catalog.status().code(), StatusCode::kFailedPrecondition);
    const std::string& message = catalog.status().message();
    EXPECT_EQ(message.rfind(file + ": ", 0), 0u) << message;
    for (const std::string& reason : c.reasons) {
      EXPECT_NE(message.find(reason), std::string::npos) << message;
    }
  }
}

TEST(PluginLoader, RejectsNoDescriptorWithoutRunningIt) {
  TempFolder temp;
  ASSERT_FALSE(temp.path().empty());
  const fs::path marker = temp.path() / "marker";
  ASSERT_EQ(::setenv("OUTBOUND_FIXTURE_MARKER", marker.c_str(), 1), 0);

  const Result<PluginCatalog> catalog = load_folders({fixture_folder("no_descriptor")});
  ::unsetenv("OUTBOUND_FIXTURE_MARKER");

  EXPECT_FALSE(catalog.ok());
  EXPECT_FALSE(fs::exists(marker));
}

// Shows that the marker check above can fail: loading the file does write the marker.
TEST(PluginLoader, NoDescriptorWritesMarkerWhenLoaded) {
  TempFolder temp;
  ASSERT_FALSE(temp.path().empty());
  const fs::path marker = temp.path() / "marker";
  ASSERT_EQ(::setenv("OUTBOUND_FIXTURE_MARKER", marker.c_str(), 1), 0);

  void* handle =
      ::dlopen(fixture_file("no_descriptor", "no_descriptor.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  ::unsetenv("OUTBOUND_FIXTURE_MARKER");

  ASSERT_NE(handle, nullptr) << ::dlerror();
  EXPECT_TRUE(fs::exists(marker));
  ::dlclose(handle);
}

TEST(PluginLoader, RejectsDuplicateNameInOneFolder) {
  const Result<PluginCatalog> catalog = load_folders({fixture_folder("duplicate")});

  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.status().code(), StatusCode::kFailedPrecondition);
  const std::string& message = catalog.status().message();
  EXPECT_NE(message.find("\"fixture-dup\""), std::string::npos) << message;
  EXPECT_NE(message.find(fixture_file("duplicate", "first.so").string()), std::string::npos)
      << message;
  EXPECT_NE(message.find(fixture_file("duplicate", "second.so").string()), std::string::npos)
      << message;
}

TEST(PluginLoader, RejectsDuplicateNameAcrossFolders) {
  const Result<PluginCatalog> catalog =
      load_folders({fixture_folder("versioned_v1"), fixture_folder("versioned_v2")});

  ASSERT_FALSE(catalog.ok());
  const std::string& message = catalog.status().message();
  EXPECT_NE(message.find("\"fixture-versioned\""), std::string::npos) << message;
  EXPECT_NE(message.find(fixture_file("versioned_v1", "versioned.so").string()), std::string::npos)
      << message;
  EXPECT_NE(message.find(fixture_file("versioned_v2", "versioned.so").string()), std::string::npos)
      << message;
}

TEST(PluginLoader, RejectsSymlinkOutsideFolder) {
  TempFolder temp;
  ASSERT_FALSE(temp.path().empty());
  const fs::path link = temp.path() / "escape.so";
  const fs::path target = fixture_file("good", "good.so");
  fs::create_symlink(target, link);

  const Result<PluginCatalog> catalog = load_folders({temp.path()});

  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.status().code(), StatusCode::kFailedPrecondition);
  const std::string& message = catalog.status().message();
  EXPECT_NE(message.find(link.string()), std::string::npos) << message;
  EXPECT_NE(message.find(target.string()), std::string::npos) << message;
  EXPECT_NE(message.find("outside the plugin folder"), std::string::npos) << message;
}

TEST(PluginLoader, LoadsSymlinkInsideFolderOnce) {
  TempFolder temp;
  ASSERT_FALSE(temp.path().empty());
  const fs::path real = temp.path() / "real.so";
  fs::copy_file(fixture_file("good", "good.so"), real);
  fs::create_symlink(real, temp.path() / "alias.so");

  const Result<PluginCatalog> catalog = load_folders({temp.path()});

  ASSERT_TRUE(catalog.ok()) << catalog.status();
  ASSERT_EQ(catalog->plugins().size(), 1u);
  EXPECT_EQ(catalog->plugins().front()->description().file, real.string());
}

TEST(PluginLoader, MissingFolderIsNotFound) {
  TempFolder temp;
  ASSERT_FALSE(temp.path().empty());
  const fs::path missing = temp.path() / "missing";

  const Result<PluginCatalog> catalog = load_folders({missing});

  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.status().code(), StatusCode::kNotFound);
  EXPECT_NE(catalog.status().message().find(missing.string()), std::string::npos)
      << catalog.status().message();
}

TEST(PluginLoader, RejectsRelativeFolder) {
  const Result<PluginCatalog> catalog = load_folders({fs::path("plugins")});

  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(catalog.status().message().find("\"plugins\" is not an absolute path"),
            std::string::npos)
      << catalog.status().message();
}

TEST(PluginLoader, RejectsFileAsFolder) {
  const fs::path file = fixture_file("good", "good.so");

  const Result<PluginCatalog> catalog = load_folders({file});

  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(catalog.status().message().find(file.string() + " is not a folder"), std::string::npos)
      << catalog.status().message();
}

TEST(PluginLoader, RejectsNonElfFile) {
  TempFolder temp;
  ASSERT_FALSE(temp.path().empty());
  const fs::path text_file = temp.path() / "notes.so";
  std::ofstream(text_file) << "this is not a shared library\n";

  const Result<PluginCatalog> catalog = load_folders({temp.path()});

  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.status().code(), StatusCode::kFailedPrecondition);
  const std::string& message = catalog.status().message();
  EXPECT_EQ(message.rfind(text_file.string() + ": ", 0), 0u) << message;
  EXPECT_NE(message.find("not a readable ELF shared library"), std::string::npos) << message;
}

TEST(PluginLoader, RejectsStrippedPlugin) {
  TempFolder temp;
  ASSERT_FALSE(temp.path().empty());
  const fs::path stripped = temp.path() / "stripped.so";
  const std::string command = std::string("'") + OUTBOUND_STRIP + "' -o '" + stripped.string() +
                              "' '" + fixture_file("good", "good.so").string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  const Result<PluginCatalog> catalog = load_folders({temp.path()});

  ASSERT_FALSE(catalog.ok());
  const std::string& message = catalog.status().message();
  EXPECT_EQ(message.rfind(stripped.string() + ": ", 0), 0u) << message;
  EXPECT_NE(message.find("has no ELF symbol table (.symtab)"), std::string::npos) << message;
}

TEST(PluginLoader, IgnoresFilesWithoutSoSuffix) {
  TempFolder temp;
  ASSERT_FALSE(temp.path().empty());
  fs::copy_file(fixture_file("good", "good.so"), temp.path() / "good.so");
  std::ofstream(temp.path() / "README.txt") << "not a plugin\n";
  std::ofstream(temp.path() / "good.so.1") << "not a plugin\n";
  fs::create_directory(temp.path() / "folder.so");
  std::ofstream(temp.path() / "folder.so" / "nested.so") << "not a plugin\n";

  const Result<PluginCatalog> catalog = load_folders({temp.path()});

  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->plugins().size(), 1u);
}

TEST(PluginLoader, EmptyFolderGivesEmptyCatalog) {
  TempFolder temp;
  ASSERT_FALSE(temp.path().empty());

  const Result<PluginCatalog> catalog = load_folders({temp.path()});

  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_TRUE(catalog->plugins().empty());
}

TEST(PluginLoader, ScansRepeatedFolderOnce) {
  const Result<PluginCatalog> catalog =
      load_folders({fixture_folder("good"), fixture_folder("good")});

  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->plugins().size(), 1u);
}

TEST(PluginLoader, ReportsEveryProblemOnItsOwnLine) {
  TempFolder temp;
  ASSERT_FALSE(temp.path().empty());
  const fs::path missing = temp.path() / "missing";

  const Result<PluginCatalog> catalog =
      load_folders({fixture_folder("wrong_major"), missing, fixture_folder("newer_minor")});

  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.status().code(), StatusCode::kFailedPrecondition);
  std::istringstream message(catalog.status().message());
  std::vector<std::string> lines;
  for (std::string line; std::getline(message, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 3u) << catalog.status().message();
  EXPECT_NE(lines[0].find("wrong_major.so: ABI major mismatch"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find(missing.string() + " does not exist"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("newer_minor.so: ABI minor mismatch"), std::string::npos) << lines[2];
}

TEST(PluginLoader, HostFingerprintMismatchNamesField) {
  HostAbi host = HostAbi::current();
  const std::string plugin_compiler = fingerprint_field(host.fingerprint, "compiler");
  host.fingerprint.replace(host.fingerprint.find(plugin_compiler), plugin_compiler.size(),
                           "clang-0.0");

  const Result<PluginCatalog> catalog = load_folders({fixture_folder("good")}, host);

  ASSERT_FALSE(catalog.ok());
  const std::string& message = catalog.status().message();
  EXPECT_EQ(message.rfind(fixture_file("good", "good.so").string() + ": ", 0), 0u) << message;
  EXPECT_NE(
      message.find("fingerprint field \"compiler\": host clang-0.0, plugin " + plugin_compiler),
      std::string::npos)
      << message;
  EXPECT_EQ(message.find("fingerprint field \"stdlib\""), std::string::npos) << message;
}

TEST(PluginLoader, NewerHostMinorAcceptsNewerMinorPlugin) {
  HostAbi host = HostAbi::current();
  host.abi_minor += 1;

  const Result<PluginCatalog> catalog = load_folders({fixture_folder("newer_minor")}, host);

  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_NE(catalog->find("fixture-newer-minor"), nullptr);
}

TEST(PluginLoader, LogsLoadAndRejection) {
  std::ostringstream log;
  auto logger = std::make_shared<spdlog::logger>(
      "loader", std::make_shared<spdlog::sinks::ostream_sink_st>(log));
  logger->set_level(spdlog::level::debug);
  logger->set_pattern("%l %v");
  const PluginLoader loader(logger);

  ASSERT_TRUE(loader.load({fixture_folder("good")}).ok());
  EXPECT_FALSE(loader.load({fixture_folder("wrong_major")}).ok());

  const std::string text = log.str();
  const std::string abi =
      std::to_string(OUTBOUND_ABI_MAJOR) + "." + std::to_string(OUTBOUND_ABI_MINOR);
  EXPECT_NE(text.find("info loaded plugin fixture-good 1.0.0 (auth, ABI " + abi + ") from " +
                      fixture_file("good", "good.so").string()),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("debug " + fixture_file("wrong_major", "wrong_major.so").string()),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace outbound::loader
