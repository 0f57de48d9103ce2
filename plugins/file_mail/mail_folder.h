#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "outbound/status.h"

namespace outbound::file_mail {

/// WrittenMessage names the two files MailFolder::write created.
struct WrittenMessage {
  std::filesystem::path eml;
  std::filesystem::path json;
};

/// MailFolder is the folder the `file-mail` plugin writes messages into. An error message names
/// the `/directory` setting, the path and the system's reason. The code is kFailedPrecondition
/// with reason "directory_unusable" when the folder cannot be used as configured (no
/// permission, a read-only file system, a path through a file), and kUnavailable with reason
/// "write_failed" for failures that may pass (a full disk, an I/O error).
///
/// Thread safety: every method may be called from several threads and processes at once.
class MailFolder {
 public:
  explicit MailFolder(std::filesystem::path directory) : directory_(std::move(directory)) {}

  const std::filesystem::path& path() const { return directory_; }

  /// Returns why the folder cannot be used, as the problem text of the `directory` setting
  /// with its fix, or nullopt when it can. An existing folder must let this process create a
  /// file in it. A missing folder is created later by ensure(), so its nearest existing parent
  /// must be a folder that a folder can be created in. Both are probed by creating and removing
  /// a hidden file or folder, which also catches read-only mounts and /proc for root.
  std::optional<std::string> find_setting_problem() const;

  /// Creates the folder, and any missing parent, with mode 0700 when it does not exist, and
  /// checks that it is a folder.
  Status ensure() const;

  /// Checks that a file can be created in the folder, by creating and removing a temporary
  /// one. Unlike access(2), this also holds for root and for read-only mounts.
  Status check_writable() const;

  /// Writes `eml` as <base>.eml and then `json` as <base>.json, each to a hidden temporary file
  /// in the folder that is flushed to disk (fsync) and then linked under its final name, which
  /// never replaces an existing file: when <base>.eml or <base>.json exists, "-2", "-3", ...
  /// is added to the base name. The .json appears last, so a reader that waits for it finds
  /// the whole .eml beside it. The folder is flushed afterwards, best effort. On failure no
  /// final file and no temporary file is left.
  Result<WrittenMessage> write(std::string_view base, std::string_view eml,
                               std::string_view json) const;

 private:
  Status error(const std::string& action, const std::filesystem::path& path, int error) const;
  /// Writes `content` to a new hidden temporary file in the folder and flushes it.
  Result<std::filesystem::path> write_temporary(std::string_view content) const;

  std::filesystem::path directory_;
};

}  // namespace outbound::file_mail
