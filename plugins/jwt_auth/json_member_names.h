#pragma once

// The member names of the objects a JSON scan has open, for finding repeated names. Internal
// to outbound_jwt.

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace outbound::jwt {

/// JsonMemberNames is a stack of the member names of the open objects of one document: the
/// names of an object follow those of the objects around it, and go when it closes. A name is
/// looked up among the names of its own object only. While an object has few names, the
/// lookup compares with each of them. An object with many gets a hash set, so that a hostile
/// object with thousands of members costs linear time.
class JsonMemberNames {
 public:
  /// `text_size` is the size of the document, which bounds the bytes of unescaped names.
  explicit JsonMemberNames(std::size_t text_size) : text_size_(text_size) {}

  JsonMemberNames(const JsonMemberNames&) = delete;
  JsonMemberNames& operator=(const JsonMemberNames&) = delete;

  /// The number of names on the stack.
  std::size_t size() const { return size_; }

  /// Returns `content`, the text between the quotes of a name with escapes, unescaped into
  /// storage that lives as long as this object.
  std::string_view unescape(std::string_view content);

  /// Returns whether the names from index `first` on, those of the innermost open object,
  /// include `name`.
  bool contains_since(std::size_t first, std::string_view name);

  /// Adds `name` to the object whose names start at index `first`.
  void push(std::size_t first, std::string_view name);

  /// Removes the names from index `size` on, when their object closes.
  void truncate(std::size_t size);

 private:
  // Objects with more names than this are searched through a hash set.
  static constexpr std::size_t kLinearSearchLimit = 16;
  // Names kept without allocating; a deeper stack of names moves to heap_.
  static constexpr std::size_t kInlineNames = 32;

  // A name, without the constructor of std::string_view, so that the inline array is not
  // cleared for every document.
  struct Name {
    const char* data;
    std::size_t size;

    std::string_view view() const { return std::string_view(data, size); }
  };

  Name* names() { return on_heap_ ? heap_.data() : inline_.data(); }

  std::size_t text_size_;
  std::size_t size_ = 0;
  std::array<Name, kInlineNames> inline_;
  std::vector<Name> heap_;
  bool on_heap_ = false;
  // The hash sets of the open objects that have many names, with the index of each object's
  // first name, innermost last.
  std::vector<std::pair<std::size_t, std::unordered_set<std::string_view>>> indexes_;
  // The unescaped names. It is reserved to the document size before the first one, and no
  // unescaped name is longer than its escaped text, so it never reallocates and views into it
  // stay valid.
  std::string unescaped_;
};

}  // namespace outbound::jwt
