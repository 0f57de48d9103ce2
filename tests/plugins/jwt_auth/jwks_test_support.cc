#include "jwks_test_support.h"

#include <stdexcept>
#include <thread>
#include <utility>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <spdlog/sinks/ostream_sink.h>

#include "jwt_auth/base64url.h"

namespace outbound::jwt::testing {
namespace {

void require(bool condition, const char* step) {
  if (!condition) throw std::runtime_error(std::string("JWK setup failed: ") + step);
}

std::string big_number_bytes(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* number = nullptr;
  require(EVP_PKEY_get_bn_param(pkey, name, &number) == 1, name);
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(number)), '\0');
  BN_bn2bin(number, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(number);
  return bytes;
}

}  // namespace

Result<HttpResponse> FakeTransport::send(const CallContext& context, const HttpRequest& request) {
  ++sends_;
  std::chrono::milliseconds delay;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back({request, context});
    delay = delay_;
  }
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
  const std::lock_guard<std::mutex> lock(mutex_);
  if (!failure_.ok()) return failure_;
  return response_;
}

void FakeTransport::serve(std::string body, int status, HttpHeaders headers) {
  const std::lock_guard<std::mutex> lock(mutex_);
  response_.status = status;
  response_.body = std::move(body);
  response_.headers = std::move(headers);
  failure_ = Status();
}

void FakeTransport::fail_with(Status failure) {
  const std::lock_guard<std::mutex> lock(mutex_);
  failure_ = std::move(failure);
}

void FakeTransport::set_delay(std::chrono::milliseconds delay) {
  const std::lock_guard<std::mutex> lock(mutex_);
  delay_ = delay;
}

std::vector<RecordedRequest> FakeTransport::requests() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

void CountingMetrics::add(std::string_view name, double value, const MetricAttributes& attributes) {
  std::string key(name);
  std::string client;
  for (const auto& [label, label_value] : attributes) {
    // The client id is on every measurement; keys leave it out to stay short.
    if (label == "outbound.client") {
      client = label_value;
      continue;
    }
    key += "," + label + "=" + label_value;
  }
  const std::lock_guard<std::mutex> lock(mutex_);
  counts_[key] += value;
  clients_.insert(client);
}

void CountingMetrics::record(std::string_view, double, const MetricAttributes&) {}

std::set<std::string> CountingMetrics::clients() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return clients_;
}

double CountingMetrics::count(const std::string& key) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto found = counts_.find(key);
  return found == counts_.end() ? 0 : found->second;
}

double CountingMetrics::total(const std::string& prefix) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  double sum = 0;
  for (const auto& [key, value] : counts_) {
    if (key.compare(0, prefix.size(), prefix) == 0) sum += value;
  }
  return sum;
}

LogCapture::LogCapture()
    : stream_(std::make_shared<std::ostringstream>()),
      logger_(std::make_shared<spdlog::logger>(
          "plugin.jwt-auth", std::make_shared<spdlog::sinks::ostream_sink_mt>(*stream_))) {
  logger_->set_level(spdlog::level::debug);
  logger_->set_pattern("%l %v");
}

std::string LogCapture::text() const {
  logger_->flush();
  return stream_->str();
}

int LogCapture::lines_with(std::string_view part) const {
  std::istringstream lines(text());
  int count = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find(part) != std::string::npos) ++count;
  }
  return count;
}

nlohmann::json public_jwk(std::string_view private_pem, const std::string& kid,
                          const std::string& alg) {
  BIO* bio = BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  require(pkey != nullptr, "PEM_read_bio_PrivateKey");

  nlohmann::json jwk;
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    jwk["kty"] = "RSA";
    jwk["n"] = base64url_encode(big_number_bytes(pkey, OSSL_PKEY_PARAM_RSA_N));
    jwk["e"] = base64url_encode(big_number_bytes(pkey, OSSL_PKEY_PARAM_RSA_E));
  } else if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {};
    std::size_t group_length = 0;
    require(EVP_PKEY_get_group_name(pkey, group, sizeof(group), &group_length) == 1, "group");
    const std::string_view name(group, group_length);
    const char* crv = "P-521";
    std::size_t size = 66;
    if (name == "prime256v1") {
      crv = "P-256";
      size = 32;
    } else if (name == "secp384r1") {
      crv = "P-384";
      size = 48;
    }
    unsigned char point[1 + 2 * 66];
    std::size_t point_length = 0;
    require(EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point),
                                            &point_length) == 1 &&
                point_length == 1 + 2 * size && point[0] == 0x04,
            "EC point");
    const std::string coordinates(reinterpret_cast<const char*>(point + 1), 2 * size);
    jwk["kty"] = "EC";
    jwk["crv"] = crv;
    jwk["x"] = base64url_encode(coordinates.substr(0, size));
    jwk["y"] = base64url_encode(coordinates.substr(size));
  } else {
    unsigned char raw[32];
    std::size_t raw_length = sizeof(raw);
    require(EVP_PKEY_get_raw_public_key(pkey, raw, &raw_length) == 1, "Ed25519 public key");
    jwk["kty"] = "OKP";
    jwk["crv"] = "Ed25519";
    jwk["x"] = base64url_encode(std::string(reinterpret_cast<const char*>(raw), raw_length));
  }
  EVP_PKEY_free(pkey);
  if (!kid.empty()) jwk["kid"] = kid;
  if (!alg.empty()) jwk["alg"] = alg;
  return jwk;
}

std::string jwk_set(const std::vector<nlohmann::json>& keys) {
  return nlohmann::json{{"keys", keys}}.dump();
}

}  // namespace outbound::jwt::testing
