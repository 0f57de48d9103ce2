#include "async/async_clients.h"

#include <exception>
#include <string>
#include <utility>

namespace outbound {
namespace {

using TimePoint = CallContext::TimePoint;
using Seconds = std::chrono::duration<double>;
using Milliseconds = std::chrono::duration<double, std::milli>;

std::string describe(const AsyncBinding& binding, const char* operation) {
  return std::string(operation) + " on client '" + binding.client->id() + "'";
}

void count_rejection(const AsyncBinding& binding, const char* operation, const char* reason) {
  binding.metrics->add(
      "outbound.client.rejections", 1,
      {{"outbound.client", binding.client->id()}, {"outbound.rejection.reason", reason}});
  binding.logger->debug("client={} op={} rejected before it started: {}", binding.client->id(),
                        operation, reason);
}

Status host_closed(const AsyncBinding& binding, const char* operation, async::JobStart start) {
  count_rejection(binding, operation, "host_closed");
  const char* when = start == async::JobStart::kHostClosing
                         ? "the host closed while the call waited in the async queue"
                         : "the host is closed";
  return Status::failed_precondition(describe(binding, operation) + " was not started: " + when +
                                     "; open a new host to make more calls")
      .set_reason("host_closed");
}

/// Counts a call whose deadline passed while it was queued as a failed call, like the
/// synchronous client counts a call made after its deadline.
Status queue_timeout(const AsyncBinding& binding, const char* operation, TimePoint submitted,
                     TimePoint started) {
  const MetricAttributes attributes = {{"outbound.client", binding.client->id()},
                                       {"outbound.operation", operation}};
  binding.metrics->add("outbound.client.calls", 1, attributes);
  binding.metrics->add("outbound.client.failures", 1, attributes);
  count_rejection(binding, operation, "queue_timeout");
  const long long waited_ms = static_cast<long long>(Milliseconds(started - submitted).count());
  return Status::deadline_exceeded(
             describe(binding, operation) + " waited " + std::to_string(waited_ms) +
             " ms in the host's async queue and its deadline passed before it started; allow "
             "more time (timeouts.total_ms or the caller's deadline) or more threads "
             "(HostOptions::async_threads)")
      .set_reason("queue_timeout");
}

void report_handler_exception(const AsyncBinding& binding, const char* operation,
                              const char* what) {
  binding.metrics->add("outbound.async.handler.exceptions", 1, binding.client_attributes);
  if (!binding.handler_exception_logged.exchange(true)) {
    binding.logger->error(
        "client={} op={}: a completion handler threw, and the host caught it: {} (later "
        "exceptions of this client are counted in outbound.async.handler.exceptions, not logged)",
        binding.client->id(), operation, what);
  }
}

/// Runs one queued call on a pool thread, unless the host closed or the deadline passed.
template <typename Value, typename Call>
Value run_queued(const AsyncBinding& binding, const char* operation, async::JobStart start,
                 const CallContext& context, TimePoint submitted, Call& call) {
  if (start != async::JobStart::kRun) return host_closed(binding, operation, start);
  const TimePoint started = binding.clock->steady_now();
  binding.metrics->record("outbound.async.queue.duration", Seconds(started - submitted).count(),
                          binding.client_attributes);
  if (started >= context.deadline) return queue_timeout(binding, operation, submitted, started);
  try {
    return call(context);
  } catch (const std::exception& error) {
    // The hosted client turns a plugin's exceptions into statuses, so this is a host bug.
    return Status::internal(describe(binding, operation) + " threw: " + error.what());
  } catch (...) {
    return Status::internal(describe(binding, operation) + " threw a non-standard exception");
  }
}

/// Fixes the call's deadline now and queues it; `on_done` receives the Value.
template <typename Value, typename Call, typename Done>
void submit(const std::shared_ptr<const AsyncBinding>& binding, const char* operation,
            const CallContext& caller, Call call, Done on_done) {
  CallContext context = caller;
  const TimePoint submitted = binding->clock->steady_now();
  const TimePoint latest = submitted + binding->total_timeout;
  if (context.deadline == TimePoint{} || context.deadline > latest) context.deadline = latest;
  binding->gate->post([binding, operation, context = std::move(context), submitted,
                       call = std::move(call),
                       on_done = std::move(on_done)](async::JobStart start) mutable {
    Value value = run_queued<Value>(*binding, operation, start, context, submitted, call);
    try {
      on_done(std::move(value));
    } catch (const std::exception& error) {
      report_handler_exception(*binding, operation, error.what());
    } catch (...) {
      report_handler_exception(*binding, operation, "a non-standard exception");
    }
  });
}

template <typename Value, typename Call>
std::future<Value> submit_future(const std::shared_ptr<const AsyncBinding>& binding,
                                 const char* operation, const CallContext& context, Call call) {
  auto promise = std::make_shared<std::promise<Value>>();
  std::future<Value> future = promise->get_future();
  submit<Value>(binding, operation, context, std::move(call),
                [promise](Value value) { promise->set_value(std::move(value)); });
  return future;
}

template <typename Value, typename Call>
void submit_handler(const std::shared_ptr<const AsyncBinding>& binding, const char* operation,
                    const CallContext& context, Call call, std::function<void(Value)> on_done) {
  submit<Value>(binding, operation, context, std::move(call),
                [on_done = std::move(on_done)](Value value) {
                  if (on_done) on_done(std::move(value));
                });
}

/// Returns a callable that runs `method` of the hosted client with `request`. The raw pointer
/// is safe because every queued call keeps a reference to the binding, which owns the client.
template <typename Interface, typename Method, typename Request>
auto bind_call(const AsyncBinding& binding, Method method, Request request) {
  auto* client = static_cast<Interface*>(binding.client.get());
  return [client, method, request = std::move(request)](const CallContext& context) {
    return (client->*method)(context, request);
  };
}

}  // namespace

AsyncClient::AsyncClient(std::shared_ptr<const AsyncBinding> binding)
    : binding_(std::move(binding)) {}

AsyncClient::~AsyncClient() = default;

const ClientInfo& AsyncClient::info() const { return binding_->client->info(); }

std::future<Status> AsyncClient::health_check(const CallContext& context) {
  auto* client = binding_->client.get();
  return submit_future<Status>(binding_, "health_check", context,
                               [client](const CallContext& c) { return client->health_check(c); });
}

void AsyncClient::health_check(const CallContext& context, StatusCompletion on_done) {
  auto* client = binding_->client.get();
  submit_handler<Status>(
      binding_, "health_check", context,
      [client](const CallContext& c) { return client->health_check(c); }, std::move(on_done));
}

std::future<Result<IssuedToken>> AsyncAuthProvider::issue(const CallContext& context,
                                                          IssueRequest request) {
  return submit_future<Result<IssuedToken>>(
      binding_, "issue", context,
      bind_call<AuthProvider>(*binding_, &AuthProvider::issue, std::move(request)));
}

void AsyncAuthProvider::issue(const CallContext& context, IssueRequest request,
                              Completion<IssuedToken> on_done) {
  submit_handler<Result<IssuedToken>>(
      binding_, "issue", context,
      bind_call<AuthProvider>(*binding_, &AuthProvider::issue, std::move(request)),
      std::move(on_done));
}

std::future<Result<VerifiedToken>> AsyncAuthProvider::verify(const CallContext& context,
                                                             VerifyRequest request) {
  return submit_future<Result<VerifiedToken>>(
      binding_, "verify", context,
      bind_call<AuthProvider>(*binding_, &AuthProvider::verify, std::move(request)));
}

void AsyncAuthProvider::verify(const CallContext& context, VerifyRequest request,
                               Completion<VerifiedToken> on_done) {
  submit_handler<Result<VerifiedToken>>(
      binding_, "verify", context,
      bind_call<AuthProvider>(*binding_, &AuthProvider::verify, std::move(request)),
      std::move(on_done));
}

#define OUTBOUND_ASYNC_PAYMENT_CALL(Ret, method, Req)                                             \
  std::future<Result<Ret>> AsyncPaymentGateway::method(const CallContext& context, Req request) { \
    return submit_future<Result<Ret>>(                                                            \
        binding_, #method, context,                                                               \
        bind_call<PaymentGateway>(*binding_, &PaymentGateway::method, std::move(request)));       \
  }                                                                                               \
  void AsyncPaymentGateway::method(const CallContext& context, Req request,                       \
                                   Completion<Ret> on_done) {                                     \
    submit_handler<Result<Ret>>(                                                                  \
        binding_, #method, context,                                                               \
        bind_call<PaymentGateway>(*binding_, &PaymentGateway::method, std::move(request)),        \
        std::move(on_done));                                                                      \
  }
OUTBOUND_ASYNC_PAYMENT_CALL(Charge, create_charge, ChargeRequest)
OUTBOUND_ASYNC_PAYMENT_CALL(Charge, capture_charge, CaptureRequest)
OUTBOUND_ASYNC_PAYMENT_CALL(Charge, retrieve_charge, RetrieveRequest)
OUTBOUND_ASYNC_PAYMENT_CALL(Page<Charge>, list_charges, ListRequest)
OUTBOUND_ASYNC_PAYMENT_CALL(PaymentIntent, create_payment_intent, PaymentIntentRequest)
OUTBOUND_ASYNC_PAYMENT_CALL(PaymentIntent, confirm_payment_intent, ConfirmPaymentIntentRequest)
OUTBOUND_ASYNC_PAYMENT_CALL(PaymentIntent, capture_payment_intent, CaptureRequest)
OUTBOUND_ASYNC_PAYMENT_CALL(PaymentIntent, cancel_payment_intent, CancelPaymentIntentRequest)
OUTBOUND_ASYNC_PAYMENT_CALL(PaymentIntent, retrieve_payment_intent, RetrieveRequest)
OUTBOUND_ASYNC_PAYMENT_CALL(Refund, create_refund, RefundRequest)
OUTBOUND_ASYNC_PAYMENT_CALL(Refund, retrieve_refund, RetrieveRequest)
OUTBOUND_ASYNC_PAYMENT_CALL(Page<Refund>, list_refunds, ListRequest)
OUTBOUND_ASYNC_PAYMENT_CALL(Customer, create_customer, CustomerRequest)
OUTBOUND_ASYNC_PAYMENT_CALL(Customer, retrieve_customer, RetrieveRequest)
OUTBOUND_ASYNC_PAYMENT_CALL(Customer, update_customer, CustomerUpdate)
OUTBOUND_ASYNC_PAYMENT_CALL(WebhookEvent, verify_webhook, WebhookVerifyRequest)
#undef OUTBOUND_ASYNC_PAYMENT_CALL

std::future<Result<MailReceipt>> AsyncMailSender::send(const CallContext& context,
                                                       MailMessage message) {
  return submit_future<Result<MailReceipt>>(
      binding_, "send", context,
      bind_call<MailSender>(*binding_, &MailSender::send, std::move(message)));
}

void AsyncMailSender::send(const CallContext& context, MailMessage message,
                           Completion<MailReceipt> on_done) {
  submit_handler<Result<MailReceipt>>(
      binding_, "send", context,
      bind_call<MailSender>(*binding_, &MailSender::send, std::move(message)), std::move(on_done));
}

std::shared_ptr<AsyncClient> make_async_client(std::shared_ptr<const AsyncBinding> binding) {
  switch (binding->client->kind()) {
    case ClientKind::kAuth:
      return std::make_shared<AsyncAuthProvider>(std::move(binding));
    case ClientKind::kPayment:
      return std::make_shared<AsyncPaymentGateway>(std::move(binding));
    case ClientKind::kMail:
      return std::make_shared<AsyncMailSender>(std::move(binding));
  }
  return nullptr;
}

}  // namespace outbound
