#pragma once

#include <string>
#include <string_view>

namespace outbound::cli {

/// Returns `text` safe to print on a terminal in text mode. Providers and servers choose the
/// strings the command prints (a charge description, an SMTP reply), and a raw newline or
/// escape sequence in one could forge an output line or drive the terminal.
///
/// Escapes in the JSON style. A backslash becomes `\\`, and LF, CR and tab become `\n`, `\r`
/// and `\t`. Every other C0 control, DEL and every C1 control (U+0080 to U+009F) becomes
/// `\u00XX`, so ESC is `\u001b`. The bidirectional overrides and isolates (U+202A to U+202E,
/// U+2066 to U+2069) become `\u20XX`, and each byte that is not part of valid UTF-8 becomes
/// `\xNN`. Everything else is copied unchanged.
std::string escape_for_terminal(std::string_view text);

}  // namespace outbound::cli
