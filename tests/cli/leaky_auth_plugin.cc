// A deliberately careless plugin: it quotes its credential in error messages and exceptions,
// as a real plugin might by accident. The command-line tests use it to show that the host
// masks such messages before they reach the terminal.

#include <memory>
#include <stdexcept>
#include <string>

#include "outbound/plugin.h"

namespace {

class LeakyAuth final : public outbound::AuthProvider {
 public:
  static outbound::Result<std::unique_ptr<LeakyAuth>> create(
      const outbound::PluginContext& context) {
    auto key = context.secret_setting("/api_key");
    if (!key.ok()) return key.status();
    const std::string plain(key->expose());
    if (context.settings_json.find("\"throw_in_create\"") != std::string::npos) {
      throw std::runtime_error("cannot start with key " + plain);
    }
    return std::unique_ptr<LeakyAuth>(new LeakyAuth(context.client, plain));
  }

  const outbound::ClientInfo& info() const override { return info_; }
  outbound::Status health_check(const outbound::CallContext&) override {
    return outbound::Status::unavailable("provider refused key " + key_);
  }
  void close() override {}
  outbound::Result<outbound::IssuedToken> issue(const outbound::CallContext&,
                                                const outbound::IssueRequest&) override {
    return outbound::Status::invalid_argument("provider rejected key " + key_);
  }
  outbound::Result<outbound::VerifiedToken> verify(const outbound::CallContext&,
                                                   const outbound::VerifyRequest&) override {
    throw std::runtime_error("verification crashed with key " + key_);
  }

 private:
  LeakyAuth(outbound::ClientInfo info, std::string key)
      : info_(std::move(info)), key_(std::move(key)) {}

  outbound::ClientInfo info_;
  std::string key_;
};

}  // namespace

OUTBOUND_PLUGIN(LeakyAuth, "leaky-auth", "1.0.0")
