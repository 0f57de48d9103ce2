#include "smtp/settings.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>

#include <Poco/Net/IPAddress.h>
#include <nlohmann/json.hpp>

namespace outbound::smtp {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr std::array<std::string_view, 11> kKnownSettings = {
    "host",    "port",      "tls",  "allow_plaintext", "username", "password", "auth",
    "ca_file", "helo_name", "pool", "timeouts"};

constexpr std::array<std::string_view, 3> kPoolSettings = {"max_connections", "idle_ms",
                                                           "max_messages_per_connection"};

/// The largest timeout and idle time accepted: one hour, far beyond any server's own limits
/// (RFC 5321 section 4.5.3.2 suggests at most 10 minutes for the reply after the data).
constexpr std::int64_t kMaxMilliseconds = 3600000;

Status invalid(std::string_view pointer, const std::string& problem) {
  return Status::invalid_argument("smtp setting " + std::string(pointer) + " " + problem);
}

std::string lower(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered;
}

template <std::size_t N>
std::string join(const std::array<std::string_view, N>& names) {
  std::string text;
  for (std::string_view name : names) {
    text += text.empty() ? "" : ", ";
    text += name;
  }
  return text;
}

/// Checks that every key of `object` is one of `known`, suggesting a known key that differs
/// only in case, in a missing "_ms" suffix or in '-' for '_'.
template <std::size_t N>
Status check_names(const json& object, const std::string& base,
                   const std::array<std::string_view, N>& known) {
  for (auto member = object.begin(); member != object.end(); ++member) {
    const std::string& name = member.key();
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string message = "is unknown; the known settings here are " + join(known);
    std::string folded = lower(name);
    std::replace(folded.begin(), folded.end(), '-', '_');
    for (std::string_view candidate : known) {
      if (folded == candidate || folded + "_ms" == candidate) {
        message = "is unknown; did you mean " + base + "/" + std::string(candidate) + "?";
      }
    }
    if (base.empty() && (name == "user" || name == "login")) {
      message = "is unknown; did you mean /username?";
    }
    if (base.empty() && (name == "server" || name == "hostname")) {
      message = "is unknown; did you mean /host?";
    }
    return invalid(base + "/" + name, message);
  }
  return Status();
}

/// Reads an optional non-empty string; an absent key gives an empty string.
Result<std::string> string_setting(const json& root, const char* name) {
  const auto found = root.find(name);
  if (found == root.end()) return std::string();
  if (!found->is_string()) {
    return invalid(std::string("/") + name,
                   std::string("must be a string, not a JSON ") + found->type_name());
  }
  if (found->get_ref<const std::string&>().empty()) {
    return invalid(std::string("/") + name, "is empty; give a value or remove it");
  }
  return found->get<std::string>();
}

/// Reads a whole number in [low, high] at `pointer`.
Result<std::int64_t> bounded_number(const json& value, const std::string& pointer, std::int64_t low,
                                    std::int64_t high, const char* unit) {
  const std::string range = "; give a whole number of " + std::string(unit) + " from " +
                            std::to_string(low) + " to " + std::to_string(high);
  if (!value.is_number()) {
    return invalid(pointer,
                   "must be a number, not a JSON " + std::string(value.type_name()) + range);
  }
  if (value.is_number_float()) {
    const double number = value.get<double>();
    if (number != static_cast<double>(static_cast<std::int64_t>(number)) ||
        number < static_cast<double>(low) || number > static_cast<double>(high)) {
      return invalid(pointer, "is " + value.dump() + range);
    }
    return static_cast<std::int64_t>(number);
  }
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(high)) {
    return invalid(pointer, "is " + value.dump() + range);
  }
  const std::int64_t number = value.get<std::int64_t>();
  if (number < low || number > high) return invalid(pointer, "is " + value.dump() + range);
  return number;
}

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0 || c == '-'; });
}

bool valid_domain(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  while (!name.empty()) {
    const std::size_t dot = name.find('.');
    if (!valid_label(name.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    name.remove_prefix(dot + 1);
    if (name.empty()) return false;  // A trailing dot is not part of the EHLO syntax.
  }
  return true;
}

Status read_host(const json& root, Settings& settings) {
  if (root.find("host") == root.end()) {
    return invalid("/host",
                   "is missing; give the SMTP server's host name, such as "
                   "\"smtp.example.com\"");
  }
  Result<std::string> host = string_setting(root, "host");
  if (!host.ok()) return host.status();
  std::string value = std::move(host).value();
  if (value.size() > 2 && value.front() == '[' && value.back() == ']') {
    value = value.substr(1, value.size() - 2);
  }
  Poco::Net::IPAddress literal;
  if (!Poco::Net::IPAddress::tryParse(value, literal) && !valid_domain(value)) {
    return invalid("/host", "is \"" + value +
                                "\", which is not a host name or IP address; give a name such "
                                "as \"smtp.example.com\" without a scheme, port or path");
  }
  settings.host = std::move(value);
  return Status();
}

Status read_tls(const json& root, Settings& settings) {
  Result<std::string> tls = string_setting(root, "tls");
  if (!tls.ok()) return tls.status();
  if (tls->empty() || *tls == "starttls") {
    settings.tls = TlsMode::kStartTls;
  } else if (*tls == "implicit") {
    settings.tls = TlsMode::kImplicit;
  } else if (*tls == "none") {
    settings.tls = TlsMode::kNone;
  } else {
    return invalid("/tls", "is \"" + *tls + "\"; give \"starttls\", \"implicit\" or \"none\"");
  }
  bool allow_plaintext = false;
  if (const auto found = root.find("allow_plaintext"); found != root.end()) {
    if (!found->is_boolean()) {
      return invalid("/allow_plaintext", "must be true or false, not " + found->dump());
    }
    allow_plaintext = found->get<bool>();
  }
  if (settings.tls == TlsMode::kNone && !allow_plaintext) {
    return invalid("/tls",
                   "is \"none\", which sends mail unencrypted; add \"allow_plaintext\": true to "
                   "accept that, or use \"starttls\" or \"implicit\"");
  }
  return Status();
}

Status read_port(const json& root, Settings& settings) {
  switch (settings.tls) {
    case TlsMode::kStartTls:
      settings.port = 587;
      break;
    case TlsMode::kImplicit:
      settings.port = 465;
      break;
    case TlsMode::kNone:
      settings.port = 25;
      break;
  }
  const auto found = root.find("port");
  if (found == root.end()) return Status();
  Result<std::int64_t> port = bounded_number(*found, "/port", 1, 65535, "the port");
  if (!port.ok()) return port.status();
  settings.port = static_cast<std::uint16_t>(*port);
  return Status();
}

Status read_credentials(const PluginContext& context, const json& root, Settings& settings) {
  Result<std::string> username = string_setting(root, "username");
  if (!username.ok()) return username.status();
  const bool has_password = root.find("password") != root.end();
  if (username->empty() != !has_password) {
    return username->empty()
               ? invalid("/username", "is missing while /password is given; give both or neither")
               : invalid("/password",
                         "is missing while /username is given; give both or neither, "
                         "for example \"${env:SMTP_PASSWORD}\"");
  }
  if (username->empty()) {
    if (root.find("auth") != root.end()) {
      return invalid("/auth", "is given without /username; AUTH needs a user name and password");
    }
    return Status();
  }
  if (has_control(*username)) {
    return invalid("/username", "contains a control character or line break");
  }
  Result<Secret> password = context.secret_setting("/password");
  if (!password.ok()) return invalid("/password", "must be a string holding the password");
  if (password->empty()) return invalid("/password", "is empty; give the password");
  if (password->expose().find('\0') != std::string_view::npos) {
    return invalid("/password", "contains a NUL character, which AUTH PLAIN cannot carry");
  }
  if (settings.tls == TlsMode::kNone && !loopback_host(settings.host)) {
    return invalid("/username",
                   "is given with \"tls\": \"none\" and the non-loopback host \"" + settings.host +
                       "\"; the password would cross the network unencrypted; use \"starttls\" "
                       "or \"implicit\"");
  }
  settings.username = std::move(username).value();
  settings.password = std::move(password).value();

  Result<std::string> auth = string_setting(root, "auth");
  if (!auth.ok()) return auth.status();
  if (auth->empty() || *auth == "auto") {
    settings.auth = AuthMechanism::kAuto;
  } else if (*auth == "plain") {
    settings.auth = AuthMechanism::kPlain;
  } else if (*auth == "login") {
    settings.auth = AuthMechanism::kLogin;
  } else {
    return invalid("/auth", "is \"" + *auth + "\"; give \"auto\", \"plain\" or \"login\"");
  }
  return Status();
}

Status read_ca_file(const PluginContext& context, const json& root, Settings& settings) {
  Result<std::string> ca_file = string_setting(root, "ca_file");
  if (!ca_file.ok()) return ca_file.status();
  if (ca_file->empty()) return Status();
  std::filesystem::path path(*ca_file);
  if (path.is_relative()) path = std::filesystem::path(context.base_directory) / path;
  path = path.lexically_normal();
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return invalid("/ca_file", "names " + path.string() +
                                   ", which is not a file; give a PEM bundle, relative to the "
                                   "configuration file's folder or absolute");
  }
  if (!std::ifstream(path, std::ios::binary).good()) {
    return invalid("/ca_file", "names " + path.string() + ", which cannot be read");
  }
  settings.ca_file = path.string();
  return Status();
}

Status read_helo_name(const json& root, Settings& settings) {
  Result<std::string> helo = string_setting(root, "helo_name");
  if (!helo.ok()) return helo.status();
  if (helo->empty()) {
    settings.helo_name = qualified_host_name();
    return Status();
  }
  if (!valid_helo_name(*helo)) {
    return invalid("/helo_name", "is \"" + *helo +
                                     "\", which is not a domain name or address literal; give "
                                     "this machine's name, such as \"mail.example.com\"");
  }
  settings.helo_name = std::move(helo).value();
  return Status();
}

Status read_pool(const json& root, Settings& settings) {
  const auto found = root.find("pool");
  if (found == root.end()) return Status();
  if (!found->is_object()) {
    return invalid("/pool", "must be an object such as {\"max_connections\": 4}");
  }
  if (Status names = check_names(*found, "/pool", kPoolSettings); !names.ok()) return names;
  if (const auto value = found->find("max_connections"); value != found->end()) {
    Result<std::int64_t> number =
        bounded_number(*value, "/pool/max_connections", 1, 1000, "connections");
    if (!number.ok()) return number.status();
    settings.pool.max_connections = static_cast<int>(*number);
  }
  if (const auto value = found->find("idle_ms"); value != found->end()) {
    Result<std::int64_t> number =
        bounded_number(*value, "/pool/idle_ms", 1, kMaxMilliseconds, "milliseconds");
    if (!number.ok()) return number.status();
    settings.pool.idle = milliseconds(*number);
  }
  if (const auto value = found->find("max_messages_per_connection"); value != found->end()) {
    Result<std::int64_t> number =
        bounded_number(*value, "/pool/max_messages_per_connection", 1, 1000000, "messages");
    if (!number.ok()) return number.status();
    settings.pool.max_messages_per_connection = static_cast<int>(*number);
  }
  return Status();
}

Status read_timeouts(const json& root, Settings& settings) {
  const auto found = root.find("timeouts");
  if (found == root.end()) return Status();
  if (!found->is_object()) {
    return invalid("/timeouts", "must be an object such as {\"data_end_ms\": 120000}");
  }
  StageTimeouts& timeouts = settings.timeouts;
  const std::array<std::pair<std::string_view, milliseconds*>, 9> stages = {{
      {"connect_ms", &timeouts.connect},
      {"greeting_ms", &timeouts.greeting},
      {"ehlo_ms", &timeouts.ehlo},
      {"starttls_ms", &timeouts.starttls},
      {"auth_ms", &timeouts.auth},
      {"mail_ms", &timeouts.mail},
      {"rcpt_ms", &timeouts.rcpt},
      {"data_ms", &timeouts.data},
      {"data_end_ms", &timeouts.data_end},
  }};
  std::array<std::string_view, 9> names{};
  for (std::size_t i = 0; i < stages.size(); ++i) names[i] = stages[i].first;
  if (Status checked = check_names(*found, "/timeouts", names); !checked.ok()) return checked;
  for (const auto& [name, target] : stages) {
    const auto value = found->find(std::string(name));
    if (value == found->end()) continue;
    Result<std::int64_t> number = bounded_number(*value, "/timeouts/" + std::string(name), 1,
                                                 kMaxMilliseconds, "milliseconds");
    if (!number.ok()) return number.status();
    *target = milliseconds(*number);
  }
  return Status();
}

}  // namespace

std::string_view tls_mode_name(TlsMode mode) {
  switch (mode) {
    case TlsMode::kStartTls:
      return "starttls";
    case TlsMode::kImplicit:
      return "implicit";
    case TlsMode::kNone:
      return "none";
  }
  return "starttls";
}

bool loopback_host(std::string_view host) {
  if (lower(host) == "localhost") return true;
  Poco::Net::IPAddress address;
  return Poco::Net::IPAddress::tryParse(std::string(host), address) && address.isLoopback();
}

bool valid_helo_name(std::string_view name) {
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
    std::string_view literal = name.substr(1, name.size() - 2);
    Poco::Net::IPAddress address;
    if (literal.substr(0, 5) == "IPv6:") {
      return Poco::Net::IPAddress::tryParse(std::string(literal.substr(5)), address) &&
             address.family() == Poco::Net::IPAddress::IPv6;
    }
    // RFC 5321 section 4.1.3 allows only the dotted quad, not shorter inet_aton forms.
    return std::count(literal.begin(), literal.end(), '.') == 3 &&
           Poco::Net::IPAddress::tryParse(std::string(literal), address) &&
           address.family() == Poco::Net::IPAddress::IPv4;
  }
  return valid_domain(name);
}

std::string qualified_host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return {};
  const std::string_view host(name);
  if (host.find('.') == std::string_view::npos || !valid_helo_name(host)) return {};
  return std::string(host);
}

std::string address_literal(const std::string& address, bool ipv6) {
  return ipv6 ? "[IPv6:" + address + "]" : "[" + address + "]";
}

Result<Settings> parse_settings(const PluginContext& context) {
  json root = json::parse(context.settings_json, nullptr, false);
  if (root.is_discarded() || !root.is_object()) {
    return Status::invalid_argument("smtp settings must be a JSON object");
  }
  if (Status names = check_names(root, "", kKnownSettings); !names.ok()) return names;
  Settings settings;
  if (Status status = read_host(root, settings); !status.ok()) return status;
  if (Status status = read_tls(root, settings); !status.ok()) return status;
  if (Status status = read_port(root, settings); !status.ok()) return status;
  if (Status status = read_credentials(context, root, settings); !status.ok()) return status;
  if (Status status = read_ca_file(context, root, settings); !status.ok()) return status;
  if (Status status = read_helo_name(root, settings); !status.ok()) return status;
  if (Status status = read_pool(root, settings); !status.ok()) return status;
  if (Status status = read_timeouts(root, settings); !status.ok()) return status;
  return settings;
}

}  // namespace outbound::smtp
