#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace outbound::mail {

/// Returns the Punycode (RFC 3492) form of `label`, a UTF-8 string, without the "xn--" prefix,
/// or nothing when `label` is not valid UTF-8 or its encoding would overflow.
std::optional<std::string> punycode_encode(std::string_view label);

/// Returns `domain` with each non-ASCII label replaced by its A-label ("xn--" and Punycode),
/// so that the domain can travel where only ASCII may (RFC 5890). Capital letters in such a
/// label are made small first: those of ASCII, the Latin-1 Supplement, Latin Extended-A, Greek
/// and Cyrillic. ASCII labels are kept as they are. Returns nothing when a label is not valid
/// UTF-8 or its A-label would be longer than 63 octets.
///
/// NOTE: this is not the whole IDNA2008 mapping, which needs Unicode's tables. Capitals of other
/// scripts and decomposed accents (NFD) are encoded as given. The A-label is then one that no
/// registry issues, so the send fails later, when the domain is resolved.
std::optional<std::string> domain_to_ascii(std::string_view domain);

/// Returns `address` with its domain passed through domain_to_ascii when the local part is ASCII
/// and the domain is not, so that the address needs no SMTPUTF8. Any other address comes back
/// unchanged, as does one whose domain cannot be converted.
std::string address_to_ascii_domain(const std::string& address);

}  // namespace outbound::mail
