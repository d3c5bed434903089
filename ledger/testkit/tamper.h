// Fault drills: edit a ledger's stored bytes behind its back, as a disk fault or an attacker
// with file access would. For tests and the documented tamper drill only; never used by a node.
// Takes the writer lock, so it refuses a ledger that a node has open.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/status.h"

namespace innoclear::ledger {

// The key under which a numbered row is stored in "entries" (by index) and "checkpoints" (by
// tree size).
std::string numbered_key(std::uint64_t number);

// XORs byte `offset` of entry `index` (the entry's own bytes) with `mask`.
Status tamper_entry_byte(const std::filesystem::path& directory, std::uint64_t index,
                         std::size_t offset, std::uint8_t mask = 0x01);

// XORs one byte of the stored tree hash of the complete subtree (level, index). Fails with
// invalid_argument for a level that is not stored (1 to 3: recomputed from leaf hashes).
Status tamper_tree_hash(const std::filesystem::path& directory, int level, std::uint64_t index);

// XORs one byte of the value stored under `key` in `database` ("entries", "checkpoints",
// "state.<table>") with `mask`. Fails with not_found if there is no such row or the value is
// shorter than offset + 1.
Status tamper_flip_byte(const std::filesystem::path& directory, std::string_view database,
                        std::string_view key, std::size_t offset, std::uint8_t mask = 0x01);

// Replaces or inserts a row.
Status tamper_put(const std::filesystem::path& directory, std::string_view database,
                  std::string_view key, std::string_view value);

// Deletes a row.
Status tamper_erase(const std::filesystem::path& directory, std::string_view database,
                    std::string_view key);

}  // namespace innoclear::ledger
