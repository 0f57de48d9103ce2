// FileMailSender on its own: the files it writes, their names, atomic creation, the folder
// problems found at create, and the reasons of errors at send time.

#include "file_mail/file_mail_sender.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "file_mail_test_support.h"
#include "mail/message.h"
#include "test_support.h"

namespace outbound::file_mail {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::kNow;
using testing::list_folder;
using testing::sample_message;

class FileMailSenderTest : public ::testing::Test {
 protected:
  // Creates a sender for `directory`, relative to the test's folder.
  Result<std::unique_ptr<FileMailSender>> create(const std::string& directory) {
    PluginContext context;
    context.client.id = "outbox";
    context.client.kind = ClientKind::kMail;
    context.client.plugin_name = "file-mail";
    context.settings_json = json{{"directory", directory}}.dump();
    context.base_directory = dir_.path().string();
    context.clock = std::make_shared<testing::FixedClock>(kNow);
    return FileMailSender::create(context);
  }

  std::unique_ptr<FileMailSender> make_sender(const std::string& directory) {
    Result<std::unique_ptr<FileMailSender>> sender = create(directory);
    EXPECT_TRUE(sender.ok()) << sender.status();
    return sender.ok() ? std::move(sender).value() : nullptr;
  }

  // Returns the one problem of `directory` that create() reports.
  std::string directory_problem(const std::string& directory) {
    Result<std::unique_ptr<FileMailSender>> sender = create(directory);
    EXPECT_FALSE(sender.ok());
    if (sender.ok()) return "";
    EXPECT_EQ(sender.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(sender.status().reason(), "invalid_settings");
    const std::string prefix = "/directory: ";
    EXPECT_EQ(sender.status().message().rfind(prefix, 0), 0u) << sender.status().message();
    EXPECT_EQ(sender.status().message().find('\n'), std::string::npos) << sender.status().message();
    return sender.status().message().substr(prefix.size());
  }

  static CallContext in_time() {
    CallContext context;
    context.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    return context;
  }

  static mail::BuiltMessage expected_build(const MailMessage& message) {
    mail::BuildOptions options;
    options.date = kNow;
    options.allow_utf8_addresses = true;
    Result<mail::BuiltMessage> built = mail::build_message(message, options);
    EXPECT_TRUE(built.ok()) << built.status();
    return built.ok() ? std::move(built).value() : mail::BuiltMessage{};
  }

  outbound::testing::TempDir dir_;
};

TEST_F(FileMailSenderTest, WritesEmlAndJsonEnvelope) {
  auto sender = make_sender("out");
  ASSERT_TRUE(sender);
  const MailMessage message = sample_message();
  Result<MailReceipt> receipt = sender->send(in_time(), message);
  ASSERT_TRUE(receipt.ok()) << receipt.status();

  const mail::BuiltMessage expected = expected_build(message);
  const fs::path folder = dir_.path() / "out";
  const std::string base = "20260101T090500.123456Z-" + expected.message_id;
  EXPECT_EQ(list_folder(folder), (std::vector<std::string>{base + ".eml", base + ".json"}));
  EXPECT_EQ(outbound::testing::read_file(folder / (base + ".eml")), expected.bytes);

  const json envelope = json::parse(outbound::testing::read_file(folder / (base + ".json")));
  EXPECT_EQ(envelope,
            (json{{"message_id", expected.message_id},
                  {"mail_from", "sender@example.com"},
                  {"rcpt_to", {"alice@example.org", "bob@example.org", "audit@example.net"}},
                  {"size", expected.bytes.size()},
                  {"created", "2026-01-01T09:05:00.123456Z"}}));

  EXPECT_EQ(receipt->message_id, expected.message_id);
  EXPECT_EQ(receipt->size_octets, expected.bytes.size());
  const std::string reply = "written to " + (folder / (base + ".eml")).string();
  EXPECT_EQ(receipt->server_reply, reply);
  ASSERT_EQ(receipt->recipients.size(), 3u);
  for (const RecipientResult& recipient : receipt->recipients) {
    EXPECT_TRUE(recipient.accepted);
    EXPECT_EQ(recipient.reply_code, 250);
    EXPECT_EQ(recipient.reply, "written");
  }
  EXPECT_EQ(receipt->recipients[2].address, "audit@example.net");
}

TEST_F(FileMailSenderTest, CreatesMissingFoldersPrivate) {
  auto sender = make_sender("a/b/c");
  ASSERT_TRUE(sender);
  ASSERT_TRUE(sender->send(in_time(), sample_message()).ok());
  for (const fs::path& folder :
       std::vector<fs::path>{dir_.path() / "a", dir_.path() / "a/b", dir_.path() / "a/b/c"}) {
    struct stat info {};
    ASSERT_EQ(::stat(folder.c_str(), &info), 0) << folder;
    EXPECT_TRUE(S_ISDIR(info.st_mode));
    EXPECT_EQ(info.st_mode & 0777, 0700u) << folder;
  }
  for (const std::string& name : list_folder(dir_.path() / "a/b/c")) {
    struct stat info {};
    ASSERT_EQ(::stat((dir_.path() / "a/b/c" / name).c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u) << name;
  }
}

TEST_F(FileMailSenderTest, SameNameGetsASuffix) {
  auto sender = make_sender("out");
  ASSERT_TRUE(sender);
  MailMessage message = sample_message();
  message.message_id = "same@example.com";
  // The clock is fixed, so all three have the same stamp and Message-ID.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(sender->send(in_time(), message).ok());
  const std::string base = "20260101T090500.123456Z-same@example.com";
  EXPECT_EQ(list_folder(dir_.path() / "out"),
            (std::vector<std::string>{base + "-2.eml", base + "-2.json", base + "-3.eml",
                                      base + "-3.json", base + ".eml", base + ".json"}));
}

TEST_F(FileMailSenderTest, SanitisesMessageIdInFileName) {
  auto sender = make_sender("out");
  ASSERT_TRUE(sender);
  MailMessage message = sample_message();
  message.message_id = "a/b!c#d$e%f@[192.0.2.1]";
  ASSERT_TRUE(sender->send(in_time(), message).ok());
  const std::string base = "20260101T090500.123456Z-a_b_c_d_e_f@_192.0.2.1_";
  EXPECT_EQ(list_folder(dir_.path() / "out"),
            (std::vector<std::string>{base + ".eml", base + ".json"}));
}

TEST_F(FileMailSenderTest, ParallelSendsEachGetTheirFiles) {
  auto sender = make_sender("out");
  ASSERT_TRUE(sender);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      MailMessage message = sample_message();
      message.message_id = "same@example.com";
      for (int i = 0; i < kPerThread; ++i) {
        if (!sender->send(in_time(), message).ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  const std::vector<std::string> names = list_folder(dir_.path() / "out");
  EXPECT_EQ(names.size(), 2u * kThreads * kPerThread);
  for (const std::string& name : names) EXPECT_NE(name[0], '.') << "temporary file left: " << name;
}

TEST_F(FileMailSenderTest, InvalidMessageWritesNothing) {
  auto sender = make_sender("out");
  ASSERT_TRUE(sender);
  MailMessage message = sample_message();
  message.subject = "evil\r\nBcc: x@example.com";
  Result<MailReceipt> receipt = sender->send(in_time(), message);
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(receipt.status().reason(), "invalid_header");
  EXPECT_TRUE(list_folder(dir_.path() / "out").empty());
}

TEST_F(FileMailSenderTest, AcceptsUtf8Addresses) {
  auto sender = make_sender("out");
  ASSERT_TRUE(sender);
  MailMessage message = sample_message();
  message.to = {{"jöran@bücher.example", "Jöran"}};
  Result<MailReceipt> receipt = sender->send(in_time(), message);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(receipt->recipients[0].address, "jöran@bücher.example");
}

TEST_F(FileMailSenderTest, PassedDeadlineWritesNothing) {
  auto sender = make_sender("out");
  ASSERT_TRUE(sender);
  CallContext late;
  late.deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
  Result<MailReceipt> receipt = sender->send(late, sample_message());
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(receipt.status().reason(), "timeout");
  EXPECT_FALSE(fs::exists(dir_.path() / "out"));

  CallContext attempt_late = in_time();
  attempt_late.attempt_deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
  EXPECT_EQ(sender->send(attempt_late, sample_message()).status().code(),
            StatusCode::kDeadlineExceeded);
  EXPECT_EQ(sender->health_check(late).code(), StatusCode::kDeadlineExceeded);
}

TEST_F(FileMailSenderTest, ClosedSenderRejectsCalls) {
  auto sender = make_sender("out");
  ASSERT_TRUE(sender);
  sender->close();
  sender->close();
  const Status sent = sender->send(in_time(), sample_message()).status();
  EXPECT_EQ(sent.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(sent.reason(), "closed");
  const Status health = sender->health_check(in_time());
  EXPECT_EQ(health.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(health.reason(), "closed");
}

TEST_F(FileMailSenderTest, CreateTouchesNoFile) {
  auto sender = make_sender("not-yet");
  ASSERT_TRUE(sender);
  EXPECT_FALSE(fs::exists(dir_.path() / "not-yet"));
  EXPECT_TRUE(sender->health_check(in_time()).ok());
  EXPECT_TRUE(fs::is_directory(dir_.path() / "not-yet"));
  EXPECT_TRUE(list_folder(dir_.path() / "not-yet").empty());
}

TEST_F(FileMailSenderTest, FolderThatIsAFileFailsCreate) {
  const fs::path file = dir_.path() / "plain-file";
  outbound::testing::write_file(file, "x");
  EXPECT_EQ(
      directory_problem("plain-file"),
      "names " + file.string() + ", which is not a folder; give a folder to write messages to");
  for (const char* below : {"plain-file/sub", "plain-file/a/b"}) {
    SCOPED_TRACE(below);
    EXPECT_EQ(directory_problem(below), "names " + (dir_.path() / below).string() +
                                            ", which cannot be created because " + file.string() +
                                            " is not a folder; give another path");
  }
}

TEST_F(FileMailSenderTest, UnwritableFolderFailsCreate) {
  // /proc exists and is a folder, but no file or folder can be created in it, even by root.
  const std::string proc_problem = directory_problem("/proc");
  EXPECT_EQ(proc_problem.rfind("names /proc, in which this process cannot create a file: ", 0), 0u)
      << proc_problem;
  EXPECT_NE(proc_problem.find("; give a folder this process may write to"), std::string::npos);

  const std::string missing_problem = directory_problem("/proc/outbound-missing/mail");
  EXPECT_EQ(missing_problem.rfind("names /proc/outbound-missing/mail, which does not exist and "
                                  "cannot be created in /proc: ",
                                  0),
            0u)
      << missing_problem;
  EXPECT_NE(missing_problem.find("; create the folder, or give one this process may write to"),
            std::string::npos);

  // Permission bits stop only other users: root writes into a 0500 folder.
  if (::geteuid() != 0) {
    const fs::path read_only = dir_.path() / "read-only";
    fs::create_directory(read_only);
    fs::permissions(read_only, fs::perms::owner_read | fs::perms::owner_exec);
    EXPECT_NE(directory_problem("read-only").find("Permission denied"), std::string::npos);
    EXPECT_NE(directory_problem("read-only/sub").find("cannot be created in"), std::string::npos);
    fs::permissions(read_only, fs::perms::owner_all);
  }
  // The probes leave nothing behind.
  EXPECT_TRUE(list_folder(dir_.path()).empty());
}

TEST_F(FileMailSenderTest, FolderBrokenAfterCreateFailsTheSend) {
  auto sender = make_sender("out");
  ASSERT_TRUE(sender);
  ASSERT_TRUE(sender->send(in_time(), sample_message()).ok());
  const fs::path folder = dir_.path() / "out";
  fs::remove_all(folder);
  outbound::testing::write_file(folder, "x");

  Result<MailReceipt> receipt = sender->send(in_time(), sample_message());
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(receipt.status().reason(), "directory_unusable");
  EXPECT_FALSE(receipt.status().retryable());
  EXPECT_NE(
      receipt.status().message().find("file-mail setting /directory (" + folder.string() + ")"),
      std::string::npos)
      << receipt.status().message();
  EXPECT_NE(receipt.status().message().find("Not a directory"), std::string::npos)
      << receipt.status().message();

  const Status health = sender->health_check(in_time());
  EXPECT_EQ(health.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(health.reason(), "directory_unusable");
}

TEST_F(FileMailSenderTest, RemovedFolderIsCreatedAgain) {
  auto sender = make_sender("out");
  ASSERT_TRUE(sender);
  ASSERT_TRUE(sender->send(in_time(), sample_message()).ok());
  fs::remove_all(dir_.path() / "out");
  Result<MailReceipt> receipt = sender->send(in_time(), sample_message());
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(list_folder(dir_.path() / "out").size(), 2u);
}

TEST_F(FileMailSenderTest, EveryNameTakenIsAWriteFailure) {
  auto sender = make_sender("out");
  ASSERT_TRUE(sender);
  MailMessage message = sample_message();
  message.message_id = "same@example.com";
  const fs::path folder = dir_.path() / "out";
  const std::string base = "20260101T090500.123456Z-same@example.com";
  fs::create_directory(folder);
  outbound::testing::write_file(folder / (base + ".eml"), "");
  for (int attempt = 2; attempt <= 1000; ++attempt) {
    outbound::testing::write_file(folder / (base + "-" + std::to_string(attempt) + ".eml"), "");
  }

  Result<MailReceipt> receipt = sender->send(in_time(), message);
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(receipt.status().reason(), "write_failed");
  EXPECT_NE(receipt.status().message().find(folder.string()), std::string::npos)
      << receipt.status().message();
  EXPECT_EQ(list_folder(folder).size(), 1000u) << "a temporary file was left behind";
}

}  // namespace
}  // namespace outbound::file_mail
