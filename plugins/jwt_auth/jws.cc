#include "jwt_auth/jws.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "jwt_auth/base64url.h"
#include "jwt_auth/rejection.h"

namespace outbound::jwt {
namespace {

Status malformed(std::string message) {
  return token_rejected(auth_reason::kMalformed, std::move(message));
}

// The three segments of a compact JWS, pointing into the token.
struct Segments {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
  std::string_view signing_input;
};

Status split_compact(std::string_view token, std::size_t max_token_bytes, Segments& segments) {
  if (token.size() > max_token_bytes) {
    return malformed("token is " + std::to_string(token.size()) + " bytes, more than the " +
                     std::to_string(max_token_bytes) + " that max_token_bytes allows");
  }
  const char* begin = token.data();
  const char* end = begin + token.size();
  const auto* first_dot = static_cast<const char*>(std::memchr(begin, '.', token.size()));
  const auto* second_dot =
      first_dot == nullptr
          ? nullptr
          : static_cast<const char*>(std::memchr(first_dot + 1, '.', end - first_dot - 1));
  if (second_dot == nullptr || std::memchr(second_dot + 1, '.', end - second_dot - 1) != nullptr) {
    const auto dots = static_cast<std::size_t>(std::count(begin, end, '.'));
    return malformed("token has " + std::to_string(dots + 1) +
                     " segments; a compact JWS has exactly 3, separated by dots");
  }
  const auto offset = [begin](const char* position) {
    return static_cast<std::size_t>(position - begin);
  };
  segments.header = token.substr(0, offset(first_dot));
  segments.payload =
      token.substr(offset(first_dot) + 1, offset(second_dot) - offset(first_dot) - 1);
  segments.signature = token.substr(offset(second_dot) + 1);
  segments.signing_input = token.substr(0, offset(second_dot));
  return Status();
}

Status not_base64url(const char* name) {
  return malformed(std::string("token ") + name +
                   " segment is not strict base64url (padding, '+', '/', whitespace and a "
                   "non-zero final bit are rejected)");
}

// Decodes the header or payload segment into `out`, sized once.
Status decode_text_segment(std::string_view segment, const char* name, std::string& out) {
  if (segment.empty()) return malformed(std::string("token ") + name + " segment is empty");
  out.resize(base64url_decoded_size(segment.size()));
  if (!base64url_decode_to(segment, out.data())) return not_base64url(name);
  return Status();
}

// SignatureBytes is a decoded signature, kept on the stack when it fits. Signatures of RSA keys
// up to 8192 bits and every HMAC, ECDSA and EdDSA signature fit.
class SignatureBytes {
 public:
  // Decodes `segment`. An empty segment gives an empty signature, so that the header decides
  // the reason: `alg:none` is rejected as a forbidden algorithm, and a stripped signature as a
  // bad signature.
  Status decode(std::string_view segment) {
    size_ = base64url_decoded_size(segment.size());
    if (size_ > inline_.size()) heap_.resize(size_);
    char* out = size_ > inline_.size() ? heap_.data() : inline_.data();
    if (!segment.empty() && !base64url_decode_to(segment, out)) return not_base64url("signature");
    return Status();
  }

  std::string_view view() const {
    return std::string_view(size_ > inline_.size() ? heap_.data() : inline_.data(), size_);
  }

 private:
  std::array<char, 1024> inline_;
  std::string heap_;
  std::size_t size_ = 0;
};

// Runs the structural checks in order: size, segments, each segment's base64url, then the
// header JSON.
Status decode_parts(std::string_view token, std::size_t max_token_bytes, std::string& header_json,
                    std::string& payload, SignatureBytes& signature, JwsHeader& header,
                    std::string_view& signing_input) {
  Segments segments;
  if (Status split = split_compact(token, max_token_bytes, segments); !split.ok()) return split;
  signing_input = segments.signing_input;
  if (Status decoded = decode_text_segment(segments.header, "header", header_json); !decoded.ok()) {
    return decoded;
  }
  if (Status decoded = decode_text_segment(segments.payload, "payload", payload); !decoded.ok()) {
    return decoded;
  }
  if (Status decoded = signature.decode(segments.signature); !decoded.ok()) return decoded;

  if (Status parsed = parse_jws_header(header_json, header); !parsed.ok()) {
    return malformed("token header " + parsed.message());
  }
  return Status();
}

}  // namespace

Result<DecodedJws> decode_compact(std::string_view token, std::size_t max_token_bytes) {
  DecodedJws decoded;
  SignatureBytes signature;
  if (Status status = decode_parts(token, max_token_bytes, decoded.header_json, decoded.payload,
                                   signature, decoded.header, decoded.signing_input);
      !status.ok()) {
    return status;
  }
  decoded.signature.assign(signature.view());
  return decoded;
}

Status verify_compact_into(const KeySet& keys, std::string_view token, std::size_t max_token_bytes,
                           VerifiedJws& verified) {
  SignatureBytes signature;
  std::string_view signing_input;
  if (Status status = decode_parts(token, max_token_bytes, verified.header_json, verified.payload,
                                   signature, verified.header, signing_input);
      !status.ok()) {
    return status;
  }
  const JwsHeader& header = verified.header;

  Algorithm algorithm = Algorithm::kHs256;
  if (Status allowed = check_algorithm(header, keys, algorithm); !allowed.ok()) return allowed;
  if (Status critical = check_critical(header); !critical.ok()) return critical;

  const std::string* key_id = nullptr;
  if (header.kid.present) {
    if (header.kid.type != JsonType::kString) return malformed("token header kid is not a string");
    key_id = &header.kid.value;
  }
  Result<const Key*> key = keys.select(algorithm, key_id);
  if (!key.ok()) return key.status();

  if (signature.view().empty()) {
    return token_rejected(auth_reason::kBadSignature, "token has no signature");
  }
  if (!(*key)->verify(signing_input, signature.view())) {
    std::string key_description = (*key)->key_id().empty()
                                      ? "the " + std::string(algorithm_name(algorithm)) + " key"
                                      : "key \"" + (*key)->key_id() + "\"";
    return token_rejected(auth_reason::kBadSignature,
                          "token signature does not verify with " + key_description);
  }
  verified.key = *key;
  return Status();
}

Result<VerifiedJws> verify_compact(const KeySet& keys, std::string_view token,
                                   std::size_t max_token_bytes) {
  VerifiedJws verified;
  if (Status status = verify_compact_into(keys, token, max_token_bytes, verified); !status.ok()) {
    return status;
  }
  return verified;
}

Result<std::string> sign_compact(const Key& key, std::string_view header_json,
                                 std::string_view payload) {
  std::string token;
  base64url_append(header_json, token);
  token += '.';
  base64url_append(payload, token);
  Result<std::string> signature = key.sign(token);
  if (!signature.ok()) return signature.status();
  token += '.';
  base64url_append(*signature, token);
  return token;
}

}  // namespace outbound::jwt
