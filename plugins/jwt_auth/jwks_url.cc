#include "jwt_auth/jwks_url.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace outbound::jwt {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](unsigned char c) { return std::isdigit(c) != 0; });
}

// Parses a dotted-quad IPv4 address such as "127.0.0.1" and returns its first octet, or -1.
int first_ipv4_octet(std::string_view host) {
  int first = -1;
  int parts = 0;
  std::size_t start = 0;
  while (start <= host.size()) {
    std::size_t end = host.find('.', start);
    if (end == std::string_view::npos) end = host.size();
    const std::string_view part = host.substr(start, end - start);
    if (!all_digits(part) || part.size() > 3 || std::stoi(std::string(part)) > 255) return -1;
    if (parts == 0) first = std::stoi(std::string(part));
    ++parts;
    start = end + 1;
  }
  return parts == 4 ? first : -1;
}

bool valid_host_name(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_';
  });
}

bool valid_ipv6_literal(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isxdigit(c) != 0 || c == ':' || c == '.';
  });
}

Status bad_url(std::string_view url, const std::string& problem) {
  return Status::invalid_argument("is \"" + url_without_query(url) + "\", which " + problem);
}

}  // namespace

bool is_loopback_host(std::string_view host) {
  const std::string name = lower(host);
  return name == "localhost" || name == "::1" || first_ipv4_octet(name) == 127;
}

std::string url_without_query(std::string_view url) {
  return std::string(url.substr(0, url.find_first_of("?#")));
}

Status check_jwks_url(std::string_view url) {
  const bool has_control = std::any_of(url.begin(), url.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f;
  });
  if (has_control) {
    return Status::invalid_argument(
        "contains a space or a control character; percent-encode it (a space is %20)");
  }
  const std::size_t scheme_end = url.find("://");
  const std::string scheme =
      scheme_end == std::string_view::npos ? std::string() : lower(url.substr(0, scheme_end));
  if (scheme != "https" && scheme != "http") {
    return bad_url(url,
                   "is not an absolute https URL; give one such as "
                   "https://issuer.example/.well-known/jwks.json");
  }
  if (url.find('#') != std::string_view::npos) {
    return bad_url(url, "has a fragment (#...), which is never sent; remove it");
  }

  const std::string_view rest = url.substr(scheme_end + 3);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  if (authority.find('@') != std::string_view::npos) {
    return bad_url(url,
                   "contains user information (user@ or user:password@); a JWK Set is "
                   "public, so remove it");
  }
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad_url(url, "has an IPv6 host without its ']'");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return bad_url(url, "has text after its IPv6 host");
    if (!after.empty()) {
      port = after.substr(1);
      has_port = true;
    }
    if (!valid_ipv6_literal(host)) return bad_url(url, "has an invalid IPv6 host");
  } else {
    const std::size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      has_port = true;
    }
    if (!valid_host_name(host)) return bad_url(url, "has no valid host name");
  }
  if (has_port && (!all_digits(port) || port.size() > 5 || std::stoi(std::string(port)) < 1 ||
                   std::stoi(std::string(port)) > 65535)) {
    return bad_url(url, "has an invalid port; give a number from 1 to 65535 or none");
  }
  if (scheme == "http" && !is_loopback_host(host)) {
    return bad_url(url,
                   "uses http with a host that is not a loopback address; use https (http "
                   "is accepted only for localhost, 127.0.0.0/8 and [::1])");
  }
  return Status();
}

}  // namespace outbound::jwt
