#include "loader/descriptor_check.h"

#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "outbound/plugin.h"
#include "outbound/version.h"

namespace outbound::loader {
namespace {

ExternalClient* create_nothing(const PluginContext*, Status* status) {
  *status = Status::unimplemented("the test descriptor creates nothing");
  return nullptr;
}

void destroy_nothing(ExternalClient*) {}

outbound_plugin_descriptor_t valid_descriptor() {
  return {OUTBOUND_PLUGIN_MAGIC,
          sizeof(outbound_plugin_descriptor_t),
          OUTBOUND_ABI_MAJOR,
          OUTBOUND_ABI_MINOR,
          "test-plugin",
          "1.0.0",
          "auth",
          OUTBOUND_BUILD_FINGERPRINT,
          &create_nothing,
          &destroy_nothing};
}

TEST(CheckDescriptor, AcceptsValidDescriptor) {
  EXPECT_TRUE(check_descriptor(valid_descriptor(), HostAbi::current()).empty());
}

TEST(CheckDescriptor, RejectsEachBadField) {
  struct Case {
    std::string label;
    std::function<void(outbound_plugin_descriptor_t&)> change;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"magic", [](auto& d) { d.magic = 0x1234; },
       "descriptor magic mismatch: host 0x4f42504c, plugin 0x00001234"},
      {"struct_size", [](auto& d) { d.struct_size = 8; },
       "descriptor struct_size mismatch: host " +
           std::to_string(sizeof(outbound_plugin_descriptor_t)) + ", plugin 8"},
      {"abi_major", [](auto& d) { d.abi_major = OUTBOUND_ABI_MAJOR + 7; },
       "ABI major mismatch: host " + std::to_string(OUTBOUND_ABI_MAJOR) + ", plugin " +
           std::to_string(OUTBOUND_ABI_MAJOR + 7) + "; rebuild the plugin against this SDK"},
      {"abi_minor", [](auto& d) { d.abi_minor = OUTBOUND_ABI_MINOR + 3; },
       "ABI minor mismatch: host " + std::to_string(OUTBOUND_ABI_MINOR) + ", plugin " +
           std::to_string(OUTBOUND_ABI_MINOR + 3)},
      {"null fingerprint", [](auto& d) { d.fingerprint = nullptr; },
       "descriptor fingerprint is null"},
      {"fingerprint", [](auto& d) { d.fingerprint = "compiler=other"; },
       "build fingerprint mismatch: fingerprint field \"compiler\""},
      {"upper-case name", [](auto& d) { d.name = "Test_Plugin"; },
       "descriptor name \"Test_Plugin\" is invalid"},
      {"empty name", [](auto& d) { d.name = ""; }, "descriptor name \"\" is invalid"},
      {"null name", [](auto& d) { d.name = nullptr; }, "descriptor name \"\" is invalid"},
      {"empty version", [](auto& d) { d.version = ""; }, "descriptor version is empty"},
      {"null version", [](auto& d) { d.version = nullptr; }, "descriptor version is empty"},
      {"kind", [](auto& d) { d.kind = "sms"; },
       "descriptor kind \"sms\" is invalid; expected auth, payment or mail"},
      {"null kind", [](auto& d) { d.kind = nullptr; }, "descriptor kind \"\" is invalid"},
      {"null create", [](auto& d) { d.create = nullptr; }, "descriptor create function is null"},
      {"null destroy", [](auto& d) { d.destroy = nullptr; }, "descriptor destroy function is null"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    outbound_plugin_descriptor_t descriptor = valid_descriptor();
    c.change(descriptor);

    const std::vector<std::string> problems = check_descriptor(descriptor, HostAbi::current());

    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].rfind(c.expected, 0), 0u) << problems[0];
  }
}

TEST(CheckDescriptor, AcceptsOlderMinorAndLargerStruct) {
  HostAbi host = HostAbi::current();
  host.abi_minor += 1;
  outbound_plugin_descriptor_t descriptor = valid_descriptor();
  descriptor.struct_size += 16;

  EXPECT_TRUE(check_descriptor(descriptor, host).empty());
}

TEST(CheckDescriptor, StopsAtFirstHandshakeFailure) {
  outbound_plugin_descriptor_t descriptor = valid_descriptor();
  descriptor.abi_major += 1;
  descriptor.fingerprint = "compiler=other";
  descriptor.name = "Bad Name";

  const std::vector<std::string> problems = check_descriptor(descriptor, HostAbi::current());

  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].rfind("ABI major mismatch", 0), 0u) << problems[0];
}

TEST(CheckDescriptor, ReportsEveryBadField) {
  outbound_plugin_descriptor_t descriptor = valid_descriptor();
  descriptor.name = "";
  descriptor.kind = "sms";
  descriptor.destroy = nullptr;

  EXPECT_EQ(check_descriptor(descriptor, HostAbi::current()).size(), 3u);
}

TEST(CompareFingerprints, EqualFingerprintsMatch) {
  EXPECT_TRUE(
      compare_fingerprints("compiler=gcc-12;fmt=90100", "compiler=gcc-12;fmt=90100").empty());
}

TEST(CompareFingerprints, NamesEachDifferentField) {
  const std::vector<FingerprintDifference> differences =
      compare_fingerprints("compiler=gcc-12;stdlib=libstdc++-1;fmt=90100",
                           "compiler=gcc-0.0;stdlib=libstdc++-1;fmt=80000");

  ASSERT_EQ(differences.size(), 2u);
  EXPECT_EQ(differences[0].field, "compiler");
  EXPECT_EQ(differences[0].host_value, "gcc-12");
  EXPECT_EQ(differences[0].plugin_value, "gcc-0.0");
  EXPECT_EQ(differences[1].field, "fmt");
  EXPECT_EQ(differences[1].host_value, "90100");
  EXPECT_EQ(differences[1].plugin_value, "80000");
}

TEST(CompareFingerprints, ReportsFieldsMissingOnEitherSide) {
  const std::vector<FingerprintDifference> differences =
      compare_fingerprints("compiler=gcc-12;spdlog=1.10.0", "compiler=gcc-12;extra=1");

  ASSERT_EQ(differences.size(), 2u);
  EXPECT_EQ(differences[0].field, "spdlog");
  EXPECT_EQ(differences[0].host_value, "1.10.0");
  EXPECT_EQ(differences[0].plugin_value, "(missing)");
  EXPECT_EQ(differences[1].field, "extra");
  EXPECT_EQ(differences[1].host_value, "(missing)");
  EXPECT_EQ(differences[1].plugin_value, "1");
}

TEST(CompareFingerprints, ComparesSegmentWithoutEquals) {
  const std::vector<FingerprintDifference> differences =
      compare_fingerprints("compiler=gcc-12", "garbage");

  ASSERT_EQ(differences.size(), 2u);
  EXPECT_EQ(differences[0].field, "compiler");
  EXPECT_EQ(differences[1].field, "garbage");
  EXPECT_EQ(differences[1].plugin_value, "");
}

}  // namespace
}  // namespace outbound::loader
