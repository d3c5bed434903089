#include <cstring>

#include "ledger/lmdb_store.h"

namespace innoclear::ledger {

using detail::encode_u64;
using detail::from_val;
using detail::lmdb_status;
using detail::to_val;

ReadView::ReadView(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReadView::ReadView(ReadView&&) noexcept = default;
ReadView& ReadView::operator=(ReadView&&) noexcept = default;
ReadView::~ReadView() = default;

std::uint64_t ReadView::size() const { return impl_->size; }

Result<std::string> ReadView::entry(std::uint64_t index) const {
  if (index >= impl_->size) {
    return {Code::out_of_range, "entry " + std::to_string(index) + " is beyond the ledger size " +
                                    std::to_string(impl_->size)};
  }
  Result<detail::EntryRow> row = detail::read_row(impl_->txn, impl_->databases->entries, index);
  if (!row.ok()) return row.status();
  return std::string(row->entry);
}

Result<Hash> ReadView::root(std::uint64_t tree_size) const {
  if (tree_size > impl_->size) return {Code::out_of_range, "tree size beyond the ledger size"};
  return tree_root(tree_size, detail::tree_reader(impl_->txn, impl_->databases->entries));
}

Result<InclusionProof> ReadView::prove_inclusion(std::uint64_t index,
                                                 std::uint64_t tree_size) const {
  if (tree_size > impl_->size) return {Code::out_of_range, "tree size beyond the ledger size"};
  const HashReader read = detail::tree_reader(impl_->txn, impl_->databases->entries);
  Result<std::vector<Hash>> path = inclusion_proof(index, tree_size, read);
  if (!path.ok()) return path.status();
  Result<Hash> leaf = read(0, index);
  if (!leaf.ok()) return leaf.status();
  return InclusionProof{index, tree_size, *leaf, std::move(*path)};
}

Result<ConsistencyProof> ReadView::prove_consistency(std::uint64_t from, std::uint64_t to) const {
  if (to > impl_->size) return {Code::out_of_range, "tree size beyond the ledger size"};
  Result<std::vector<Hash>> path =
      consistency_proof(from, to, detail::tree_reader(impl_->txn, impl_->databases->entries));
  if (!path.ok()) return path.status();
  return ConsistencyProof{from, to, std::move(*path)};
}

Result<std::string> ReadView::checkpoint(std::uint64_t tree_size) const {
  const detail::U64Key key = encode_u64(tree_size);
  MDB_val key_val = to_val({key.data(), key.size()});
  MDB_val value{};
  const int rc = mdb_get(impl_->txn, impl_->databases->checkpoints, &key_val, &value);
  if (rc != MDB_SUCCESS) return lmdb_status(rc, "checkpoint " + std::to_string(tree_size));
  return std::string(from_val(value));
}

Result<std::string> ReadView::latest_checkpoint() const {
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(impl_->txn, impl_->databases->checkpoints, &cursor);
  if (rc != MDB_SUCCESS) return lmdb_status(rc, "cursor");
  MDB_val key{};
  MDB_val value{};
  rc = mdb_cursor_get(cursor, &key, &value, MDB_LAST);
  mdb_cursor_close(cursor);
  if (rc == MDB_NOTFOUND) return {Code::not_found, "no checkpoint has been signed"};
  if (rc != MDB_SUCCESS) return lmdb_status(rc, "latest checkpoint");
  return std::string(from_val(value));
}

Status ReadView::for_each_entry(
    std::uint64_t from, const std::function<bool(std::uint64_t, std::string_view)>& visit) const {
  if (from >= impl_->size) return Status::success();
  const detail::U64Key start = encode_u64(from);
  std::uint64_t expected = from;
  bool gap = false;
  Status malformed;
  Status status =
      detail::scan_from(impl_->txn, impl_->databases->entries, {start.data(), start.size()}, {},
                        [&](std::string_view key, std::string_view value) {
                          const std::uint64_t index = detail::decode_u64(key);
                          if (index != expected++ || index >= impl_->size) {
                            gap = index != expected - 1;
                            return false;
                          }
                          Result<detail::EntryRow> row = detail::decode_row(index, value);
                          if (!row.ok()) {
                            malformed = row.status();
                            return false;
                          }
                          return visit(index, row->entry);
                        });
  if (status.ok() && gap) return {Code::storage_corrupt, "entries are not contiguous"};
  if (status.ok()) return malformed;
  return status;
}

Result<std::optional<std::string>> ReadView::get(Table table, std::string_view key) const {
  return detail::TxnState(impl_->txn, *impl_->databases).get(table, key);
}

Status ReadView::scan(Table table, std::string_view prefix, const RowVisitor& visit) const {
  return detail::TxnState(impl_->txn, *impl_->databases).scan(table, prefix, visit);
}

}  // namespace innoclear::ledger
