// RFC 9162 tree arithmetic: published vectors, an exhaustive check of every proof up to 256
// leaves against the RFC's verification algorithms, and corrupted proofs.
#include "ledger/merkle.h"

#include <bit>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "crypto/encoding.h"

using namespace innoclear;
using namespace innoclear::ledger;

namespace {

// Complete subtrees kept in stored_index order, exactly as the ledger stores them.
struct MemoryTree {
  std::vector<Hash> stored;
  Frontier frontier;

  void append(std::string_view entry) {
    frontier.append(leaf_hash(entry), [&](int level, std::uint64_t index, const Hash& hash) {
      REQUIRE(stored_index(level, index) == stored.size());
      stored.push_back(hash);
    });
  }
  HashReader reader() const {
    return [this](int level, std::uint64_t index) -> Result<Hash> {
      const std::uint64_t at = stored_index(level, index);
      if (at >= stored.size()) return {Code::not_found, "not stored"};
      return stored[at];
    };
  }
};

std::string hex(const Hash& hash) { return crypto::hex_encode(hash); }

Hash from_hex(std::string_view text) {
  const crypto::Bytes bytes = *crypto::hex_decode(text);
  Hash hash{};
  std::copy(bytes.begin(), bytes.end(), hash.begin());
  return hash;
}

// The eight leaves of the RFC 6962 test vectors used by Google's certificate-transparency
// merkle_tree_test.cc (and reused by transparency-dev/merkle's testdata).
std::vector<std::string> ct_leaves() {
  return {"",
          std::string(1, '\x00'),
          "\x10",
          "\x20\x21",
          "\x30\x31",
          "\x40\x41\x42\x43",
          "\x50\x51\x52\x53\x54\x55\x56\x57",
          "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"};
}

// MTH(D[0:n]) for n = 0..8 from the same source.
const char* const ct_roots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

// An independent transcription of RFC 9162 §2.1.1: MTH by plain recursion over leaf hashes.
Hash reference_root(const std::vector<Hash>& leaves, std::size_t lo, std::size_t hi) {
  if (hi == lo) return empty_tree_hash();
  if (hi - lo == 1) return leaves[lo];
  std::size_t k = 1;
  while (k * 2 < hi - lo) k *= 2;
  return node_hash(reference_root(leaves, lo, lo + k), reference_root(leaves, lo + k, hi));
}

// Counts failed checks rather than asserting each: hundreds of thousands of Catch assertions are
// slow, and a failure still names its first case.
struct Tally {
  std::uint64_t failures = 0;
  std::string first_failure;
  std::uint64_t first = 0, second = 0;

  void at(std::uint64_t first_now, std::uint64_t second_now) {
    first = first_now;
    second = second_now;
  }
  void expect(bool ok) {
    if (!ok && failures++ == 0)
      first_failure = std::to_string(first) + "/" + std::to_string(second);
  }
  void expect_not(bool ok) { expect(!ok); }
};

MemoryTree tree_of(std::size_t size) {
  MemoryTree tree;
  for (std::size_t i = 0; i < size; ++i) tree.append("entry-" + std::to_string(i));
  return tree;
}

}  // namespace

TEST_CASE("tree roots match the published RFC 6962 vectors", "[merkle]") {
  MemoryTree tree;
  const auto leaves = ct_leaves();
  CHECK(hex(*tree_root(0, tree.reader())) == ct_roots[0]);
  for (std::size_t n = 1; n <= leaves.size(); ++n) {
    tree.append(leaves[n - 1]);
    CHECK(hex(*tree_root(n, tree.reader())) == ct_roots[n]);
  }
  // Every earlier root stays reachable from the stored tree.
  for (std::size_t n = 0; n <= leaves.size(); ++n) {
    CHECK(hex(*tree_root(n, tree.reader())) == ct_roots[n]);
  }
}

TEST_CASE("proofs match the published RFC 6962 vectors", "[merkle]") {
  MemoryTree tree;
  for (const auto& leaf : ct_leaves()) tree.append(leaf);
  const auto path_hex = [&](std::uint64_t index, std::uint64_t size) {
    std::vector<std::string> out;
    const Result<std::vector<Hash>> proof = inclusion_proof(index, size, tree.reader());
    for (const Hash& h : *proof) out.push_back(hex(h));
    return out;
  };
  const auto consistency_hex = [&](std::uint64_t first, std::uint64_t second) {
    std::vector<std::string> out;
    const Result<std::vector<Hash>> proof = consistency_proof(first, second, tree.reader());
    for (const Hash& h : *proof) out.push_back(hex(h));
    return out;
  };
  using Strings = std::vector<std::string>;
  CHECK(path_hex(0, 1).empty());
  CHECK(path_hex(0, 8) ==
        Strings{"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"});
  CHECK(path_hex(5, 8) ==
        Strings{"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"});
  CHECK(path_hex(2, 3) ==
        Strings{"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"});
  CHECK(path_hex(1, 5) ==
        Strings{"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"});
  CHECK(consistency_hex(1, 1).empty());
  CHECK(consistency_hex(1, 8) ==
        Strings{"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"});
  CHECK(consistency_hex(6, 8) ==
        Strings{"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"});
  CHECK(consistency_hex(2, 5) ==
        Strings{"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"});
  CHECK(verify_consistency(6, 8, from_hex(ct_roots[6]), from_hex(ct_roots[8]),
                           *consistency_proof(6, 8, tree.reader())));
}

TEST_CASE("subtrees are stored once each, in the order they come into being", "[merkle]") {
  for (std::uint64_t size = 0; size <= 300; ++size) {
    CHECK(tree_of(size).stored.size() == stored_count(size));
  }
  CHECK(stored_index(0, 0) == 0);
  CHECK(stored_index(0, 1) == 1);
  CHECK(stored_index(1, 0) == 2);
  CHECK(stored_index(0, 3) == 4);
  CHECK(stored_index(2, 0) == 6);
  CHECK(stored_index(0, 4) == 7);
}

TEST_CASE("every root up to 256 leaves equals the RFC recursion", "[merkle]") {
  MemoryTree tree = tree_of(256);
  std::vector<Hash> leaves;
  for (std::size_t i = 0; i < 256; ++i) leaves.push_back(leaf_hash("entry-" + std::to_string(i)));
  for (std::size_t n = 0; n <= 256; ++n) {
    REQUIRE(*tree_root(n, tree.reader()) == reference_root(leaves, 0, n));
  }
}

TEST_CASE("every inclusion proof up to 256 leaves verifies, and corrupted ones fail", "[merkle]") {
  const MemoryTree tree = tree_of(256);
  std::vector<Hash> roots;
  for (std::uint64_t n = 0; n <= 256; ++n) roots.push_back(*tree_root(n, tree.reader()));
  std::uint64_t checked = 0;
  Tally tally;
  for (std::uint64_t size = 1; size <= 256; ++size) {
    for (std::uint64_t index = 0; index < size; ++index) {
      tally.at(index, size);
      const Hash leaf = tree.stored[stored_index(0, index)];
      std::vector<Hash> path = *inclusion_proof(index, size, tree.reader());
      tally.expect(verify_inclusion(index, size, leaf, path, roots[size]));
      // Every flipped hash fails.
      for (Hash& element : path) {
        element[index % 32] ^= 0x40;
        tally.expect_not(verify_inclusion(index, size, leaf, path, roots[size]));
        element[index % 32] ^= 0x40;
      }
      // A wrong leaf, a wrong index, a wrong tree size with its own root, a truncated or an
      // extended list all fail.
      Hash other_leaf = leaf;
      other_leaf[0] ^= 1;
      tally.expect_not(verify_inclusion(index, size, other_leaf, path, roots[size]));
      if (size > 1) {
        tally.expect_not(verify_inclusion((index + 1) % size, size, leaf, path, roots[size]));
        tally.expect_not(verify_inclusion(index, size - 1 > index ? size - 1 : size + 1, leaf, path,
                                          roots[size - 1 > index ? size - 1 : size]));
      }
      tally.expect_not(verify_inclusion(index, size, leaf, path, roots[size - 1]));
      if (!path.empty()) {
        tally.expect_not(verify_inclusion(index, size, leaf, std::span(path).first(path.size() - 1),
                                          roots[size]));
      }
      path.push_back(roots[size]);
      tally.expect_not(verify_inclusion(index, size, leaf, path, roots[size]));
      ++checked;
    }
  }
  INFO("first failure at " << tally.first_failure);
  CHECK(tally.failures == 0);
  CHECK(checked == 256 * 257 / 2);
  CHECK(inclusion_proof(5, 5, tree.reader()).status().code() == Code::out_of_range);
  CHECK_FALSE(verify_inclusion(5, 5, roots[1], {}, roots[5]));
}

TEST_CASE("every consistency proof up to 256 leaves verifies, and corrupted ones fail",
          "[merkle]") {
  const MemoryTree tree = tree_of(256);
  std::vector<Hash> roots;
  for (std::uint64_t n = 0; n <= 256; ++n) roots.push_back(*tree_root(n, tree.reader()));
  std::uint64_t checked = 0;
  Tally tally;
  for (std::uint64_t second = 0; second <= 256; ++second) {
    for (std::uint64_t first = 0; first <= second; ++first) {
      tally.at(first, second);
      std::vector<Hash> path = *consistency_proof(first, second, tree.reader());
      tally.expect(verify_consistency(first, second, roots[first], roots[second], path));
      ++checked;
      if (first == 0 || first == second) {
        REQUIRE(path.empty());
        continue;
      }
      for (Hash& element : path) {
        element[first % 32] ^= 0x08;
        tally.expect_not(verify_consistency(first, second, roots[first], roots[second], path));
        element[first % 32] ^= 0x08;
      }
      // A root that was never the log's, a wrong first size, a truncated or extended list.
      tally.expect_not(verify_consistency(first, second, roots[first - 1 == 0 ? second : first - 1],
                                          roots[second], path));
      tally.expect_not(verify_consistency(first, second, roots[first], roots[second - 1], path));
      tally.expect_not(verify_consistency(first, second, roots[first], roots[second],
                                          std::span(path).first(path.size() - 1)));
      path.push_back(roots[first]);
      tally.expect_not(verify_consistency(first, second, roots[first], roots[second], path));
    }
  }
  INFO("first failure at " << tally.first_failure);
  CHECK(tally.failures == 0);
  CHECK(checked == 257 * 258 / 2);
  CHECK(consistency_proof(9, 8, tree.reader()).status().code() == Code::out_of_range);
  CHECK_FALSE(verify_consistency(8, 6, roots[8], roots[6], {}));
  CHECK_FALSE(verify_consistency(8, 8, roots[8], roots[8], std::vector<Hash>{roots[8]}));
  CHECK_FALSE(verify_consistency(0, 8, roots[0], roots[8], std::vector<Hash>{roots[8]}));
}
