#include "bench/jwt/candidates.h"

#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/rsa.h>
#include <nlohmann/json.hpp>

#include "bench/jwt/fixtures.h"
#include "bench/jwt/openssl_handles.h"
#include "jwt_auth/ecdsa_signature.h"
#include "jwt_auth/jws.h"

namespace outbound::bench {
namespace {

// The fixture token of one algorithm, decoded once.
struct CandidateInput {
  const TokenFixture* fixture = nullptr;
  jwt::DecodedJws decoded;
};

std::optional<CandidateInput> prepare(benchmark::State& state, jwt::Algorithm algorithm) {
  Result<const TokenFixture*> fixture = token_fixture(algorithm);
  if (!fixture.ok()) {
    state.SkipWithError(fixture.status().message().c_str());
    return std::nullopt;
  }
  Result<jwt::DecodedJws> decoded =
      jwt::decode_compact((*fixture)->token, jwt::kDefaultMaxTokenBytes);
  if (!decoded.ok()) {
    state.SkipWithError(decoded.status().message().c_str());
    return std::nullopt;
  }
  return CandidateInput{*fixture, std::move(decoded).value()};
}

const unsigned char* bytes_of(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

// Returns the signature in the form OpenSSL verifies: DER for ECDSA, converted on every call
// as the signature step does, and the raw bytes otherwise.
std::optional<std::string> openssl_signature(jwt::Algorithm algorithm, const std::string& jose) {
  if (algorithm != jwt::Algorithm::kEs256) return jose;
  return jwt::ecdsa_jose_to_der(jose, jwt::ecdsa_field_size(algorithm));
}

void skip_on_mismatch(benchmark::State& state, bool verified) {
  if (!verified) state.SkipWithError("the candidate rejected the fixture signature");
}

// HMAC as the engine computed it before: EVP_MAC_CTX_dup of the keyed context on every call, a
// std::string for the MAC, then the constant-time comparison.
void hmac_duplicated_context(benchmark::State& state) {
  std::optional<CandidateInput> input = prepare(state, jwt::Algorithm::kHs256);
  if (!input) return;
  Result<MacCtxPtr> keyed = keyed_hmac_sha256(input->fixture->verification_key);
  if (!keyed.ok()) {
    state.SkipWithError(keyed.status().message().c_str());
    return;
  }
  const std::string_view message = input->decoded.signing_input;
  const std::string& expected = input->decoded.signature;
  for (auto _ : state) {
    MacCtxPtr context(EVP_MAC_CTX_dup(keyed->get()));
    std::string mac(EVP_MAX_MD_SIZE, '\0');
    std::size_t length = 0;
    const bool computed = context &&
                          EVP_MAC_update(context.get(), bytes_of(message), message.size()) == 1 &&
                          EVP_MAC_final(context.get(), reinterpret_cast<unsigned char*>(mac.data()),
                                        &length, mac.size()) == 1;
    const bool verified = computed && length == expected.size() &&
                          CRYPTO_memcmp(mac.data(), expected.data(), length) == 0;
    if (!verified) {
      skip_on_mismatch(state, verified);
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// Parses into a document tree as the engine did before: nlohmann::json::parse with a callback
// that keeps the member names of each open object in a std::set and tracks the depth.
bool parse_tree_with_checks(std::string_view text, nlohmann::json& value) {
  std::vector<std::set<std::string>> open_objects;
  bool rejected = false;
  const auto check = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (static_cast<std::size_t>(depth) > jwt::kMaxJsonDepth) rejected = true;
    if (event == Event::object_start) {
      open_objects.emplace_back();
    } else if (event == Event::object_end) {
      if (!open_objects.empty()) open_objects.pop_back();
    } else if (event == Event::key && !open_objects.empty()) {
      if (!open_objects.back().insert(parsed.get_ref<const std::string&>()).second) {
        rejected = true;
      }
    }
    return true;
  };
  try {
    value = nlohmann::json::parse(text.begin(), text.end(), check);
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  return !rejected && value.is_object();
}

// CountingSax is a SAX handler that only counts events, so nlohmann::json::sax_parse with it
// costs what nlohmann's lexer and parser cost without building a document tree: the floor for
// a parser built on nlohmann::json.
class CountingSax : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return count(); }
  bool boolean(bool) override { return count(); }
  bool number_integer(number_integer_t) override { return count(); }
  bool number_unsigned(number_unsigned_t) override { return count(); }
  bool number_float(number_float_t, const string_t&) override { return count(); }
  bool string(string_t&) override { return count(); }
  bool binary(binary_t&) override { return count(); }
  bool start_object(std::size_t) override { return count(); }
  bool key(string_t&) override { return count(); }
  bool end_object() override { return count(); }
  bool start_array(std::size_t) override { return count(); }
  bool end_array() override { return count(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

  std::size_t events() const { return events_; }

 private:
  bool count() {
    ++events_;
    return true;
  }

  std::size_t events_ = 0;
};

// Runs CountingSax over the header (`header` true) or the payload of the fixture token.
void sax_without_tree(benchmark::State& state, jwt::Algorithm algorithm, bool header) {
  std::optional<CandidateInput> input = prepare(state, algorithm);
  if (!input) return;
  const std::string& text = header ? input->decoded.header_json : input->decoded.payload;
  for (auto _ : state) {
    CountingSax sax;
    if (!nlohmann::json::sax_parse(text.begin(), text.end(), &sax)) {
      state.SkipWithError("the fixture header or payload is not JSON");
      break;
    }
    benchmark::DoNotOptimize(sax.events());
  }
  state.SetItemsProcessed(state.iterations());
}

void tree_with_checks(benchmark::State& state, jwt::Algorithm algorithm, bool header) {
  std::optional<CandidateInput> input = prepare(state, algorithm);
  if (!input) return;
  const std::string& text = header ? input->decoded.header_json : input->decoded.payload;
  for (auto _ : state) {
    nlohmann::json value;
    if (!parse_tree_with_checks(text, value)) {
      state.SkipWithError("the tree parser rejected the fixture header or payload");
      break;
    }
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(state.iterations());
}

// Returns the digest the fixture key signs with: SHA-256 for RS256 and ES256, none for EdDSA.
MdPtr fixture_digest(jwt::Algorithm algorithm) {
  return MdPtr(algorithm == jwt::Algorithm::kEdDsa ? nullptr
                                                   : EVP_MD_fetch(nullptr, "SHA256", nullptr));
}

// Verification as the engine did it before: a new EVP_MD_CTX and EVP_DigestVerifyInit on every
// call (`reuse` false). With `reuse` true, one context initialised once runs EVP_DigestVerify
// again and again, as `openssl speed ed25519` does. OpenSSL 3.0 allows that; later versions
// mark the context finalised after one EVP_DigestVerify, so the engine copies a template.
void md_context(benchmark::State& state, jwt::Algorithm algorithm, bool reuse) {
  std::optional<CandidateInput> input = prepare(state, algorithm);
  if (!input) return;
  Result<PkeyPtr> pkey = parse_public_pem(input->fixture->verification_key);
  if (!pkey.ok()) {
    state.SkipWithError(pkey.status().message().c_str());
    return;
  }
  MdPtr md = fixture_digest(algorithm);
  const auto initialise = [&](EVP_MD_CTX* context) {
    EVP_PKEY_CTX* key_context = nullptr;
    return EVP_DigestVerifyInit(context, &key_context, md.get(), nullptr, pkey->get()) == 1 &&
           (algorithm != jwt::Algorithm::kRs256 ||
            EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PADDING) > 0);
  };
  MdCtxPtr reused(EVP_MD_CTX_new());
  if (!reused || !initialise(reused.get())) {
    state.SkipWithError("cannot initialise the EVP_MD_CTX");
    return;
  }
  const std::string_view message = input->decoded.signing_input;
  for (auto _ : state) {
    std::optional<std::string> signature = openssl_signature(algorithm, input->decoded.signature);
    MdCtxPtr fresh(reuse ? nullptr : EVP_MD_CTX_new());
    EVP_MD_CTX* context = reuse ? reused.get() : fresh.get();
    const bool verified = signature && context != nullptr && (reuse || initialise(context)) &&
                          EVP_DigestVerify(context, bytes_of(*signature), signature->size(),
                                           bytes_of(message), message.size()) == 1;
    if (!verified) {
      skip_on_mismatch(state, verified);
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// SHA-256 with EVP_Digest, then EVP_PKEY_verify on the digest with a copy, made per call with
// EVP_PKEY_CTX_dup, of an EVP_PKEY_CTX initialised once. The engine reuses pooled copies.
void duplicated_pkey_context(benchmark::State& state, jwt::Algorithm algorithm) {
  std::optional<CandidateInput> input = prepare(state, algorithm);
  if (!input) return;
  Result<PkeyPtr> pkey = parse_public_pem(input->fixture->verification_key);
  MdPtr md(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  PkeyCtxPtr template_context(pkey.ok() ? EVP_PKEY_CTX_new_from_pkey(nullptr, pkey->get(), nullptr)
                                        : nullptr);
  if (!md || !template_context || EVP_PKEY_verify_init(template_context.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(template_context.get(), md.get()) <= 0 ||
      (algorithm == jwt::Algorithm::kRs256 &&
       EVP_PKEY_CTX_set_rsa_padding(template_context.get(), RSA_PKCS1_PADDING) <= 0)) {
    state.SkipWithError("cannot prepare the template EVP_PKEY_CTX");
    return;
  }
  const std::string_view message = input->decoded.signing_input;
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  for (auto _ : state) {
    unsigned int digest_size = 0;
    std::optional<std::string> signature = openssl_signature(algorithm, input->decoded.signature);
    PkeyCtxPtr copy(EVP_PKEY_CTX_dup(template_context.get()));
    const bool verified = signature && copy != nullptr &&
                          EVP_Digest(message.data(), message.size(), digest.data(), &digest_size,
                                     md.get(), nullptr) == 1 &&
                          EVP_PKEY_verify(copy.get(), bytes_of(*signature), signature->size(),
                                          digest.data(), digest_size) == 1;
    if (!verified) {
      skip_on_mismatch(state, verified);
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

void register_candidates() {
  benchmark::RegisterBenchmark("Candidate/HS256/signature_duplicated_hmac_context",
                               hmac_duplicated_context);
  for (const bool header : {true, false}) {
    const std::string part = header ? "header" : "payload";
    benchmark::RegisterBenchmark(("Candidate/HS256/" + part + "_tree_with_checks").c_str(),
                                 tree_with_checks, jwt::Algorithm::kHs256, header);
    benchmark::RegisterBenchmark(("Candidate/HS256/" + part + "_sax_without_tree").c_str(),
                                 sax_without_tree, jwt::Algorithm::kHs256, header);
  }
  for (jwt::Algorithm algorithm :
       {jwt::Algorithm::kRs256, jwt::Algorithm::kEs256, jwt::Algorithm::kEdDsa}) {
    const std::string prefix = "Candidate/" + std::string(jwt::algorithm_name(algorithm)) + "/";
    benchmark::RegisterBenchmark((prefix + "signature_new_md_context").c_str(), md_context,
                                 algorithm, false);
    if (algorithm == jwt::Algorithm::kEdDsa) {
      benchmark::RegisterBenchmark((prefix + "signature_reused_md_context").c_str(), md_context,
                                   algorithm, true);
    } else {
      benchmark::RegisterBenchmark((prefix + "signature_duplicated_pkey_context").c_str(),
                                   duplicated_pkey_context, algorithm);
    }
  }
}

}  // namespace outbound::bench
