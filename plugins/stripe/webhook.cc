#include "stripe/webhook.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace outbound::stripe {
namespace {

using nlohmann::json;

Status rejected(const char* reason, const std::string& message) {
  return Status::unauthenticated("the webhook is not from Stripe: " + message)
      .set_reason(reason)
      .set_retryable(false);
}

/// Parses the decimal timestamp of `t=`; returns false for anything but 1 to 18 digits.
bool parse_timestamp(std::string_view text, std::int64_t& timestamp) {
  if (text.empty() || text.size() > 18) return false;
  timestamp = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    timestamp = timestamp * 10 + (c - '0');
  }
  return true;
}

bool is_lower_hex_digest(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<WebhookEvent> parse_event(std::string_view payload) {
  json document = json::parse(payload.begin(), payload.end(), nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    return Status::invalid_argument("the webhook payload is not a JSON object")
        .set_reason(kMalformedEvent);
  }

  const auto id = document.find("id");
  const auto type = document.find("type");
  const auto data = document.find("data");
  if (id == document.end() || !id->is_string() || type == document.end() || !type->is_string() ||
      data == document.end() || !data->is_object() || !data->contains("object")) {
    return Status::invalid_argument(
               "the webhook payload is not a Stripe event: it needs the strings \"id\" and "
               "\"type\" and the object \"data\" with \"object\"")
        .set_reason(kMalformedEvent);
  }

  WebhookEvent event;
  event.id = id->get<std::string>();
  event.type = type->get<std::string>();
  if (const auto version = document.find("api_version");
      version != document.end() && version->is_string()) {
    event.api_version = version->get<std::string>();
  }
  if (const auto created = document.find("created");
      created != document.end() && created->is_number_integer()) {
    event.created =
        std::chrono::system_clock::time_point(std::chrono::seconds(created->get<std::int64_t>()));
  }
  if (const auto livemode = document.find("livemode");
      livemode != document.end() && livemode->is_boolean()) {
    event.livemode = livemode->get<bool>();
  }

  event.data_object_json = (*data)["object"].dump();
  event.raw_json = std::string(payload);
  return event;
}

}  // namespace

std::string webhook_signature(std::string_view secret, std::int64_t timestamp,
                              std::string_view payload) {
  const std::string signed_text = std::to_string(timestamp) + "." + std::string(payload);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), digest,
       &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0x0f];
  }
  return hex;
}

Result<WebhookEvent> verify_webhook(std::string_view signature_header, std::string_view payload,
                                    const Secret& secret, std::chrono::seconds tolerance,
                                    std::chrono::system_clock::time_point now) {
  if (signature_header.empty()) {
    return rejected(kMalformedSignatureHeader,
                    "the Stripe-Signature header is empty; pass the header's value as received");
  }
  std::int64_t timestamp = -1;
  std::vector<std::string_view> signatures;
  std::string_view rest = signature_header;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view part = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const std::size_t equals = part.find('=');
    if (equals == std::string_view::npos || equals == 0) {
      return rejected(kMalformedSignatureHeader,
                      "the Stripe-Signature header has a part without 'key=value'; expected "
                      "t=<unix seconds>,v1=<hex>");
    }
    const std::string_view key = part.substr(0, equals);
    const std::string_view value = part.substr(equals + 1);
    if (key == "t") {
      if (timestamp >= 0 || !parse_timestamp(value, timestamp)) {
        return rejected(kMalformedSignatureHeader,
                        "the Stripe-Signature header's t= is not one whole number of seconds");
      }
    } else if (key == "v1") {
      signatures.push_back(value);
    }
    // v0 and unknown schemes are ignored, as Stripe documents.
  }
  if (timestamp < 0) {
    return rejected(kMissingTimestamp, "the Stripe-Signature header has no t=<unix seconds>");
  }
  if (signatures.empty()) {
    return rejected(kNoValidSignature,
                    "the Stripe-Signature header has no v1 signature (v0 and other schemes are "
                    "not accepted)");
  }
  const std::string expected = webhook_signature(secret.expose(), timestamp, payload);
  bool matched = false;
  for (std::string_view candidate : signatures) {
    // Every candidate is compared, so the time taken does not tell which one matched.
    if (is_lower_hex_digest(candidate) &&
        CRYPTO_memcmp(candidate.data(), expected.data(), expected.size()) == 0) {
      matched = true;
    }
  }
  if (!matched) {
    return rejected(kNoValidSignature,
                    "no v1 signature matches the payload under the configured webhook_secret; "
                    "check the secret of this endpoint and that the body is passed unchanged");
  }
  const auto sent = std::chrono::system_clock::time_point(std::chrono::seconds(timestamp));
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - sent);
  if (age > tolerance || -age > tolerance) {
    return rejected(kStaleTimestamp,
                    "the signature's timestamp is " + std::to_string(age.count()) +
                        " s from now, outside the tolerance of " +
                        std::to_string(tolerance.count()) +
                        " s (webhook_tolerance_s); a replayed or delayed delivery, or a clock "
                        "that is off");
  }
  return parse_event(payload);
}

}  // namespace outbound::stripe
