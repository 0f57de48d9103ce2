#pragma once

#include <string>
#include <string_view>

namespace outbound::mail {

/// Returns the MIME type for an attachment named `filename`, from its extension in any case:
/// common document, image, audio, video, archive and text types, and
/// "application/octet-stream" for the rest.
std::string guess_content_type(std::string_view filename);

/// Whether `content_type` is an RFC 2045 media type that an attachment may have: "type/subtype"
/// of token characters, optionally followed by ";" and parameters in printable ASCII.
bool valid_content_type(std::string_view content_type);

/// Whether the media type of `content_type` is composite (multipart/* or message/*), which
/// RFC 2046 sections 5.1 and 5.2 forbid to send in base64.
bool composite_content_type(std::string_view content_type);

}  // namespace outbound::mail
