#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace outbound::logging {

/// Span is a half-open byte range [begin, end) of a text that must be hidden.
struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
};

/// Returns the first two bytes of every marker ShapeScanner looks for ("ey" for a JWT, "Be" for
/// Bearer, ":/" for a URL, ...), so a caller can skip positions where no shape can start.
std::vector<std::string_view> shape_marker_pairs();

/// ShapeScanner finds credential shapes in one text (see Masker for the list). The caller
/// visits positions in increasing order. The scanner remembers how far earlier attempts read,
/// so a run of repeated markers ("eyJeyJeyJ...") costs linear time, not quadratic.
class ShapeScanner {
 public:
  explicit ShapeScanner(std::string_view text) : text_(text) {}

  /// Appends to `spans` the part to hide of every shape that starts at `position`.
  void scan_at(std::size_t position, std::vector<Span>& spans);

 private:
  void scan_jwt(std::size_t position, std::vector<Span>& spans);
  void scan_scheme_token(std::size_t position, std::vector<Span>& spans);
  void scan_authorization_header(std::size_t position, std::vector<Span>& spans);
  void scan_private_key(std::size_t position, std::vector<Span>& spans);
  void scan_stripe_key(std::size_t position, std::vector<Span>& spans);
  void scan_url_password(std::size_t position, std::vector<Span>& spans);

  bool starts_next_header(std::size_t position) const;
  std::size_t find_header_value_end(std::size_t begin, std::string_view quote) const;

  std::string_view text_;
  // Positions before which an attempt of the same kind would read the same bytes as an earlier
  // one and so reach the same result.
  std::size_t jwt_scanned_until_ = 0;
  std::size_t header_scanned_until_ = 0;
  std::size_t private_key_scanned_until_ = 0;
};

}  // namespace outbound::logging
