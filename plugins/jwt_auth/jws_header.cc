#include "jwt_auth/jws_header.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "jwt_auth/json_text.h"
#include "jwt_auth/rejection.h"

namespace outbound::jwt {
namespace {

Status malformed(std::string message) {
  return token_rejected(auth_reason::kMalformed, std::move(message));
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// HeaderReader picks the members verification reads out of the scanner's members.
class HeaderReader final : public JsonMemberHandler {
 public:
  explicit HeaderReader(JwsHeader& header) : header_(header) {}

  void member(std::string_view name, const JsonValue& value) override {
    HeaderMember* member = nullptr;
    if (name == "alg") {
      member = &header_.alg;
    } else if (name == "kid") {
      member = &header_.kid;
    } else if (name == "typ") {
      member = &header_.typ;
    } else if (name == "crit") {
      member = &header_.crit;
    } else {
      return;
    }
    member->present = true;
    member->type = value.type;
    if (value.type == JsonType::kString) {
      const std::string_view content = json_string_content(value.text, member->value);
      // Without escapes the content points into the header text; copy it.
      if (content.data() != member->value.data()) member->value.assign(content);
    } else {
      member->value.assign(value.text);
    }
  }

 private:
  JwsHeader& header_;
};

}  // namespace

Status parse_jws_header(std::string_view header_json, JwsHeader& header) {
  HeaderReader reader(header);
  return scan_json_object(header_json, &reader);
}

Status check_algorithm(const JwsHeader& header, const KeySet& keys, Algorithm& algorithm) {
  if (!header.alg.present) return malformed("token header has no alg");
  if (header.alg.type != JsonType::kString) return malformed("token header alg is not a string");
  const std::string& name = header.alg.value;

  if (equals_ignoring_case(name, "none")) {
    return token_rejected(auth_reason::kAlgorithmNotAllowed,
                          "token alg " + quote_token_value(name) +
                              " marks an unsecured JWS, which is never accepted");
  }
  const std::optional<Algorithm> parsed = parse_algorithm(name);
  if (!parsed || !keys.allows(*parsed)) {
    return token_rejected(auth_reason::kAlgorithmNotAllowed,
                          "token alg " + quote_token_value(name) +
                              " is not allowed; the configured keys use " +
                              keys.allowed_algorithm_names());
  }
  algorithm = *parsed;
  return Status();
}

// RFC 7515 section 4.1.11: a recipient must reject a JWS whose `crit` lists an extension it
// does not understand, and `crit` must be a non-empty array of names. No extension is
// understood here, so every well-formed `crit` is rejected.
Status check_critical(const JwsHeader& header) {
  if (!header.crit.present) return Status();
  const char* const not_names = "token header crit is not a non-empty array of header names";
  if (header.crit.type != JsonType::kArray) return malformed(not_names);
  JsonArrayReader names(header.crit.value);
  JsonValue first;
  if (!names.next(first)) return malformed(not_names);
  JsonValue name = first;
  do {
    if (name.type != JsonType::kString) {
      return malformed("token header crit lists a value that is not a name");
    }
  } while (names.next(name));
  std::string storage;
  return token_rejected(auth_reason::kUnsupportedCritical,
                        "token header crit requires the extension " +
                            quote_token_value(json_string_content(first.text, storage)) +
                            ", which this verifier does not support");
}

}  // namespace outbound::jwt
