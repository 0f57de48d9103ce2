#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "outbound/mail.h"
#include "outbound/status.h"

namespace outbound::cli {

// Checks of the parts of a message that `mail send` and the `mail.send` batch operation share.
// They run before any client is called, so a line break that would start a new header line
// never reaches a plugin. Messages leave out which option or argument the value came from, and
// callers put it in front ("--to 'a@b,c@d' has a comma; ...").

/// Returns what makes `text` unusable in a header value, an address or a display name: "a
/// line break (CR or LF)" or "a NUL character", or "" when it has neither.
std::string forbidden_header_character(std::string_view text);

/// Parses one mailbox: "jane@example.com", "<jane@example.com>", "Jane Doe <jane@example.com>"
/// or "\"Doe, Jane\" <jane@example.com>" (a quoted display name, with \" and \\ escapes).
/// Checks the shape only: one address with a non-empty local part and domain around its last
/// '@', no '<', '>', space or comma outside quotes in it, no CR, LF or NUL anywhere. The
/// plugin checks the rest of RFC 5321 when it builds the message.
Result<MailAddress> parse_mailbox(std::string_view text);

/// Checks a mailbox given as separate address and display name, the same way.
Status check_mailbox(const MailAddress& mailbox);

/// Returns the Message-ID without angle brackets: "<id@host>" and "id@host" both give
/// "id@host". It must have an '@' with text on both sides and no space, control character,
/// '<' or '>' inside.
Result<std::string> parse_message_id(std::string_view text);

/// Returns the argument of `mail.send` that the sender builds the header `name` from, in any
/// letter case: "subject" for Subject, "reply_to" for Reply-To. Returns "" for a header the
/// sender makes itself (Date, MIME-Version, Content-*), and nullopt for any other header,
/// which a caller may add.
std::optional<std::string> header_built_from(std::string_view name);

/// Checks an extra header: the name is 1 or more printable ASCII characters other than ':'
/// (RFC 5322 section 2.2) and the value has no CR, LF or NUL. Whether the sender builds the
/// header itself is header_built_from's question.
Status check_header(std::string_view name, std::string_view value);

}  // namespace outbound::cli
