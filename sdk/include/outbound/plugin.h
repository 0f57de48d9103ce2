#pragma once

// The plugin boundary. A plugin is a shared library that exports exactly one symbol,
// `outbound_plugin_descriptor`, through OUTBOUND_PLUGIN. The host reads the descriptor,
// checks the ABI numbers and the build fingerprint, and only then lets a C++ object cross.
//
// A minimal plugin:
//
//   class EchoAuth : public outbound::AuthProvider {
//    public:
//     static outbound::Result<std::unique_ptr<EchoAuth>> create(
//         const outbound::PluginContext& context);
//     ... overrides of info(), health_check(), close(), issue(), verify() ...
//   };
//   OUTBOUND_PLUGIN(EchoAuth, "echo-auth", "1.0.0")
//
// `create` validates the settings and returns kInvalidArgument naming the setting on bad
// input; it must not touch the network. The macro wraps every method of the created object
// so that an exception thrown inside the plugin becomes a kInternal Status inside the plugin
// and never unwinds into the host.

#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "outbound/auth.h"
#include "outbound/export.h"
#include "outbound/mail.h"
#include "outbound/payment.h"
#include "outbound/plugin_context.h"
#include "outbound/status.h"
#include "outbound/version.h"

/// The first field of every descriptor: "OBPL" in ASCII.
#define OUTBOUND_PLUGIN_MAGIC 0x4f42504cu

/// The name of the exported descriptor function.
#define OUTBOUND_PLUGIN_SYMBOL "outbound_plugin_descriptor"

extern "C" {

/// outbound_plugin_descriptor_t is plain data so that the host can read and check it before
/// it calls into the plugin. Fields are never reordered; new fields are appended and
/// announced by a larger struct_size and a new ABI minor.
struct outbound_plugin_descriptor_t {
  /// OUTBOUND_PLUGIN_MAGIC.
  std::uint32_t magic;
  /// sizeof(outbound_plugin_descriptor_t) in the SDK the plugin was built with.
  std::uint32_t struct_size;
  std::uint32_t abi_major;
  std::uint32_t abi_minor;
  /// The name the configuration's `plugin` key selects ("stripe").
  const char* name;
  /// The plugin's own release ("1.0.0").
  const char* version;
  /// "auth", "payment" or "mail".
  const char* kind;
  /// OUTBOUND_BUILD_FINGERPRINT as seen when the plugin was compiled.
  const char* fingerprint;
  /// Creates a client. On failure returns null and sets `*status`; never throws.
  outbound::ExternalClient* (*create)(const outbound::PluginContext* context,
                                      outbound::Status* status);
  /// Destroys a client made by `create`; never throws.
  void (*destroy)(outbound::ExternalClient* client);
};

/// The signature of the exported descriptor function.
typedef const outbound_plugin_descriptor_t* (*outbound_plugin_descriptor_fn)(void);

}  // extern "C"

namespace outbound {
namespace plugin_detail {

/// Runs `call` and turns any exception into a kInternal status with reason
/// "plugin_exception" naming the plugin, its file and the operation, so that nothing unwinds
/// across the boundary.
template <typename Call>
auto guard(const ClientInfo& info, const char* operation, Call&& call) noexcept
    -> decltype(call()) {
  try {
    return call();
  } catch (const std::exception& error) {
    return Status::internal("plugin '" + info.plugin_name + "' (" + info.plugin_file +
                            ") threw from " + operation + ": " + error.what())
        .set_reason("plugin_exception");
  } catch (...) {
    return Status::internal("plugin '" + info.plugin_name + "' (" + info.plugin_file +
                            ") threw a non-standard exception from " + operation)
        .set_reason("plugin_exception");
  }
}

inline void guard_close(ExternalClient& client) noexcept {
  try {
    client.close();
  } catch (...) {
    // close() has no way to report; the object is being released either way.
  }
}

/// GuardedAuth forwards to the plugin's AuthProvider inside guard().
class GuardedAuth final : public AuthProvider {
 public:
  explicit GuardedAuth(std::unique_ptr<AuthProvider> impl) : impl_(std::move(impl)) {}
  const ClientInfo& info() const override { return impl_->info(); }
  Status health_check(const CallContext& c) override {
    return guard(info(), "health_check", [&] { return impl_->health_check(c); });
  }
  void close() override { guard_close(*impl_); }
  Result<IssuedToken> issue(const CallContext& c, const IssueRequest& r) override {
    return guard(info(), "issue", [&] { return impl_->issue(c, r); });
  }
  Result<VerifiedToken> verify(const CallContext& c, const VerifyRequest& r) override {
    return guard(info(), "verify", [&] { return impl_->verify(c, r); });
  }

 private:
  std::unique_ptr<AuthProvider> impl_;
};

/// GuardedPayment forwards to the plugin's PaymentGateway inside guard().
class GuardedPayment final : public PaymentGateway {
 public:
  explicit GuardedPayment(std::unique_ptr<PaymentGateway> impl) : impl_(std::move(impl)) {}
  const ClientInfo& info() const override { return impl_->info(); }
  Status health_check(const CallContext& c) override {
    return guard(info(), "health_check", [&] { return impl_->health_check(c); });
  }
  void close() override { guard_close(*impl_); }

#define OUTBOUND_GUARDED_PAYMENT_CALL(Ret, method, Req)                 \
  Result<Ret> method(const CallContext& c, const Req& r) override {     \
    return guard(info(), #method, [&] { return impl_->method(c, r); }); \
  }
  OUTBOUND_GUARDED_PAYMENT_CALL(Charge, create_charge, ChargeRequest)
  OUTBOUND_GUARDED_PAYMENT_CALL(Charge, capture_charge, CaptureRequest)
  OUTBOUND_GUARDED_PAYMENT_CALL(Charge, retrieve_charge, RetrieveRequest)
  OUTBOUND_GUARDED_PAYMENT_CALL(Page<Charge>, list_charges, ListRequest)
  OUTBOUND_GUARDED_PAYMENT_CALL(PaymentIntent, create_payment_intent, PaymentIntentRequest)
  OUTBOUND_GUARDED_PAYMENT_CALL(PaymentIntent, confirm_payment_intent, ConfirmPaymentIntentRequest)
  OUTBOUND_GUARDED_PAYMENT_CALL(PaymentIntent, capture_payment_intent, CaptureRequest)
  OUTBOUND_GUARDED_PAYMENT_CALL(PaymentIntent, cancel_payment_intent, CancelPaymentIntentRequest)
  OUTBOUND_GUARDED_PAYMENT_CALL(PaymentIntent, retrieve_payment_intent, RetrieveRequest)
  OUTBOUND_GUARDED_PAYMENT_CALL(Refund, create_refund, RefundRequest)
  OUTBOUND_GUARDED_PAYMENT_CALL(Refund, retrieve_refund, RetrieveRequest)
  OUTBOUND_GUARDED_PAYMENT_CALL(Page<Refund>, list_refunds, ListRequest)
  OUTBOUND_GUARDED_PAYMENT_CALL(Customer, create_customer, CustomerRequest)
  OUTBOUND_GUARDED_PAYMENT_CALL(Customer, retrieve_customer, RetrieveRequest)
  OUTBOUND_GUARDED_PAYMENT_CALL(Customer, update_customer, CustomerUpdate)
  OUTBOUND_GUARDED_PAYMENT_CALL(WebhookEvent, verify_webhook, WebhookVerifyRequest)
#undef OUTBOUND_GUARDED_PAYMENT_CALL

 private:
  std::unique_ptr<PaymentGateway> impl_;
};

/// GuardedMail forwards to the plugin's MailSender inside guard().
class GuardedMail final : public MailSender {
 public:
  explicit GuardedMail(std::unique_ptr<MailSender> impl) : impl_(std::move(impl)) {}
  const ClientInfo& info() const override { return impl_->info(); }
  Status health_check(const CallContext& c) override {
    return guard(info(), "health_check", [&] { return impl_->health_check(c); });
  }
  void close() override { guard_close(*impl_); }
  Result<MailReceipt> send(const CallContext& c, const MailMessage& m) override {
    return guard(info(), "send", [&] { return impl_->send(c, m); });
  }

 private:
  std::unique_ptr<MailSender> impl_;
};

/// The descriptor's `kind` for a plugin class, from the capability interface it implements.
template <typename Impl>
constexpr const char* kind_of() {
  static_assert(std::is_base_of_v<AuthProvider, Impl> || std::is_base_of_v<PaymentGateway, Impl> ||
                    std::is_base_of_v<MailSender, Impl>,
                "a plugin class must derive from AuthProvider, PaymentGateway or MailSender");
  if constexpr (std::is_base_of_v<AuthProvider, Impl>) return "auth";
  if constexpr (std::is_base_of_v<PaymentGateway, Impl>) return "payment";
  return "mail";
}

/// Wraps a plugin object in the guard of its capability.
template <typename Impl>
ExternalClient* wrap(std::unique_ptr<Impl> impl) {
  if constexpr (std::is_base_of_v<AuthProvider, Impl>) {
    return new GuardedAuth(std::move(impl));
  } else if constexpr (std::is_base_of_v<PaymentGateway, Impl>) {
    return new GuardedPayment(std::move(impl));
  } else {
    return new GuardedMail(std::move(impl));
  }
}

/// The descriptor's `create`: calls Impl::create and catches everything.
template <typename Impl>
ExternalClient* create_client(const PluginContext* context, Status* status) noexcept {
  try {
    Result<std::unique_ptr<Impl>> made = Impl::create(*context);
    if (!made.ok()) {
      *status = made.status();
      return nullptr;
    }
    return wrap<Impl>(std::move(made).value());
  } catch (const std::exception& error) {
    *status = Status::internal(std::string("plugin threw from create: ") + error.what())
                  .set_reason("plugin_exception");
  } catch (...) {
    *status = Status::internal("plugin threw a non-standard exception from create")
                  .set_reason("plugin_exception");
  }
  return nullptr;
}

/// Deletes a client made by create_client; this is the descriptor's `destroy`.
inline void destroy_client(ExternalClient* client) noexcept {
  try {
    delete client;
  } catch (...) {
    // Destructors are noexcept; this only keeps an exotic plugin from terminating the host.
  }
}

}  // namespace plugin_detail
}  // namespace outbound

/// OUTBOUND_PLUGIN_DESCRIPTOR exports a descriptor with explicit ABI numbers and fingerprint.
/// Plugins use OUTBOUND_PLUGIN; this form exists for the loader's test fixtures.
#define OUTBOUND_PLUGIN_DESCRIPTOR(Impl, plugin_name, plugin_version, abi_major, abi_minor,     \
                                   fingerprint_text)                                            \
  OUTBOUND_PLUGIN_EXPORT const outbound_plugin_descriptor_t* outbound_plugin_descriptor(void) { \
    static const outbound_plugin_descriptor_t descriptor = {                                    \
        OUTBOUND_PLUGIN_MAGIC,                                                                  \
        sizeof(outbound_plugin_descriptor_t),                                                   \
        (abi_major),                                                                            \
        (abi_minor),                                                                            \
        (plugin_name),                                                                          \
        (plugin_version),                                                                       \
        ::outbound::plugin_detail::kind_of<Impl>(),                                             \
        (fingerprint_text),                                                                     \
        &::outbound::plugin_detail::create_client<Impl>,                                        \
        &::outbound::plugin_detail::destroy_client};                                            \
    return &descriptor;                                                                         \
  }

/// OUTBOUND_PLUGIN(Impl, "name", "version") makes `Impl` a plugin. Use it once, at namespace
/// scope, in one source file of the plugin. `Impl` derives from one capability interface and
/// has `static outbound::Result<std::unique_ptr<Impl>> create(const outbound::PluginContext&)`.
#define OUTBOUND_PLUGIN(Impl, plugin_name, plugin_version)                          \
  OUTBOUND_PLUGIN_DESCRIPTOR(Impl, plugin_name, plugin_version, OUTBOUND_ABI_MAJOR, \
                             OUTBOUND_ABI_MINOR, OUTBOUND_BUILD_FINGERPRINT)
