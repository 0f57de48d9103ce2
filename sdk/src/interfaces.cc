// Out-of-line destructors: each is the key function of its class, so the class's vtable and
// type info live once, in the SDK library, and compare equal in the host and every plugin.

#include <cctype>

#include "outbound/auth.h"
#include "outbound/client.h"
#include "outbound/clock.h"
#include "outbound/http.h"
#include "outbound/mail.h"
#include "outbound/metrics.h"
#include "outbound/payment.h"
#include "outbound/plugin_context.h"

namespace outbound {

ExternalClient::~ExternalClient() = default;
AuthProvider::~AuthProvider() = default;
PaymentGateway::~PaymentGateway() = default;
MailSender::~MailSender() = default;
HttpTransport::~HttpTransport() = default;
MetricsSink::~MetricsSink() = default;
SecretRegistry::~SecretRegistry() = default;
Clock::~Clock() = default;

namespace {

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }
};

}  // namespace

const Clock& Clock::system() {
  static const SystemClock clock;
  return clock;
}

std::string_view client_kind_name(ClientKind kind) {
  switch (kind) {
    case ClientKind::kAuth:
      return "auth";
    case ClientKind::kPayment:
      return "payment";
    case ClientKind::kMail:
      return "mail";
  }
  return "unknown";
}

std::optional<ClientKind> parse_client_kind(std::string_view name) {
  if (name == "auth") return ClientKind::kAuth;
  if (name == "payment") return ClientKind::kPayment;
  if (name == "mail") return ClientKind::kMail;
  return std::nullopt;
}

std::string_view find_header(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [field, value] : headers) {
    if (field.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < name.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(field[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same) return value;
  }
  return {};
}

}  // namespace outbound
