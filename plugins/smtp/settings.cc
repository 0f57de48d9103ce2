#include "smtp/settings.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include <Poco/Net/IPAddress.h>
#include <nlohmann/json.hpp>

#include "outbound/near_miss.h"
#include "outbound/setting_problems.h"

namespace outbound::smtp {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr std::array<std::string_view, 11> kKnownSettings = {
    "host",    "port",      "tls",  "allow_plaintext", "username", "password", "auth",
    "ca_file", "helo_name", "pool", "timeouts"};

constexpr std::array<std::string_view, 4> kPoolSettings = {
    "max_connections", "idle_ms", "close_idle_ms", "max_messages_per_connection"};

/// The largest timeout and idle time accepted: one hour, far beyond any server's own limits
/// (RFC 5321 section 4.5.3.2 suggests at most 10 minutes for the reply after the data).
constexpr std::int64_t kMaxMilliseconds = 3600000;

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

/// Returns the problem text for the unknown key `name` of the object at `base`. It suggests a
/// known key that differs only in case, in '-' for '_' or in a missing "_ms" suffix, then a
/// common synonym, then a known key within two edits. Without one it lists the known keys.
template <std::size_t N>
std::string unknown_name_problem(const std::string& name, const std::string& base,
                                 const std::array<std::string_view, N>& known) {
  std::string folded = lower(name);
  std::replace(folded.begin(), folded.end(), '-', '_');
  for (std::string_view candidate : known) {
    if (folded == candidate || folded + "_ms" == candidate) {
      return "is unknown; did you mean " + base + "/" + std::string(candidate) + "?";
    }
  }
  if (base.empty() && (name == "user" || name == "login")) {
    return "is unknown; did you mean /username?";
  }
  if (base.empty() && (name == "server" || name == "hostname")) {
    return "is unknown; did you mean /host?";
  }
  const std::vector<std::string> candidates(known.begin(), known.end());
  if (const std::optional<std::string> near = suggest_near_miss(name, candidates)) {
    return "is unknown; did you mean " + base + "/" + *near + "?";
  }
  return "is unknown; the known settings here are " + join(known);
}

/// Adds a problem for every key of `object` that is not one of `known`.
template <std::size_t N>
void check_names(const json& object, const std::string& base,
                 const std::array<std::string_view, N>& known, SettingProblems& problems) {
  for (auto member = object.begin(); member != object.end(); ++member) {
    const std::string& name = member.key();
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    problems.add(append_json_pointer(base, name), unknown_name_problem(name, base, known));
  }
}

/// Reads an optional non-empty string. Returns an empty string when the key is absent, and
/// nullopt after adding a problem when the value is not a non-empty string.
std::optional<std::string> string_setting(const json& root, const char* name,
                                          SettingProblems& problems) {
  const auto found = root.find(name);
  if (found == root.end()) return std::string();
  const std::string pointer = append_json_pointer("", name);
  if (!found->is_string()) {
    problems.add(pointer, std::string("must be a string, not a JSON ") + found->type_name());
    return std::nullopt;
  }
  if (found->get_ref<const std::string&>().empty()) {
    problems.add(pointer, "is empty; give a value or remove it");
    return std::nullopt;
  }
  return found->get<std::string>();
}

/// Reads a whole number in [low, high] at `pointer`. Adds a problem and returns nullopt when
/// the value is anything else.
std::optional<std::int64_t> bounded_number(const json& value, const std::string& pointer,
                                           std::int64_t low, std::int64_t high, const char* unit,
                                           SettingProblems& problems) {
  const std::string range = "; give a whole number of " + std::string(unit) + " from " +
                            std::to_string(low) + " to " + std::to_string(high);
  if (!value.is_number()) {
    problems.add(pointer, "must be a number, not a JSON " + std::string(value.type_name()) + range);
    return std::nullopt;
  }
  if (value.is_number_float()) {
    const double number = value.get<double>();
    if (number != static_cast<double>(static_cast<std::int64_t>(number)) ||
        number < static_cast<double>(low) || number > static_cast<double>(high)) {
      problems.add(pointer, "is " + value.dump() + range);
      return std::nullopt;
    }
    return static_cast<std::int64_t>(number);
  }
  // The parser stores non-negative integers as unsigned, and one above INT64_MAX must be
  // rejected before it is read as int64.
  const bool unsigned_above_high =
      value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(high);
  if (unsigned_above_high || value.get<std::int64_t>() < low || value.get<std::int64_t>() > high) {
    problems.add(pointer, "is " + value.dump() + range);
    return std::nullopt;
  }
  return value.get<std::int64_t>();
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

void read_host(const json& root, Settings& settings, SettingProblems& problems) {
  if (root.find("host") == root.end()) {
    problems.add("/host",
                 "is missing; give the SMTP server's host name, such as \"smtp.example.com\"");
    return;
  }
  std::optional<std::string> host = string_setting(root, "host", problems);
  if (!host) return;
  std::string value = std::move(*host);
  if (value.size() > 2 && value.front() == '[' && value.back() == ']') {
    value = value.substr(1, value.size() - 2);
  }
  Poco::Net::IPAddress literal;
  if (!Poco::Net::IPAddress::tryParse(value, literal) && !valid_domain(value)) {
    // "smtp.example.com:587": the port belongs in its own setting.
    const std::size_t colon = value.rfind(':');
    if (colon != std::string::npos && colon + 1 < value.size() &&
        value.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
      const std::string name = value.substr(0, colon);
      if (Poco::Net::IPAddress::tryParse(name, literal) || valid_domain(name)) {
        problems.add("/host", "is \"" + value + "\", a host and a port; give them apart, as " +
                                  "\"host\": \"" + name +
                                  "\", \"port\": " + value.substr(colon + 1));
        return;
      }
    }
    problems.add("/host", "is \"" + value +
                              "\", which is not a host name or IP address; give a name such as "
                              "\"smtp.example.com\" without a scheme, port or path");
    return;
  }
  settings.host = std::move(value);
}

/// Reads `tls` and `allow_plaintext`. Returns whether `tls` has a known value, without which
/// the default port and the checks that depend on encryption are unknown.
bool read_tls(const json& root, Settings& settings, SettingProblems& problems) {
  bool known = true;
  std::optional<std::string> tls = string_setting(root, "tls", problems);
  if (!tls) {
    known = false;
  } else if (tls->empty() || *tls == "starttls") {
    settings.tls = TlsMode::kStartTls;
  } else if (*tls == "implicit") {
    settings.tls = TlsMode::kImplicit;
  } else if (*tls == "none") {
    settings.tls = TlsMode::kNone;
  } else {
    problems.add("/tls", "is \"" + *tls + "\"; give \"starttls\", \"implicit\" or \"none\"");
    known = false;
  }

  bool allow_plaintext = false;
  if (const auto found = root.find("allow_plaintext"); found != root.end()) {
    if (!found->is_boolean()) {
      problems.add("/allow_plaintext", "must be true or false, not " + found->dump());
      return known;
    }
    allow_plaintext = found->get<bool>();
    if (allow_plaintext && known && settings.tls != TlsMode::kNone) {
      settings.warnings.push_back(
          {"/allow_plaintext", "is true and does nothing, because /tls is \"" +
                                   std::string(tls_mode_name(settings.tls)) +
                                   "\", which encrypts the connection; remove it"});
    }
  }
  if (known && settings.tls == TlsMode::kNone && !allow_plaintext) {
    problems.add("/tls",
                 "is \"none\", which sends mail unencrypted; add \"allow_plaintext\": true to "
                 "accept that, or use \"starttls\" or \"implicit\"");
  }
  return known;
}

void read_port(const json& root, Settings& settings, SettingProblems& problems) {
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
  if (found == root.end()) return;
  if (const auto port = bounded_number(*found, "/port", 1, 65535, "the port", problems)) {
    settings.port = static_cast<std::uint16_t>(*port);
  }
}

void read_auth_mechanism(const json& root, Settings& settings, SettingProblems& problems) {
  std::optional<std::string> auth = string_setting(root, "auth", problems);
  if (!auth) return;
  if (auth->empty() || *auth == "auto") {
    settings.auth = AuthMechanism::kAuto;
  } else if (*auth == "plain") {
    settings.auth = AuthMechanism::kPlain;
  } else if (*auth == "login") {
    settings.auth = AuthMechanism::kLogin;
  } else {
    problems.add("/auth", "is \"" + *auth + "\"; give \"auto\", \"plain\" or \"login\"");
  }
}

/// Reads the password of a configured username. Returns nullopt after adding a problem.
std::optional<Secret> read_password(const PluginContext& context, SettingProblems& problems) {
  // NOTE: a password written as a literal in the configuration cannot be distinguished from a
  // resolved "${env:...}" or "${file:...}" reference here, because the host moves both into
  // PluginContext::secrets and redacts both in the settings text. So a literal password gets
  // no warning.
  Result<Secret> password = context.secret_setting("/password");
  if (!password.ok()) {
    problems.add("/password", "must be a string holding the password");
    return std::nullopt;
  }
  if (password->empty()) {
    problems.add("/password", "is empty; give the password");
    return std::nullopt;
  }
  if (password->expose().find('\0') != std::string_view::npos) {
    problems.add("/password", "contains a NUL character, which AUTH PLAIN cannot carry");
    return std::nullopt;
  }
  return std::move(password).value();
}

void read_credentials(const PluginContext& context, const json& root, bool tls_known,
                      Settings& settings, SettingProblems& problems) {
  std::optional<std::string> username = string_setting(root, "username", problems);
  const bool has_password = root.find("password") != root.end();
  const bool has_auth = root.find("auth") != root.end();
  if (!username) {
    // The username is wrong, so only the settings that go with it can still be checked.
    if (has_auth) read_auth_mechanism(root, settings, problems);
    return;
  }
  if (username->empty()) {
    if (has_password) {
      problems.add("/username", "is missing while /password is given; give both or neither");
    }
    if (has_auth) {
      problems.add("/auth", "is given without /username; AUTH needs a user name and password");
      // The value is checked all the same, so that a wrong one shows in the same run.
      read_auth_mechanism(root, settings, problems);
    }
    return;
  }

  if (has_control(*username)) {
    problems.add("/username", "contains a control character or line break");
  }
  std::optional<Secret> password;
  if (has_password) {
    password = read_password(context, problems);
  } else {
    problems.add("/password",
                 "is missing while /username is given; give both or neither, for example "
                 "\"${env:SMTP_PASSWORD}\"");
  }
  // settings.host is empty when /host has a problem, and then its kind is unknown.
  if (tls_known && !settings.host.empty() && settings.tls == TlsMode::kNone &&
      !loopback_host(settings.host)) {
    problems.add("/username",
                 "is given with \"tls\": \"none\" and the non-loopback host \"" + settings.host +
                     "\"; the password would cross the network unencrypted; use \"starttls\" "
                     "or \"implicit\"");
  }
  read_auth_mechanism(root, settings, problems);
  settings.username = std::move(*username);
  if (password) settings.password = std::move(*password);
}

void read_ca_file(const PluginContext& context, const json& root, bool tls_known,
                  Settings& settings, SettingProblems& problems) {
  std::optional<std::string> ca_file = string_setting(root, "ca_file", problems);
  if (!ca_file || ca_file->empty()) return;
  std::filesystem::path path(*ca_file);
  if (path.is_relative()) path = std::filesystem::path(context.base_directory) / path;
  path = path.lexically_normal();
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    problems.add("/ca_file", "names " + path.string() +
                                 ", which is not a file; give a PEM bundle, relative to the "
                                 "configuration file's folder or absolute");
    return;
  }
  if (!std::ifstream(path, std::ios::binary).good()) {
    problems.add("/ca_file", "names " + path.string() + ", which cannot be read");
    return;
  }
  settings.ca_file = path.string();
  if (tls_known && settings.tls == TlsMode::kNone) {
    settings.warnings.push_back({"/ca_file",
                                 "does nothing, because /tls is \"none\" and no server "
                                 "certificate is verified; remove it, or use \"starttls\" or "
                                 "\"implicit\""});
  }
}

void read_helo_name(const json& root, Settings& settings, SettingProblems& problems) {
  std::optional<std::string> helo = string_setting(root, "helo_name", problems);
  if (!helo) return;
  if (helo->empty()) {
    settings.helo_name = qualified_host_name();
    return;
  }
  if (!valid_helo_name(*helo)) {
    problems.add("/helo_name", "is \"" + *helo +
                                   "\", which is not a domain name or address literal; give "
                                   "this machine's name, such as \"mail.example.com\"");
    return;
  }
  settings.helo_name = std::move(*helo);
}

void read_pool(const json& root, Settings& settings, SettingProblems& problems) {
  const auto found = root.find("pool");
  if (found == root.end()) return;
  if (!found->is_object()) {
    problems.add("/pool", "must be an object such as {\"max_connections\": 4}");
    return;
  }
  check_names(*found, "/pool", kPoolSettings, problems);
  if (const auto value = found->find("max_connections"); value != found->end()) {
    if (const auto number =
            bounded_number(*value, "/pool/max_connections", 1, 1000, "connections", problems)) {
      settings.pool.max_connections = static_cast<int>(*number);
    }
  }
  if (const auto value = found->find("idle_ms"); value != found->end()) {
    if (const auto number = bounded_number(*value, "/pool/idle_ms", 1, kMaxMilliseconds,
                                           "milliseconds", problems)) {
      settings.pool.idle = milliseconds(*number);
    }
  }
  if (const auto value = found->find("close_idle_ms"); value != found->end()) {
    if (const auto number = bounded_number(*value, "/pool/close_idle_ms", 1, kMaxMilliseconds,
                                           "milliseconds", problems)) {
      settings.pool.close_idle = milliseconds(*number);
    }
  }
  if (const auto value = found->find("max_messages_per_connection"); value != found->end()) {
    if (const auto number = bounded_number(*value, "/pool/max_messages_per_connection", 1, 1000000,
                                           "messages", problems)) {
      settings.pool.max_messages_per_connection = static_cast<int>(*number);
    }
  }
}

void read_timeouts(const json& root, Settings& settings, SettingProblems& problems) {
  const auto found = root.find("timeouts");
  if (found == root.end()) return;
  if (!found->is_object()) {
    problems.add("/timeouts", "must be an object such as {\"data_end_ms\": 120000}");
    return;
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
  check_names(*found, "/timeouts", names, problems);
  for (const auto& [name, target] : stages) {
    const auto value = found->find(std::string(name));
    if (value == found->end()) continue;
    if (const auto number = bounded_number(*value, "/timeouts/" + std::string(name), 1,
                                           kMaxMilliseconds, "milliseconds", problems)) {
      *target = milliseconds(*number);
    }
  }
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
  SettingProblems problems;
  json root = json::parse(context.settings_json, nullptr, false);
  if (root.is_discarded() || !root.is_object()) {
    problems.add("", "must be a JSON object");
    return problems.status();
  }
  check_names(root, "", kKnownSettings, problems);
  Settings settings;
  read_host(root, settings, problems);
  const bool tls_known = read_tls(root, settings, problems);
  read_port(root, settings, problems);
  read_credentials(context, root, tls_known, settings, problems);
  read_ca_file(context, root, tls_known, settings, problems);
  read_helo_name(root, settings, problems);
  read_pool(root, settings, problems);
  read_timeouts(root, settings, problems);
  if (!problems.empty()) return problems.status();
  return settings;
}

}  // namespace outbound::smtp
