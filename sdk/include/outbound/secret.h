#pragma once

#include <cstddef>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "outbound/export.h"

namespace outbound {

/// Secret holds a credential (an API key, a password, a signing key) so that it cannot be
/// printed by accident. It formats as `[REDACTED]` through fmt, spdlog and iostreams, is
/// move-only so that copies are explicit, and overwrites its bytes with zeros when destroyed
/// or moved from. The value is reachable only through expose(), which is easy to grep for.
///
/// Thread safety: const methods may be called concurrently; moving is not synchronised.
class OUTBOUND_SDK_API Secret {
 public:
  /// The text every formatter prints in place of the value.
  static constexpr std::string_view kRedacted = "[REDACTED]";

  /// Constructs an empty secret.
  Secret() = default;

  /// Takes the value out of `value` and wipes the string's buffer, so the caller is left with
  /// an empty string and no copy of the credential.
  explicit Secret(std::string&& value);

  /// Copies `value`; the caller stays responsible for wiping its own copy.
  static Secret copy_of(std::string_view value);

  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  ~Secret();

  /// Returns the plain value. Every call site is a place where the credential leaves its
  /// protection; keep the view short-lived and never log it.
  std::string_view expose() const { return {data_.get(), size_}; }

  bool empty() const { return size_ == 0; }

  /// Makes an independent copy with its own buffer.
  Secret clone() const { return copy_of(expose()); }

  /// Compares two secrets in time that depends only on their lengths.
  bool equals(const Secret& other) const;

 private:
  void wipe() noexcept;

  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
};

/// Writes `[REDACTED]`, never the value.
OUTBOUND_SDK_API std::ostream& operator<<(std::ostream& out, const Secret& secret);

/// Overwrites `size` bytes at `data` with zeros in a way the compiler may not remove.
OUTBOUND_SDK_API void secure_wipe(void* data, std::size_t size) noexcept;

/// Overwrites the whole buffer of `value`, including spare capacity, then clears it.
OUTBOUND_SDK_API void secure_wipe(std::string& value) noexcept;

}  // namespace outbound

/// fmt (and so spdlog) prints a Secret as `[REDACTED]` whatever the format spec.
template <>
struct fmt::formatter<outbound::Secret> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(const outbound::Secret&, FormatContext& context) const -> decltype(context.out()) {
    return fmt::formatter<std::string_view>::format(outbound::Secret::kRedacted, context);
  }
};
