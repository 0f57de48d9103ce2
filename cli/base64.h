#pragma once

#include <string>
#include <string_view>

#include "outbound/status.h"

namespace outbound::cli {

/// Decodes standard base64 (RFC 4648 section 4, the `+/` alphabet) with its `=` padding. CR
/// and LF are skipped, so text wrapped into lines decodes too. Returns kInvalidArgument for
/// any other character outside the alphabet, padding in the middle, a length that is not a
/// multiple of 4 without the line breaks, or set bits after the last byte. The message gives
/// the position (counted from 1) of a bad character.
Result<std::string> decode_base64(std::string_view text);

}  // namespace outbound::cli
