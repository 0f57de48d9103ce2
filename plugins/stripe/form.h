#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "outbound/status.h"

namespace outbound::stripe {

/// Percent-encodes `text` for a form body or a query string: every byte except the RFC 3986
/// unreserved characters (A-Z a-z 0-9 - . _ ~) becomes %XX, so UTF-8 text, spaces and the
/// characters that carry structure (& = # [ ] + %) round-trip exactly.
std::string percent_encode(std::string_view text);

/// Form builds an `application/x-www-form-urlencoded` body or query string with Stripe's
/// nesting rules: `metadata[key]=value`, arrays numbered from 0 (`expand[0]=customer`), nested
/// objects as further brackets (`items[0][price]=price_1`), booleans as `true` and `false`.
///
/// Names are written as given, with their brackets literal; every key and value inside them is
/// percent-encoded. Pairs keep the order they were added in, so one call always produces the
/// same bytes, which a retry under the same idempotency key must send.
class Form {
 public:
  /// Adds `name=value`; `name` may already be nested ("created[gte]").
  Form& add(std::string_view name, std::string_view value);
  Form& add(std::string_view name, std::int64_t value);
  Form& add_bool(std::string_view name, bool value);
  /// Adds `name[key]=value` for each entry, in key order.
  Form& add_map(std::string_view name, const std::map<std::string, std::string>& entries);
  /// Adds `name[0]=...`, `name[1]=...`.
  Form& add_list(std::string_view name, const std::vector<std::string>& values);

  /// Returns "a=1&b=2", or an empty string when nothing was added.
  const std::string& encoded() const { return encoded_; }
  bool empty() const { return encoded_.empty(); }

  /// Returns `name[key]` with `key` percent-encoded, for a name that nests one level.
  static std::string nested(std::string_view name, std::string_view key);

 private:
  void append(std::string_view encoded_name, std::string_view value);

  std::string encoded_;
};

/// Stripe's metadata limits: at most 50 keys, keys of 1 to 40 characters without `[` or `]`
/// (the server reads brackets as nesting, so such a key cannot round-trip), values of at most
/// 500 characters. Returns kInvalidArgument naming the key and the limit. `allow_empty_values`
/// is true for updates, where an empty value removes the key.
Status check_metadata(const std::map<std::string, std::string>& metadata, bool allow_empty_values);

}  // namespace outbound::stripe
