#include "http/response_reader.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string_view>

#include "http/tokens.h"

namespace outbound::http {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

/// Returns whether the comma-separated list `value` contains `token` (case-insensitive).
bool list_contains(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    if (equals_ignoring_case(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

/// Returns the last entry of the comma-separated list `value`.
std::string_view last_of_list(std::string_view value) {
  const std::size_t comma = value.rfind(',');
  return trim(comma == std::string_view::npos ? value : value.substr(comma + 1));
}

/// Reads lines and bytes from a connection, with the limits and the deadline of one response.
class Reader {
 public:
  Reader(Connection& connection, SteadyTime deadline, bool& received_any)
      : connection_(connection), deadline_(deadline), received_any_(received_any) {
    if (!connection_.buffered().empty()) received_any_ = true;
  }

  /// Returns the next line without its line ending (CRLF, or a bare LF). `limit` bounds its
  /// length; `part` names the line in messages.
  std::string_view line(std::size_t limit, const char* part) {
    std::size_t searched = 0;
    for (;;) {
      const std::string_view data = connection_.buffered();
      const std::size_t end = data.find('\n', searched);
      if (end != std::string_view::npos) {
        std::string_view text = data.substr(0, end);
        if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
        if (text.size() > limit) {
          throw ResponseTooLarge(std::string(part) + " is longer than " + std::to_string(limit) +
                                 " bytes");
        }
        line_.assign(text.data(), text.size());
        connection_.consume(end + 1);
        return line_;
      }
      if (data.size() > limit) {
        throw ResponseTooLarge(std::string(part) + " is longer than " + std::to_string(limit) +
                               " bytes");
      }
      searched = data.size();
      more(part);
    }
  }

  /// Returns at least `count` buffered bytes, or fewer when the peer closed before sending
  /// them.
  std::string_view peek(std::size_t count, const char* part) {
    while (connection_.buffered().size() < count) {
      if (!connection_.fill(deadline_)) {
        if (!received_any_) more(part);
        break;
      }
      received_any_ = true;
    }
    return connection_.buffered();
  }

  /// Consumes a line ending (CRLF or LF) that must come next.
  void line_end(const char* part) {
    const std::string_view next = peek(2, part);
    if (!next.empty() && next[0] == '\n') {
      connection_.consume(1);
    } else if (next.size() >= 2 && next[0] == '\r' && next[1] == '\n') {
      connection_.consume(2);
    } else {
      throw MalformedResponse("the chunked response body is malformed: " + std::string(part) +
                              " is not followed by a line ending");
    }
  }

  /// Appends exactly `count` bytes to `out`.
  void bytes(std::size_t count, std::string& out, const char* part) {
    while (count > 0) {
      if (connection_.buffered().empty()) more(part);
      const std::string_view data = connection_.buffered();
      const std::size_t take = std::min(count, data.size());
      out.append(data.data(), take);
      connection_.consume(take);
      count -= take;
    }
  }

  /// Appends everything until the peer closes; fails when that passes `limit` bytes in `out`.
  void until_close(std::string& out, std::size_t limit) {
    for (;;) {
      const std::string_view data = connection_.buffered();
      if (out.size() + data.size() > limit) throw too_large(limit);
      out.append(data.data(), data.size());
      connection_.consume(data.size());
      if (!connection_.fill(deadline_)) return;
      received_any_ = true;
    }
  }

  static ResponseTooLarge too_large(std::size_t limit) {
    return ResponseTooLarge("the response body is larger than the limit of " +
                            std::to_string(limit) + " bytes (http.max_response_bytes)");
  }

 private:
  void more(const char* part) {
    if (!connection_.fill(deadline_)) {
      if (!received_any_)
        throw IoError(IoError::Kind::kClosed,
                      "the peer closed the connection without sending a response");
      throw MalformedResponse("the peer closed the connection in the middle of " +
                              std::string(part));
    }
    received_any_ = true;
  }

  Connection& connection_;
  SteadyTime deadline_;
  bool& received_any_;
  std::string line_;
};

struct StatusLine {
  int status = 0;
  bool http11 = false;
};

StatusLine parse_status_line(std::string_view line) {
  // The grammar: HTTP-version SP 3DIGIT SP [reason-phrase].
  StatusLine parsed;
  if (line.size() < 12 || line.substr(0, 5) != "HTTP/" || line[6] != '.' || line[8] != ' ' ||
      line[5] != '1' || (line[7] != '0' && line[7] != '1')) {
    const std::string start_text(line.substr(0, std::min<std::size_t>(line.size(), 40)));
    throw MalformedResponse(
        "the response does not start with an HTTP/1.x status line (it starts with '" + start_text +
        "')");
  }
  parsed.http11 = line[7] == '1';
  for (std::size_t i = 9; i < 12; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(line[i]))) {
      throw MalformedResponse("the status line '" + std::string(line.substr(0, 40)) +
                              "' has no three-digit status code");
    }
    parsed.status = parsed.status * 10 + (line[i] - '0');
  }
  if (parsed.status < 100 || (line.size() > 12 && line[12] != ' ')) {
    throw MalformedResponse("the status line '" + std::string(line.substr(0, 40)) + "' is invalid");
  }
  return parsed;
}

void read_headers(Reader& reader, const ResponseLimits& limits, HttpHeaders& headers) {
  std::size_t total = 0;
  for (;;) {
    const std::string_view line = reader.line(
        limits.max_header_bytes - std::min(total, limits.max_header_bytes), "the response headers");
    total += line.size() + 2;
    if (line.empty()) return;
    if (total > limits.max_header_bytes) {
      throw ResponseTooLarge("the response headers are larger than " +
                             std::to_string(limits.max_header_bytes) + " bytes");
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (headers.empty()) throw MalformedResponse("the first response header starts with a space");
      headers.back().second += ' ';
      headers.back().second += trim(line);  // obsolete line folding: join with a space
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        !std::all_of(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(colon),
                     is_token_character)) {
      throw MalformedResponse("the response header line '" +
                              std::string(line.substr(0, std::min<std::size_t>(line.size(), 60))) +
                              "' is not 'Name: value'");
    }
    headers.emplace_back(std::string(line.substr(0, colon)),
                         std::string(trim(line.substr(colon + 1))));
  }
}

/// Returns the Content-Length, or -1 when the response has none. Several fields must agree.
std::int64_t content_length(const HttpHeaders& headers) {
  std::int64_t length = -1;
  for (const auto& [name, value] : headers) {
    if (!equals_ignoring_case(name, "Content-Length")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view item = trim(rest.substr(0, comma));
      if (item.empty() || item.size() > 18 || !std::all_of(item.begin(), item.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c));
          })) {
        throw MalformedResponse("the response's Content-Length '" + value + "' is not a number");
      }
      const std::int64_t parsed = std::stoll(std::string(item));
      if (length >= 0 && parsed != length) {
        throw MalformedResponse("the response has conflicting Content-Length values");
      }
      length = parsed;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return length;
}

std::uint64_t parse_chunk_size(std::string_view line) {
  const std::size_t end = line.find_first_of("; \t");
  const std::string_view digits = line.substr(0, end);
  if (digits.empty() || digits.size() > 15 ||
      !std::all_of(digits.begin(), digits.end(),
                   [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
    throw MalformedResponse("the chunked response body is malformed: a chunk size line reads '" +
                            std::string(line.substr(0, std::min<std::size_t>(line.size(), 20))) +
                            "'");
  }
  return std::stoull(std::string(digits), nullptr, 16);
}

void read_chunked(Reader& reader, const ResponseLimits& limits, std::string& body) {
  for (;;) {
    const std::uint64_t size = parse_chunk_size(reader.line(1024, "a chunk size line"));
    if (size == 0) break;
    if (size > limits.max_body_bytes - body.size()) throw Reader::too_large(limits.max_body_bytes);
    reader.bytes(static_cast<std::size_t>(size), body, "a chunk");
    reader.line_end("a chunk");
  }
  // Trailer fields, up to the empty line; they are read and dropped.
  std::size_t trailer_bytes = 0;
  for (;;) {
    const std::string_view line = reader.line(limits.max_header_bytes, "the trailer fields");
    if (line.empty()) return;
    trailer_bytes += line.size();
    if (trailer_bytes > limits.max_header_bytes) {
      throw ResponseTooLarge("the response trailers are larger than " +
                             std::to_string(limits.max_header_bytes) + " bytes");
    }
  }
}

}  // namespace

ReadResponse read_response(Connection& connection, bool head_request, SteadyTime deadline,
                           const ResponseLimits& limits, bool& received_any) {
  Reader reader(connection, deadline, received_any);
  ReadResponse result;
  HttpResponse& response = result.response;
  StatusLine status;
  const std::string_view start = reader.peek(5, "the status line");
  if (start.substr(0, 5) !=
      std::string_view("HTTP/").substr(0, std::min<std::size_t>(start.size(), 5))) {
    std::string start_text;
    for (char c : start.substr(0, 16))
      start_text += std::isprint(static_cast<unsigned char>(c)) ? c : '.';
    throw MalformedResponse("the peer sent a response that is not HTTP/1.x (it starts with '" +
                            start_text + "')");
  }
  for (;;) {
    status = parse_status_line(reader.line(limits.max_header_bytes, "the status line"));
    response.headers.clear();
    read_headers(reader, limits, response.headers);
    // Interim responses (100 Continue, 103 Early Hints) precede the final one.
    if (status.status >= 200 || status.status == 101) break;
  }
  response.status = status.status;
  const std::string_view connection_field = response.header("Connection");
  bool reusable = status.http11 ? !list_contains(connection_field, "close")
                                : list_contains(connection_field, "keep-alive");
  const std::string_view transfer_encoding = response.header("Transfer-Encoding");
  if (head_request || status.status < 200 || status.status == 204 || status.status == 304) {
    // These responses have no body, whatever their framing fields claim.
  } else if (!transfer_encoding.empty()) {
    if (equals_ignoring_case(last_of_list(transfer_encoding), "chunked")) {
      read_chunked(reader, limits, response.body);
    } else {
      reader.until_close(response.body, limits.max_body_bytes);
      reusable = false;
    }
    // A length next to a transfer coding is a smuggling sign: never reuse such a connection.
    if (content_length(response.headers) >= 0) reusable = false;
  } else if (const std::int64_t length = content_length(response.headers); length >= 0) {
    if (static_cast<std::uint64_t>(length) > limits.max_body_bytes) {
      throw Reader::too_large(limits.max_body_bytes);
    }
    response.body.reserve(static_cast<std::size_t>(length));
    reader.bytes(static_cast<std::size_t>(length), response.body, "the response body");
  } else {
    reader.until_close(response.body, limits.max_body_bytes);
    reusable = false;
  }
  // Bytes after a complete response were not asked for; the connection cannot be trusted.
  if (!connection.buffered().empty()) reusable = false;
  result.reusable = reusable;
  return result;
}

}  // namespace outbound::http
