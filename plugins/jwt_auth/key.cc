#include "jwt_auth/key.h"

#include <utility>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "jwt_auth/key_material.h"

namespace outbound::jwt {
namespace {

// RFC 7518 section 3.3: "A key of size 2048 bits or larger MUST be used".
constexpr int kMinRsaBits = 2048;

using BioPtr = std::unique_ptr<BIO, OpensslDeleter<BIO, BIO_free_all>>;

// Stops OpenSSL from prompting on the terminal for the passphrase of an encrypted key.
int refuse_passphrase(char*, int, int, void*) { return -1; }

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::string name_of(Algorithm algorithm) { return std::string(algorithm_name(algorithm)); }

BioPtr memory_bio(std::string_view text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// Returns the JOSE name of the key's curve ("P-256"), or OpenSSL's name for other curves.
std::string curve_name(const EVP_PKEY* pkey) {
  char name[80] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_group_name(pkey, name, sizeof(name), &length) != 1) {
    clear_openssl_errors();
    return "unknown-curve";
  }
  const std::string_view group(name, length);
  if (group == "prime256v1" || group == "P-256") return "P-256";
  if (group == "secp384r1" || group == "P-384") return "P-384";
  if (group == "secp521r1" || group == "P-521") return "P-521";
  return std::string(group);
}

std::string describe_key(const EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    return "an RSA key of " + std::to_string(EVP_PKEY_get_bits(pkey)) + " bits";
  }
  if (EVP_PKEY_is_a(pkey, "RSA-PSS")) return "an RSA-PSS key";
  if (EVP_PKEY_is_a(pkey, "EC")) return "an EC " + curve_name(pkey) + " key";
  if (EVP_PKEY_is_a(pkey, "ED25519")) return "an Ed25519 key";
  if (EVP_PKEY_is_a(pkey, "ED448")) return "an Ed448 key";
  const char* type = EVP_PKEY_get0_type_name(pkey);
  return std::string("a ") + (type != nullptr ? type : "unknown") + " key";
}

std::string expected_key(Algorithm algorithm) {
  switch (algorithm_family(algorithm)) {
    case AlgorithmFamily::kRsaPkcs1:
    case AlgorithmFamily::kRsaPss:
      return "an RSA key of at least " + std::to_string(kMinRsaBits) + " bits";
    case AlgorithmFamily::kEcdsa:
      return algorithm == Algorithm::kEs256 ? "an EC P-256 key" : "an EC P-384 key";
    case AlgorithmFamily::kEdDsa:
      return "an Ed25519 key";
    case AlgorithmFamily::kHmac:
      break;
  }
  return "a shared secret";
}

Status check_key_type(Algorithm algorithm, const EVP_PKEY* pkey) {
  bool matches = false;
  switch (algorithm_family(algorithm)) {
    case AlgorithmFamily::kRsaPkcs1:
    case AlgorithmFamily::kRsaPss:
      matches = EVP_PKEY_is_a(pkey, "RSA");
      if (matches && EVP_PKEY_get_bits(pkey) < kMinRsaBits) {
        return Status::invalid_argument(
            "is " + describe_key(pkey) + ", but " + name_of(algorithm) + " needs at least " +
            std::to_string(kMinRsaBits) +
            " bits (RFC 7518 section 3.3); generate one with "
            "`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`");
      }
      break;
    case AlgorithmFamily::kEcdsa:
      matches = EVP_PKEY_is_a(pkey, "EC") &&
                curve_name(pkey) == (algorithm == Algorithm::kEs256 ? "P-256" : "P-384");
      break;
    case AlgorithmFamily::kEdDsa:
      matches = EVP_PKEY_is_a(pkey, "ED25519");
      break;
    case AlgorithmFamily::kHmac:
      break;
  }
  if (!matches) {
    return Status::invalid_argument("is " + describe_key(pkey) + ", but " + name_of(algorithm) +
                                    " needs " + expected_key(algorithm) +
                                    "; give such a key or change the algorithm to match the key");
  }
  return Status();
}

Status reject_hmac_algorithm(Algorithm algorithm) {
  return Status::invalid_argument(name_of(algorithm) +
                                  " takes a shared secret, not a PEM key; use an RS, PS, ES or "
                                  "EdDSA algorithm for a PEM key");
}

Result<EvpMdPtr> fetch_digest(Algorithm algorithm) {
  const char* name = digest_name(algorithm);
  if (name == nullptr || algorithm_family(algorithm) == AlgorithmFamily::kEdDsa) {
    return EvpMdPtr();
  }
  EvpMdPtr digest(EVP_MD_fetch(nullptr, name, nullptr));
  if (!digest) {
    return Status::internal(std::string("cannot fetch the ") + name +
                            " digest from OpenSSL: " + take_openssl_error("EVP_MD_fetch failed"));
  }
  return digest;
}

Result<std::shared_ptr<const KeyMaterial>> make_asymmetric_material(Algorithm algorithm,
                                                                    EvpPkeyPtr pkey,
                                                                    bool has_private_key) {
  Result<EvpMdPtr> digest = fetch_digest(algorithm);
  if (!digest.ok()) return digest.status();
  auto material = std::make_shared<KeyMaterial>();
  material->pkey = std::move(pkey);
  material->has_private_key = has_private_key;
  material->digest = std::move(digest).value();
  if (Status prepared = prepare_contexts(algorithm, *material); !prepared.ok()) return prepared;
  return std::shared_ptr<const KeyMaterial>(std::move(material));
}

}  // namespace

Key::Key(Algorithm algorithm, std::shared_ptr<const KeyMaterial> material, std::string key_id)
    : algorithm_(algorithm), material_(std::move(material)), key_id_(std::move(key_id)) {}

Result<Key> Key::from_hmac_secret(Algorithm algorithm, std::string_view secret,
                                  std::string key_id) {
  if (algorithm_family(algorithm) != AlgorithmFamily::kHmac) {
    return Status::invalid_argument(name_of(algorithm) + " needs " + expected_key(algorithm) +
                                    " in PEM text, not a shared secret");
  }
  if (contains(secret, "-----BEGIN")) {
    return Status::invalid_argument("is PEM key text, but " + name_of(algorithm) +
                                    " needs a shared secret; use an RS, PS, ES or EdDSA "
                                    "algorithm for a PEM key");
  }
  const std::size_t minimum = digest_size(algorithm);
  if (secret.size() < minimum) {
    return Status::invalid_argument(
        "is " + std::to_string(secret.size()) + " bytes long, but " + name_of(algorithm) +
        " needs a secret of at least " + std::to_string(minimum) +
        " bytes (RFC 7518 section 3.2); generate one with `openssl rand -base64 " +
        std::to_string(minimum) + "`");
  }

  auto material = std::make_shared<KeyMaterial>();
  material->secret = Secret::copy_of(secret);
  if (Status prepared = prepare_contexts(algorithm, *material); !prepared.ok()) return prepared;
  return Key(algorithm, std::move(material), std::move(key_id));
}

Result<Key> Key::from_private_pem(Algorithm algorithm, std::string_view pem, std::string key_id) {
  if (algorithm_family(algorithm) == AlgorithmFamily::kHmac) {
    return reject_hmac_algorithm(algorithm);
  }
  if (contains(pem, "ENCRYPTED PRIVATE KEY") || contains(pem, "Proc-Type: 4,ENCRYPTED")) {
    return Status::invalid_argument(
        "is an encrypted private key, which is not supported; store it unencrypted "
        "(`openssl pkey -in key.pem -out plain.pem`) and protect the file instead");
  }
  if (!contains(pem, "PRIVATE KEY-----") && contains(pem, "PUBLIC KEY-----")) {
    return Status::invalid_argument("is a public key, but signing needs the private key");
  }

  BioPtr bio = memory_bio(pem);
  EvpPkeyPtr pkey(bio ? PEM_read_bio_PrivateKey_ex(bio.get(), nullptr, refuse_passphrase, nullptr,
                                                   nullptr, nullptr)
                      : nullptr);
  if (!pkey) {
    return Status::invalid_argument(
        "is not a PEM private key (OpenSSL: " + take_openssl_error("no key found") +
        "); give the text from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----");
  }
  if (Status type = check_key_type(algorithm, pkey.get()); !type.ok()) return type;

  Result<std::shared_ptr<const KeyMaterial>> material =
      make_asymmetric_material(algorithm, std::move(pkey), true);
  if (!material.ok()) return material.status();
  return Key(algorithm, std::move(material).value(), std::move(key_id));
}

Result<Key> Key::from_public_pem(Algorithm algorithm, std::string_view pem, std::string key_id) {
  if (algorithm_family(algorithm) == AlgorithmFamily::kHmac) {
    return reject_hmac_algorithm(algorithm);
  }
  if (contains(pem, "PRIVATE KEY-----")) {
    return Status::invalid_argument(
        "is a private key, but a verification key must be the public key alone; extract it "
        "with `openssl pkey -in key.pem -pubout`");
  }
  if (contains(pem, "CERTIFICATE-----")) {
    return Status::invalid_argument(
        "is a certificate; give its public key, from `openssl x509 -in cert.pem -pubkey "
        "-noout`");
  }

  BioPtr bio = memory_bio(pem);
  EvpPkeyPtr pkey(
      bio ? PEM_read_bio_PUBKEY_ex(bio.get(), nullptr, nullptr, nullptr, nullptr, nullptr)
          : nullptr);
  if (!pkey) {
    return Status::invalid_argument(
        "is not a PEM public key (OpenSSL: " + take_openssl_error("no key found") +
        "); give the text from -----BEGIN PUBLIC KEY----- to -----END PUBLIC KEY-----");
  }
  if (Status type = check_key_type(algorithm, pkey.get()); !type.ok()) return type;

  Result<std::shared_ptr<const KeyMaterial>> material =
      make_asymmetric_material(algorithm, std::move(pkey), false);
  if (!material.ok()) return material.status();
  return Key(algorithm, std::move(material).value(), std::move(key_id));
}

Result<Key> Key::from_public_pkey(Algorithm algorithm, EvpPkeyPtr pkey, std::string key_id) {
  if (algorithm_family(algorithm) == AlgorithmFamily::kHmac) {
    return reject_hmac_algorithm(algorithm);
  }
  if (!pkey) return Status::invalid_argument("is not a public key");
  if (Status type = check_key_type(algorithm, pkey.get()); !type.ok()) return type;

  Result<std::shared_ptr<const KeyMaterial>> material =
      make_asymmetric_material(algorithm, std::move(pkey), false);
  if (!material.ok()) return material.status();
  return Key(algorithm, std::move(material).value(), std::move(key_id));
}

Result<Key> Key::signing_key(Algorithm algorithm, std::string_view material, std::string key_id) {
  if (algorithm_family(algorithm) == AlgorithmFamily::kHmac) {
    return from_hmac_secret(algorithm, material, std::move(key_id));
  }
  return from_private_pem(algorithm, material, std::move(key_id));
}

Result<Key> Key::verification_key(Algorithm algorithm, std::string_view material,
                                  std::string key_id) {
  if (algorithm_family(algorithm) == AlgorithmFamily::kHmac) {
    return from_hmac_secret(algorithm, material, std::move(key_id));
  }
  return from_public_pem(algorithm, material, std::move(key_id));
}

bool Key::can_sign() const {
  return algorithm_family(algorithm_) == AlgorithmFamily::kHmac || material_->has_private_key;
}

Result<Key> Key::verification_copy(std::string key_id) const {
  if (algorithm_family(algorithm_) == AlgorithmFamily::kHmac || !material_->has_private_key) {
    return Key(algorithm_, material_, std::move(key_id));
  }
  // Round-trip through SubjectPublicKeyInfo DER, so the result contains the public key only.
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(material_->pkey.get(), &der);
  if (length <= 0) {
    return Status::internal("cannot derive the public key: " +
                            take_openssl_error("i2d_PUBKEY failed"));
  }
  const unsigned char* cursor = der;
  EvpPkeyPtr public_key(d2i_PUBKEY(nullptr, &cursor, length));
  OPENSSL_free(der);
  if (!public_key) {
    return Status::internal("cannot derive the public key: " +
                            take_openssl_error("d2i_PUBKEY failed"));
  }
  Result<std::shared_ptr<const KeyMaterial>> material =
      make_asymmetric_material(algorithm_, std::move(public_key), false);
  if (!material.ok()) return material.status();
  return Key(algorithm_, std::move(material).value(), std::move(key_id));
}

bool Key::same_key_as(const Key& other) const {
  if (algorithm_ != other.algorithm_) return false;
  if (algorithm_family(algorithm_) == AlgorithmFamily::kHmac) {
    return material_->secret.equals(other.material_->secret);
  }
  // EVP_PKEY_eq compares the public components, so a private key equals its public half.
  const bool equal = EVP_PKEY_eq(material_->pkey.get(), other.material_->pkey.get()) == 1;
  clear_openssl_errors();
  return equal;
}

Result<std::string> Key::sign(std::string_view signing_input) const {
  return create_signature(algorithm_, *material_, signing_input);
}

bool Key::verify(std::string_view signing_input, std::string_view signature) const {
  return check_signature(algorithm_, *material_, signing_input, signature);
}

}  // namespace outbound::jwt
