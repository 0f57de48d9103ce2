#include "jwt_auth/json_member_names.h"

#include <algorithm>
#include <utility>

#include "jwt_auth/json_text.h"

namespace outbound::jwt {

std::string_view JsonMemberNames::unescape(std::string_view content) {
  if (unescaped_.capacity() < text_size_) unescaped_.reserve(text_size_);
  const std::size_t start = unescaped_.size();
  append_unescaped(content, unescaped_);
  return std::string_view(unescaped_.data() + start, unescaped_.size() - start);
}

bool JsonMemberNames::contains_since(std::size_t first, std::string_view name) {
  const Name* stack = names();
  if (size_ - first < kLinearSearchLimit) {
    for (std::size_t i = first; i < size_; ++i) {
      if (stack[i].view() == name) return true;
    }
    return false;
  }
  if (indexes_.empty() || indexes_.back().first != first) {
    std::unordered_set<std::string_view> index;
    for (std::size_t i = first; i < size_; ++i) index.insert(stack[i].view());
    indexes_.emplace_back(first, std::move(index));
  }
  return indexes_.back().second.count(name) != 0;
}

void JsonMemberNames::push(std::size_t first, std::string_view name) {
  if (!on_heap_ && size_ == kInlineNames) {
    heap_.assign(inline_.begin(), inline_.end());
    on_heap_ = true;
  }
  const Name entry{name.data(), name.size()};
  if (on_heap_) {
    heap_.resize(size_);
    heap_.push_back(entry);
  } else {
    inline_[size_] = entry;
  }
  ++size_;
  if (!indexes_.empty() && indexes_.back().first == first) indexes_.back().second.insert(name);
}

void JsonMemberNames::truncate(std::size_t size) {
  size_ = std::min(size_, size);
  while (!indexes_.empty() && indexes_.back().first >= size_) indexes_.pop_back();
}

}  // namespace outbound::jwt
