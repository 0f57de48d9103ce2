#include "outbound/status.h"

#include <array>
#include <utility>

namespace outbound {
namespace {

struct CodeName {
  StatusCode code;
  std::string_view name;
};

constexpr std::array<CodeName, 13> kCodeNames = {{
    {StatusCode::kOk, "ok"},
    {StatusCode::kInvalidArgument, "invalid_argument"},
    {StatusCode::kDeadlineExceeded, "deadline_exceeded"},
    {StatusCode::kNotFound, "not_found"},
    {StatusCode::kAlreadyExists, "already_exists"},
    {StatusCode::kPermissionDenied, "permission_denied"},
    {StatusCode::kResourceExhausted, "resource_exhausted"},
    {StatusCode::kFailedPrecondition, "failed_precondition"},
    {StatusCode::kAborted, "aborted"},
    {StatusCode::kUnimplemented, "unimplemented"},
    {StatusCode::kInternal, "internal"},
    {StatusCode::kUnavailable, "unavailable"},
    {StatusCode::kUnauthenticated, "unauthenticated"},
}};

}  // namespace

std::string_view status_code_name(StatusCode code) {
  for (const auto& entry : kCodeNames) {
    if (entry.code == code) return entry.name;
  }
  return "unknown";
}

std::optional<StatusCode> parse_status_code(std::string_view name) {
  for (const auto& entry : kCodeNames) {
    if (entry.name == name) return entry.code;
  }
  return std::nullopt;
}

bool default_retryable(StatusCode code) {
  switch (code) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kResourceExhausted:
    case StatusCode::kAborted:
      return true;
    default:
      return false;
  }
}

Status::Status(StatusCode code, std::string message)
    : code_(code), retryable_(default_retryable(code)), message_(std::move(message)) {}

Status Status::invalid_argument(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}
Status Status::deadline_exceeded(std::string message) {
  return Status(StatusCode::kDeadlineExceeded, std::move(message));
}
Status Status::not_found(std::string message) {
  return Status(StatusCode::kNotFound, std::move(message));
}
Status Status::already_exists(std::string message) {
  return Status(StatusCode::kAlreadyExists, std::move(message));
}
Status Status::permission_denied(std::string message) {
  return Status(StatusCode::kPermissionDenied, std::move(message));
}
Status Status::resource_exhausted(std::string message) {
  return Status(StatusCode::kResourceExhausted, std::move(message));
}
Status Status::failed_precondition(std::string message) {
  return Status(StatusCode::kFailedPrecondition, std::move(message));
}
Status Status::aborted(std::string message) {
  return Status(StatusCode::kAborted, std::move(message));
}
Status Status::unimplemented(std::string message) {
  return Status(StatusCode::kUnimplemented, std::move(message));
}
Status Status::internal(std::string message) {
  return Status(StatusCode::kInternal, std::move(message));
}
Status Status::unavailable(std::string message) {
  return Status(StatusCode::kUnavailable, std::move(message));
}
Status Status::unauthenticated(std::string message) {
  return Status(StatusCode::kUnauthenticated, std::move(message));
}

Status Status::with_context(std::string_view context) const {
  Status copy = *this;
  std::string message(context);
  message += ": ";
  message += message_;
  copy.message_ = std::move(message);
  return copy;
}

std::string Status::to_string() const {
  std::string text(status_code_name(code_));
  if (!message_.empty()) {
    text += ": ";
    text += message_;
  }
  if (!reason_.empty()) {
    text += " (";
    text += reason_;
    text += ")";
  }
  return text;
}

std::ostream& operator<<(std::ostream& out, const Status& status) {
  return out << status.to_string();
}

}  // namespace outbound
