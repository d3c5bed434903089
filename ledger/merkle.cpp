#include "ledger/merkle.h"

#include <bit>
#include <cassert>

namespace innoclear::ledger {

namespace {

// Largest power of two strictly less than n. REQUIRES: n > 1.
std::uint64_t split_point(std::uint64_t n) {
  assert(n > 1);
  return std::bit_floor(n - 1);
}

bool is_complete(std::uint64_t lo, std::uint64_t hi) {
  const std::uint64_t width = hi - lo;
  return std::has_single_bit(width) && lo % width == 0;
}

// MTH(D[lo:hi]). Complete subtrees are read; a ragged right edge is computed from them.
Result<Hash> subtree_hash(std::uint64_t lo, std::uint64_t hi, const HashReader& read) {
  assert(lo < hi);
  if (is_complete(lo, hi)) {
    const int level = std::countr_zero(hi - lo);
    return read(level, lo >> level);
  }
  const std::uint64_t middle = lo + split_point(hi - lo);
  Result<Hash> left = subtree_hash(lo, middle, read);
  if (!left.ok()) return left;
  Result<Hash> right = subtree_hash(middle, hi, read);
  if (!right.ok()) return right;
  return node_hash(*left, *right);
}

// PATH(index, D[lo:hi]), leaf to root.
Status append_path(std::uint64_t index, std::uint64_t lo, std::uint64_t hi, const HashReader& read,
                   std::vector<Hash>& path) {
  if (hi - lo == 1) return Status::success();
  const std::uint64_t middle = lo + split_point(hi - lo);
  const bool left_side = index < middle;
  Status status = left_side ? append_path(index, lo, middle, read, path)
                            : append_path(index, middle, hi, read, path);
  if (!status.ok()) return status;
  Result<Hash> sibling =
      left_side ? subtree_hash(middle, hi, read) : subtree_hash(lo, middle, read);
  if (!sibling.ok()) return sibling.status();
  path.push_back(*sibling);
  return Status::success();
}

// SUBPROOF(first − lo, D[lo:hi], whole), where `whole` says D[lo:first] is the first tree.
Status append_subproof(std::uint64_t first, std::uint64_t lo, std::uint64_t hi, bool whole,
                       const HashReader& read, std::vector<Hash>& path) {
  if (first == hi) {
    if (whole) return Status::success();
    Result<Hash> hash = subtree_hash(lo, hi, read);
    if (!hash.ok()) return hash.status();
    path.push_back(*hash);
    return Status::success();
  }
  const std::uint64_t middle = lo + split_point(hi - lo);
  const bool left_side = first <= middle;
  Status status = left_side ? append_subproof(first, lo, middle, whole, read, path)
                            : append_subproof(first, middle, hi, false, read, path);
  if (!status.ok()) return status;
  Result<Hash> sibling =
      left_side ? subtree_hash(middle, hi, read) : subtree_hash(lo, middle, read);
  if (!sibling.ok()) return sibling.status();
  path.push_back(*sibling);
  return Status::success();
}

// Shifts both right until fn's lowest bit is set or fn is 0 (RFC 9162's "right-shift equally").
void shift_while_even(std::uint64_t& fn, std::uint64_t& sn) {
  while (fn != 0 && (fn & 1) == 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

Hash leaf_hash(std::string_view entry) {
  return crypto::thread_sha256().update(std::uint8_t{0x00}).update(entry).finish();
}

Hash node_hash(const Hash& left, const Hash& right) {
  std::array<std::uint8_t, 1 + 2 * sizeof(Hash)> input;  // one update is cheaper than three
  input[0] = 0x01;
  std::copy(left.begin(), left.end(), input.begin() + 1);
  std::copy(right.begin(), right.end(), input.begin() + 1 + sizeof(Hash));
  return crypto::thread_sha256().update(input).finish();
}

Hash empty_tree_hash() { return crypto::sha256(std::string_view()); }

std::uint64_t stored_count(std::uint64_t size) {
  return 2 * size - static_cast<std::uint64_t>(std::popcount(size));
}

std::uint64_t stored_index(int level, std::uint64_t index) {
  assert(level >= 0 && level <= tree_levels_max);
  // The subtree is stored right after the last leaf it covers and the `level` subtrees that
  // leaf closes below it; that leaf follows the stored_count() hashes of the leaves before it.
  const std::uint64_t last_leaf = ((index + 1) << level) - 1;
  return stored_count(last_leaf) + static_cast<std::uint64_t>(level);
}

Result<Hash> tree_root(std::uint64_t size, const HashReader& read) {
  if (size == 0) return empty_tree_hash();
  return subtree_hash(0, size, read);
}

Result<std::vector<Hash>> inclusion_proof(std::uint64_t index, std::uint64_t size,
                                          const HashReader& read) {
  if (index >= size) return {Code::out_of_range, "leaf index must be below the tree size"};
  std::vector<Hash> path;
  Status status = append_path(index, 0, size, read, path);
  if (!status.ok()) return status;
  return path;
}

Result<std::vector<Hash>> consistency_proof(std::uint64_t first, std::uint64_t second,
                                            const HashReader& read) {
  if (first > second) return {Code::out_of_range, "first tree size exceeds the second"};
  std::vector<Hash> path;
  if (first == 0 || first == second) return path;
  Status status = append_subproof(first, 0, second, true, read, path);
  if (!status.ok()) return status;
  return path;
}

bool verify_inclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf,
                      std::span<const Hash> path, const Hash& root) {
  if (index >= size) return false;
  std::uint64_t fn = index;
  std::uint64_t sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : path) {
    if (sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      r = node_hash(p, r);
      if ((fn & 1) == 0) shift_while_even(fn, sn);
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool verify_consistency(std::uint64_t first, std::uint64_t second, const Hash& first_root,
                        const Hash& second_root, std::span<const Hash> path) {
  if (first > second) return false;
  if (first == second) return path.empty() && first_root == second_root;
  if (first == 0) return path.empty();
  if (path.empty()) return false;
  std::vector<Hash> nodes;
  nodes.reserve(path.size() + 1);
  if (std::has_single_bit(first)) nodes.push_back(first_root);
  nodes.insert(nodes.end(), path.begin(), path.end());
  std::uint64_t fn = first - 1;
  std::uint64_t sn = second - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = nodes[0];
  Hash sr = nodes[0];
  for (std::size_t i = 1; i < nodes.size(); ++i) {
    const Hash& c = nodes[i];
    if (sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      if ((fn & 1) == 0) shift_while_even(fn, sn);
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == first_root && sr == second_root && sn == 0;
}

void Frontier::append(const Hash& leaf,
                      const std::function<void(int, std::uint64_t, const Hash&)>& store) {
  std::uint64_t index = size_;
  Hash current = leaf;
  for (int level = 0;; ++level) {
    assert(level <= tree_levels_max);
    store(level, index, current);
    const Hash left_sibling = last_[level];  // (level, index − 1) when index is odd
    last_[level] = current;
    if ((index & 1) == 0) break;
    current = node_hash(left_sibling, current);
    index >>= 1;
  }
  ++size_;
}

Status Frontier::load(std::uint64_t size, const HashReader& read) {
  size_ = size;
  for (int level = 0; level <= tree_levels_max; ++level) {
    const std::uint64_t complete = size >> level;
    if (complete == 0) break;
    Result<Hash> hash = read(level, complete - 1);
    if (!hash.ok()) return hash.status();
    last_[level] = *hash;
  }
  return Status::success();
}

}  // namespace innoclear::ledger
