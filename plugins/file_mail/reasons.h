#pragma once

namespace outbound::file_mail::reason {

/// The folder cannot be used as configured: no permission, a read-only file system, a file
/// where the folder or one of its parents should be. A retry does not help until the folder or
/// the `directory` setting is fixed.
inline constexpr const char* kDirectoryUnusable = "directory_unusable";
/// Writing a message failed in a way that may pass: a full disk, an I/O error, or every file
/// name for the message taken. Retryable.
inline constexpr const char* kWriteFailed = "write_failed";
/// The client was closed; the same reason as the smtp plugin's.
inline constexpr const char* kClosed = "closed";
/// The call's deadline passed before the message was written; the same reason as the smtp
/// plugin's.
inline constexpr const char* kTimeout = "timeout";
/// Building the message failed with a status that carries no reason of its own, which is a
/// bug in the message builder (its other errors carry reasons such as "invalid_address").
inline constexpr const char* kMessageBuildFailed = "message_build_failed";

}  // namespace outbound::file_mail::reason
