// RFC 9162 (= RFC 6962) Merkle tree arithmetic, with no storage of its own.
//
// The tree's complete subtrees are stored, each exactly once, in the order they come into being:
// appending leaf m stores its leaf hash, then the hash of every complete subtree that leaf closes.
// So storage only ever appends, and the subtree of 2^level leaves starting at leaf index·2^level
// has a fixed position, stored_index(level, index). The root of any size ≤ n, an inclusion proof
// and a consistency proof each read O(log n) of these hashes.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "crypto/sha256.h"

namespace innoclear::ledger {

using crypto::Hash;

constexpr int tree_levels_max = 63;

Hash leaf_hash(std::string_view entry);               // SHA-256(0x00 ‖ entry)
Hash node_hash(const Hash& left, const Hash& right);  // SHA-256(0x01 ‖ left ‖ right)
Hash empty_tree_hash();                               // SHA-256 of nothing

// Position of a complete subtree in append order. REQUIRES: level <= tree_levels_max.
std::uint64_t stored_index(int level, std::uint64_t index);
// How many hashes a tree of `size` leaves stores: 2·size − popcount(size).
std::uint64_t stored_count(std::uint64_t size);

// Reads the stored hash of a complete subtree (level, index).
using HashReader = std::function<Result<Hash>(int level, std::uint64_t index)>;

// The root of the first `size` leaves.
Result<Hash> tree_root(std::uint64_t size, const HashReader& read);
// RFC 9162 §2.1.3.1 PATH(index, D[0:size]). Fails with out_of_range unless index < size.
Result<std::vector<Hash>> inclusion_proof(std::uint64_t index, std::uint64_t size,
                                          const HashReader& read);
// RFC 9162 §2.1.4.1 PROOF(first, D[0:second]). Fails with out_of_range unless
// first <= second; the proof is empty when first is 0 or equal to second.
Result<std::vector<Hash>> consistency_proof(std::uint64_t first, std::uint64_t second,
                                            const HashReader& read);

// RFC 9162 §2.1.3.2: true iff `path` proves `leaf` at `index` in the tree of `size` with `root`.
bool verify_inclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf,
                      std::span<const Hash> path, const Hash& root);
// RFC 9162 §2.1.4.2, plus the trivial cases: first == second (empty path, equal roots) and
// first == 0 (empty path).
bool verify_consistency(std::uint64_t first, std::uint64_t second, const Hash& first_root,
                        const Hash& second_root, std::span<const Hash> path);

// Keeps the right edge of a growing tree in memory, so appending a leaf costs no reads: for
// each level, the last complete subtree, which is the left sibling of the next one.
class Frontier {
 public:
  // Appends a leaf; calls `store(level, index, hash)` for the leaf and for each subtree it
  // completes, in stored_index order.
  void append(const Hash& leaf,
              const std::function<void(int level, std::uint64_t index, const Hash&)>& store);
  // Rebuilds the frontier of a stored tree of `size` leaves.
  Status load(std::uint64_t size, const HashReader& read);
  std::uint64_t size() const { return size_; }

 private:
  std::uint64_t size_ = 0;
  Hash last_[tree_levels_max + 1]{};
};

}  // namespace innoclear::ledger
