#pragma once

#include <memory>
#include <string>
#include <utility>

#include "logging/masker.h"
#include "outbound/plugin_context.h"

namespace outbound {

/// Returns a random UUID version 4 from OpenSSL's CSPRNG, in the 8-4-4-4-12 form.
std::string new_uuid_v4();

/// MaskerSecretRegistry lets plugins add their derived credentials to the log masking.
class MaskerSecretRegistry final : public SecretRegistry {
 public:
  explicit MaskerSecretRegistry(std::shared_ptr<logging::Masker> masker)
      : masker_(std::move(masker)) {}

  void add(const Secret& secret) override { masker_->add(secret.expose()); }

 private:
  std::shared_ptr<logging::Masker> masker_;
};

}  // namespace outbound
