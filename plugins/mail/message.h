#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "mail/address.h"
#include "outbound/mail.h"
#include "outbound/status.h"

namespace outbound::mail {

/// Reasons set on the kInvalidArgument statuses that build_message returns, for callers that
/// act on the kind of problem (the CLI's exit code, a plugin's log line).
inline constexpr const char* kReasonSmtputf8Required = "smtputf8_required";
inline constexpr const char* kReasonInvalidAddress = "invalid_address";
inline constexpr const char* kReasonInvalidHeader = "invalid_header";
inline constexpr const char* kReasonNoRecipients = "no_recipients";
inline constexpr const char* kReasonInvalidMessage = "invalid_message";

/// BuildOptions fix what is not in the MailMessage, so one message gives the same bytes in
/// every plugin.
struct BuildOptions {
  /// The Date header (RFC 5322 section 3.3), written in UTC as "+0000" to the second.
  std::chrono::system_clock::time_point date;
  /// Domain of a generated Message-ID; empty = the domain of the envelope sender / from address.
  std::string message_id_domain;
  /// Whether the transport can carry UTF-8 in addresses (SMTPUTF8). false: a non-ASCII address
  /// is an error.
  bool allow_utf8_addresses = false;
  /// Text mixed into a generated Message-ID, such as the host's request id of the call, so that
  /// two calls with the same message and date still get different ids.
  std::string message_id_seed;
};

/// BuiltMessage is a message ready for any transport.
struct BuiltMessage {
  /// The Message-ID without angle brackets (generated when the message had none).
  std::string message_id;
  /// The MAIL FROM address.
  std::string envelope_from;
  /// The envelope recipients: to, cc, bcc in that order, repeats removed: two
  /// addresses repeat when they differ only in the letter case of the domain.
  std::vector<std::string> recipients;
  /// RFC 5322 bytes: CRLF line endings only, no line over 998 octets, NOT dot-stuffed, no
  /// trailing ".". The last line ends with CRLF.
  std::string bytes;
  /// Whether an envelope address or a header needs UTF-8 (SMTPUTF8, RFC 6531).
  bool needs_smtputf8 = false;
  /// Whether any octet of `bytes` is 0x80 or above (for BODY=8BITMIME).
  bool has_8bit = false;
};

/// Validates and builds. kInvalidArgument naming the field and value for: CR, LF or NUL in any
/// header value, display name, subject, attachment filename or address; '<' or '>' inside an
/// address; an address that is not a valid RFC 5321 mailbox (local@domain, dot-atom or quoted
/// local part, domain or address literal); no recipient; a forbidden extra header name (From,
/// To, Cc, Bcc, Subject, Date, Message-ID, MIME-Version, Content-*, and Reply-To, which comes
/// from `reply_to`), an invalid header field name; a non-ASCII address when
/// !options.allow_utf8_addresses (reason "smtputf8_required").
///
/// The same MailMessage and BuildOptions always give the same bytes: a generated Message-ID
/// and the MIME boundaries are hashes of the message and the date, not random.
Result<BuiltMessage> build_message(const MailMessage& message, const BuildOptions& options);

/// Returns the SMTP DATA payload for `bytes` (RFC 5321 section 4.5.2): every line starting with
/// '.' gets another '.', and the terminator CRLF.CRLF is appended. `bytes` must already be
/// CRLF-only, as build_message guarantees. A lone CR or LF is turned into CRLF all the same, so
/// the payload never carries one.
std::string smtp_data(std::string_view bytes);

}  // namespace outbound::mail
