#include "outbound/secret.h"

#include <string.h>  // explicit_bzero
#include <cstring>

namespace outbound {

void secure_wipe(void* data, std::size_t size) noexcept {
  if (data != nullptr && size > 0) explicit_bzero(data, size);
}

void secure_wipe(std::string& value) noexcept {
  // Wipe the whole capacity: a shorter string may have left older bytes behind its end.
  value.resize(value.capacity());
  secure_wipe(value.data(), value.size());
  value.clear();
}

Secret::Secret(std::string&& value) : data_(new char[value.size() + 1]), size_(value.size()) {
  std::memcpy(data_.get(), value.data(), size_);
  data_[size_] = '\0';
  secure_wipe(value);
}

Secret Secret::copy_of(std::string_view value) {
  Secret secret;
  secret.data_.reset(new char[value.size() + 1]);
  secret.size_ = value.size();
  std::memcpy(secret.data_.get(), value.data(), value.size());
  secret.data_[value.size()] = '\0';
  return secret;
}

Secret::Secret(Secret&& other) noexcept : data_(std::move(other.data_)), size_(other.size_) {
  other.size_ = 0;
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    wipe();
    data_ = std::move(other.data_);
    size_ = other.size_;
    other.size_ = 0;
  }
  return *this;
}

Secret::~Secret() { wipe(); }

void Secret::wipe() noexcept {
  if (data_) secure_wipe(data_.get(), size_);
  data_.reset();
  size_ = 0;
}

bool Secret::equals(const Secret& other) const {
  if (size_ != other.size_) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < size_; ++i) {
    difference |= static_cast<unsigned char>(data_[i] ^ other.data_[i]);
  }
  return difference == 0;
}

std::ostream& operator<<(std::ostream& out, const Secret&) { return out << Secret::kRedacted; }

}  // namespace outbound
