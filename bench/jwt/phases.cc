#include "bench/jwt/phases.h"

#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <string>
#include <utility>

#include "bench/jwt/fixtures.h"
#include "jwt_auth/base64url.h"
#include "jwt_auth/claims.h"
#include "jwt_auth/ecdsa_signature.h"
#include "jwt_auth/jws.h"

namespace outbound::bench {
namespace {

constexpr std::array<jwt::Algorithm, 4> kAlgorithms = {
    jwt::Algorithm::kHs256, jwt::Algorithm::kRs256, jwt::Algorithm::kEs256, jwt::Algorithm::kEdDsa};

// PhaseInput is a fixture token taken apart once, so each phase can run on its own input.
struct PhaseInput {
  const TokenFixture* fixture = nullptr;
  jwt::DecodedJws decoded;
  // Points into decoded.payload, which stays in place for the benchmark.
  jwt::ClaimSet claims;
  const jwt::Key* key = nullptr;
};

// Prepares `input` for `algorithm`; false after reporting an error to `state`.
bool prepare(benchmark::State& state, jwt::Algorithm algorithm, PhaseInput& input) {
  Result<const TokenFixture*> fixture = token_fixture(algorithm);
  if (!fixture.ok()) {
    state.SkipWithError(fixture.status().message().c_str());
    return false;
  }
  const jwt::Verifier& verifier = (*fixture)->config.verifier;
  Result<jwt::DecodedJws> decoded =
      jwt::decode_compact((*fixture)->token, verifier.options().max_token_bytes);
  if (!decoded.ok()) {
    state.SkipWithError(decoded.status().message().c_str());
    return false;
  }
  if (verifier.keys().keys().size() != 1) {
    state.SkipWithError("the fixture verifier has more than one key; the phases expect one");
    return false;
  }
  input.fixture = *fixture;
  input.decoded = std::move(decoded).value();
  input.key = &verifier.keys().keys().front();
  Status parsed = jwt::parse_claims(input.decoded.payload, verifier.options().claims, input.claims);
  if (!parsed.ok()) {
    state.SkipWithError(("the fixture payload " + parsed.message()).c_str());
    return false;
  }
  return true;
}

// Runs `step` on the prepared input until the benchmark has its figure. A step returns false
// to stop the benchmark with an error.
template <typename Step>
void run_phase(benchmark::State& state, jwt::Algorithm algorithm, Step step) {
  PhaseInput input;
  if (!prepare(state, algorithm, input)) return;
  for (auto _ : state) {
    if (!step(input)) {
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

// The three base64url decodes inside decode_compact, each into a buffer sized once.
void base64url_decode(benchmark::State& state, jwt::Algorithm algorithm) {
  run_phase(state, algorithm, [](const PhaseInput& input) {
    const std::string_view token = input.fixture->token;
    const std::size_t first = token.find('.');
    const std::size_t second = token.find('.', first + 1);
    bool decoded = true;
    for (std::string_view segment :
         {token.substr(0, first), token.substr(first + 1, second - first - 1),
          token.substr(second + 1)}) {
      std::string bytes(jwt::base64url_decoded_size(segment.size()), '\0');
      decoded = decoded && jwt::base64url_decode_to(segment, bytes.data());
      benchmark::DoNotOptimize(bytes);
    }
    return decoded;
  });
}

// The header parse inside decode_compact: the JSON scan that picks out alg, kid, typ and crit.
void header_parse(benchmark::State& state, jwt::Algorithm algorithm) {
  run_phase(state, algorithm, [](const PhaseInput& input) {
    jwt::JwsHeader header;
    const bool parsed = jwt::parse_jws_header(input.decoded.header_json, header).ok();
    benchmark::DoNotOptimize(header);
    return parsed;
  });
}

// Structure, header policy, key selection and signature: everything before the payload parse.
void verify_compact(benchmark::State& state, jwt::Algorithm algorithm) {
  run_phase(state, algorithm, [](const PhaseInput& input) {
    jwt::VerifiedJws verified;
    return jwt::verify_compact_into(input.fixture->config.verifier.keys(), input.fixture->token,
                                    jwt::kDefaultMaxTokenBytes, verified)
        .ok();
  });
}

// The header policy and key selection inside verify_compact: alg, crit and the kid lookup.
void header_policy(benchmark::State& state, jwt::Algorithm algorithm) {
  run_phase(state, algorithm, [](const PhaseInput& input) {
    const jwt::KeySet& keys = input.fixture->config.verifier.keys();
    const jwt::JwsHeader& header = input.decoded.header;
    jwt::Algorithm parsed = jwt::Algorithm::kHs256;
    if (!jwt::check_algorithm(header, keys, parsed).ok() || !jwt::check_critical(header).ok()) {
      return false;
    }
    Result<const jwt::Key*> key =
        keys.select(parsed, header.kid.present ? &header.kid.value : nullptr);
    benchmark::DoNotOptimize(key);
    return key.ok();
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
    unsigned char der[jwt::kMaxEcdsaDerSize];
    const std::size_t size = jwt::ecdsa_jose_to_der_into(input.decoded.signature, 32, der);
    benchmark::DoNotOptimize(der);
    return size != 0;
  });
}

// parse_claims on the payload: the JSON scan that picks out the registered claims.
void payload_parse(benchmark::State& state, jwt::Algorithm algorithm) {
  run_phase(state, algorithm, [](const PhaseInput& input) {
    jwt::ClaimSet claims;
    const bool parsed = jwt::parse_claims(input.decoded.payload,
                                          input.fixture->config.verifier.options().claims, claims)
                            .ok();
    benchmark::DoNotOptimize(claims);
    return parsed;
  });
}

void check_claims(benchmark::State& state, jwt::Algorithm algorithm) {
  run_phase(state, algorithm, [](const PhaseInput& input) {
    return jwt::check_claims(input.claims, input.fixture->config.verifier.options().claims,
                             std::chrono::system_clock::now())
        .ok();
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
    add("header_policy", header_policy);
    add("signature", signature);
    if (algorithm == jwt::Algorithm::kEs256) {
      benchmark::RegisterBenchmark((prefix + "ecdsa_jose_to_der").c_str(), ecdsa_jose_to_der);
    }
    add("payload_parse", payload_parse);
    add("check_claims", check_claims);
  }
}

}  // namespace outbound::bench
