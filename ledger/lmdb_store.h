// Internal to ledger/: LMDB handles, error conversion at the wall, and key encodings.
#pragma once

#include <lmdb.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ledger/ledger.h"

namespace innoclear::ledger::detail {

// MDB_* codes become Status values here and nowhere else.
Status lmdb_status(int rc, std::string_view what);

inline MDB_val to_val(std::string_view bytes) {
  return {bytes.size(), const_cast<char*>(bytes.data())};
}
inline std::string_view from_val(const MDB_val& val) {
  return {static_cast<const char*>(val.mv_data), val.mv_size};
}

// Big-endian so that LMDB's byte order is numeric order and appends can use MDB_APPEND.
using U64Key = std::array<char, 8>;
U64Key encode_u64(std::uint64_t value);
std::uint64_t decode_u64(std::string_view key);

// An entries row keeps the entry together with the tree hashes its append created, so that one
// append is one LMDB put (docs/formats.md, "Ledger rows"):
//   [h: 1 byte][h × 32-byte hashes][entry]
// The hashes are the leaf's own (level 0), then those of the subtrees it completes (levels
// 1 … countr_one(m)) of level ≥ tree_stored_level_min, in level order. A subtree of levels 1 … 3
// is recomputed from at most 8 stored leaf hashes when read. That stores about 34 bytes of tree
// per entry instead of 64, every root and proof still reads O(log n) rows, and a changed entry
// is named exactly by its own leaf hash.
struct EntryRow {
  std::string_view hashes;  // h × 32 bytes
  std::string_view entry;
};
constexpr int tree_stored_level_min = 4;  // above the leaves
bool is_stored_level(int level);
std::size_t row_hash_count(std::uint64_t index);
// Fails with storage_corrupt on a row that does not have the shape its index demands.
Result<EntryRow> decode_row(std::uint64_t index, std::string_view row);

struct Databases {
  MDB_dbi entries = 0;      // index → entries row
  MDB_dbi checkpoints = 0;  // tree size → signed checkpoint note
  MDB_dbi meta = 0;         // "origin" → origin
  std::vector<MDB_dbi> tables;
};

// Stored tree hash (level, index) as read inside `txn`: it lives in the row of the last leaf it
// covers.
Result<Hash> read_tree_hash(MDB_txn* txn, MDB_dbi entries, int level, std::uint64_t index);
HashReader tree_reader(MDB_txn* txn, MDB_dbi entries);
// The entries row of `index`.
Result<EntryRow> read_row(MDB_txn* txn, MDB_dbi entries, std::uint64_t index);
// Number of rows in a database.
Result<std::uint64_t> row_count(MDB_txn* txn, MDB_dbi dbi);

// Derived state read and written inside one LMDB transaction.
class TxnState final : public StateWriter {
 public:
  TxnState(MDB_txn* txn, const Databases& databases) : txn_(txn), databases_(databases) {}
  Result<std::optional<std::string>> get(Table table, std::string_view key) const override;
  Status scan(Table table, std::string_view prefix, const RowVisitor& visit) const override;
  Status put(Table table, std::string_view key, std::string_view value) override;
  Status erase(Table table, std::string_view key) override;

 private:
  Result<MDB_dbi> dbi(Table table) const;
  MDB_txn* txn_;
  const Databases& databases_;
};

// Visits rows with key >= `start` in key order while they start with `prefix`.
Status scan_from(MDB_txn* txn, MDB_dbi dbi, std::string_view start, std::string_view prefix,
                 const RowVisitor& visit);
// Scans rows of `dbi` whose key starts with `prefix`.
Status scan_rows(MDB_txn* txn, MDB_dbi dbi, std::string_view prefix, const RowVisitor& visit);

struct QueuedJob {
  Job job;
  Done done;
};

}  // namespace innoclear::ledger::detail

namespace innoclear::ledger {

struct Ledger::Impl {
  MDB_env* env = nullptr;
  detail::Databases databases;
  int lock_fd = -1;

  // Writer state. `frontier` and the LMDB write transaction belong to the writer thread.
  std::thread writer;
  std::mutex mutex;
  std::condition_variable work_available;   // the writer waits on it
  std::condition_variable space_available;  // submitters wait on it while the queue is full
  // Double-buffered: the writer swaps the whole queue out, so neither side allocates per job
  // once both vectors have grown (a deque's block churn across threads made glibc trim and
  // regrow heaps, an mprotect every few jobs).
  std::vector<detail::QueuedJob> queue;  // guarded by mutex
  std::size_t submitters_waiting = 0;    // guarded by mutex
  bool stopping = false;                 // guarded by mutex
  Frontier frontier;
  std::atomic<std::uint64_t> durable_size{0};

  std::atomic<std::uint64_t> commits{0}, committed_entries{0}, committed_jobs{0}, failed_commits{0},
      apply_ns{0}, commit_ns{0};
  std::array<std::atomic<std::uint64_t>, 17> batch_histogram{};
};

struct ReadView::Impl {
  MDB_txn* txn = nullptr;
  const detail::Databases* databases = nullptr;
  std::uint64_t size = 0;
  ~Impl() {
    if (txn != nullptr) mdb_txn_abort(txn);
  }
};

}  // namespace innoclear::ledger
