#pragma once

#include <string>
#include <vector>

#include "mail/message.h"
#include "outbound/mail.h"
#include "outbound/status.h"

namespace outbound::mail {

/// Envelope is the SMTP envelope of a message that check_message accepted.
struct Envelope {
  /// The MAIL FROM address: `envelope_from`, or `from.address` when that is empty.
  std::string from;
  /// To, Cc and Bcc addresses in that order, without repeats (the same
  /// local part, and the same domain in any letter case).
  std::vector<std::string> recipients;
};

/// Checks every field of `message` and `options` that build_message documents, and returns the
/// envelope. kInvalidArgument names the first field that failed ("to[1].address",
/// "headers[0].name", "attachments[2].filename"), quotes its value, and sets a reason from
/// message.h. Besides the checks build_message lists: text fields must be valid UTF-8; an
/// attachment filename has no '/' or '\'; a content type is "type/subtype" and not multipart
/// or message (which may not be base64); a Content-ID and a Message-ID have no space, '<' or
/// '>'; a Message-ID is "left@right" as RFC 5322 section 3.6.4 allows.
Result<Envelope> check_message(const MailMessage& message, const BuildOptions& options);

/// Whether `id`, without angle brackets, is an RFC 5322 msg-id: dot-atom-text "@", then
/// dot-atom-text or a no-fold-literal; non-ASCII octets count as atext with `allow_utf8`.
bool valid_message_id(std::string_view id, bool allow_utf8);

}  // namespace outbound::mail
