#pragma once

#include <string_view>

namespace outbound::mail {

/// Whether `address` is a valid mailbox for RFC 5321 MAIL/RCPT (used to check envelope_from
/// too). A mailbox is a dot-string or quoted-string local part of at most 64 octets, "@", and a
/// domain of LDH labels or an IPv4 or IPv6 address literal. RFC 5321 section 4.5.3.1 limits a
/// label to 63 octets, a domain to 255 and the whole mailbox to 254. With `allow_utf8`, local
/// parts and domain labels may also contain non-ASCII characters (RFC 6531), and the whole address
/// must be valid UTF-8. General address literals other than IPv6 are rejected, because no other tag
/// is standardised.
bool valid_mailbox(std::string_view address, bool allow_utf8);

/// Whether `domain` is a valid RFC 5321 domain or address literal, by the rules above.
bool valid_domain(std::string_view domain, bool allow_utf8);

/// Returns the domain of a mailbox that valid_mailbox accepted: the text after the last '@'.
std::string_view domain_of(std::string_view mailbox);

/// Whether `c` is an RFC 5322 atext character (section 3.2.3): a letter, a digit or one of
/// !#$%&'*+-/=?^_`{|}~.
bool is_atext(char c);

/// Whether `text` is an RFC 5322 dot-atom-text: atext runs separated by single dots. With
/// `allow_utf8`, non-ASCII octets count as atext (RFC 6532).
bool is_dot_atom_text(std::string_view text, bool allow_utf8);

}  // namespace outbound::mail
