#include "bench/jwt/candidates.h"

#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/rsa.h>
#include <nlohmann/json.hpp>

#include "bench/jwt/fixtures.h"
#include "bench/jwt/openssl_handles.h"
#include "jwt_auth/ecdsa_signature.h"
#include "jwt_auth/json_object.h"
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

// HMAC with one keyed context reinitialised per call (EVP_MAC_init with a null key) in place
// of EVP_MAC_CTX_dup, then the constant-time comparison.
void hmac_reused_context(benchmark::State& state) {
  std::optional<CandidateInput> input = prepare(state, jwt::Algorithm::kHs256);
  if (!input) return;
  Result<MacCtxPtr> context = keyed_hmac_sha256(input->fixture->verification_key);
  if (!context.ok()) {
    state.SkipWithError(context.status().message().c_str());
    return;
  }
  const std::string_view message = input->decoded.signing_input;
  const std::string& expected = input->decoded.signature;
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  for (auto _ : state) {
    std::size_t length = 0;
    const bool computed = EVP_MAC_init(context->get(), nullptr, 0, nullptr) == 1 &&
                          EVP_MAC_update(context->get(), bytes_of(message), message.size()) == 1 &&
                          EVP_MAC_final(context->get(), mac.data(), &length, mac.size()) == 1;
    const bool verified = computed && length == expected.size() &&
                          CRYPTO_memcmp(mac.data(), expected.data(), length) == 0;
    if (!verified) {
      skip_on_mismatch(state, verified);
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// Parses with the duplicate-member and depth checks of parse_json_object, but without a
// std::set of names. The callback counts the members of each open object and compares the
// count with the size of the finished object, which is smaller when a name repeats, because
// nlohmann::json keeps one member per name.
bool parse_counting_members(std::string_view text, nlohmann::json& value) {
  std::vector<std::size_t> member_counts;
  bool rejected = false;
  const auto check = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (static_cast<std::size_t>(depth) > jwt::kMaxJsonDepth) rejected = true;
    if (event == Event::object_start) {
      member_counts.push_back(0);
    } else if (event == Event::key && !member_counts.empty()) {
      ++member_counts.back();
    } else if (event == Event::object_end && !member_counts.empty()) {
      if (parsed.size() != member_counts.back()) rejected = true;
      member_counts.pop_back();
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
// costs what nlohmann's lexer and parser cost without building a DOM. A verifier that reads
// the registered claims from SAX events would pay about this much.
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
void sax_without_dom(benchmark::State& state, jwt::Algorithm algorithm, bool header) {
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

void payload_parse_member_count(benchmark::State& state, jwt::Algorithm algorithm) {
  std::optional<CandidateInput> input = prepare(state, algorithm);
  if (!input) return;
  for (auto _ : state) {
    nlohmann::json claims;
    if (!parse_counting_members(input->decoded.payload, claims)) {
      state.SkipWithError("the candidate parser rejected the fixture payload");
      break;
    }
    benchmark::DoNotOptimize(claims);
  }
  state.SetItemsProcessed(state.iterations());
}

void header_parse_member_count(benchmark::State& state, jwt::Algorithm algorithm) {
  std::optional<CandidateInput> input = prepare(state, algorithm);
  if (!input) return;
  for (auto _ : state) {
    nlohmann::json header;
    if (!parse_counting_members(input->decoded.header_json, header)) {
      state.SkipWithError("the candidate parser rejected the fixture header");
      break;
    }
    benchmark::DoNotOptimize(header);
  }
  state.SetItemsProcessed(state.iterations());
}

// An EVP_MD_CTX initialised with EVP_DigestVerifyInit once, copied with EVP_MD_CTX_copy_ex
// into a context kept by the caller, then EVP_DigestVerify.
void copied_md_context(benchmark::State& state, jwt::Algorithm algorithm) {
  std::optional<CandidateInput> input = prepare(state, algorithm);
  if (!input) return;
  Result<PkeyPtr> pkey = parse_public_pem(input->fixture->verification_key);
  MdPtr md(algorithm == jwt::Algorithm::kEdDsa ? nullptr
                                               : EVP_MD_fetch(nullptr, "SHA256", nullptr));
  MdCtxPtr template_context(EVP_MD_CTX_new());
  MdCtxPtr context(EVP_MD_CTX_new());
  EVP_PKEY_CTX* key_context = nullptr;
  if (!pkey.ok() || !template_context || !context ||
      EVP_DigestVerifyInit(template_context.get(), &key_context, md.get(), nullptr, pkey->get()) !=
          1 ||
      (algorithm == jwt::Algorithm::kRs256 &&
       EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PADDING) <= 0)) {
    state.SkipWithError("cannot prepare the template EVP_MD_CTX");
    return;
  }
  const std::string_view message = input->decoded.signing_input;
  for (auto _ : state) {
    std::optional<std::string> signature = openssl_signature(algorithm, input->decoded.signature);
    const bool verified = signature &&
                          EVP_MD_CTX_copy_ex(context.get(), template_context.get()) == 1 &&
                          EVP_DigestVerify(context.get(), bytes_of(*signature), signature->size(),
                                           bytes_of(message), message.size()) == 1;
    if (!verified) {
      skip_on_mismatch(state, verified);
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// SHA-256 with EVP_Digest, then EVP_PKEY_verify on the digest with an EVP_PKEY_CTX that was
// initialised once: reused as is (`duplicate` false), or copied with EVP_PKEY_CTX_dup per call.
void prehash_pkey_context(benchmark::State& state, jwt::Algorithm algorithm, bool duplicate) {
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
    PkeyCtxPtr copy(duplicate ? EVP_PKEY_CTX_dup(template_context.get()) : nullptr);
    EVP_PKEY_CTX* context = duplicate ? copy.get() : template_context.get();
    const bool verified = signature && context != nullptr &&
                          EVP_Digest(message.data(), message.size(), digest.data(), &digest_size,
                                     md.get(), nullptr) == 1 &&
                          EVP_PKEY_verify(context, bytes_of(*signature), signature->size(),
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
  benchmark::RegisterBenchmark("Candidate/HS256/signature_reused_hmac_context",
                               hmac_reused_context);
  benchmark::RegisterBenchmark("Candidate/HS256/header_parse_member_count",
                               header_parse_member_count, jwt::Algorithm::kHs256);
  benchmark::RegisterBenchmark("Candidate/HS256/payload_parse_member_count",
                               payload_parse_member_count, jwt::Algorithm::kHs256);
  benchmark::RegisterBenchmark("Candidate/HS256/header_sax_without_dom", sax_without_dom,
                               jwt::Algorithm::kHs256, true);
  benchmark::RegisterBenchmark("Candidate/HS256/payload_sax_without_dom", sax_without_dom,
                               jwt::Algorithm::kHs256, false);
  for (jwt::Algorithm algorithm :
       {jwt::Algorithm::kRs256, jwt::Algorithm::kEs256, jwt::Algorithm::kEdDsa}) {
    const std::string prefix = "Candidate/" + std::string(jwt::algorithm_name(algorithm)) + "/";
    benchmark::RegisterBenchmark((prefix + "signature_copied_md_context").c_str(),
                                 copied_md_context, algorithm);
    if (algorithm == jwt::Algorithm::kEdDsa) continue;
    benchmark::RegisterBenchmark((prefix + "signature_prehash_dup_pkey_context").c_str(),
                                 prehash_pkey_context, algorithm, true);
    benchmark::RegisterBenchmark((prefix + "signature_prehash_reused_pkey_context").c_str(),
                                 prehash_pkey_context, algorithm, false);
  }
}

}  // namespace outbound::bench
