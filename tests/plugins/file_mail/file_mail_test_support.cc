#include "file_mail_test_support.h"

#include <algorithm>

namespace outbound::file_mail::testing {

std::vector<std::string> list_folder(const std::filesystem::path& folder) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

MailMessage sample_message() {
  MailMessage message;
  message.from = {"sender@example.com", "Sender"};
  message.to = {{"alice@example.org", "Alice"}};
  message.cc = {{"bob@example.org", ""}};
  message.bcc = {{"audit@example.net", ""}};
  message.subject = "Grüße";
  message.text_body = "first\n.\nlast\n";
  message.attachments = {{"data.bin", "", std::string("\0\1\2", 3), ""}};
  return message;
}

}  // namespace outbound::file_mail::testing
