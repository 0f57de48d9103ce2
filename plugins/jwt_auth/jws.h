#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "jwt_auth/jws_header.h"
#include "jwt_auth/key.h"
#include "jwt_auth/key_set.h"
#include "outbound/status.h"

namespace outbound::jwt {

/// The token size limit when the configuration sets no `max_token_bytes`.
inline constexpr std::size_t kDefaultMaxTokenBytes = 8192;

/// DecodedJws is a compact JWS that passed the structural checks, before any key is involved.
struct DecodedJws {
  /// The first two segments and the dot between them, which the signature covers. It points
  /// into the token given to decode_compact().
  std::string_view signing_input;
  /// The protected header exactly as decoded, and what verification reads from it.
  std::string header_json;
  JwsHeader header;
  /// The payload exactly as decoded; it is not parsed here.
  std::string payload;
  std::string signature;
};

/// Splits and decodes a compact JWS. Rejects, with reason malformed, a token longer than
/// `max_token_bytes`, anything but three segments separated by two dots, an empty header or
/// payload segment, a segment that is not strict base64url, and a header that parse_jws_header()
/// rejects. An empty signature segment is decoded as an empty signature.
Result<DecodedJws> decode_compact(std::string_view token, std::size_t max_token_bytes);

/// VerifiedJws is a compact JWS whose signature was verified, with its payload unparsed.
struct VerifiedJws {
  std::string header_json;
  JwsHeader header;
  std::string payload;
  /// The key that verified the signature; it stays valid as long as the KeySet.
  const Key* key = nullptr;
};

/// Verifies a compact JWS, in this order: structure (decode_compact), header policy, key
/// selection, signature (an empty one is bad_signature). The header policy rejects `none` in
/// any casing and an `alg` that no key is bound to (reason algorithm_not_allowed). It rejects
/// any `crit` header (see check_critical). A `kid` must be a string. Key-carrying headers
/// (`jwk`, `jku`, `x5u`, `x5c`) are ignored, because keys come from the configuration only.
Result<VerifiedJws> verify_compact(const KeySet& keys, std::string_view token,
                                   std::size_t max_token_bytes);

/// Does what verify_compact() does, into `verified`. It saves moving the result on the
/// verification path. After a rejection the members are unspecified, except that
/// `verified.header` is the parsed header whenever the reason is algorithm_not_allowed or
/// unknown_key, so that a caller can read the token's kid and look for the key elsewhere.
Status verify_compact_into(const KeySet& keys, std::string_view token, std::size_t max_token_bytes,
                           VerifiedJws& verified);

/// Signs `payload` under the protected header `header_json` with `key` and returns the
/// compact serialisation. Both are encoded byte for byte, without reformatting.
Result<std::string> sign_compact(const Key& key, std::string_view header_json,
                                 std::string_view payload);

}  // namespace outbound::jwt
