#pragma once

#include <algorithm>
#include <cctype>
#include <string_view>

namespace outbound::http {

/// Returns whether `a` and `b` are equal when ASCII letters are compared without case, as
/// header names and tokens are.
inline bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

/// Returns whether `c` may appear in an HTTP token (RFC 9110 section 5.6.2): a method or a
/// header name.
inline bool is_token_character(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

/// Returns whether `text` is a non-empty HTTP token.
inline bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_token_character);
}

}  // namespace outbound::http
