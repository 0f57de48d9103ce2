#include "config/http_settings.h"

#include <cstdint>
#include <limits>
#include <string>
#include <system_error>

#include "config/value_checks.h"

namespace outbound::config {
namespace {

const std::vector<std::string> kHttpKeys = {"max_connections_per_host", "idle_timeout_ms",
                                            "max_response_bytes", "verify_tls"};

/// Reads a whole number in [low, high] at `pointer`, or records why it is not one.
std::optional<std::int64_t> read_bounded(const Json& value, const std::string& pointer,
                                         std::int64_t low, std::int64_t high, const char* unit,
                                         Diagnostics& diagnostics) {
  const std::string range = "give a whole number of " + std::string(unit) + " from " +
                            std::to_string(low) + " to " + std::to_string(high);
  if (!value.is_number_integer()) {
    diagnostics.error(pointer, "expected a whole number, got " + value.dump(), range);
    return std::nullopt;
  }
  const bool negative =
      value.is_number_integer() && !value.is_number_unsigned() && value.get<std::int64_t>() < 0;
  if (negative ||
      (value.is_number_unsigned() &&
       value.get<std::uint64_t>() > static_cast<std::uint64_t>(high)) ||
      value.get<std::int64_t>() < low || value.get<std::int64_t>() > high) {
    diagnostics.error(pointer, value.dump() + " is out of range", range);
    return std::nullopt;
  }
  return value.get<std::int64_t>();
}

}  // namespace

void read_http_settings(Json& settings, std::string_view pointer,
                        const std::filesystem::path& base_directory,
                        const ReferenceResolver& resolver, Diagnostics& diagnostics,
                        HttpSettings& http) {
  const std::string base(pointer);
  if (const auto ca_file = settings.find("ca_file"); ca_file != settings.end()) {
    const std::string ca_pointer = base + "/ca_file";
    if (std::optional<std::string> path =
            read_string(*ca_file, ca_pointer, resolver, diagnostics)) {
      std::filesystem::path file(*path);
      if (file.is_relative()) file = base_directory / file;
      file = file.lexically_normal();
      std::error_code error;
      if (path->empty()) {
        diagnostics.error(ca_pointer, "the CA file path is empty",
                          "give the path of a PEM bundle, or remove ca_file to use the system "
                          "store");
      } else if (!std::filesystem::is_regular_file(file, error)) {
        diagnostics.error(ca_pointer, "the CA file " + file.string() + " does not exist",
                          "give the path of a PEM bundle, relative to the configuration file's "
                          "folder or absolute");
      } else {
        http.ca_file = file;
      }
    }
  }
  const auto found = settings.find("http");
  if (found == settings.end()) return;
  const std::string http_pointer = base + "/http";
  Json object = std::move(*found);
  settings.erase("http");
  if (!expect_object(object, http_pointer,
                     "{\"max_connections_per_host\": 10, \"idle_timeout_ms\": 30000}",
                     diagnostics)) {
    return;
  }
  check_keys(object, http_pointer, kHttpKeys, diagnostics);
  if (const auto value = object.find("max_connections_per_host"); value != object.end()) {
    if (auto number = read_bounded(*value, http_pointer + "/max_connections_per_host", 1, 1024,
                                   "connections", diagnostics)) {
      http.max_connections_per_host = static_cast<int>(*number);
    }
  }
  if (const auto value = object.find("idle_timeout_ms"); value != object.end()) {
    if (auto number = read_bounded(*value, http_pointer + "/idle_timeout_ms", 1, 3600000,
                                   "milliseconds", diagnostics)) {
      http.idle_timeout = std::chrono::milliseconds(*number);
    }
  }
  if (const auto value = object.find("max_response_bytes"); value != object.end()) {
    if (auto number = read_bounded(*value, http_pointer + "/max_response_bytes", 1024,
                                   std::int64_t{1} << 30, "bytes", diagnostics)) {
      http.max_response_bytes = static_cast<std::size_t>(*number);
    }
  }
  if (const auto value = object.find("verify_tls"); value != object.end()) {
    if (!value->is_boolean()) {
      diagnostics.error(http_pointer + "/verify_tls",
                        "expected true or false, got " + value->dump(),
                        "leave it out: TLS peers are verified by default");
    } else {
      http.verify_tls = value->get<bool>();
      if (!http.verify_tls) {
        diagnostics.warning(http_pointer + "/verify_tls",
                            "TLS verification is off: any server can pretend to be the "
                            "provider and read the credentials",
                            "remove verify_tls, and give ca_file for a private CA");
      }
    }
  }
}

std::string canonical_json(const HttpSettings& http) {
  nlohmann::json object = {{"ca_file", http.ca_file.string()},
                           {"idle_timeout_ms", http.idle_timeout.count()},
                           {"max_connections_per_host", http.max_connections_per_host},
                           {"max_response_bytes", http.max_response_bytes},
                           {"verify_tls", http.verify_tls}};
  return object.dump();
}

}  // namespace outbound::config
