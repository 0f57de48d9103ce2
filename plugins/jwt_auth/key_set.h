#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "jwt_auth/algorithm.h"
#include "jwt_auth/key.h"
#include "outbound/status.h"

namespace outbound::jwt {

/// KeySet is the verification keys of one verifier, and the rule that picks one of them for a
/// token. It is built once, from the configuration or from one fetched JWK Set, and not
/// changed afterwards.
///
/// A key id names one key, or one group of keys that share a public key and differ only in
/// their algorithm: a JWK without `alg` becomes one Key per algorithm its key type allows.
class KeySet {
 public:
  /// Adds `key`. Returns kInvalidArgument when another key already has the same non-empty key
  /// id, because a `kid` must select exactly one key.
  Status add(Key key);

  /// Adds `group`: the keys made from one public key, one per algorithm, all with the same key
  /// id. Returns kInvalidArgument when the group is empty, its keys have different key ids or
  /// repeat an algorithm, or another key already has its non-empty key id.
  Status add_group(std::vector<Key> group);

  const std::vector<Key>& keys() const { return keys_; }
  bool empty() const { return keys_.empty(); }

  /// Returns whether some key has the key id `key_id`.
  bool has_key_id(const std::string& key_id) const;

  /// Returns whether some key is bound to `algorithm`.
  bool allows(Algorithm algorithm) const;

  /// Returns the names of the algorithms the keys are bound to ("RS256, ES256"), for messages.
  std::string allowed_algorithm_names() const;

  /// Selects the key for a token whose header names `algorithm` and, unless `key_id` is null,
  /// the key id `*key_id`. With a key id, the key with exactly that id is chosen (reason
  /// unknown_key when none has it), and its algorithm must be `algorithm` (reason
  /// algorithm_not_allowed). Without one, the single key bound to `algorithm` is chosen, and
  /// several such keys make the choice ambiguous (reason unknown_key). The pointer stays valid
  /// as long as this set.
  Result<const Key*> select(Algorithm algorithm, const std::string* key_id) const;

 private:
  // The positions in keys_ of the keys that one key id names, in the order they were added.
  using Positions = std::vector<std::size_t>;

  std::vector<Key> keys_;
  std::unordered_map<std::string, Positions> index_by_key_id_;
};

}  // namespace outbound::jwt
