#include "ledger/lmdb_store.h"

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

Result<Hash> read_tree_hash(MDB_txn* txn, MDB_dbi tree, int level, std::uint64_t index) {
  const U64Key key = encode_u64(stored_index(level, index));
  MDB_val key_val = to_val({key.data(), key.size()});
  MDB_val value{};
  const int rc = mdb_get(txn, tree, &key_val, &value);
  if (rc != MDB_SUCCESS) return lmdb_status(rc, "tree hash");
  if (value.mv_size != sizeof(Hash)) return {Code::storage_corrupt, "tree hash has wrong length"};
  Hash hash{};
  std::memcpy(hash.data(), value.mv_data, hash.size());
  return hash;
}

HashReader tree_reader(MDB_txn* txn, MDB_dbi tree) {
  return [txn, tree](int level, std::uint64_t index) {
    return read_tree_hash(txn, tree, level, index);
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
