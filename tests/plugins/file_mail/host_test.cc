// The file-mail plugin loaded by the host from a configuration file, as applications use it.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "file_mail_test_support.h"
#include "mail/message.h"
#include "outbound/host.h"
#include "test_support.h"

namespace outbound {
namespace {

namespace fs = std::filesystem;
using file_mail::testing::kNow;
using file_mail::testing::list_folder;
using file_mail::testing::sample_message;
using nlohmann::json;

class FileMailThroughHost : public ::testing::Test {
 protected:
  // Opens a host whose client "outbox" is the file-mail plugin writing to `directory`.
  Result<std::unique_ptr<Host>> open_host(const json& directory) {
    const json config = {
        {"plugin_dirs", {OUTBOUND_PLUGIN_DIR}},
        {"clients",
         {{"outbox", {{"plugin", "file-mail"}, {"settings", {{"directory", directory}}}}}}}};
    const fs::path path = dir_.path() / "config.json";
    outbound::testing::write_file(path, config.dump(2));
    HostOptions options;
    options.config_file = path;
    options.clock = std::make_shared<file_mail::testing::FixedClock>(kNow);
    options.log_level = "off";
    return Host::open(std::move(options));
  }

  outbound::testing::TempDir dir_;
};

TEST_F(FileMailThroughHost, WritesBuiltMessageBytes) {
  Result<std::unique_ptr<Host>> host = open_host("outbox");
  ASSERT_TRUE(host.ok()) << host.status();
  Result<std::shared_ptr<MailSender>> mail = (*host)->mail("outbox");
  ASSERT_TRUE(mail.ok()) << mail.status();
  EXPECT_EQ((*mail)->plugin_name(), "file-mail");

  const MailMessage message = sample_message();
  // The host keeps a caller's request id, and the plugin mixes it into the generated Message-ID.
  CallContext context;
  context.request_id = "request-for-the-test";
  Result<MailReceipt> receipt = (*mail)->send(context, message);
  ASSERT_TRUE(receipt.ok()) << receipt.status();

  mail::BuildOptions options;
  options.date = kNow;
  options.allow_utf8_addresses = true;
  options.message_id_seed = context.request_id;
  Result<mail::BuiltMessage> expected = mail::build_message(message, options);
  ASSERT_TRUE(expected.ok()) << expected.status();

  const fs::path outbox = dir_.path() / "outbox";
  const std::string base = "20260101T090500.123456Z-" + expected->message_id;
  // Both files and nothing else: no temporary file is left behind.
  EXPECT_EQ(list_folder(outbox), (std::vector<std::string>{base + ".eml", base + ".json"}));
  EXPECT_EQ(outbound::testing::read_file(outbox / (base + ".eml")), expected->bytes);
  const json envelope = json::parse(outbound::testing::read_file(outbox / (base + ".json")));
  EXPECT_EQ(envelope["message_id"], expected->message_id);
  EXPECT_EQ(envelope["rcpt_to"], json(expected->recipients));
  EXPECT_EQ(envelope["size"], expected->bytes.size());
  EXPECT_EQ(receipt->message_id, expected->message_id);
  EXPECT_EQ(receipt->size_octets, expected->bytes.size());
  EXPECT_EQ(receipt->recipients.size(), 3u);
}

TEST_F(FileMailThroughHost, HealthCheckCreatesTheFolder) {
  Result<std::unique_ptr<Host>> host = open_host("health");
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_FALSE(fs::exists(dir_.path() / "health"));
  Result<std::shared_ptr<MailSender>> mail = (*host)->mail();
  ASSERT_TRUE(mail.ok()) << mail.status();
  EXPECT_TRUE((*mail)->health_check({}).ok());
  EXPECT_TRUE(fs::is_directory(dir_.path() / "health"));
}

TEST_F(FileMailThroughHost, BadDirectorySettingFailsToOpen) {
  Result<std::unique_ptr<Host>> host = open_host(7);
  ASSERT_FALSE(host.ok());
  EXPECT_EQ(host.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(host.status().reason(), "configuration");
  EXPECT_EQ(host.status().message(),
            (dir_.path() / "config.json").string() +
                ": /clients/outbox/settings/directory: must be a string, not a JSON number "
                "(plugin file-mail)");
}

TEST_F(FileMailThroughHost, UnusableDirectoryFailsToOpen) {
  outbound::testing::write_file(dir_.path() / "not-a-folder", "x");
  Result<std::unique_ptr<Host>> host = open_host("not-a-folder");
  ASSERT_FALSE(host.ok());
  EXPECT_EQ(host.status().code(), StatusCode::kInvalidArgument);
  const std::string folder = (dir_.path() / "not-a-folder").string();
  EXPECT_EQ(host.status().message(),
            (dir_.path() / "config.json").string() +
                ": /clients/outbox/settings/directory: names " + folder +
                ", which is not a folder; give a folder to write messages to (plugin file-mail)");
}

}  // namespace
}  // namespace outbound
