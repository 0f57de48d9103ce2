#include "bench/jwt/phases.h"

#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "bench/jwt/fixtures.h"
#include "bench/jwt/openssl_handles.h"
#include "jwt_auth/base64url.h"
#include "jwt_auth/claims.h"
#include "jwt_auth/ecdsa_signature.h"
#include "jwt_auth/json_object.h"
#include "jwt_auth/jws.h"

namespace outbound::bench {
namespace {

constexpr std::array<jwt::Algorithm, 4> kAlgorithms = {
    jwt::Algorithm::kHs256, jwt::Algorithm::kRs256, jwt::Algorithm::kEs256, jwt::Algorithm::kEdDsa};

// PhaseInput is a fixture token taken apart once, so each phase can run on its own input.
struct PhaseInput {
  const TokenFixture* fixture = nullptr;
  jwt::DecodedJws decoded;
  nlohmann::json claims;
  const jwt::Key* key = nullptr;
};

std::optional<PhaseInput> prepare(benchmark::State& state, jwt::Algorithm algorithm) {
  Result<const TokenFixture*> fixture = token_fixture(algorithm);
  if (!fixture.ok()) {
    state.SkipWithError(fixture.status().message().c_str());
    return std::nullopt;
  }
  const jwt::Verifier& verifier = (*fixture)->config.verifier;
  Result<jwt::DecodedJws> decoded =
      jwt::decode_compact((*fixture)->token, verifier.options().max_token_bytes);
  if (!decoded.ok()) {
    state.SkipWithError(decoded.status().message().c_str());
    return std::nullopt;
  }
  Result<nlohmann::json> claims = jwt::parse_json_object(decoded->payload);
  if (!claims.ok()) {
    state.SkipWithError(("the fixture payload " + claims.status().message()).c_str());
    return std::nullopt;
  }
  if (verifier.keys().keys().size() != 1) {
    state.SkipWithError("the fixture verifier has more than one key; the phases expect one");
    return std::nullopt;
  }
  return PhaseInput{*fixture, std::move(decoded).value(), std::move(claims).value(),
                    &verifier.keys().keys().front()};
}

// Runs `step` on the prepared input until the benchmark has its figure. A step returns false
// to stop the benchmark with an error.
template <typename Step>
void run_phase(benchmark::State& state, jwt::Algorithm algorithm, Step step) {
  std::optional<PhaseInput> input = prepare(state, algorithm);
  if (!input) return;
  for (auto _ : state) {
    if (!step(*input)) {
      state.SkipWithError("the phase failed on the fixture token");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// Split, three base64url decodes and the header parse.
void decode_compact(benchmark::State& state, jwt::Algorithm algorithm) {
  run_phase(state, algorithm, [](const PhaseInput& input) {
    Result<jwt::DecodedJws> decoded =
        jwt::decode_compact(input.fixture->token, jwt::kDefaultMaxTokenBytes);
    benchmark::DoNotOptimize(decoded);
    return decoded.ok();
  });
}

// The three base64url decodes inside decode_compact.
void base64url_decode(benchmark::State& state, jwt::Algorithm algorithm) {
  run_phase(state, algorithm, [](const PhaseInput& input) {
    const std::string_view token = input.fixture->token;
    const std::size_t first = token.find('.');
    const std::size_t second = token.find('.', first + 1);
    bool decoded = true;
    for (std::string_view segment :
         {token.substr(0, first), token.substr(first + 1, second - first - 1),
          token.substr(second + 1)}) {
      std::optional<std::string> bytes = jwt::base64url_decode(segment);
      decoded = decoded && bytes.has_value();
      benchmark::DoNotOptimize(bytes);
    }
    return decoded;
  });
}

// The header parse inside decode_compact.
void header_parse(benchmark::State& state, jwt::Algorithm algorithm) {
  run_phase(state, algorithm, [](const PhaseInput& input) {
    Result<nlohmann::json> header = jwt::parse_json_object(input.decoded.header_json);
    benchmark::DoNotOptimize(header);
    return header.ok();
  });
}

// Structure, header policy, key selection and signature: everything before the payload parse.
void verify_compact(benchmark::State& state, jwt::Algorithm algorithm) {
  run_phase(state, algorithm, [](const PhaseInput& input) {
    Result<jwt::VerifiedJws> verified = jwt::verify_compact(
        input.fixture->config.verifier.keys(), input.fixture->token, jwt::kDefaultMaxTokenBytes);
    return verified.ok();
  });
}

// Key::verify on the decoded signing input and signature.
void signature(benchmark::State& state, jwt::Algorithm algorithm) {
  run_phase(state, algorithm, [](const PhaseInput& input) {
    return input.key->verify(input.decoded.signing_input, input.decoded.signature);
  });
}

// The JWS-to-DER conversion inside the ES256 signature step.
void ecdsa_jose_to_der(benchmark::State& state) {
  run_phase(state, jwt::Algorithm::kEs256, [](const PhaseInput& input) {
    std::optional<std::string> der = jwt::ecdsa_jose_to_der(input.decoded.signature, 32);
    benchmark::DoNotOptimize(der);
    return der.has_value();
  });
}

// The HMAC context handling of the HS256 signature step: EVP_MAC_CTX_dup of the keyed context,
// update, final and free, on the token's signing input.
void hmac_context_dup(benchmark::State& state) {
  std::optional<PhaseInput> input = prepare(state, jwt::Algorithm::kHs256);
  if (!input) return;
  Result<MacCtxPtr> keyed = keyed_hmac_sha256(input->fixture->verification_key);
  if (!keyed.ok()) {
    state.SkipWithError(keyed.status().message().c_str());
    return;
  }
  const std::string_view message = input->decoded.signing_input;
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  for (auto _ : state) {
    MacCtxPtr context(EVP_MAC_CTX_dup(keyed->get()));
    std::size_t length = 0;
    const bool computed =
        context &&
        EVP_MAC_update(context.get(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1 &&
        EVP_MAC_final(context.get(), mac.data(), &length, mac.size()) == 1;
    if (!computed) {
      state.SkipWithError("EVP_MAC failed");
      break;
    }
    benchmark::DoNotOptimize(mac);
  }
  state.SetItemsProcessed(state.iterations());
}

// The per-call OpenSSL setup of the asymmetric signature step without the signature math:
// EVP_MD_CTX_new, EVP_DigestVerifyInit with the key and the fetched digest, and the free.
void verify_context_setup(benchmark::State& state, jwt::Algorithm algorithm) {
  std::optional<PhaseInput> input = prepare(state, algorithm);
  if (!input) return;
  Result<PkeyPtr> pkey = parse_public_pem(input->fixture->verification_key);
  if (!pkey.ok()) {
    state.SkipWithError(pkey.status().message().c_str());
    return;
  }
  MdPtr md(algorithm == jwt::Algorithm::kEdDsa ? nullptr
                                               : EVP_MD_fetch(nullptr, "SHA256", nullptr));
  for (auto _ : state) {
    MdCtxPtr context(EVP_MD_CTX_new());
    if (!context ||
        EVP_DigestVerifyInit(context.get(), nullptr, md.get(), nullptr, pkey->get()) != 1) {
      state.SkipWithError("EVP_DigestVerifyInit failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// parse_json_object on the payload: nlohmann::json with the duplicate-member and depth checks.
void payload_parse(benchmark::State& state, jwt::Algorithm algorithm) {
  run_phase(state, algorithm, [](const PhaseInput& input) {
    Result<nlohmann::json> claims = jwt::parse_json_object(input.decoded.payload);
    benchmark::DoNotOptimize(claims);
    return claims.ok();
  });
}

// nlohmann::json::parse of the payload without a callback: the floor for this parser.
void payload_parse_plain(benchmark::State& state, jwt::Algorithm algorithm) {
  run_phase(state, algorithm, [](const PhaseInput& input) {
    nlohmann::json claims = nlohmann::json::parse(input.decoded.payload, nullptr, false);
    benchmark::DoNotOptimize(claims);
    return claims.is_object();
  });
}

void check_claims(benchmark::State& state, jwt::Algorithm algorithm) {
  run_phase(state, algorithm, [](const PhaseInput& input) {
    return jwt::check_claims(input.claims, input.fixture->config.verifier.options().claims,
                             std::chrono::system_clock::now())
        .ok();
  });
}

// A text of the shape check_claims formats on every call, accepted tokens included, for its
// rejection messages: " (now <seconds with milliseconds>, leeway <s> s)".
void claims_time_message(benchmark::State& state) {
  run_phase(state, jwt::Algorithm::kHs256, [](const PhaseInput&) {
    const double now = jwt::seconds_since_epoch(std::chrono::system_clock::now());
    char text[48];
    std::snprintf(text, sizeof(text), now == std::floor(now) ? "%.0f" : "%.3f", now);
    const std::string message =
        " (now " + std::string(text) + ", leeway " + std::to_string(kLeewaySeconds) + " s)";
    benchmark::DoNotOptimize(message);
    return true;
  });
}

}  // namespace

void register_phases() {
  for (jwt::Algorithm algorithm : kAlgorithms) {
    const bool hmac = algorithm == jwt::Algorithm::kHs256;
    const std::string prefix = "Phase/" + std::string(jwt::algorithm_name(algorithm)) + "/";
    const auto add = [&](const char* name, auto function) {
      benchmark::RegisterBenchmark((prefix + name).c_str(), function, algorithm);
    };
    add("decode_compact", decode_compact);
    if (hmac) {
      add("base64url_decode", base64url_decode);
      add("header_parse", header_parse);
    }
    add("verify_compact", verify_compact);
    add("signature", signature);
    if (hmac) {
      benchmark::RegisterBenchmark((prefix + "hmac_context_dup").c_str(), hmac_context_dup);
    } else {
      add("verify_context_setup", verify_context_setup);
    }
    if (algorithm == jwt::Algorithm::kEs256) {
      benchmark::RegisterBenchmark((prefix + "ecdsa_jose_to_der").c_str(), ecdsa_jose_to_der);
    }
    add("payload_parse", payload_parse);
    if (hmac) add("payload_parse_plain", payload_parse_plain);
    add("check_claims", check_claims);
    if (hmac) {
      benchmark::RegisterBenchmark((prefix + "claims_time_message").c_str(), claims_time_message);
    }
  }
}

}  // namespace outbound::bench
