#include "logging/shapes.h"

#include <string>

#include "logging/encodings.h"

namespace outbound::logging {
namespace {

constexpr std::string_view kJwtMarker = "eyJ";  // base64url of `{"`, how a JOSE header starts
constexpr std::string_view kBearer = "Bearer";
constexpr std::string_view kBasic = "Basic";
constexpr std::string_view kAuthorization = "authorization";
constexpr std::string_view kPemBegin = "-----BEGIN ";
constexpr std::string_view kPemEnd = "-----END ";
constexpr std::string_view kPemDashes = "-----";
constexpr std::string_view kPrivateKeyLabel = "PRIVATE KEY";
constexpr std::string_view kUrlSeparator = "://";
constexpr std::string_view kStripePrefixes[] = {"sk_live_", "sk_test_", "rk_live_", "rk_test_",
                                                "whsec_"};

bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_base64url(char c) { return is_alnum(c) || c == '-' || c == '_'; }
bool is_base64(char c) { return is_alnum(c) || c == '+' || c == '/'; }
bool is_padding(char c) { return c == '='; }

// b64token of RFC 6750 section 2.1, without its trailing `=` padding.
bool is_b64token(char c) {
  return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

// The HTTP token characters ("tchar" in RFC 9110), which an authentication scheme name is
// made of.
bool is_tchar(char c) {
  return is_alnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_pem_label_char(char c) { return (c >= 'A' && c <= 'Z') || is_digit(c) || c == ' '; }

// Characters a URL's scheme (RFC 3986) can end with.
bool is_scheme_char(char c) { return is_alnum(c) || c == '+' || c == '-' || c == '.'; }

// Characters that end a URL's authority: the path, query and fragment delimiters, and what
// usually follows a URL in a log line (white space, quotes, brackets, a JSON escape).
bool ends_authority(char c) {
  return c == '/' || c == '?' || c == '#' || c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
         c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\';
}

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with(std::string_view text, std::size_t position, std::string_view prefix) {
  return text.size() - position >= prefix.size() &&
         text.compare(position, prefix.size(), prefix) == 0;
}

bool starts_with_ignore_case(std::string_view text, std::size_t position,
                             std::string_view lower_prefix) {
  if (text.size() - position < lower_prefix.size()) return false;
  for (std::size_t i = 0; i < lower_prefix.size(); ++i) {
    if (to_lower(text[position + i]) != lower_prefix[i]) return false;
  }
  return true;
}

template <typename Predicate>
std::size_t skip(std::string_view text, std::size_t position, Predicate predicate) {
  while (position < text.size() && predicate(text[position])) ++position;
  return position;
}

// A marker that starts in the middle of a word ("misBearer") is ordinary text.
bool starts_word(std::string_view text, std::size_t position) {
  return position == 0 || !is_alnum(text[position - 1]);
}

bool is_line_break(std::string_view text, std::size_t position) {
  const char c = text[position];
  if (c == '\r' || c == '\n') return true;
  // The text and JSON formats write CR and LF as `\r` and `\n`, and a message may quote
  // a request that has been escaped the same way.
  return c == '\\' && position + 1 < text.size() &&
         (text[position + 1] == 'r' || text[position + 1] == 'n');
}

}  // namespace

std::vector<std::string_view> shape_marker_pairs() {
  return {"ey", "Be", "Ba", "au", "aU", "Au", "AU", "--", "sk", "rk", "wh", ":/"};
}

void ShapeScanner::scan_at(std::size_t position, std::vector<Span>& spans) {
  switch (text_[position]) {
    case 'e':
      scan_jwt(position, spans);
      break;
    case 'B':
      scan_scheme_token(position, spans);
      break;
    case 'a':
    case 'A':
      scan_authorization_header(position, spans);
      break;
    case '-':
      scan_private_key(position, spans);
      break;
    case 's':
    case 'r':
    case 'w':
      scan_stripe_key(position, spans);
      break;
    case ':':
      scan_url_password(position, spans);
      break;
    default:
      break;
  }
}

void ShapeScanner::scan_jwt(std::size_t position, std::vector<Span>& spans) {
  if (position < jwt_scanned_until_ || !starts_with(text_, position, kJwtMarker)) return;
  // Every later "eyJ" inside this first segment reaches the same dot and the same outcome.
  const std::size_t header_end = skip(text_, position, is_base64url);
  jwt_scanned_until_ = header_end;
  if (header_end >= text_.size() || text_[header_end] != '.') return;
  const std::size_t payload_begin = header_end + 1;
  if (!starts_with(text_, payload_begin, kJwtMarker)) return;
  const std::size_t payload_end = skip(text_, payload_begin, is_base64url);
  if (payload_end >= text_.size() || text_[payload_end] != '.') return;
  // The signature is empty for an unsecured JWT, whose "alg" is "none".
  const std::size_t signature_end = skip(text_, payload_end + 1, is_base64url);
  spans.push_back({position, signature_end});
}

void ShapeScanner::scan_scheme_token(std::size_t position, std::vector<Span>& spans) {
  const bool bearer = starts_with(text_, position, kBearer);
  const bool basic = !bearer && starts_with(text_, position, kBasic);
  if ((!bearer && !basic) || !starts_word(text_, position)) return;

  const std::size_t scheme_end = position + (bearer ? kBearer.size() : kBasic.size());
  const std::size_t token_begin = skip(text_, scheme_end, is_blank);
  if (token_begin == scheme_end) return;
  std::size_t token_end = skip(text_, token_begin, bearer ? is_b64token : is_base64);
  if (token_end == token_begin) return;
  if (basic) {
    // "Basic" is also an English word, so only credentials that decode to "user-id:password",
    // as RFC 7617 defines them, count. The header scan hides a Basic header whatever it holds.
    const std::string decoded = base64_decode(text_.substr(token_begin, token_end - token_begin));
    if (decoded.find(':') == std::string::npos) return;
  }
  token_end = skip(text_, token_end, is_padding);
  spans.push_back({token_begin, token_end});
}

void ShapeScanner::scan_authorization_header(std::size_t position, std::vector<Span>& spans) {
  if (position < header_scanned_until_ ||
      !starts_with_ignore_case(text_, position, kAuthorization) || !starts_word(text_, position)) {
    return;
  }

  // Accept `Authorization: v`, a JSON member `"Authorization": "v"`, and the same member
  // escaped inside a JSON string (`\"Authorization\": \"v\"`).
  std::size_t cursor = position + kAuthorization.size();
  std::string_view quote;
  if (starts_with(text_, cursor, "\\\"")) {
    quote = "\\\"";
  } else if (starts_with(text_, cursor, "\"")) {
    quote = "\"";
  }
  cursor = skip(text_, cursor + quote.size(), is_blank);
  if (cursor >= text_.size() || text_[cursor] != ':') return;
  cursor = skip(text_, cursor + 1, is_blank);
  if (!quote.empty()) {
    if (!starts_with(text_, cursor, quote)) return;
    cursor += quote.size();
  }

  const std::size_t value_begin = cursor;
  std::size_t value_end = find_header_value_end(value_begin, quote);
  header_scanned_until_ = value_end;
  while (value_end > value_begin && is_blank(text_[value_end - 1])) --value_end;
  if (value_end == value_begin) return;

  // Keep the scheme word ("Bearer", "Basic", "Digest") when credentials follow it.
  const std::size_t scheme_end = skip(text_, value_begin, is_tchar);
  const std::size_t credentials_begin = skip(text_, scheme_end, is_blank);
  if (scheme_end > value_begin && credentials_begin > scheme_end && credentials_begin < value_end) {
    spans.push_back({credentials_begin, value_end});
  } else {
    spans.push_back({value_begin, value_end});
  }
}

// Returns whether `position` starts "; Name:", the separator of headers listed on one line
// ("Authorization: [REDACTED]; Accept: */*"). Parameters ("; b=2") do not match.
bool ShapeScanner::starts_next_header(std::size_t position) const {
  if (!starts_with(text_, position, "; ")) return false;
  const std::size_t name_begin = position + 2;
  const std::size_t name_end = skip(text_, name_begin, is_tchar);
  return name_end > name_begin && name_end < text_.size() && text_[name_end] == ':';
}

// Returns where a header value that starts at `begin` ends. A quoted value (a JSON member)
// ends at its closing quote. An unquoted one ends at the end of the line, at "; Name:" when
// headers are listed on one line, or at a bare `"` that closes the JSON string the header was
// written into. The quoted parameters of schemes such as Digest (`response="..."`) do not end
// it.
std::size_t ShapeScanner::find_header_value_end(std::size_t begin, std::string_view quote) const {
  const std::size_t size = text_.size();
  for (std::size_t i = begin; i < size; ++i) {
    if (is_line_break(text_, i)) return i;
    if (starts_next_header(i)) return i;
    if (!quote.empty()) {
      if (starts_with(text_, i, quote) && (quote.size() > 1 || text_[i - 1] != '\\')) return i;
      continue;
    }
    if (text_[i] != '"' || text_[i - 1] == '\\') continue;
    if (text_[i - 1] != '=') return i;
    // A parameter value: continue after its closing quote.
    for (++i; i < size && text_[i] != '"'; ++i) {
      if (is_line_break(text_, i)) return i;
    }
    if (i == size) return size;
  }
  return size;
}

void ShapeScanner::scan_private_key(std::size_t position, std::vector<Span>& spans) {
  if (position < private_key_scanned_until_ || !starts_with(text_, position, kPemBegin)) return;
  const std::size_t label_begin = position + kPemBegin.size();
  const std::size_t label_end = skip(text_, label_begin, is_pem_label_char);
  const std::string_view label = text_.substr(label_begin, label_end - label_begin);
  if (!starts_with(text_, label_end, kPemDashes) || label.size() < kPrivateKeyLabel.size() ||
      label.substr(label.size() - kPrivateKeyLabel.size()) != kPrivateKeyLabel) {
    return;
  }

  std::string end_line(kPemEnd);
  end_line.append(label).append(kPemDashes);
  const std::size_t end_found = text_.find(end_line, label_end + kPemDashes.size());
  // A truncated block is hidden up to the end of the text.
  const std::size_t block_end =
      end_found == std::string_view::npos ? text_.size() : end_found + end_line.size();
  private_key_scanned_until_ = block_end;
  spans.push_back({position, block_end});
}

void ShapeScanner::scan_stripe_key(std::size_t position, std::vector<Span>& spans) {
  if (!starts_word(text_, position)) return;
  for (const std::string_view prefix : kStripePrefixes) {
    if (!starts_with(text_, position, prefix)) continue;
    const std::size_t key_begin = position + prefix.size();
    const std::size_t key_end = skip(text_, key_begin, is_alnum);
    if (key_end > key_begin) spans.push_back({key_begin, key_end});
    return;
  }
}

void ShapeScanner::scan_url_password(std::size_t position, std::vector<Span>& spans) {
  if (position == 0 || !is_scheme_char(text_[position - 1]) ||
      !starts_with(text_, position, kUrlSeparator)) {
    return;
  }
  const std::size_t authority_begin = position + kUrlSeparator.size();
  std::size_t authority_end = authority_begin;
  while (authority_end < text_.size() && !ends_authority(text_[authority_end])) ++authority_end;
  const std::string_view authority = text_.substr(authority_begin, authority_end - authority_begin);

  // The last `@` ends the userinfo, so a password with an unescaped `@` is hidden whole.
  const std::size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return;
  const std::size_t colon = authority.substr(0, at).find(':');
  if (colon == std::string_view::npos || colon + 1 == at) return;
  spans.push_back({authority_begin + colon + 1, authority_begin + at});
}

}  // namespace outbound::logging
