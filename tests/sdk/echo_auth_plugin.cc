// The plugin of docs/plugin-author-guide.md, verbatim, so that the guide's example is known
// to compile, load and answer. Keep the two in step.

#include <outbound/plugin.h>

class EchoAuth final : public outbound::AuthProvider {
 public:
  static outbound::Result<std::unique_ptr<EchoAuth>> create(
      const outbound::PluginContext& context) {
    return std::unique_ptr<EchoAuth>(new EchoAuth(context.client));
  }

  const outbound::ClientInfo& info() const override { return info_; }
  outbound::Status health_check(const outbound::CallContext&) override { return {}; }
  void close() override {}

  outbound::Result<outbound::IssuedToken> issue(const outbound::CallContext&,
                                                const outbound::IssueRequest& request) override {
    outbound::IssuedToken token;
    token.token = "echo:" + request.subject;
    return token;
  }
  outbound::Result<outbound::VerifiedToken> verify(
      const outbound::CallContext&, const outbound::VerifyRequest&) override {
    return outbound::Status::unauthenticated("echo tokens are never valid")
        .set_reason(outbound::auth_reason::kBadSignature);
  }

 private:
  explicit EchoAuth(outbound::ClientInfo info) : info_(std::move(info)) {}
  outbound::ClientInfo info_;
};

OUTBOUND_PLUGIN(EchoAuth, "echo-auth", "1.0.0")
