#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outbound/mail.h"

namespace outbound::mail {

/// MimeEntity is one MIME entity: its Content-* fields, unfolded, and its encoded body.
struct MimeEntity {
  /// Field names and values in the order they are written, such as
  /// {"Content-Type", "text/plain; charset=utf-8"}.
  std::vector<std::pair<std::string, std::string>> fields;
  /// The encoded body: empty or ending with CRLF.
  std::string body;
};

/// Builds the body of `message`, already checked by check_message:
/// - text only: text/plain; html only: text/html; both: multipart/alternative of the two;
///   neither and no attachment: an empty text/plain.
/// - attachments with a Content-ID, when there is an HTML body: multipart/related around the
///   HTML part and those attachments (RFC 2387), so that cid: references resolve.
/// - the other attachments: multipart/mixed around the body and them, in order.
/// Text parts are utf-8 in 7bit or quoted-printable (see choose_text_encoding); attachments are
/// base64 with Content-Disposition "attachment", or "inline" when they have a Content-ID.
/// Boundaries are "=_" and hex digits of a SHA-256 over `message_id`, the multipart's subtype
/// (each subtype occurs once in a message) and a counter that moves on while the boundary
/// occurs in the content it encloses. A "=_" cannot occur in quoted-printable or base64 text.
MimeEntity build_body(const MailMessage& message, std::string_view message_id);

/// Returns the fields of `entity`, each folded and ending with CRLF.
std::string serialize_fields(const MimeEntity& entity);

/// Returns the SHA-256 of `data` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

}  // namespace outbound::mail
