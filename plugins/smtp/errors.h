#pragma once

#include <string>
#include <string_view>

#include "outbound/status.h"
#include "smtp/reply.h"

namespace outbound::smtp {

/// The reasons of the statuses this plugin returns, besides those of Connection.
namespace reason {
/// A 421 reply: the server is closing the connection. Retryable.
inline constexpr const char* kServiceClosing = "service_closing";
/// A 4xx reply. Retryable.
inline constexpr const char* kTransientFailure = "transient_failure";
/// A 5xx reply to the greeting, EHLO or STARTTLS: the server will not talk to this client.
inline constexpr const char* kServerRejected = "server_rejected";
/// STARTTLS is required by the settings and the server does not offer it.
inline constexpr const char* kStartTlsUnavailable = "starttls_unavailable";
/// AUTH is configured and the server offers no mechanism the plugin can use.
inline constexpr const char* kAuthUnavailable = "auth_unavailable";
/// A 535 reply to AUTH: wrong user name or password.
inline constexpr const char* kAuthFailed = "auth_failed";
/// Another 5xx reply to AUTH, such as 534 (mechanism too weak) or 538 (encryption required).
inline constexpr const char* kAuthRejected = "auth_rejected";
/// AUTH would go over a plaintext connection to a server that is not on loopback.
inline constexpr const char* kPlaintextAuth = "plaintext_auth_refused";
/// A 530 reply to MAIL: the server wants TLS or AUTH that the settings do not give.
inline constexpr const char* kAccessDenied = "access_denied";
/// A 5xx reply to MAIL FROM.
inline constexpr const char* kSenderRejected = "sender_rejected";
/// A 5xx reply to DATA or to the end of the data.
inline constexpr const char* kMessageRejected = "message_rejected";
/// Every recipient got a 5xx reply.
inline constexpr const char* kAllRecipientsRejected = "all_recipients_rejected";
/// No recipient was accepted and at least one got a 4xx reply.
inline constexpr const char* kRecipientsDeferred = "recipients_deferred";
/// The message needs SMTPUTF8 and the server does not offer it.
inline constexpr const char* kSmtpUtf8Required = "smtputf8_required";
/// The message has 8-bit octets and the server does not offer 8BITMIME.
inline constexpr const char* kEightBitMimeRequired = "8bitmime_required";
/// The message is larger than the server's SIZE limit.
inline constexpr const char* kMessageTooLarge = "message_too_large";
/// The data was sent, and the server's reply to it never came: it may have accepted it.
inline constexpr const char* kUnknownOutcome = "unknown_outcome";
}  // namespace reason

/// Returns the provider details of `reply`: its code and enhanced status code.
ProviderDetails details_of(const Reply& reply);

/// Returns the Status for a reply that ends the step `step` ("MAIL FROM"), by its code:
/// - 421 is kUnavailable with reason "service_closing", retryable;
/// - other 4xx replies are kUnavailable with reason "transient_failure", retryable;
/// - 5xx replies are `permanent_code` with `permanent_reason`, not retryable;
/// - anything else is kUnavailable with reason "protocol_error", retryable.
Status reply_status(const Reply& reply, std::string_view step, StatusCode permanent_code,
                    const char* permanent_reason);

}  // namespace outbound::smtp
