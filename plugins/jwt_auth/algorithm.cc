#include "jwt_auth/algorithm.h"

namespace outbound::jwt {

std::string_view algorithm_name(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kHs256:
      return "HS256";
    case Algorithm::kHs384:
      return "HS384";
    case Algorithm::kHs512:
      return "HS512";
    case Algorithm::kRs256:
      return "RS256";
    case Algorithm::kRs384:
      return "RS384";
    case Algorithm::kRs512:
      return "RS512";
    case Algorithm::kPs256:
      return "PS256";
    case Algorithm::kPs384:
      return "PS384";
    case Algorithm::kPs512:
      return "PS512";
    case Algorithm::kEs256:
      return "ES256";
    case Algorithm::kEs384:
      return "ES384";
    case Algorithm::kEdDsa:
      return "EdDSA";
  }
  return "unknown";
}

std::optional<Algorithm> parse_algorithm(std::string_view name) {
  for (Algorithm algorithm : kAllAlgorithms) {
    if (algorithm_name(algorithm) == name) return algorithm;
  }
  return std::nullopt;
}

std::string supported_algorithm_names() {
  std::string names;
  for (Algorithm algorithm : kAllAlgorithms) {
    if (!names.empty()) names += ", ";
    names += algorithm_name(algorithm);
  }
  return names;
}

AlgorithmFamily algorithm_family(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kHs256:
    case Algorithm::kHs384:
    case Algorithm::kHs512:
      return AlgorithmFamily::kHmac;
    case Algorithm::kRs256:
    case Algorithm::kRs384:
    case Algorithm::kRs512:
      return AlgorithmFamily::kRsaPkcs1;
    case Algorithm::kPs256:
    case Algorithm::kPs384:
    case Algorithm::kPs512:
      return AlgorithmFamily::kRsaPss;
    case Algorithm::kEs256:
    case Algorithm::kEs384:
      return AlgorithmFamily::kEcdsa;
    case Algorithm::kEdDsa:
      return AlgorithmFamily::kEdDsa;
  }
  return AlgorithmFamily::kHmac;
}

const char* digest_name(Algorithm algorithm) {
  switch (digest_size(algorithm)) {
    case 32:
      return "SHA256";
    case 48:
      return "SHA384";
    case 64:
      return "SHA512";
    default:
      return nullptr;
  }
}

std::size_t digest_size(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kHs256:
    case Algorithm::kRs256:
    case Algorithm::kPs256:
    case Algorithm::kEs256:
      return 32;
    case Algorithm::kHs384:
    case Algorithm::kRs384:
    case Algorithm::kPs384:
    case Algorithm::kEs384:
      return 48;
    case Algorithm::kHs512:
    case Algorithm::kRs512:
    case Algorithm::kPs512:
      return 64;
    case Algorithm::kEdDsa:
      return 0;
  }
  return 0;
}

std::size_t ecdsa_field_size(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kEs256:
      return 32;
    case Algorithm::kEs384:
      return 48;
    default:
      return 0;
  }
}

}  // namespace outbound::jwt
