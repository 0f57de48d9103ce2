#include "bench/jwt/primitives.h"

#include <optional>
#include <utility>

#include <openssl/rsa.h>

#include "bench/jwt/openssl_handles.h"
#include "jwt_auth/base64url.h"

namespace outbound::bench {
namespace {

struct SplitToken {
  std::string signing_input;
  std::string signature;
};

Result<SplitToken> split_token(const std::string& token) {
  const std::size_t last_dot = token.rfind('.');
  if (last_dot == std::string::npos) return Status::internal("the fixture token has no dot");
  std::optional<std::string> signature = jwt::base64url_decode(token.substr(last_dot + 1));
  if (!signature) return Status::internal("the fixture token's signature is not base64url");
  return SplitToken{token.substr(0, last_dot), std::move(*signature)};
}

Result<std::string> sha256(const std::string& data) {
  std::string digest(32, '\0');
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(digest.data()), &length,
                 EVP_sha256(), nullptr) != 1) {
    return Status::internal("EVP_Digest failed");
  }
  return digest;
}

}  // namespace

struct SignaturePrimitive::State {
  PkeyPtr pkey;
  // RSA and ECDSA verify the digest with `pkey_context`, Ed25519 the message with `md_context`.
  PkeyCtxPtr pkey_context;
  MdCtxPtr md_context;
  std::string message;
  std::string signature;
};

SignaturePrimitive::SignaturePrimitive(std::shared_ptr<State> state) : state_(std::move(state)) {}

Result<SignaturePrimitive> SignaturePrimitive::create(const TokenFixture& fixture) {
  const jwt::Algorithm algorithm = fixture.algorithm;
  if (algorithm != jwt::Algorithm::kRs256 && algorithm != jwt::Algorithm::kEs256 &&
      algorithm != jwt::Algorithm::kEdDsa) {
    return Status::invalid_argument("SignaturePrimitive covers RS256, ES256 and EdDSA, not " +
                                    fixture.algorithm_name);
  }
  Result<SplitToken> split = split_token(fixture.token);
  if (!split.ok()) return split.status();
  Result<PkeyPtr> pkey = parse_public_pem(fixture.verification_key);
  if (!pkey.ok()) return pkey.status();

  auto state = std::make_shared<State>();
  state->pkey = std::move(pkey).value();
  if (algorithm == jwt::Algorithm::kEdDsa) {
    state->md_context.reset(EVP_MD_CTX_new());
    if (!state->md_context || EVP_DigestVerifyInit(state->md_context.get(), nullptr, nullptr,
                                                   nullptr, state->pkey.get()) != 1) {
      return Status::internal("EVP_DigestVerifyInit failed for Ed25519");
    }
    state->message = std::move(split->signing_input);
    state->signature = std::move(split->signature);
    return SignaturePrimitive(std::move(state));
  }

  Result<std::string> digest = sha256(split->signing_input);
  if (!digest.ok()) return digest.status();
  state->message = std::move(digest).value();
  if (algorithm == jwt::Algorithm::kEs256) {
    Result<std::string> der = ecdsa_p256_jose_to_der(split->signature);
    if (!der.ok()) return der.status();
    state->signature = std::move(der).value();
  } else {
    state->signature = std::move(split->signature);
  }
  state->pkey_context.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, state->pkey.get(), nullptr));
  if (!state->pkey_context || EVP_PKEY_verify_init(state->pkey_context.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(state->pkey_context.get(), EVP_sha256()) <= 0) {
    return Status::internal("EVP_PKEY_verify_init failed");
  }
  if (algorithm == jwt::Algorithm::kRs256 &&
      EVP_PKEY_CTX_set_rsa_padding(state->pkey_context.get(), RSA_PKCS1_PADDING) <= 0) {
    return Status::internal("EVP_PKEY_CTX_set_rsa_padding cannot set PKCS#1 v1.5 padding");
  }
  return SignaturePrimitive(std::move(state));
}

bool SignaturePrimitive::verify() {
  const auto* signature = reinterpret_cast<const unsigned char*>(state_->signature.data());
  const auto* message = reinterpret_cast<const unsigned char*>(state_->message.data());
  if (state_->md_context) {
    return EVP_DigestVerify(state_->md_context.get(), signature, state_->signature.size(), message,
                            state_->message.size()) == 1;
  }
  return EVP_PKEY_verify(state_->pkey_context.get(), signature, state_->signature.size(), message,
                         state_->message.size()) == 1;
}

struct HmacPrimitive::State {
  MacCtxPtr context;
};

HmacPrimitive::HmacPrimitive(std::shared_ptr<State> state) : state_(std::move(state)) {}

Result<HmacPrimitive> HmacPrimitive::create(const std::string& secret) {
  Result<MacCtxPtr> context = keyed_hmac_sha256(secret);
  if (!context.ok()) return context.status();
  auto state = std::make_shared<State>();
  state->context = std::move(context).value();
  return HmacPrimitive(std::move(state));
}

bool HmacPrimitive::compute(const unsigned char* data, std::size_t size, unsigned char* mac) {
  std::size_t length = 0;
  // A null key keeps the key of the previous init and only resets the message.
  return EVP_MAC_init(state_->context.get(), nullptr, 0, nullptr) == 1 &&
         EVP_MAC_update(state_->context.get(), data, size) == 1 &&
         EVP_MAC_final(state_->context.get(), mac, &length, 32) == 1;
}

}  // namespace outbound::bench
