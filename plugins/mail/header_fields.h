#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace outbound::mail {

/// RFC 5322 section 2.1.1: a line SHOULD be at most 78 characters, CRLF excluded.
inline constexpr std::size_t kFoldWidth = 78;

/// RFC 2047 section 2: a header line that contains an encoded word is at most 76 characters.
inline constexpr std::size_t kEncodedWordFoldWidth = 76;

/// The maximum length of an extra header field name, so that "Name: " fits a folded line.
inline constexpr std::size_t kMaxFieldName = 76;

/// FieldSyntax is whether a '"' in a field value starts a quoted-string, for fold_field.
enum class FieldSyntax {
  /// Unstructured text (Subject, most extra fields): a '"' is just a character.
  kUnstructured,
  /// Structured fields (addresses, Content-*): no fold inside a quoted-string, which some
  /// readers do not unfold.
  kStructured,
};

/// Returns the header field "name: value" and its CRLF, folded (RFC 5322 section 2.2.3) by
/// inserting CRLF before whitespace so that lines are at most `width` characters where the
/// text allows. It folds only before the first space or tab of a run that has text after it,
/// so no line is whitespace alone and unfolding gives back the value unchanged. Text without
/// such a point stays on one line, however long.
std::string fold_field(std::string_view name, std::string_view value, std::size_t width,
                       FieldSyntax syntax);

/// Whether `name` is an RFC 5322 field name (section 3.6.8): 1 to kMaxFieldName printable ASCII
/// characters other than ':'.
bool valid_field_name(std::string_view name);

/// Whether the builder writes the field `name` itself, so an extra header may not: From, To,
/// Cc, Bcc, Reply-To, Subject, Date, Message-ID, MIME-Version and Content-*, in any case.
bool reserved_field_name(std::string_view name);

/// Returns `time` as an RFC 5322 date-time (section 3.3) in UTC, to the second:
/// "Thu, 01 Jan 2026 09:05:00 +0000". Names of days and months are English whatever the locale.
std::string format_date(std::chrono::system_clock::time_point time);

}  // namespace outbound::mail
