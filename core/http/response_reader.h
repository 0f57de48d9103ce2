#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

#include "http/connection.h"
#include "outbound/http.h"

namespace outbound::http {

/// MalformedResponse is thrown when the bytes received are not a valid HTTP/1.x response:
/// a bad status line or header, a framing error, a malformed chunked body, or a body cut short.
class MalformedResponse : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// ResponseTooLarge is thrown when the header section or the body passes its limit.
class ResponseTooLarge : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ResponseLimits {
  std::size_t max_header_bytes = 64 * 1024;
  std::size_t max_body_bytes = 8 * 1024 * 1024;
};

/// ReadResponse is one response read in full, and whether its connection can carry another.
struct ReadResponse {
  HttpResponse response;
  /// True when the response was framed by a length or by chunks, the peer did not ask to close,
  /// and nothing follows it on the connection.
  bool reusable = false;
};

/// Reads one HTTP/1.0 or HTTP/1.1 response from `connection`, strictly. Interim 1xx responses
/// are skipped, and the body is framed by the rules of RFC 9112 section 6.3. A chunked body must
/// parse to its last chunk, and a body cut short by the peer closing is an error.
///
/// Throws IoError for socket failures, MalformedResponse and ResponseTooLarge. `received_any`
/// is set as soon as one byte of the response has arrived: a failure before that on a reused
/// connection means the peer had closed it while it sat in the pool.
ReadResponse read_response(Connection& connection, bool head_request, SteadyTime deadline,
                           const ResponseLimits& limits, bool& received_any);

}  // namespace outbound::http
