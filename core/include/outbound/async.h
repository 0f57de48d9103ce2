#pragma once

#include <functional>
#include <future>
#include <memory>

#include "outbound/auth.h"
#include "outbound/client.h"
#include "outbound/mail.h"
#include "outbound/payment.h"
#include "outbound/status.h"

namespace outbound {

/// Completion receives the result of an async call. It runs on a thread of the host's pool,
/// or on the submitting thread when the host had already closed.
template <typename T>
using Completion = std::function<void(Result<T>)>;

/// StatusCompletion receives the status of an async call that returns no value.
using StatusCompletion = std::function<void(Status)>;

/// AsyncBinding is the hosted client, thread pool and policy an async client uses. Only the
/// host builds one (Host::async_auth() and its siblings).
struct AsyncBinding;

/// AsyncClient runs the calls of one hosted client on the host's thread pool. Every call has
/// two forms: one returns a std::future, the other takes a completion handler and returns at
/// once. Both run the same hosted call as the synchronous client, through the same call policy
/// (deadline, request id, idempotency key, resilience pipeline, logging, metrics), with these
/// differences:
///
/// - The deadline is fixed when the call is submitted: the earlier of the caller's deadline and
///   submission time plus the client's `timeouts.total_ms`. Time spent waiting in the pool's
///   queue counts against it. A call whose deadline passes while it is queued fails with
///   kDeadlineExceeded and reason "queue_timeout", without reaching the plugin.
/// - Requests are taken by value, so a caller can move a large one (a mail with attachments)
///   into the queued call.
/// - When the host closes, calls still queued complete with kFailedPrecondition and reason
///   "host_closed" without running, and calls already running end normally before the host's
///   destructor returns. Calls submitted after that complete at once, on the submitting
///   thread, with the same status.
/// - A completion handler that throws is caught: the first exception of each client is logged
///   at error level, and every one is counted in `outbound.async.handler.exceptions`. An empty
///   handler discards the result.
///
/// The async client keeps the hosted client, and with it the plugin's library, alive until
/// every call it submitted has ended. Like the synchronous client it was made with, it stays on
/// the client set it came from: after Host::reload(), ask the host for a new one.
///
/// Release the Host outside completion handlers. A pool thread cannot wait for itself, so a
/// host destroyed in a handler logs an error and does not wait for the calls running on its
/// other threads, which then end after the host is gone.
///
/// Thread safety: every method may be called from any thread, including from a handler.
class AsyncClient {
 public:
  explicit AsyncClient(std::shared_ptr<const AsyncBinding> binding);
  virtual ~AsyncClient();

  AsyncClient(const AsyncClient&) = delete;
  AsyncClient& operator=(const AsyncClient&) = delete;

  const ClientInfo& info() const;
  const std::string& id() const { return info().id; }
  ClientKind kind() const { return info().kind; }

  std::future<Status> health_check(const CallContext& context);
  void health_check(const CallContext& context, StatusCompletion on_done);

 protected:
  std::shared_ptr<const AsyncBinding> binding_;
};

/// AsyncAuthProvider is the async form of AuthProvider.
class AsyncAuthProvider final : public AsyncClient {
 public:
  using AsyncClient::AsyncClient;

  std::future<Result<IssuedToken>> issue(const CallContext& context, IssueRequest request);
  void issue(const CallContext& context, IssueRequest request, Completion<IssuedToken> on_done);
  std::future<Result<VerifiedToken>> verify(const CallContext& context, VerifyRequest request);
  void verify(const CallContext& context, VerifyRequest request, Completion<VerifiedToken> on_done);
};

/// AsyncPaymentGateway is the async form of PaymentGateway, one pair of methods per
/// operation.
class AsyncPaymentGateway final : public AsyncClient {
 public:
  using AsyncClient::AsyncClient;

#define OUTBOUND_ASYNC_PAYMENT_CALL(Ret, method, Req)                       \
  std::future<Result<Ret>> method(const CallContext& context, Req request); \
  void method(const CallContext& context, Req request, Completion<Ret> on_done);
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
};

/// AsyncMailSender is the async form of MailSender.
class AsyncMailSender final : public AsyncClient {
 public:
  using AsyncClient::AsyncClient;

  std::future<Result<MailReceipt>> send(const CallContext& context, MailMessage message);
  void send(const CallContext& context, MailMessage message, Completion<MailReceipt> on_done);
};

}  // namespace outbound
