#include "test_support.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "jwt_auth/base64url.h"
#include "jwt_auth/jws.h"

namespace outbound::jwt::testing {
namespace {

// RFC 7515 appendix A.2.1: the RSA key of the RS256 example, as JWK members.
constexpr const char* kRsaN =
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4"
    "QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdb"
    "BYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-"
    "DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
constexpr const char* kRsaE = "AQAB";
constexpr const char* kRsaD =
    "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoA"
    "Je46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpR"
    "LI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZF"
    "D9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ";
constexpr const char* kRsaP =
    "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJd"
    "TJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc";
constexpr const char* kRsaQ =
    "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_"
    "YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc";
constexpr const char* kRsaDp =
    "BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6H"
    "sJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0";
constexpr const char* kRsaDq =
    "h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF"
    "-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU";
constexpr const char* kRsaQi =
    "IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIB"
    "i87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U";

// RFC 7515 appendix A.3.1: the P-256 key of the ES256 example.
constexpr const char* kEcX = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
constexpr const char* kEcY = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
constexpr const char* kEcD = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";

// RFC 8037 appendix A.1: the Ed25519 private key.
constexpr const char* kEd25519D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* object) const { Free(object); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBuildPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;

void require(bool condition, const char* step) {
  if (!condition) throw std::runtime_error(std::string("test key setup failed: ") + step);
}

std::string decode(const char* text) {
  std::optional<std::string> bytes = base64url_decode(text);
  require(bytes.has_value(), "an RFC value is not base64url");
  return *bytes;
}

BnPtr big_number(const char* base64url) {
  const std::string bytes = decode(base64url);
  BnPtr number(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                         static_cast<int>(bytes.size()), nullptr));
  require(number != nullptr, "BN_bin2bn");
  return number;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(length));
}

std::string private_pem(EVP_PKEY* pkey) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  require(PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM_write_bio_PrivateKey");
  return bio_text(bio.get());
}

std::string public_pem(EVP_PKEY* pkey) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  require(PEM_write_bio_PUBKEY(bio.get(), pkey) == 1, "PEM_write_bio_PUBKEY");
  return bio_text(bio.get());
}

PkeyPtr key_from_params(const char* type, int selection, OSSL_PARAM_BLD* build) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(build));
  PkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  require(params && context && EVP_PKEY_fromdata_init(context.get()) == 1 &&
              EVP_PKEY_fromdata(context.get(), &pkey, selection, params.get()) == 1,
          "EVP_PKEY_fromdata");
  return PkeyPtr(pkey);
}

PkeyPtr rfc7515_ec_key(bool with_private_key) {
  std::string point = "\x04" + decode(kEcX) + decode(kEcY);
  ParamBuildPtr build(OSSL_PARAM_BLD_new());
  BnPtr d = big_number(kEcD);
  require(OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1",
                                          0) == 1 &&
              OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                               point.size()) == 1,
          "EC parameters");
  if (with_private_key) {
    require(OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) == 1,
            "EC private key");
  }
  return key_from_params("EC", with_private_key ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                         build.get());
}

KeyPair make_key_pair(Algorithm algorithm, int variant) {
  KeyPair pair;
  switch (algorithm_family(algorithm)) {
    case AlgorithmFamily::kHmac: {
      const std::size_t length = digest_size(algorithm) + 8;
      for (std::size_t i = 0; pair.signing.size() < length; ++i) {
        pair.signing += static_cast<char>('a' + (i * 7 + static_cast<std::size_t>(variant)) % 26);
      }
      pair.verification = pair.signing;
      return pair;
    }
    case AlgorithmFamily::kRsaPkcs1:
    case AlgorithmFamily::kRsaPss:
      pair.signing = generate_private_pem("RSA", 2048);
      break;
    case AlgorithmFamily::kEcdsa:
      pair.signing = generate_private_pem(
          "EC", 0, algorithm == Algorithm::kEs256 ? "prime256v1" : "secp384r1");
      break;
    case AlgorithmFamily::kEdDsa:
      pair.signing = generate_private_pem("ED25519");
      break;
  }
  pair.verification = public_pem_of(pair.signing);
  return pair;
}

}  // namespace

std::chrono::system_clock::time_point at_seconds(std::int64_t seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

const KeyPair& test_key_pair(Algorithm algorithm, int variant) {
  // RSA generation takes a noticeable time, so every key is made once per process. All RS*
  // and PS* algorithms share one RSA key per variant.
  static std::map<std::pair<int, int>, KeyPair> cache;
  int slot = static_cast<int>(algorithm);
  const AlgorithmFamily family = algorithm_family(algorithm);
  if (family == AlgorithmFamily::kRsaPkcs1 || family == AlgorithmFamily::kRsaPss) slot = -1;
  const auto key = std::make_pair(slot, variant);
  auto found = cache.find(key);
  if (found == cache.end()) found = cache.emplace(key, make_key_pair(algorithm, variant)).first;
  return found->second;
}

std::string generate_private_pem(const char* type, int rsa_bits, const char* curve) {
  EVP_PKEY* pkey = nullptr;
  const std::string_view kind(type);
  if (kind == "RSA") {
    pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(rsa_bits));
  } else if (kind == "EC") {
    pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve);
  } else {
    pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  }
  require(pkey != nullptr, "EVP_PKEY_Q_keygen");
  PkeyPtr owned(pkey);
  return private_pem(owned.get());
}

std::string public_pem_of(std::string_view private_key_pem) {
  BioPtr bio(BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())));
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  require(pkey != nullptr, "PEM_read_bio_PrivateKey");
  return public_pem(pkey.get());
}

std::string rfc7515_rsa_private_pem() {
  ParamBuildPtr build(OSSL_PARAM_BLD_new());
  const std::pair<const char*, const char*> members[] = {
      {OSSL_PKEY_PARAM_RSA_N, kRsaN},          {OSSL_PKEY_PARAM_RSA_E, kRsaE},
      {OSSL_PKEY_PARAM_RSA_D, kRsaD},          {OSSL_PKEY_PARAM_RSA_FACTOR1, kRsaP},
      {OSSL_PKEY_PARAM_RSA_FACTOR2, kRsaQ},    {OSSL_PKEY_PARAM_RSA_EXPONENT1, kRsaDp},
      {OSSL_PKEY_PARAM_RSA_EXPONENT2, kRsaDq}, {OSSL_PKEY_PARAM_RSA_COEFFICIENT1, kRsaQi}};
  std::vector<BnPtr> numbers;
  for (const auto& [name, value] : members) {
    numbers.push_back(big_number(value));
    require(OSSL_PARAM_BLD_push_BN(build.get(), name, numbers.back().get()) == 1, name);
  }
  PkeyPtr pkey = key_from_params("RSA", EVP_PKEY_KEYPAIR, build.get());
  return private_pem(pkey.get());
}

std::string rfc7515_ec_private_pem() { return private_pem(rfc7515_ec_key(true).get()); }

std::string rfc7515_ec_public_pem() { return public_pem(rfc7515_ec_key(false).get()); }

std::string rfc8037_ed25519_private_pem() {
  const std::string d = decode(kEd25519D);
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key_ex(
      nullptr, "ED25519", nullptr, reinterpret_cast<const unsigned char*>(d.data()), d.size()));
  require(pkey != nullptr, "EVP_PKEY_new_raw_private_key_ex");
  return private_pem(pkey.get());
}

std::string encode_token(std::string_view header_json, std::string_view payload,
                         std::string_view signature) {
  return base64url_encode(header_json) + "." + base64url_encode(payload) + "." +
         base64url_encode(signature);
}

std::string sign_token(const Key& key, std::string_view header_json, std::string_view payload) {
  Result<std::string> token = sign_compact(key, header_json, payload);
  EXPECT_TRUE(token.ok()) << token.status();
  return token.ok() ? *token : std::string();
}

std::string raw_hmac_sha256(std::string_view secret, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  require(HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
               reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
               &length) != nullptr,
          "HMAC");
  return std::string(reinterpret_cast<const char*>(mac), length);
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "jwt_auth_test.XXXXXX").string();
  require(mkdtemp(pattern.data()) != nullptr, "mkdtemp");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path TempDir::write(const std::string& name, std::string_view content) const {
  const std::filesystem::path file = path_ / name;
  std::ofstream out(file, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  require(out.good(), "writing a temporary file");
  return file;
}

}  // namespace outbound::jwt::testing
