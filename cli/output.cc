#include "output.h"

#include <ostream>
#include <string>

#include "terminal_text.h"

namespace outbound::cli {

int exit_code_for(const Status& status) {
  // A plugin that throws is broken, and the operator fixes that in the configuration by
  // updating the plugin file or choosing another plugin. So it exits like a load failure.
  if (status.reason() == "plugin_exception") return kExitConfiguration;
  switch (status.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
    case StatusCode::kPermissionDenied:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kUnauthenticated:
      return kExitRejected;
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kUnavailable:
    case StatusCode::kResourceExhausted:
    case StatusCode::kAborted:
      return kExitUnavailable;
    case StatusCode::kUnimplemented:
    case StatusCode::kInternal:
      return kExitInternal;
  }
  return kExitInternal;
}

int combine_exit_codes(int current, const Status& failure) {
  const int code = exit_code_for(failure);
  if (current == kExitUnavailable || code == kExitUnavailable) return kExitUnavailable;
  if (current == kExitInternal || code == kExitInternal) return kExitInternal;
  return kExitRejected;
}

std::string describe_provider_details(const ProviderDetails& provider) {
  std::string text;
  auto add = [&text](const std::string& label, const std::string& value) {
    if (value.empty()) return;
    text += (text.empty() ? "" : ", ") + label + " " + value;
  };
  add("code", provider.code);
  add("decline code", provider.decline_code);
  add("param", provider.param);
  if (provider.reply_code != 0) add("reply code", std::to_string(provider.reply_code));
  return text;
}

nlohmann::json error_json(const Status& status) {
  nlohmann::json error = {{"code", std::string(status_code_name(status.code()))},
                          {"message", status.message()},
                          {"retryable", status.retryable()}};
  if (!status.reason().empty()) error["reason"] = status.reason();
  const ProviderDetails& provider = status.provider();
  if (!provider.empty()) {
    nlohmann::json details = nlohmann::json::object();
    if (!provider.code.empty()) details["code"] = provider.code;
    if (!provider.decline_code.empty()) details["decline_code"] = provider.decline_code;
    if (!provider.param.empty()) details["param"] = provider.param;
    if (!provider.request_id.empty()) details["request_id"] = provider.request_id;
    if (provider.reply_code != 0) details["reply_code"] = provider.reply_code;
    error["provider"] = std::move(details);
  }
  if (status.retry_after()) error["retry_after_ms"] = status.retry_after()->count();
  return error;
}

Status Output::redacted(const Status& status) const {
  if (!redactor_) return status;
  Status copy(status.code(), redactor_(status.message()));
  copy.set_retryable(status.retryable());
  copy.set_reason(status.reason());
  copy.set_provider(status.provider());
  if (status.retry_after()) copy.set_retry_after(*status.retry_after());
  return copy;
}

int Output::fail(const Status& unredacted, int exit_code, const nlohmann::json& extra_fields) {
  const Status status = redacted(unredacted);
  if (json_) {
    nlohmann::json error = error_json(status);
    if (status.reason() == "configuration") {
      // Every problem of the configuration as its own string, for scripts.
      nlohmann::json problems = nlohmann::json::array();
      std::size_t start = 0;
      while (start < status.message().size()) {
        std::size_t end = status.message().find('\n', start);
        if (end == std::string::npos) end = status.message().size();
        if (end > start) problems.push_back(status.message().substr(start, end - start));
        start = end + 1;
      }
      error["problems"] = std::move(problems);
    }
    error.update(extra_fields);
    out_ << nlohmann::json{{"error", std::move(error)}}.dump(
                -1, ' ', false, nlohmann::json::error_handler_t::replace)
         << '\n';
  } else {
    err_ << "error: " << status_code_name(status.code());
    if (!status.reason().empty()) err_ << " (" << escape_for_terminal(status.reason()) << ")";
    // The host lists every problem of a configuration on a line of its own. Each is printed
    // indented, so that none can pass for a line the command wrote itself. Other messages carry
    // text from providers and servers, whose line breaks stay escaped.
    const std::string& message = status.message();
    if (status.reason() != "configuration" || message.find('\n') == std::string::npos) {
      err_ << ": " << escape_for_terminal(message) << '\n';
    } else {
      err_ << ":\n";
      std::size_t start = 0;
      while (start <= message.size()) {
        std::size_t end = message.find('\n', start);
        if (end == std::string::npos) end = message.size();
        if (end > start)
          err_ << "  " << escape_for_terminal(message.substr(start, end - start)) << '\n';
        start = end + 1;
      }
    }
    if (status.reason() == "plugin_exception") {
      err_ << "the plugin is faulty: install a fixed build or choose another plugin in the "
              "configuration\n";
    }
    const std::string details = describe_provider_details(status.provider());
    if (!details.empty()) err_ << "provider details: " << escape_for_terminal(details) << '\n';
    if (!status.provider().request_id.empty()) {
      err_ << "provider request id: " << escape_for_terminal(status.provider().request_id) << '\n';
    }
    if (status.retry_after()) {
      err_ << "the provider asked to retry after " << status.retry_after()->count() << " ms\n";
    }
  }
  return exit_code;
}

int Output::usage(const std::string& message, const std::string& command) {
  const std::string help = command.empty() ? "outbound --help" : "outbound " + command + " --help";
  if (json_) {
    Status status = Status::invalid_argument(message + "; see '" + help + "'");
    status.set_reason("usage");
    out_ << nlohmann::json{{"error", error_json(status)}}.dump(
                -1, ' ', false, nlohmann::json::error_handler_t::replace)
         << '\n';
  } else {
    err_ << "usage error: " << escape_for_terminal(message) << "\nsee '" << help << "'\n";
  }
  return kExitUsage;
}

void Output::print_json(const nlohmann::json& document) {
  out_ << document.dump(json_ ? -1 : 2, ' ', false, nlohmann::json::error_handler_t::replace)
       << '\n';
}

}  // namespace outbound::cli
