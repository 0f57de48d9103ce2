#include "jwt_auth/key_set.h"

#include <algorithm>

#include "jwt_auth/rejection.h"

namespace outbound::jwt {
namespace {

std::string algorithm_names_of(const std::vector<Key>& keys, const std::vector<std::size_t>& at) {
  std::string names;
  for (std::size_t position : at) {
    if (!names.empty()) names += ", ";
    names += algorithm_name(keys[position].algorithm());
  }
  return names;
}

}  // namespace

Status KeySet::add(Key key) {
  if (!key.key_id().empty()) {
    const auto [entry, inserted] = index_by_key_id_.emplace(key.key_id(), Positions{keys_.size()});
    if (!inserted) {
      return Status::invalid_argument("key id \"" + key.key_id() +
                                      "\" is used by two keys; give every key its own key_id");
    }
  }
  keys_.push_back(std::move(key));
  return Status();
}

Status KeySet::add_group(std::vector<Key> group) {
  if (group.empty()) return Status::invalid_argument("a key group has no key");
  // A copy, because the keys are moved out of `group` below.
  const std::string key_id = group.front().key_id();
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (group[i].key_id() != key_id) {
      return Status::invalid_argument("a key group mixes the key ids \"" + key_id + "\" and \"" +
                                      group[i].key_id() + "\"");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (group[i].algorithm() == group[j].algorithm()) {
        return Status::invalid_argument(
            "a key group lists " + std::string(algorithm_name(group[i].algorithm())) + " twice");
      }
    }
  }
  if (!key_id.empty() && index_by_key_id_.count(key_id) != 0) {
    return Status::invalid_argument("key id \"" + key_id +
                                    "\" is used by two keys; give every key its own key_id");
  }

  Positions positions;
  for (Key& key : group) {
    positions.push_back(keys_.size());
    keys_.push_back(std::move(key));
  }
  if (!key_id.empty()) index_by_key_id_.emplace(key_id, std::move(positions));
  return Status();
}

bool KeySet::has_key_id(const std::string& key_id) const {
  return index_by_key_id_.find(key_id) != index_by_key_id_.end();
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
      return token_rejected(
          auth_reason::kUnknownKey,
          "token kid " + quote_token_value(*key_id) +
              " matches no key of this client (configured or fetched from jwks_url)");
    }
    const Positions& positions = found->second;
    const auto match = std::find_if(positions.begin(), positions.end(), [&](std::size_t at) {
      return keys_[at].algorithm() == algorithm;
    });
    if (match == positions.end()) {
      return token_rejected(auth_reason::kAlgorithmNotAllowed,
                            "token alg " + alg + " is not the algorithm of key \"" + *key_id +
                                "\", which is bound to " + algorithm_names_of(keys_, positions));
    }
    return &keys_[*match];
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
