#include "smtp/transaction.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "smtp/errors.h"
#include "smtp/session.h"

namespace outbound::smtp {
namespace {

/// The maximum number of recipients whose RCPT TO commands are pipelined. A longer list goes
/// step by step.
constexpr std::size_t kMaxPipelinedRecipients = 100;

/// Checks what the message needs against what the server offers, before MAIL.
Status check_extensions(const Connection& connection, const mail::BuiltMessage& message) {
  const Capabilities& offered = connection.capabilities();
  if (message.needs_smtputf8 && !offered.smtputf8) {
    return Status::failed_precondition(
               "the message has a non-ASCII address or header, which needs the SMTPUTF8 "
               "extension, and the SMTP server " +
               connection.peer() + " does not offer it; use ASCII addresses for this server")
        .set_retryable(false)
        .set_reason(reason::kSmtpUtf8Required);
  }
  if (message.has_8bit && !offered.eight_bit_mime) {
    return Status::failed_precondition(
               "the message has 8-bit octets and the SMTP server " + connection.peer() +
               " does not offer 8BITMIME, so it cannot be sent to this server as it is")
        .set_retryable(false)
        .set_reason(reason::kEightBitMimeRequired);
  }
  if (offered.max_size > 0 && message.bytes.size() > offered.max_size) {
    return Status::invalid_argument("the message is " + std::to_string(message.bytes.size()) +
                                    " octets, more than the " + std::to_string(offered.max_size) +
                                    " octets the SMTP server " + connection.peer() +
                                    " accepts (its SIZE limit)")
        .set_retryable(false)
        .set_reason(reason::kMessageTooLarge);
  }
  return Status();
}

std::string mail_command(const Connection& connection, const mail::BuiltMessage& message) {
  const Capabilities& offered = connection.capabilities();
  std::string command = "MAIL FROM:<" + message.envelope_from + ">";
  if (offered.size) command += " SIZE=" + std::to_string(message.bytes.size());
  if (message.has_8bit && offered.eight_bit_mime) command += " BODY=8BITMIME";
  if (message.needs_smtputf8) command += " SMTPUTF8";
  return command;
}

/// Returns whether a failed step looks like a connection that the server dropped while it
/// was idle.
bool dropped(const Status& status) {
  return status.reason() == "connection_lost" || status.reason() == "protocol_error" ||
         status.reason() == reason::kServiceClosing;
}

/// Ends an aborted transaction; a failed RSET leaves the connection broken, which is all the
/// caller needs to know.
void abort_transaction(Connection& connection, const Settings& settings,
                       SteadyTime attempt_deadline) {
  if (connection.broken()) return;
  Status status = reset(connection, settings, attempt_deadline);
  (void)status;
}

Status no_recipient_status(const std::vector<RecipientResult>& recipients) {
  bool transient = false;
  std::string list;
  for (const RecipientResult& recipient : recipients) {
    if (recipient.reply_code >= 400 && recipient.reply_code < 500) transient = true;
    list += (list.empty() ? "" : ", ") + recipient.address + " (" +
            std::to_string(recipient.reply_code) +
            (recipient.enhanced_code.empty() ? "" : " " + recipient.enhanced_code) +
            (recipient.reply.empty() ? "" : " " + recipient.reply) + ")";
  }
  // The provider details have room for one reply, so they are set only when every recipient got
  // the same one. The message lists each recipient's reply either way.
  ProviderDetails details;
  const bool same_reply =
      std::all_of(recipients.begin(), recipients.end(), [&](const RecipientResult& recipient) {
        return recipient.reply_code == recipients.front().reply_code &&
               recipient.enhanced_code == recipients.front().enhanced_code;
      });
  if (!recipients.empty() && same_reply) {
    details.reply_code = recipients.front().reply_code;
    details.code = recipients.front().enhanced_code;
  }
  if (transient) {
    // Name the recipients worth another try, so that a caller can drop the others first.
    std::string deferred;
    bool some_permanent = false;
    for (const RecipientResult& recipient : recipients) {
      if (recipient.reply_code >= 400 && recipient.reply_code < 500) {
        deferred += (deferred.empty() ? "" : ", ") + recipient.address;
      } else {
        some_permanent = true;
      }
    }
    const std::string retry = some_permanent
                                  ? "; the message was not sent; only " + deferred +
                                        " may accept it later, the others are rejected for good"
                                  : "; the message was not sent, try again later";
    return Status::unavailable(
               "the SMTP server accepted no recipient, and some only for now: " + list + retry)
        .set_retryable(true)
        .set_reason(reason::kRecipientsDeferred)
        .set_provider(details);
  }
  return Status::invalid_argument("the SMTP server rejected every recipient: " + list +
                                  "; the message was not sent")
      .set_retryable(false)
      .set_reason(reason::kAllRecipientsRejected)
      .set_provider(details);
}

Status unknown_outcome(const Connection& connection, const mail::BuiltMessage& message,
                       const Status& cause) {
  return Status::unavailable("the data of message <" + message.message_id +
                             "> was sent to the SMTP server " + connection.peer() +
                             ", but its reply never came (" + cause.message() +
                             "); the server may have accepted the message, so it is not sent "
                             "again automatically")
      .set_retryable(false)
      .set_reason(reason::kUnknownOutcome);
}

/// Sends RCPT TO for every recipient. Returns the results, or a Status when the connection
/// failed or the server closed it.
Result<std::vector<RecipientResult>> add_recipients(Connection& connection,
                                                    const mail::BuiltMessage& message,
                                                    const Settings& settings,
                                                    SteadyTime attempt_deadline, bool pipelined) {
  std::vector<RecipientResult> results;
  results.reserve(message.recipients.size());
  for (const std::string& address : message.recipients) {
    const std::string command = "RCPT TO:<" + address + ">";
    const Stage stage = make_stage(command, settings.timeouts.rcpt, "rcpt_ms", attempt_deadline);
    Result<Reply> reply =
        pipelined ? connection.read_reply(stage) : connection.command(command, stage);
    if (!reply.ok()) return reply.status();
    if (reply->code == 421 || (!reply->positive() && !reply->transient() && !reply->permanent())) {
      connection.mark_broken();
      return reply_status(*reply, stage.name, StatusCode::kInvalidArgument,
                          reason::kAllRecipientsRejected);
    }
    RecipientResult result;
    result.address = address;
    result.accepted = reply->positive();
    result.reply_code = reply->code;
    result.enhanced_code = reply->enhanced_code;
    result.reply = reply->text();
    results.push_back(std::move(result));
  }
  return results;
}

/// Sends DATA (or, pipelined, reads the reply to the DATA sent already), the payload, and reads
/// the final reply.
Result<Reply> send_data(Connection& connection, const mail::BuiltMessage& message,
                        const Settings& settings, SteadyTime attempt_deadline, bool pipelined) {
  const Stage data = make_stage("DATA", settings.timeouts.data, "data_ms", attempt_deadline);
  Result<Reply> reply = pipelined ? connection.read_reply(data) : connection.command("DATA", data);
  if (!reply.ok()) return reply.status();
  if (reply->code != 354) {
    if (reply->code == 421) {
      connection.mark_broken();
    } else {
      abort_transaction(connection, settings, attempt_deadline);
    }
    return reply_status(*reply, "DATA", StatusCode::kInvalidArgument, reason::kMessageRejected);
  }
  const Stage sending =
      make_stage("sending the message data", settings.timeouts.data, "data_ms", attempt_deadline);
  // Until the terminating dot is sent in full the server cannot deliver, so a failure here
  // keeps its ordinary, retryable status.
  if (Status sent = connection.send_data(mail::smtp_data(message.bytes), sending); !sent.ok()) {
    return sent;
  }
  connection.count_message();
  const Stage end = make_stage("waiting for the reply to the end of the data",
                               settings.timeouts.data_end, "data_end_ms", attempt_deadline);
  Result<Reply> final_reply = connection.read_reply(end);
  if (!final_reply.ok()) return unknown_outcome(connection, message, final_reply.status());
  if (!final_reply->positive() && !final_reply->transient() && !final_reply->permanent()) {
    connection.mark_broken();
    return unknown_outcome(connection, message,
                           Status::unavailable("the server replied " + final_reply->summary()));
  }
  return final_reply;
}

/// Sends MAIL FROM, every RCPT TO and DATA without waiting for replies (RFC 2920).
Status send_pipelined(Connection& connection, const mail::BuiltMessage& message,
                      const Settings& settings, SteadyTime attempt_deadline) {
  const Stage stage = make_stage("sending MAIL FROM, RCPT TO and DATA", settings.timeouts.mail,
                                 "mail_ms", attempt_deadline);
  if (Status sent = connection.send_command(mail_command(connection, message), stage); !sent.ok()) {
    return sent;
  }
  for (const std::string& address : message.recipients) {
    if (Status sent = connection.send_command("RCPT TO:<" + address + ">", stage); !sent.ok()) {
      return sent;
    }
  }
  return connection.send_command("DATA", stage);
}

/// Reads the replies to the pipelined RCPT TO and DATA commands after MAIL FROM failed, so that
/// the connection stays in step. A DATA that the server accepted all the same leaves it broken.
void skip_pipelined_replies(Connection& connection, const mail::BuiltMessage& message,
                            const Settings& settings, SteadyTime attempt_deadline) {
  for (std::size_t i = 0; i <= message.recipients.size() && !connection.broken(); ++i) {
    const bool data = i == message.recipients.size();
    const Stage stage =
        data ? make_stage("DATA", settings.timeouts.data, "data_ms", attempt_deadline)
             : make_stage("RCPT TO", settings.timeouts.rcpt, "rcpt_ms", attempt_deadline);
    Result<Reply> reply = connection.read_reply(stage);
    if (!reply.ok()) return;
    if (reply->code == 421 || (data && reply->code == 354)) connection.mark_broken();
  }
}

}  // namespace

Delivery deliver(Connection& connection, const mail::BuiltMessage& message,
                 const Settings& settings, SteadyTime attempt_deadline) {
  Delivery delivery;
  if (Status checked = check_extensions(connection, message); !checked.ok()) {
    delivery.result = checked;
    return delivery;
  }
  // Pipelining saves a round trip per recipient. A long recipient list goes step by step, so
  // that the replies it would queue cannot fill the socket buffers of both ends.
  const bool pipelined =
      connection.capabilities().pipelining && message.recipients.size() <= kMaxPipelinedRecipients;
  if (pipelined) {
    if (Status sent = send_pipelined(connection, message, settings, attempt_deadline); !sent.ok()) {
      delivery.dead_before_mail = dropped(sent);
      delivery.result = sent;
      return delivery;
    }
  }
  const Stage mail_stage =
      make_stage("MAIL FROM", settings.timeouts.mail, "mail_ms", attempt_deadline);
  Result<Reply> reply = pipelined
                            ? connection.read_reply(mail_stage)
                            : connection.command(mail_command(connection, message), mail_stage);
  if (!reply.ok()) {
    delivery.dead_before_mail = dropped(reply.status());
    delivery.result = reply.status();
    return delivery;
  }
  if (reply->code != 250) {
    if (reply->code == 421) {
      connection.mark_broken();
      delivery.dead_before_mail = true;
    } else if (pipelined) {
      skip_pipelined_replies(connection, message, settings, attempt_deadline);
    }
    delivery.result =
        reply->code == 530
            ? reply_status(*reply, "MAIL FROM", StatusCode::kFailedPrecondition,
                           reason::kAccessDenied)
                  .with_context("the server requires TLS or AUTH that the settings do not give")
            : reply_status(*reply, "MAIL FROM", StatusCode::kInvalidArgument,
                           reason::kSenderRejected);
    return delivery;
  }

  Result<std::vector<RecipientResult>> recipients =
      add_recipients(connection, message, settings, attempt_deadline, pipelined);
  if (!recipients.ok()) {
    delivery.result = recipients.status();
    return delivery;
  }
  bool any_accepted = false;
  for (const RecipientResult& recipient : *recipients) any_accepted |= recipient.accepted;
  if (!any_accepted) {
    if (pipelined) {
      // RFC 2920 section 3.1: the server rejects the DATA of a transaction without recipients.
      // One that accepts it all the same gets no data: the connection is dropped instead.
      const Stage data = make_stage("DATA", settings.timeouts.data, "data_ms", attempt_deadline);
      Result<Reply> data_reply = connection.read_reply(data);
      if (!data_reply.ok() || data_reply->code == 354 || data_reply->code == 421) {
        connection.mark_broken();
      }
    }
    abort_transaction(connection, settings, attempt_deadline);
    delivery.result = no_recipient_status(*recipients);
    return delivery;
  }

  Result<Reply> final_reply = send_data(connection, message, settings, attempt_deadline, pipelined);
  if (!final_reply.ok()) {
    delivery.result = final_reply.status();
    return delivery;
  }
  if (final_reply->code != 250) {
    if (final_reply->code == 421) connection.mark_broken();
    delivery.result = reply_status(*final_reply, "the end of the message data",
                                   StatusCode::kInvalidArgument, reason::kMessageRejected);
    return delivery;
  }
  MailReceipt receipt;
  receipt.message_id = message.message_id;
  receipt.recipients = std::move(recipients).value();
  receipt.server_reply = final_reply->summary();
  receipt.size_octets = message.bytes.size();
  delivery.result = std::move(receipt);
  return delivery;
}

}  // namespace outbound::smtp
