#include "http/url.h"

#include <algorithm>
#include <cctype>

namespace outbound::http {
namespace {

bool has_forbidden_character(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f;
  });
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Status bad_url(std::string_view text, const std::string& problem) {
  return Status::invalid_argument("URL '" + std::string(text) + "' " + problem);
}

bool valid_host_character(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

/// Removes "." and ".." segments from an absolute path (RFC 3986 section 5.2.4).
std::string remove_dot_segments(std::string_view path) {
  std::string out;
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t end = path.find('/', start + 1);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);  // includes the leading '/'
    if (segment == "/.") {
      if (end == path.size()) out += '/';
    } else if (segment == "/..") {
      const std::size_t last = out.rfind('/');
      out.erase(last == std::string::npos ? 0 : last);
      if (end == path.size()) out += '/';
    } else {
      out.append(segment);
    }
    start = end;
  }
  return out.empty() ? "/" : out;
}

}  // namespace

std::string Origin::key() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return scheme + "://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string Origin::host_header() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  const std::uint16_t default_port = secure() ? 443 : 80;
  if (port != default_port) out += ":" + std::to_string(port);
  return out;
}

std::string Url::for_log() const {
  const std::size_t query = target.find('?');
  std::string base = origin.scheme + "://" + origin.host_header();
  if (query == std::string::npos) return base + target;
  return base + target.substr(0, query) + "?...";
}

Result<Url> parse_url(std::string_view text) {
  if (text.empty()) return bad_url(text, "is empty; give an absolute http:// or https:// URL");
  if (has_forbidden_character(text)) {
    return bad_url(text, "contains a space or a control character; percent-encode it");
  }
  const std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    return bad_url(text, "is not absolute; give it as http://host/path or https://host/path");
  }
  Url url;
  url.origin.scheme = lower(text.substr(0, scheme_end));
  if (url.origin.scheme != "http" && url.origin.scheme != "https") {
    return bad_url(text,
                   "has the scheme '" + url.origin.scheme + "'; only http and https are sent");
  }
  std::string_view rest = text.substr(scheme_end + 3);
  if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  const std::size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return bad_url(text,
                   "carries user information before '@'; send credentials in a header instead");
  }

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad_url(text, "has an unclosed '[' in its host");
    url.origin.host = lower(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_url(text, "has characters after its IPv6 host");
      port_text = after.substr(1);
    }
    if (url.origin.host.empty() ||
        !std::all_of(url.origin.host.begin(), url.origin.host.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        })) {
      return bad_url(text, "has an invalid IPv6 host");
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    url.origin.host = lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    if (url.origin.host.empty()) return bad_url(text, "has no host");
    if (!std::all_of(url.origin.host.begin(), url.origin.host.end(), valid_host_character)) {
      return bad_url(text, "has an invalid host '" + url.origin.host + "'");
    }
  }

  url.origin.port = url.origin.secure() ? 443 : 80;
  if (!port_text.empty()) {
    unsigned long port = 0;
    if (port_text.size() > 5 || !std::all_of(port_text.begin(), port_text.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        })) {
      return bad_url(text, "has an invalid port '" + std::string(port_text) + "'");
    }
    port = std::stoul(std::string(port_text));
    if (port == 0 || port > 65535) {
      return bad_url(text, "has the port " + std::string(port_text) + ", outside 1-65535");
    }
    url.origin.port = static_cast<std::uint16_t>(port);
  }

  if (target.empty() || target.front() == '?') {
    url.target = "/" + std::string(target);
  } else {
    url.target = std::string(target);
  }
  return url;
}

Result<Url> resolve_location(const Url& base, std::string_view location) {
  if (location.empty()) return Status::invalid_argument("the redirect has an empty Location");
  if (location.find("://") != std::string_view::npos) return parse_url(location);
  if (has_forbidden_character(location)) {
    return Status::invalid_argument("the redirect Location '" + std::string(location) +
                                    "' contains a space or a control character");
  }
  if (location.size() >= 2 && location[0] == '/' && location[1] == '/') {
    return parse_url(base.origin.scheme + ":" + std::string(location));
  }
  Url url;
  url.origin = base.origin;
  std::string_view path = location;
  std::string query;
  if (const std::size_t hash = path.find('#'); hash != std::string_view::npos) {
    path = path.substr(0, hash);
  }
  if (const std::size_t mark = path.find('?'); mark != std::string_view::npos) {
    query = std::string(path.substr(mark));
    path = path.substr(0, mark);
  }
  std::string absolute;
  if (!path.empty() && path.front() == '/') {
    absolute = std::string(path);
  } else {
    std::string_view base_path = base.target.substr(0, base.target.find('?'));
    absolute = std::string(base_path.substr(0, base_path.rfind('/') + 1)) + std::string(path);
  }
  url.target = remove_dot_segments(absolute) + query;
  return url;
}

bool is_loopback_host(std::string_view host) {
  const std::string name = lower(host);
  if (name == "localhost" || name == "::1") return true;
  // A dotted-quad IPv4 address in 127.0.0.0/8; a name that merely starts with "127." is not.
  int parts = 0;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('.', start);
    if (end == std::string::npos) end = name.size();
    const std::string_view part = std::string_view(name).substr(start, end - start);
    if (part.empty() || part.size() > 3 ||
        !std::all_of(part.begin(), part.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) ||
        std::stoi(std::string(part)) > 255) {
      return false;
    }
    if (parts == 0 && part != "127") return false;
    ++parts;
    start = end + 1;
  }
  return parts == 4;
}

}  // namespace outbound::http
