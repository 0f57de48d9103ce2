#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outbound/call_context.h"
#include "outbound/clock.h"
#include "outbound/export.h"
#include "outbound/status.h"

namespace outbound {

/// HttpHeaders is an ordered list of header fields; names compare case-insensitively.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

/// Returns the value of the first field named `name` (case-insensitive), or an empty view.
OUTBOUND_SDK_API std::string_view find_header(const HttpHeaders& headers, std::string_view name);

/// HttpRequest is one request that a plugin gives the host's transport to send.
struct HttpRequest {
  /// "GET", "POST", "DELETE" and so on.
  std::string method = "GET";
  /// An absolute http or https URL.
  std::string url;
  /// Headers the plugin adds. The transport adds User-Agent, the request id and
  /// `traceparent` itself, and never sends Referer.
  HttpHeaders headers;
  std::string body;
  /// True when sending the request twice has the effect of sending it once: an idempotent
  /// method, or a request carrying an idempotency key. Only such requests are re-sent after
  /// a stale pooled connection fails.
  bool replay_safe = false;
  /// Whether to follow 3xx redirects; off unless the plugin needs them.
  bool follow_redirects = false;
  /// Header names beyond Authorization, Proxy-Authorization and Cookie that must be dropped
  /// on a redirect to another origin and masked in debug logs.
  std::vector<std::string> sensitive_headers;
};

/// HttpResponse is a complete response; the body was read in full within the size cap.
struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;

  std::string_view header(std::string_view name) const { return find_header(headers, name); }
};

/// Returns the Status a plugin reports for an HTTP response that is not a success, when the
/// provider has no error format of its own. `what` names the request in the message ("the
/// JWKS endpoint https://issuer.example/jwks"). The mapping:
///
///   408, 500-599  kUnavailable, retryable, with the Retry-After delay when one is given
///   429           kResourceExhausted, retryable, with the Retry-After delay
///   401           kUnauthenticated;  403 kPermissionDenied;  404 and 410 kNotFound
///   3xx           kFailedPrecondition: the URL moved; the message quotes the Location
///   other 4xx     kFailedPrecondition
///
/// The reason is "http_<status>" and ProviderDetails::reply_code the status. A 2xx response
/// gives an ok Status.
OUTBOUND_SDK_API Status status_from_response(const HttpResponse& response, std::string_view what,
                                             const Clock& clock);

/// HttpTransport sends requests for plugins with the host's policy: pooled connections,
/// TLS verification, deadlines from the CallContext, uniform headers and masked debug logs.
///
/// Errors: kDeadlineExceeded when the attempt deadline passes; kUnavailable for connection
/// failures, with retryable() true only when nothing was sent or the request is replay-safe.
/// An HTTP error status is not an error here: it is returned as a response.
///
/// Thread safety: send() may be called from several threads at once.
class OUTBOUND_SDK_API HttpTransport {
 public:
  virtual ~HttpTransport();

  virtual Result<HttpResponse> send(const CallContext& context, const HttpRequest& request) = 0;
};

}  // namespace outbound
