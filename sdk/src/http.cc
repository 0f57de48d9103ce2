#include <string>

#include "outbound/http.h"
#include "outbound/retry_after.h"

namespace outbound {

Status status_from_response(const HttpResponse& response, std::string_view what,
                            const Clock& clock) {
  const int code = response.status;
  if (code >= 200 && code < 300) return Status();
  std::string message = std::string(what) + " returned HTTP " + std::to_string(code);
  Status status;
  if (code == 408 || code >= 500) {
    status = Status::unavailable(message);
  } else if (code == 429) {
    status = Status::resource_exhausted(message + " (too many requests)");
  } else if (code == 401) {
    status = Status::unauthenticated(message + "; check the credentials");
  } else if (code == 403) {
    status = Status::permission_denied(message + "; the credentials lack the permission");
  } else if (code == 404 || code == 410) {
    status = Status::not_found(message + "; check the URL");
  } else if (code >= 300 && code < 400) {
    const std::string_view location = response.header("Location");
    status = Status::failed_precondition(message +
                                         (location.empty()
                                              ? std::string(" (a redirect without a Location)")
                                              : " (moved to '" + std::string(location) + "')") +
                                         "; configure the new URL");
  } else {
    status = Status::failed_precondition(message);
  }
  if (code == 408 || code == 429 || code >= 500) {
    if (auto delay = parse_retry_after(response.header("Retry-After"), clock)) {
      status.set_retry_after(*delay);
    }
  }
  ProviderDetails details;
  details.reply_code = code;
  status.set_reason("http_" + std::to_string(code)).set_provider(std::move(details));
  return status;
}

}  // namespace outbound
