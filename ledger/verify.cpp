// Ledger::verify: recompute everything that can be recomputed and compare it with what is stored.
#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "crypto/canonical_json.h"
#include "crypto/signed_note.h"
#include "ledger/lmdb_store.h"

namespace innoclear::ledger {

namespace {

using detail::from_val;

Status disagreement(std::string message) { return {Code::verify_failed, std::move(message)}; }

// Derived state rebuilt in memory from the entries alone.
class ReplayedState final : public StateWriter {
 public:
  explicit ReplayedState(std::size_t tables) : tables_(tables) {}

  Result<std::optional<std::string>> get(Table table, std::string_view key) const override {
    if (table >= tables_.size()) return {Code::invalid_argument, "no such table"};
    const auto found = tables_[table].find(std::string(key));
    if (found == tables_[table].end()) return std::optional<std::string>();
    return std::optional<std::string>(found->second);
  }
  Status scan(Table table, std::string_view prefix, const RowVisitor& visit) const override {
    if (table >= tables_.size()) return {Code::invalid_argument, "no such table"};
    for (auto it = tables_[table].lower_bound(std::string(prefix)); it != tables_[table].end();
         ++it) {
      if (std::string_view(it->first).substr(0, prefix.size()) != prefix) break;
      if (!visit(it->first, it->second)) break;
    }
    return Status::success();
  }
  Status put(Table table, std::string_view key, std::string_view value) override {
    if (table >= tables_.size()) return {Code::invalid_argument, "no such table"};
    if (key.empty() || key.size() > table_key_bytes_max) {
      return {Code::invalid_argument, "state key length out of range"};
    }
    tables_[table][std::string(key)] = std::string(value);
    return Status::success();
  }
  Status erase(Table table, std::string_view key) override {
    if (table >= tables_.size()) return {Code::invalid_argument, "no such table"};
    tables_[table].erase(std::string(key));
    return Status::success();
  }
  const std::map<std::string, std::string>& rows(Table table) const { return tables_[table]; }

 private:
  std::vector<std::map<std::string, std::string>> tables_;
};

// Deferred checks waiting for a worker before defer() blocks the replay: bounds the memory the
// checks' copies hold, and lets the replay run that far ahead.
constexpr std::size_t deferred_checks_max = 4096;
constexpr unsigned check_workers_max = 8;

// Runs the replay's deferred checks on worker threads (all cores but the replay's) and remembers
// the earliest entry whose check failed.
class CheckPool final : public DeferredChecks {
 public:
  CheckPool() {
    const unsigned cores = std::max(2u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < std::min(cores - 1, check_workers_max); ++i) {
      workers_.emplace_back([this] { work(); });
    }
  }
  ~CheckPool() override { (void)finish(); }

  void at_entry(std::uint64_t index) { index_ = index; }

  void defer(std::function<Status()> check) override {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return queue_.size() < deferred_checks_max; });
    queue_.emplace_back(index_, std::move(check));
    waiting_.notify_one();
  }

  // Waits for every check and stops the workers; the earliest failure, if any.
  std::optional<std::pair<std::uint64_t, Status>> finish() {
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
      waiting_.notify_all();
    }
    for (auto& worker : workers_) worker.join();
    workers_.clear();
    return failure_;
  }

 private:
  void work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      waiting_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closing, and nothing left
      auto [index, check] = std::move(queue_.front());
      queue_.pop_front();
      room_.notify_one();
      lock.unlock();
      Status status = check();
      lock.lock();
      if (!status.ok() && (!failure_ || index < failure_->first))
        failure_.emplace(index, std::move(status));
    }
  }

  std::mutex mutex_;
  std::condition_variable waiting_;  // a check was queued, or closing
  std::condition_variable room_;     // a check was taken
  std::deque<std::pair<std::uint64_t, std::function<Status()>>> queue_;
  bool closing_ = false;
  std::optional<std::pair<std::uint64_t, Status>> failure_;
  std::uint64_t index_ = 0;  // the entry being replayed (replay thread only)
  std::vector<std::thread> workers_;
};

// Compares the hashes stored in entry `index`'s row with those the frontier recomputes.
Status check_row_hashes(std::uint64_t index, std::string_view stored, std::string_view entry,
                        Frontier& frontier) {
  Status mismatch;
  std::size_t offset = 0;
  frontier.append(leaf_hash(entry), [&](int level, std::uint64_t at, const Hash& hash) {
    if (!detail::is_stored_level(level)) return;  // not stored: nothing to compare
    const std::string_view expected(reinterpret_cast<const char*>(hash.data()), hash.size());
    if (mismatch.ok() && stored.substr(offset, hash.size()) != expected) {
      mismatch = disagreement(
          level == 0
              ? "entry " + std::to_string(index) +
                    ": its bytes do not match the leaf hash recorded when it was appended"
              : "entry " + std::to_string(index) + ": tree hash (level " + std::to_string(level) +
                    ", index " + std::to_string(at) + ") does not match its recomputed value");
    }
    offset += hash.size();
  });
  return mismatch;
}

Status verify_checkpoint(const ReadView& view, const Options& options,
                         const crypto::NoteVerifier& verifier, std::uint64_t tree_size,
                         std::string_view note) {
  const std::string where = "checkpoint at size " + std::to_string(tree_size);
  const crypto::NoteVerifier known[] = {verifier};
  Result<crypto::OpenedNote> opened = crypto::open_note(note, known);
  if (!opened.ok()) return disagreement(where + ": " + opened.status().to_string());
  Result<CheckpointBody> body = parse_checkpoint_body(opened->text);
  if (!body.ok()) return disagreement(where + ": " + body.status().to_string());
  if (body->origin != options.origin) return disagreement(where + ": wrong origin " + body->origin);
  if (body->size != tree_size) return disagreement(where + ": recorded under the wrong size");
  if (tree_size > view.size()) return disagreement(where + ": beyond the ledger size");
  Result<Hash> root = view.root(tree_size);
  if (!root.ok()) return disagreement(where + ": " + root.status().to_string());
  if (*root != body->root) return disagreement(where + ": root does not match the tree");
  return Status::success();
}

Status compare_table(const ReadView& view, const std::string& name, Table table,
                     const ReplayedState& replayed, std::uint64_t& rows) {
  const auto& expected = replayed.rows(table);
  auto next = expected.begin();
  Status mismatch;
  Status status = view.scan(table, {}, [&](std::string_view key, std::string_view value) {
    rows++;
    if (next == expected.end() || next->first > key) {
      mismatch = disagreement("state " + name + ": stored row '" + std::string(key) +
                              "' does not follow from the entries");
      return false;
    }
    if (next->first < key) {
      mismatch = disagreement("state " + name + ": row '" + next->first + "' is missing");
      return false;
    }
    if (next->second != value) {
      mismatch = disagreement("state " + name + ": row '" + next->first + "' differs");
      return false;
    }
    ++next;
    return true;
  });
  if (!status.ok()) return status;
  if (!mismatch.ok()) return mismatch;
  if (next != expected.end()) {
    return disagreement("state " + name + ": row '" + next->first + "' is missing");
  }
  return Status::success();
}

}  // namespace

Result<VerifyReport> Ledger::verify(const crypto::PublicKey& key) const {
  Result<ReadView> snapshot = view();
  if (!snapshot.ok()) return snapshot.status();
  const ReadView& view = *snapshot;
  MDB_txn* txn = view.impl_->txn;
  VerifyReport report;
  Frontier frontier;
  ReplayedState replayed(options_.tables.size());
  CheckPool later;
  Status failure;
  std::uint64_t failed_at = UINT64_MAX;  // the entry `failure` is about
  std::uint64_t expected_index = 0;
  Status status = detail::scan_rows(
      txn, impl_->databases.entries, {}, [&](std::string_view row_key, std::string_view bytes) {
        const std::uint64_t index = detail::decode_u64(row_key);
        const std::string where = "entry " + std::to_string(index);
        Result<detail::EntryRow> row = detail::decode_row(index, bytes);
        if (index != expected_index++) {
          failure = disagreement("entry " + std::to_string(index - 1) + " is missing");
        } else if (!row.ok()) {
          failure = disagreement(row.status().message());
        } else if (Status canonical = crypto::check_canonical(row->entry); !canonical.ok()) {
          failure = disagreement(where + " is not canonical JSON: " + canonical.to_string());
        } else {
          failure = check_row_hashes(index, row->hashes, row->entry, frontier);
        }
        if (failure.ok()) {
          later.at_entry(index);
          Status derived = options_.derive_for_audit
                               ? options_.derive_for_audit(replayed, index, row->entry, later)
                           : options_.derive ? options_.derive(replayed, index, row->entry)
                                             : Status::success();
          if (!derived.ok())
            failure = disagreement(where + ": replaying its state: " + derived.to_string());
        }
        if (!failure.ok()) failed_at = index;
        report.entries++;
        report.tree_hashes += detail::row_hash_count(index);
        return failure.ok();
      });
  // A deferred check of an earlier entry explains the first disagreement better than anything
  // found after it.
  if (auto deferred = later.finish(); deferred && deferred->first <= failed_at) {
    return disagreement("entry " + std::to_string(deferred->first) +
                        ": replaying its state: " + deferred->second.to_string());
  }
  if (!status.ok()) return status;
  if (!failure.ok()) return failure;
  if (report.entries != view.size()) return disagreement("entries are not contiguous");

  const crypto::NoteVerifier verifier = crypto::make_note_verifier(options_.origin, key);
  status = detail::scan_rows(
      txn, impl_->databases.checkpoints, {}, [&](std::string_view size_key, std::string_view note) {
        failure = verify_checkpoint(view, options_, verifier, detail::decode_u64(size_key), note);
        report.checkpoints++;
        return failure.ok();
      });
  if (!status.ok()) return status;
  if (!failure.ok()) return failure;

  for (Table table = 0; table < options_.tables.size(); ++table) {
    failure = compare_table(view, options_.tables[table], table, replayed, report.state_rows);
    if (!failure.ok()) return failure;
  }
  return report;
}

}  // namespace innoclear::ledger
