#include "stripe/form.h"

namespace outbound::stripe {
namespace {

constexpr std::size_t kMaxMetadataKeys = 50;
constexpr std::size_t kMaxMetadataKeyLength = 40;
constexpr std::size_t kMaxMetadataValueLength = 500;

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Counts characters as Stripe does, in Unicode code points: a UTF-8 continuation byte does not
// start a character.
std::size_t character_count(std::string_view text) {
  std::size_t count = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++count;
  }
  return count;
}

// Quotes a metadata key for a message, cut short so that a huge key does not flood it.
std::string quoted(std::string_view key) {
  constexpr std::size_t kShown = 48;
  return "'" + std::string(key.substr(0, kShown)) + (key.size() > kShown ? "...'" : "'");
}

}  // namespace

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(text.size());
  for (unsigned char c : text) {
    if (unreserved(c)) {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 0x0F];
    }
  }
  return encoded;
}

std::string Form::nested(std::string_view name, std::string_view key) {
  return std::string(name) + "[" + percent_encode(key) + "]";
}

void Form::append(std::string_view encoded_name, std::string_view value) {
  if (!encoded_.empty()) encoded_ += '&';
  encoded_ += encoded_name;
  encoded_ += '=';
  encoded_ += percent_encode(value);
}

Form& Form::add(std::string_view name, std::string_view value) {
  // A name's brackets are structure and stay literal. The text between them is encoded.
  std::string encoded_name;
  std::size_t start = 0;
  while (start < name.size()) {
    const std::size_t bracket = name.find_first_of("[]", start);
    if (bracket == std::string_view::npos) {
      encoded_name += percent_encode(name.substr(start));
      break;
    }
    encoded_name += percent_encode(name.substr(start, bracket - start));
    encoded_name += name[bracket];
    start = bracket + 1;
  }
  append(encoded_name, value);
  return *this;
}

Form& Form::add(std::string_view name, std::int64_t value) {
  return add(name, std::to_string(value));
}

Form& Form::add_bool(std::string_view name, bool value) {
  return add(name, value ? "true" : "false");
}

Form& Form::add_map(std::string_view name, const std::map<std::string, std::string>& entries) {
  for (const auto& [key, value] : entries) append(nested(percent_encode(name), key), value);
  return *this;
}

Form& Form::add_list(std::string_view name, const std::vector<std::string>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    append(percent_encode(name) + "[" + std::to_string(i) + "]", values[i]);
  }
  return *this;
}

Status check_metadata(const std::map<std::string, std::string>& metadata, bool allow_empty_values) {
  if (metadata.size() > kMaxMetadataKeys) {
    return Status::invalid_argument("metadata has " + std::to_string(metadata.size()) +
                                    " keys; Stripe allows at most 50, so keep the rest in your "
                                    "own store under one key");
  }
  for (const auto& [key, value] : metadata) {
    if (key.empty()) {
      return Status::invalid_argument("metadata has an empty key; give every value a name");
    }
    if (key.find_first_of("[]") != std::string::npos) {
      return Status::invalid_argument(
          "metadata key " + quoted(key) +
          " contains a square bracket, which Stripe reads as nesting, so the key would not "
          "come back as sent; use other characters, such as ( and )");
    }
    if (character_count(key) > kMaxMetadataKeyLength) {
      return Status::invalid_argument("metadata key " + quoted(key) + " has " +
                                      std::to_string(character_count(key)) +
                                      " characters; Stripe allows at most 40");
    }
    if (value.empty() && !allow_empty_values) {
      return Status::invalid_argument("metadata key " + quoted(key) +
                                      " has an empty value; an empty value removes a key, "
                                      "which only an update can do");
    }
    if (character_count(value) > kMaxMetadataValueLength) {
      return Status::invalid_argument("metadata value of key " + quoted(key) + " has " +
                                      std::to_string(character_count(value)) +
                                      " characters; Stripe allows at most 500");
    }
  }
  return Status();
}

}  // namespace outbound::stripe
