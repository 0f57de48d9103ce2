// bench_jwt_verify: single-thread JWT verification throughput of outbound::jwt beside libjwt
// 1.10 and cpp-jwt 1.4 on identical tokens, and the OpenSSL primitive under each algorithm.
// scripts/bench.sh runs it pinned to one CPU, in rounds, with `openssl speed`. The method and the
// figures are in docs/benchmarks.md.

#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <string>
#include <utility>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "bench/jwt/candidates.h"
#include "bench/jwt/cpp_jwt_verifier.h"
#include "bench/jwt/fixtures.h"
#include "bench/jwt/libjwt_verifier.h"
#include "bench/jwt/phases.h"
#include "bench/jwt/primitives.h"

namespace outbound::bench {
namespace {

// The message size of the HMAC primitive, close to the signing input of the HS256 token.
constexpr std::size_t kHmacInputBytes = 256;

// Returns `token` with the fourth character of its signature segment changed to another
// base64url character, so the segment still decodes but the signature no longer verifies.
std::string tamper_signature(std::string token) {
  const std::size_t position = token.rfind('.') + 4;
  token[position] = token[position] == 'A' ? 'B' : 'A';
  return token;
}

// Checks that `verify` accepts the fixture token and rejects a forged one, so that the loop
// measures successful verification and nothing less.
template <typename Verify>
bool check_verifier(benchmark::State& state, const TokenFixture& fixture, Verify& verify) {
  if (Status accepted = verify(fixture.token); !accepted.ok()) {
    state.SkipWithError(("the fixture token was rejected: " + accepted.message()).c_str());
    return false;
  }
  if (verify(tamper_signature(fixture.token)).ok()) {
    state.SkipWithError("a token with a changed signature was accepted");
    return false;
  }
  return true;
}

// Runs `verify` on the fixture token of `algorithm` until the benchmark has its figure.
template <typename MakeVerify>
void run_verify(benchmark::State& state, jwt::Algorithm algorithm, MakeVerify make_verify) {
  Result<const TokenFixture*> fixture = token_fixture(algorithm);
  if (!fixture.ok()) {
    state.SkipWithError(fixture.status().message().c_str());
    return;
  }
  auto verify = make_verify(**fixture);
  if (!check_verifier(state, **fixture, verify)) return;

  const std::string& token = (*fixture)->token;
  for (auto _ : state) {
    Status verified = verify(token);
    if (!verified.ok()) {
      state.SkipWithError(verified.message().c_str());
      break;
    }
    benchmark::DoNotOptimize(verified);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("token " + std::to_string(token.size()) + " B");
}

void verify_outbound(benchmark::State& state, jwt::Algorithm algorithm) {
  run_verify(state, algorithm, [](const TokenFixture& fixture) {
    // The plugin's verify path: the Verifier of the loaded configuration at the clock's time.
    return [&fixture](const std::string& token) -> Status {
      Result<VerifiedToken> verified =
          fixture.config.verifier.verify(token, std::chrono::system_clock::now());
      if (!verified.ok()) return verified.status();
      benchmark::DoNotOptimize(verified->subject);
      return Status();
    };
  });
}

void verify_libjwt(benchmark::State& state, jwt::Algorithm algorithm) {
  run_verify(state, algorithm, [](const TokenFixture& fixture) {
    return [verifier = LibjwtVerifier(fixture.algorithm_name, fixture.verification_key)](
               const std::string& token) { return verifier.verify(token); };
  });
}

void verify_cpp_jwt(benchmark::State& state, jwt::Algorithm algorithm) {
  run_verify(state, algorithm, [](const TokenFixture& fixture) {
    return [verifier = CppJwtVerifier(fixture.algorithm_name, fixture.verification_key)](
               const std::string& token) { return verifier.verify(token); };
  });
}

void primitive_hmac_sha256(benchmark::State& state) {
  Result<const TokenFixture*> fixture = token_fixture(jwt::Algorithm::kHs256);
  if (!fixture.ok()) {
    state.SkipWithError(fixture.status().message().c_str());
    return;
  }
  Result<HmacPrimitive> hmac = HmacPrimitive::create((*fixture)->verification_key);
  std::array<unsigned char, kHmacInputBytes> input{};
  if (!hmac.ok() || RAND_bytes(input.data(), static_cast<int>(input.size())) != 1) {
    state.SkipWithError("cannot prepare the HMAC-SHA256 primitive");
    return;
  }
  std::array<unsigned char, 32> mac{};
  for (auto _ : state) {
    if (!hmac->compute(input.data(), input.size(), mac.data())) {
      state.SkipWithError("EVP_MAC failed");
      break;
    }
    benchmark::DoNotOptimize(mac);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::to_string(kHmacInputBytes) + " B input");
}

void primitive_signature(benchmark::State& state, jwt::Algorithm algorithm) {
  Result<const TokenFixture*> fixture = token_fixture(algorithm);
  if (!fixture.ok()) {
    state.SkipWithError(fixture.status().message().c_str());
    return;
  }
  Result<SignaturePrimitive> primitive = SignaturePrimitive::create(**fixture);
  if (!primitive.ok()) {
    state.SkipWithError(primitive.status().message().c_str());
    return;
  }
  for (auto _ : state) {
    if (!primitive->verify()) {
      state.SkipWithError("the primitive rejected the fixture signature");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// Registers the comparison so that the benchmarks of one algorithm run back to back: the
// three libraries, then the primitive.
void register_comparison() {
  struct Row {
    jwt::Algorithm algorithm;
    bool compared;
    const char* primitive;
  };
  constexpr std::array<Row, 4> kRows = {{
      {jwt::Algorithm::kHs256, true, "Primitive/HS256/hmac_sha256_256B"},
      {jwt::Algorithm::kRs256, true, "Primitive/RS256/rsa2048_verify"},
      {jwt::Algorithm::kEs256, true, "Primitive/ES256/ecdsap256_verify"},
      // Neither libjwt 1.10 nor cpp-jwt 1.4 implements EdDSA.
      {jwt::Algorithm::kEdDsa, false, "Primitive/EdDSA/ed25519_verify"},
  }};
  for (const Row& row : kRows) {
    const std::string name(jwt::algorithm_name(row.algorithm));
    benchmark::RegisterBenchmark(("Verify/" + name + "/outbound").c_str(), verify_outbound,
                                 row.algorithm);
    if (row.compared) {
      benchmark::RegisterBenchmark(("Verify/" + name + "/libjwt").c_str(), verify_libjwt,
                                   row.algorithm);
      benchmark::RegisterBenchmark(("Verify/" + name + "/cpp-jwt").c_str(), verify_cpp_jwt,
                                   row.algorithm);
    }
    if (row.algorithm == jwt::Algorithm::kHs256) {
      benchmark::RegisterBenchmark(row.primitive, primitive_hmac_sha256);
    } else {
      benchmark::RegisterBenchmark(row.primitive, primitive_signature, row.algorithm);
    }
  }
}

}  // namespace
}  // namespace outbound::bench

int main(int argc, char** argv) {
  // OpenSSL first, so that its exit handler runs after the fixtures' keys are freed.
  OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, nullptr);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("openssl", OpenSSL_version(OPENSSL_VERSION));
  benchmark::AddCustomContext("libjwt", OUTBOUND_BENCH_LIBJWT_VERSION);
  benchmark::AddCustomContext("cpp-jwt", OUTBOUND_BENCH_CPP_JWT_VERSION);
  outbound::bench::register_comparison();
  outbound::bench::register_phases();
  outbound::bench::register_candidates();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
