#pragma once

#include "mail/message.h"
#include "outbound/mail.h"
#include "outbound/status.h"
#include "smtp/connection.h"
#include "smtp/settings.h"

namespace outbound::smtp {

/// Delivery is the outcome of one mail transaction on a connection.
struct Delivery {
  Result<MailReceipt> result = Status::internal("the mail transaction did not run");
  /// True when the failure came before the server accepted MAIL FROM and was an end of
  /// stream, a reset, a protocol error or a 421: what a pooled connection that the server had
  /// dropped looks like. Nothing of the message was sent, so it may go once more on a new
  /// connection.
  bool dead_before_mail = false;
};

/// Sends `message` on `connection` (RFC 5321 section 3.3): MAIL FROM with SIZE, BODY=8BITMIME
/// and SMTPUTF8 as the server offers and the message needs, RCPT TO for every recipient, and,
/// when at least one recipient was accepted, DATA with mail::smtp_data's payload. When the
/// server offers PIPELINING (RFC 2920), MAIL FROM, every RCPT TO and DATA go out together,
/// and their replies are read in order. A DATA accepted with no recipient gets no data, and
/// the connection is dropped.
///
/// - Before MAIL, a message that needs SMTPUTF8 or 8BITMIME when the server does not offer it
///   is kFailedPrecondition ("smtputf8_required", "8bitmime_required"). A message over the
///   server's SIZE limit is kInvalidArgument ("message_too_large").
/// - Recipients that get 4xx or 5xx are listed as rejected in the receipt. With none accepted
///   the transaction is reset with RSET and the result is kInvalidArgument
///   "all_recipients_rejected" when every rejection was permanent, else kUnavailable
///   "recipients_deferred", retryable.
/// - After the terminating dot, a timeout, an end of stream or a protocol error is
///   kUnavailable with reason "unknown_outcome" and is not retryable, because the server may
///   have accepted the message.
///
/// An aborted transaction is reset with RSET, so the connection is clean for the next
/// message unless it is broken().
Delivery deliver(Connection& connection, const mail::BuiltMessage& message,
                 const Settings& settings, SteadyTime attempt_deadline);

}  // namespace outbound::smtp
