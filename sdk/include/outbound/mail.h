#pragma once

#include <string>
#include <utility>
#include <vector>

#include "outbound/client.h"
#include "outbound/export.h"

namespace outbound {

/// MailAddress is a mailbox with an optional display name. The address is the bare
/// `local@domain` form, without angle brackets.
struct MailAddress {
  std::string address;
  /// Any Unicode text; the sender encodes it (RFC 2047) when it is not plain ASCII.
  std::string display_name;
};

/// MailAttachment is one file attached to a message.
struct MailAttachment {
  /// The file name shown to the recipient (no folders).
  std::string filename;
  /// The MIME type ("application/pdf"); guessed from the file name when empty.
  std::string content_type;
  /// The file's bytes.
  std::string content;
  /// A Content-ID for inline use from the HTML part ("logo@example"), or empty.
  std::string content_id;
};

/// MailMessage is one message and its envelope. The envelope recipients are every address
/// in `to`, `cc` and `bcc`; `bcc` never appears in the headers.
struct MailMessage {
  MailAddress from;
  std::vector<MailAddress> to;
  std::vector<MailAddress> cc;
  std::vector<MailAddress> bcc;
  std::vector<MailAddress> reply_to;
  std::string subject;
  /// The text/plain body; may be empty when `html_body` is set.
  std::string text_body;
  /// The text/html body; with a text body too, both go out as multipart/alternative.
  std::string html_body;
  std::vector<MailAttachment> attachments;
  /// Extra header fields in order. Names and values are validated; fields the sender builds
  /// itself (From, To, Cc, Bcc, Subject, Date, Message-ID, MIME-Version, Content-*) are
  /// rejected here.
  std::vector<std::pair<std::string, std::string>> headers;
  /// The Message-ID without angle brackets; generated with the sender's domain when empty.
  std::string message_id;
  /// The envelope sender (MAIL FROM); `from.address` when empty.
  std::string envelope_from;
};

/// RecipientResult is the server's reply for one envelope recipient.
struct RecipientResult {
  std::string address;
  bool accepted = false;
  /// The reply code (250, 550, 451); 0 when the recipient was never sent to a server.
  int reply_code = 0;
  /// The enhanced status code ("5.1.1"), when the server sent one.
  std::string enhanced_code;
  /// The reply text, without the code.
  std::string reply;
};

/// MailReceipt is the outcome of a send in which at least one recipient was accepted.
struct MailReceipt {
  std::string message_id;
  /// Every envelope recipient, accepted or rejected, in envelope order.
  std::vector<RecipientResult> recipients;
  /// The server's reply to the end of the data (often carries its queue id).
  std::string server_reply;
  /// The size of the message as sent, in octets.
  std::size_t size_octets = 0;
};

/// MailSender delivers messages.
///
/// send() returns a receipt when at least one recipient accepted the message; rejected
/// recipients are listed in it. When every recipient is rejected permanently the result is
/// kInvalidArgument with reason "all_recipients_rejected"; transient rejections (SMTP 4xx)
/// are kUnavailable and retryable. A failure after the message data was sent but before the
/// server's final reply is kUnavailable with reason "unknown_outcome" and is not retryable,
/// because the server may have accepted the message.
class OUTBOUND_SDK_API MailSender : public ExternalClient {
 public:
  ~MailSender() override;

  virtual Result<MailReceipt> send(const CallContext& context, const MailMessage& message) = 0;
};

}  // namespace outbound
