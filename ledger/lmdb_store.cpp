#include "ledger/lmdb_store.h"

#include <bit>
#include <cstring>

namespace innoclear::ledger::detail {

Status lmdb_status(int rc, std::string_view what) {
  if (rc == MDB_SUCCESS) return Status::success();
  std::string message = std::string(what) + ": " + mdb_strerror(rc);
  switch (rc) {
    case MDB_MAP_FULL:
    case ENOSPC:
      return {Code::storage_full, message};
    case MDB_NOTFOUND:
      return {Code::not_found, message};
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
      return {Code::storage_corrupt, message};
    default:
      return {Code::io_error, message};
  }
}

U64Key encode_u64(std::uint64_t value) {
  U64Key key{};
  for (int i = 7; i >= 0; --i) {
    key[static_cast<std::size_t>(i)] = static_cast<char>(value & 0xFF);
    value >>= 8;
  }
  return key;
}

std::uint64_t decode_u64(std::string_view key) {
  assert(key.size() == 8);
  std::uint64_t value = 0;
  for (char byte : key) value = (value << 8) | static_cast<std::uint8_t>(byte);
  return value;
}

bool is_stored_level(int level) { return level == 0 || level >= tree_stored_level_min; }

std::size_t row_hash_count(std::uint64_t index) {
  const int closed = std::countr_one(index);  // highest level this leaf completes
  return 1 + (closed >= tree_stored_level_min
                  ? static_cast<std::size_t>(closed - tree_stored_level_min + 1)
                  : 0);
}

namespace {
// Position of a stored level's hash within its row.
std::size_t row_position(int level) {
  return level == 0 ? 0 : static_cast<std::size_t>(level - tree_stored_level_min + 1);
}
}  // namespace

Result<EntryRow> decode_row(std::uint64_t index, std::string_view row) {
  const std::size_t count = row_hash_count(index);
  const std::size_t hash_bytes = count * sizeof(Hash);
  if (row.empty() || static_cast<std::uint8_t>(row[0]) != count || row.size() < 1 + hash_bytes) {
    return {Code::storage_corrupt, "row of entry " + std::to_string(index) + " is malformed"};
  }
  return EntryRow{row.substr(1, hash_bytes), row.substr(1 + hash_bytes)};
}

Result<EntryRow> read_row(MDB_txn* txn, MDB_dbi entries, std::uint64_t index) {
  const U64Key key = encode_u64(index);
  MDB_val key_val = to_val({key.data(), key.size()});
  MDB_val value{};
  const int rc = mdb_get(txn, entries, &key_val, &value);
  if (rc == MDB_NOTFOUND) {
    return {Code::storage_corrupt, "entry " + std::to_string(index) + " is missing"};
  }
  if (rc != MDB_SUCCESS) return lmdb_status(rc, "entry " + std::to_string(index));
  return decode_row(index, from_val(value));
}

Result<Hash> read_tree_hash(MDB_txn* txn, MDB_dbi entries, int level, std::uint64_t index) {
  if (!is_stored_level(level)) {
    // Recompute a small subtree from its stored leaf hashes.
    const std::uint64_t width = std::uint64_t{1} << level;
    Hash hashes[1 << (tree_stored_level_min - 1)];
    for (std::uint64_t i = 0; i < width; ++i) {
      Result<Hash> leaf = read_tree_hash(txn, entries, 0, (index << level) + i);
      if (!leaf.ok()) return leaf.status();
      hashes[i] = *leaf;
    }
    for (std::uint64_t count = width; count > 1; count /= 2) {
      for (std::uint64_t i = 0; i < count / 2; ++i) {
        hashes[i] = node_hash(hashes[2 * i], hashes[2 * i + 1]);
      }
    }
    return hashes[0];
  }
  const std::uint64_t last_leaf = ((index + 1) << level) - 1;
  Result<EntryRow> row = read_row(txn, entries, last_leaf);
  if (!row.ok()) return row.status();
  const std::size_t offset = row_position(level) * sizeof(Hash);
  if (offset >= row->hashes.size()) return {Code::storage_corrupt, "tree hash missing from row"};
  Hash hash{};
  std::memcpy(hash.data(), row->hashes.data() + offset, hash.size());
  return hash;
}

HashReader tree_reader(MDB_txn* txn, MDB_dbi entries) {
  return [txn, entries](int level, std::uint64_t index) {
    return read_tree_hash(txn, entries, level, index);
  };
}

Result<std::uint64_t> row_count(MDB_txn* txn, MDB_dbi dbi) {
  MDB_stat stat{};
  const int rc = mdb_stat(txn, dbi, &stat);
  if (rc != MDB_SUCCESS) return lmdb_status(rc, "stat");
  return std::uint64_t{stat.ms_entries};
}

Status scan_from(MDB_txn* txn, MDB_dbi dbi, std::string_view start, std::string_view prefix,
                 const RowVisitor& visit) {
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn, dbi, &cursor);
  if (rc != MDB_SUCCESS) return lmdb_status(rc, "cursor");
  MDB_val key = to_val(start);
  MDB_val value{};
  rc = mdb_cursor_get(cursor, &key, &value, start.empty() ? MDB_FIRST : MDB_SET_RANGE);
  while (rc == MDB_SUCCESS) {
    const std::string_view row_key = from_val(key);
    if (row_key.substr(0, prefix.size()) != prefix) break;
    if (!visit(row_key, from_val(value))) break;
    rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT);
  }
  mdb_cursor_close(cursor);
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) return lmdb_status(rc, "scan");
  return Status::success();
}

Status scan_rows(MDB_txn* txn, MDB_dbi dbi, std::string_view prefix, const RowVisitor& visit) {
  return scan_from(txn, dbi, prefix, prefix, visit);
}

Result<MDB_dbi> TxnState::dbi(Table table) const {
  if (table >= databases_.tables.size()) return {Code::invalid_argument, "no such table"};
  return databases_.tables[table];
}

Result<std::optional<std::string>> TxnState::get(Table table, std::string_view key) const {
  Result<MDB_dbi> handle = dbi(table);
  if (!handle.ok()) return handle.status();
  MDB_val key_val = to_val(key);
  MDB_val value{};
  const int rc = mdb_get(txn_, *handle, &key_val, &value);
  if (rc == MDB_NOTFOUND) return std::optional<std::string>();
  if (rc != MDB_SUCCESS) return lmdb_status(rc, "state get");
  return std::optional<std::string>(std::string(from_val(value)));
}

Status TxnState::scan(Table table, std::string_view prefix, const RowVisitor& visit) const {
  Result<MDB_dbi> handle = dbi(table);
  if (!handle.ok()) return handle.status();
  return scan_rows(txn_, *handle, prefix, visit);
}

Status TxnState::put(Table table, std::string_view key, std::string_view value) {
  Result<MDB_dbi> handle = dbi(table);
  if (!handle.ok()) return handle.status();
  if (key.empty() || key.size() > table_key_bytes_max) {
    return {Code::invalid_argument, "state key length out of range"};
  }
  MDB_val key_val = to_val(key);
  MDB_val value_val = to_val(value);
  return lmdb_status(mdb_put(txn_, *handle, &key_val, &value_val, 0), "state put");
}

Status TxnState::erase(Table table, std::string_view key) {
  Result<MDB_dbi> handle = dbi(table);
  if (!handle.ok()) return handle.status();
  MDB_val key_val = to_val(key);
  const int rc = mdb_del(txn_, *handle, &key_val, nullptr);
  if (rc == MDB_NOTFOUND) return Status::success();
  return lmdb_status(rc, "state erase");
}

}  // namespace innoclear::ledger::detail
