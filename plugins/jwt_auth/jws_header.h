#pragma once

#include <string>
#include <string_view>

#include "jwt_auth/algorithm.h"
#include "jwt_auth/json_scanner.h"
#include "jwt_auth/key_set.h"
#include "outbound/status.h"

namespace outbound::jwt {

/// HeaderMember is one member of a protected header that verification reads.
struct HeaderMember {
  bool present = false;
  JsonType type = JsonType::kNull;
  /// The unescaped value of a string, and the JSON text of any other value.
  std::string value;
};

/// JwsHeader is what verification reads from a protected header. Other members, such as the
/// key-carrying `jwk`, `jku`, `x5u` and `x5c`, are validated as JSON and otherwise ignored,
/// because keys come from the configuration only.
struct JwsHeader {
  HeaderMember alg;
  HeaderMember kid;
  HeaderMember typ;
  HeaderMember crit;
};

/// Parses a protected header into `header`, which must be default-constructed, with
/// scan_json_object(): strict JSON, one object, no repeated member names, nesting within
/// kMaxJsonDepth. Returns kInvalidArgument with the scanner's message ("is not valid JSON:
/// ...") otherwise.
Status parse_jws_header(std::string_view header_json, JwsHeader& header);

/// Applies the header policy to `alg` and sets `algorithm` to the algorithm it names. Rejects a
/// missing or non-string `alg` (reason malformed), `none` in any casing and an algorithm no
/// key in `keys` is bound to (reason algorithm_not_allowed).
Status check_algorithm(const JwsHeader& header, const KeySet& keys, Algorithm& algorithm);

/// Rejects any `crit`, because no JWS extension is supported here (RFC 7515 section 4.1.11):
/// reason unsupported_critical, or malformed when `crit` is not a non-empty array of strings.
Status check_critical(const JwsHeader& header);

}  // namespace outbound::jwt
