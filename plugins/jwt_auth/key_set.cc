#include "jwt_auth/key_set.h"

#include "jwt_auth/rejection.h"

namespace outbound::jwt {

Status KeySet::add(Key key) {
  if (!key.key_id().empty()) {
    const auto [entry, inserted] = index_by_key_id_.emplace(key.key_id(), keys_.size());
    if (!inserted) {
      return Status::invalid_argument("key id \"" + key.key_id() +
                                      "\" is used by two keys; give every key its own key_id");
    }
  }
  keys_.push_back(std::move(key));
  return Status();
}

bool KeySet::allows(Algorithm algorithm) const {
  for (const Key& key : keys_) {
    if (key.algorithm() == algorithm) return true;
  }
  return false;
}

std::string KeySet::allowed_algorithm_names() const {
  std::string names;
  for (Algorithm algorithm : kAllAlgorithms) {
    if (!allows(algorithm)) continue;
    if (!names.empty()) names += ", ";
    names += algorithm_name(algorithm);
  }
  return names;
}

Result<const Key*> KeySet::select(Algorithm algorithm, const std::string* key_id) const {
  const std::string alg(algorithm_name(algorithm));
  if (key_id != nullptr) {
    const auto found = index_by_key_id_.find(*key_id);
    if (found == index_by_key_id_.end()) {
      return token_rejected(auth_reason::kUnknownKey, "token kid " + quote_token_value(*key_id) +
                                                          " matches no configured key");
    }
    const Key& key = keys_[found->second];
    if (key.algorithm() != algorithm) {
      return token_rejected(auth_reason::kAlgorithmNotAllowed,
                            "token alg " + alg + " is not the algorithm of key \"" + key.key_id() +
                                "\", which is bound to " +
                                std::string(algorithm_name(key.algorithm())));
    }
    return &key;
  }

  const Key* match = nullptr;
  std::size_t count = 0;
  for (const Key& key : keys_) {
    if (key.algorithm() != algorithm) continue;
    match = &key;
    ++count;
  }
  if (count == 1) return match;
  if (count == 0) {
    return token_rejected(auth_reason::kAlgorithmNotAllowed,
                          "token alg " + alg + " is not allowed; the configured keys use " +
                              allowed_algorithm_names());
  }
  return token_rejected(auth_reason::kUnknownKey, "token has no kid, and " + std::to_string(count) +
                                                      " configured keys use " + alg +
                                                      "; the issuer must name its key with kid");
}

}  // namespace outbound::jwt
