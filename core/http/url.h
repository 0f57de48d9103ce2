#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "outbound/status.h"

namespace outbound::http {

/// Origin is the scheme, host and port of a URL: what a pooled connection is bound to and
/// what decides whether credentials may follow a redirect.
struct Origin {
  /// "http" or "https".
  std::string scheme;
  /// A lower-case host name, or an IP literal (IPv6 without brackets).
  std::string host;
  std::uint16_t port = 0;

  bool secure() const { return scheme == "https"; }
  /// "https://api.example.com:8443"; the port is always written.
  std::string key() const;
  /// The Host header value: the host, bracketed when IPv6, with the port unless it is the
  /// scheme's default.
  std::string host_header() const;

  friend bool operator==(const Origin& a, const Origin& b) {
    return a.port == b.port && a.scheme == b.scheme && a.host == b.host;
  }
  friend bool operator!=(const Origin& a, const Origin& b) { return !(a == b); }
};

/// Url is an absolute http or https URL split for sending.
struct Url {
  Origin origin;
  /// The request target: the path (at least "/") and the query, without the fragment.
  std::string target;

  /// The URL for log lines: origin and path, with the query replaced by "?..." because query
  /// strings may carry credentials.
  std::string for_log() const;
};

/// Parses an absolute http or https URL. Refuses user information ("user:pass@"), because
/// credentials belong in headers the transport can mask and strip; refuses spaces and control
/// characters anywhere. Errors are kInvalidArgument naming the URL's problem.
Result<Url> parse_url(std::string_view text);

/// Resolves a redirect's Location against the URL that returned it: an absolute URL, a
/// scheme-relative "//host/path", an absolute path, or a relative path.
Result<Url> resolve_location(const Url& base, std::string_view location);

/// Returns whether `host` is a loopback address or "localhost".
bool is_loopback_host(std::string_view host);

}  // namespace outbound::http
