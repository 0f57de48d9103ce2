#include "mail/idna.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "mail/text.h"

namespace outbound::mail {
namespace {

// The Punycode parameters for IDNA, RFC 3492 section 5.
constexpr std::uint32_t kBase = 36;
constexpr std::uint32_t kTMin = 1;
constexpr std::uint32_t kTMax = 26;
constexpr std::uint32_t kSkew = 38;
constexpr std::uint32_t kDamp = 700;
constexpr std::uint32_t kInitialBias = 72;
constexpr std::uint32_t kInitialN = 0x80;
constexpr std::size_t kMaxLabelLength = 63;

/// Returns the code points of `text`, which must be valid UTF-8.
std::vector<std::uint32_t> code_points(std::string_view text) {
  std::vector<std::uint32_t> points;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = utf8_sequence_length(text, i);
    const auto lead = static_cast<unsigned char>(text[i]);
    // The lead octet keeps 7, 5, 4 or 3 bits of the code point, by the sequence's length.
    static constexpr unsigned kLeadMask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    std::uint32_t point = lead & kLeadMask[length];
    for (std::size_t k = 1; k < length; ++k) {
      point = (point << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3Fu);
    }
    points.push_back(point);
    i += length;
  }
  return points;
}

/// Returns the small letter of the capital `point` in the Latin-1 Supplement, Latin
/// Extended-A, Greek and Cyrillic blocks and in ASCII, and any other code point unchanged.
std::uint32_t small_letter(std::uint32_t point) {
  if (point >= 'A' && point <= 'Z') return point + 0x20;
  if (point >= 0xC0 && point <= 0xDE && point != 0xD7) return point + 0x20;
  if (point == 0x178) return 0xFF;
  // Latin Extended-A pairs each capital with the small letter after it. The pairs start on an
  // even code point up to U+0137 and from U+014A to U+0177, and on an odd one in between and
  // after. U+0130, U+0138 and U+0149 have no such pair.
  if (point >= 0x100 && point <= 0x17E && point != 0x130 && point != 0x138 && point != 0x149) {
    const bool even_pairs = point <= 0x137 || (point >= 0x14A && point <= 0x177);
    if ((point % 2 == 0) == even_pairs) return point + 1;
    return point;
  }
  if (point >= 0x391 && point <= 0x3A9 && point != 0x3A2) return point + 0x20;
  // The Greek capitals with tonos.
  if (point == 0x386) return 0x3AC;
  if (point >= 0x388 && point <= 0x38A) return point + 0x25;
  if (point == 0x38C) return 0x3CC;
  if (point == 0x38E || point == 0x38F) return point + 0x3F;
  if (point >= 0x410 && point <= 0x42F) return point + 0x20;
  if (point >= 0x400 && point <= 0x40F) return point + 0x50;
  return point;
}

/// Appends the UTF-8 form of `point`, a Unicode scalar value.
void append_utf8(std::uint32_t point, std::string& out) {
  if (point < 0x80) {
    out += static_cast<char>(point);
  } else if (point < 0x800) {
    out += static_cast<char>(0xC0 | (point >> 6));
    out += static_cast<char>(0x80 | (point & 0x3F));
  } else if (point < 0x10000) {
    out += static_cast<char>(0xE0 | (point >> 12));
    out += static_cast<char>(0x80 | ((point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (point >> 18));
    out += static_cast<char>(0x80 | ((point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (point & 0x3F));
  }
}

/// Returns `label`, valid UTF-8, with each capital that small_letter() maps made small.
std::string small_letters(std::string_view label) {
  std::string folded;
  for (std::uint32_t point : code_points(label)) append_utf8(small_letter(point), folded);
  return folded;
}

char digit(std::uint32_t value) {
  return static_cast<char>(value < 26 ? 'a' + value : '0' + (value - 26));
}

/// Returns the threshold t for the digit at position `k`, RFC 3492 section 6.3.
std::uint32_t threshold(std::uint32_t k, std::uint32_t bias) {
  if (k <= bias) return kTMin;
  if (k >= bias + kTMax) return kTMax;
  return k - bias;
}

/// Returns the bias after a code point is encoded, RFC 3492 section 6.1.
std::uint32_t adapt(std::uint32_t delta, std::uint32_t points, bool first) {
  delta = first ? delta / kDamp : delta / 2;
  delta += delta / points;
  std::uint32_t k = 0;
  while (delta > ((kBase - kTMin) * kTMax) / 2) {
    delta /= kBase - kTMin;
    k += kBase;
  }
  return k + (kBase - kTMin + 1) * delta / (delta + kSkew);
}

}  // namespace

std::optional<std::string> punycode_encode(std::string_view label) {
  if (!is_valid_utf8(label)) return std::nullopt;
  const std::vector<std::uint32_t> input = code_points(label);
  std::string output;
  for (std::uint32_t point : input) {
    if (point < kInitialN) output += static_cast<char>(point);
  }
  const auto basic = static_cast<std::uint32_t>(output.size());
  if (basic > 0) output += '-';

  constexpr std::uint32_t kMax = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t n = kInitialN;
  std::uint32_t delta = 0;
  std::uint32_t bias = kInitialBias;
  std::uint32_t handled = basic;
  while (handled < input.size()) {
    std::uint32_t next = kMax;
    for (std::uint32_t point : input) {
      if (point >= n) next = std::min(next, point);
    }
    if (next - n > (kMax - delta) / (handled + 1)) return std::nullopt;
    delta += (next - n) * (handled + 1);
    n = next;
    for (std::uint32_t point : input) {
      if (point < n && ++delta == 0) return std::nullopt;
      if (point != n) continue;
      std::uint32_t q = delta;
      for (std::uint32_t k = kBase;; k += kBase) {
        const std::uint32_t t = threshold(k, bias);
        if (q < t) break;
        output += digit(t + (q - t) % (kBase - t));
        q = (q - t) / (kBase - t);
      }
      output += digit(q);
      bias = adapt(delta, handled + 1, handled == basic);
      delta = 0;
      ++handled;
    }
    ++delta;
    ++n;
  }
  return output;
}

std::optional<std::string> domain_to_ascii(std::string_view domain) {
  std::string converted;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = domain.find('.', start);
    const std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (is_ascii(label)) {
      converted += label;
    } else {
      if (!is_valid_utf8(label)) return std::nullopt;
      const std::optional<std::string> encoded = punycode_encode(small_letters(label));
      if (!encoded || encoded->size() + 4 > kMaxLabelLength) return std::nullopt;
      converted += "xn--" + *encoded;
    }
    if (dot == std::string_view::npos) break;
    converted += '.';
    start = dot + 1;
  }
  return converted;
}

std::string address_to_ascii_domain(const std::string& address) {
  const std::size_t at = address.rfind('@');
  if (at == std::string::npos) return address;
  const std::string_view local(address.data(), at);
  const std::string_view domain = std::string_view(address).substr(at + 1);
  if (!is_ascii(local) || is_ascii(domain)) return address;
  const std::optional<std::string> converted = domain_to_ascii(domain);
  if (!converted) return address;
  return std::string(local) + "@" + *converted;
}

}  // namespace outbound::mail
