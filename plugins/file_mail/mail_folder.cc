#include "file_mail/mail_folder.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "file_mail/reasons.h"

namespace outbound::file_mail {
namespace {

namespace fs = std::filesystem;

// The temporary files start with a dot, so a reader that lists "*.json" or "*.eml" skips them.
constexpr const char* kTemporaryTemplate = ".file-mail-XXXXXX";

// The most "-N" suffixes write() tries before it gives up; reached only when that many
// messages share one name in the same microsecond.
constexpr int kMaxNameAttempts = 1000;

// Errors that mean the folder cannot be used as configured, so a retry cannot help.
bool configuration_error(int error) {
  return error == EACCES || error == EPERM || error == EROFS || error == ENOTDIR ||
         error == EEXIST || error == ENOENT || error == ENAMETOOLONG || error == ELOOP;
}

// An open file descriptor, closed on destruction.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  // Closes now, so that an error from close(2), which can report a failed write, is seen.
  int close() {
    const int result = ::close(fd_);
    fd_ = -1;
    return result;
  }

 private:
  int fd_;
};

bool write_all(int fd, std::string_view content) {
  while (!content.empty()) {
    const ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    content.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

// Links `from` as `to` unless `to` exists. Returns 0, or the errno value (EEXIST when `to`
// exists).
int link_new(const fs::path& from, const fs::path& to) {
  if (::link(from.c_str(), to.c_str()) == 0) return 0;
  const int error = errno;
  if (error != EPERM && error != ENOTSUP && error != EOPNOTSUPP) return error;
  // A file system without hard links: rename after a check, which two writers of the same
  // name could race past. Names carry the time to the microsecond, so that needs two
  // messages with one Message-ID written in the same microsecond.
  struct stat existing;
  if (::lstat(to.c_str(), &existing) == 0) return EEXIST;
  if (::rename(from.c_str(), to.c_str()) != 0) return errno;
  return 0;
}

// Creates and removes an empty hidden file in `folder`. Returns 0, or the errno value of the
// failed creation.
int probe_file(const fs::path& folder) {
  std::string name = (folder / kTemporaryTemplate).string();
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return errno;
  ::close(fd);
  ::unlink(name.c_str());
  return 0;
}

// Creates and removes an empty hidden folder in `folder`. Returns 0, or the errno value of the
// failed creation.
int probe_folder(const fs::path& folder) {
  std::string name = (folder / kTemporaryTemplate).string();
  if (::mkdtemp(name.data()) == nullptr) return errno;
  ::rmdir(name.c_str());
  return 0;
}

}  // namespace

Status MailFolder::error(const std::string& action, const fs::path& path, int error) const {
  std::string message = "file-mail setting /directory (" + directory_.string() + "): cannot " +
                        action + " " + path.string() + ": " + std::strerror(error);
  if (error == EACCES || error == EPERM || error == EROFS) {
    message += "; give a folder this process may write to";
  }
  if (configuration_error(error)) {
    return Status::failed_precondition(std::move(message)).set_reason(reason::kDirectoryUnusable);
  }
  return Status::unavailable(std::move(message)).set_reason(reason::kWriteFailed);
}

std::optional<std::string> MailFolder::find_setting_problem() const {
  const std::string named = "names " + directory_.string();
  struct stat info;
  if (::stat(directory_.c_str(), &info) == 0) {
    if (!S_ISDIR(info.st_mode)) {
      return named + ", which is not a folder; give a folder to write messages to";
    }
    if (const int failure = probe_file(directory_); failure != 0) {
      return named + ", in which this process cannot create a file: " + std::strerror(failure) +
             "; give a folder this process may write to";
    }
    return std::nullopt;
  }
  if (const int failure = errno; failure != ENOENT && failure != ENOTDIR) {
    return named + ", which cannot be checked: " + std::strerror(failure) +
           "; give a folder this process may write to";
  }

  // The folder is missing and ensure() creates it later, so its nearest existing parent must
  // be a folder that a folder can be created in.
  fs::path parent = directory_.parent_path();
  while (::stat(parent.c_str(), &info) != 0) {
    const int failure = errno;
    if ((failure != ENOENT && failure != ENOTDIR) || !parent.has_relative_path()) {
      return named + ", which does not exist, and its parent " + parent.string() +
             " cannot be checked: " + std::strerror(failure) +
             "; create the folder, or give one this process may write to";
    }
    parent = parent.parent_path();
  }
  if (!S_ISDIR(info.st_mode)) {
    return named + ", which cannot be created because " + parent.string() +
           " is not a folder; give another path";
  }
  if (const int failure = probe_folder(parent); failure != 0) {
    return named + ", which does not exist and cannot be created in " + parent.string() + ": " +
           std::strerror(failure) + "; create the folder, or give one this process may write to";
  }
  return std::nullopt;
}

Status MailFolder::ensure() const {
  // Collect the missing folders from the deepest up, then create them from the top down.
  std::vector<fs::path> missing;
  fs::path current = directory_;
  struct stat info;
  while (::stat(current.c_str(), &info) != 0) {
    if (errno != ENOENT) return error("check folder", current, errno);
    missing.push_back(current);
    if (!current.has_relative_path()) break;
    current = current.parent_path();
  }
  for (auto folder = missing.rbegin(); folder != missing.rend(); ++folder) {
    if (::mkdir(folder->c_str(), 0700) != 0 && errno != EEXIST) {
      return error("create folder", *folder, errno);
    }
  }
  if (::stat(directory_.c_str(), &info) != 0) return error("check folder", directory_, errno);
  if (!S_ISDIR(info.st_mode)) return error("use", directory_, ENOTDIR);
  return Status();
}

Status MailFolder::check_writable() const {
  Result<fs::path> probe = write_temporary({});
  if (!probe.ok()) return probe.status();
  if (::unlink(probe->c_str()) != 0) return error("remove file", *probe, errno);
  return Status();
}

Result<fs::path> MailFolder::write_temporary(std::string_view content) const {
  std::string name = (directory_ / kTemporaryTemplate).string();
  FileDescriptor file(::mkostemp(name.data(), O_CLOEXEC));
  if (file.get() < 0) return error("create a file in", directory_, errno);
  const fs::path path(name);
  int failure = 0;
  if (!write_all(file.get(), content)) {
    failure = errno;
  } else if (::fsync(file.get()) != 0) {
    failure = errno;
  } else if (file.close() != 0) {
    failure = errno;
  }
  if (failure != 0) {
    ::unlink(path.c_str());
    return error("write file", path, failure);
  }
  return path;
}

Result<WrittenMessage> MailFolder::write(std::string_view base, std::string_view eml,
                                         std::string_view json) const {
  Result<fs::path> eml_temporary = write_temporary(eml);
  if (!eml_temporary.ok()) return eml_temporary.status();
  Result<fs::path> json_temporary = write_temporary(json);
  if (!json_temporary.ok()) {
    ::unlink(eml_temporary->c_str());
    return json_temporary.status();
  }
  const auto remove_temporaries = [&] {
    ::unlink(eml_temporary->c_str());
    ::unlink(json_temporary->c_str());
  };

  for (int attempt = 1; attempt <= kMaxNameAttempts; ++attempt) {
    std::string name(base);
    if (attempt > 1) name += "-" + std::to_string(attempt);
    WrittenMessage written{directory_ / (name + ".eml"), directory_ / (name + ".json")};
    if (const int failure = link_new(*eml_temporary, written.eml); failure != 0) {
      if (failure == EEXIST) continue;
      remove_temporaries();
      return error("create file", written.eml, failure);
    }
    if (const int failure = link_new(*json_temporary, written.json); failure != 0) {
      // The .eml is this call's, and without its .json it must not stay. Where it was renamed
      // rather than linked, it goes back to its temporary name for the next attempt.
      struct stat temporary;
      if (::lstat(eml_temporary->c_str(), &temporary) == 0) {
        ::unlink(written.eml.c_str());
      } else {
        ::rename(written.eml.c_str(), eml_temporary->c_str());
      }
      if (failure == EEXIST) continue;
      remove_temporaries();
      return error("create file", written.json, failure);
    }
    remove_temporaries();
    // Flush the folder so that the new names survive a crash too. Both files are complete and
    // visible by now, so a failure here is not reported: failing the send would make the
    // caller send the message again.
    FileDescriptor folder(::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (folder.get() >= 0) ::fsync(folder.get());
    return written;
  }
  remove_temporaries();
  return Status::unavailable("file-mail setting /directory (" + directory_.string() +
                             "): every name from " + std::string(base) + ".eml to -" +
                             std::to_string(kMaxNameAttempts) + " is taken")
      .set_reason(reason::kWriteFailed);
}

}  // namespace outbound::file_mail
