// One region's append-only ledger: canonical JSON entries in an LMDB environment, an RFC 9162
// Merkle tree over them, signed checkpoints, and derived-state tables written in the same
// transaction as the entries they derive from.
//
// Writes go through one writer thread that batches concurrently submitted jobs into one durable
// LMDB transaction (group commit). A job's `Done` callback runs only after that transaction is
// durable, or with the error that kept it from being so; nothing is acknowledged otherwise.
// Reads run on any thread against MVCC snapshots and never block the writer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "crypto/ed25519.h"
#include "ledger/merkle.h"

namespace innoclear::ledger {

// A derived-state table: its position in Options::tables.
using Table = std::uint32_t;

// Row visitor: return false to stop early.
using RowVisitor = std::function<bool(std::string_view key, std::string_view value)>;

constexpr std::size_t table_key_bytes_max = 511;  // LMDB's default key limit
constexpr std::size_t tables_max = 48;

// Read access to derived state. Implementations are not thread-safe.
class StateView {
 public:
  virtual ~StateView() = default;
  virtual Result<std::optional<std::string>> get(Table table, std::string_view key) const = 0;
  // Visits rows whose key starts with `prefix`, in key order.
  virtual Status scan(Table table, std::string_view prefix, const RowVisitor& visit) const = 0;
};

class StateWriter : public StateView {
 public:
  virtual Status put(Table table, std::string_view key, std::string_view value) = 0;
  virtual Status erase(Table table, std::string_view key) = 0;
};

// Derives state from one entry, inside the transaction that appends it. It must be a pure
// function of (state, index, entry): `verify` replays it over every entry and compares the
// result with the stored tables. An error aborts the whole transaction.
using Deriver =
    std::function<Status(StateWriter& state, std::uint64_t index, std::string_view entry)>;

// Work an audit replay hands off so that the replay need not wait for it: `verify` runs each
// deferred check on another thread while it replays the following entries, and fails with the
// failing check of the earliest entry. A check must be self-contained (it owns copies of what it
// reads; it never touches state): a signature over bytes with a key the replay looked up.
class DeferredChecks {
 public:
  virtual ~DeferredChecks() = default;
  // May block while many checks are waiting (bounded). Thread-compatible: the replay's thread.
  virtual void defer(std::function<Status()> check) = 0;
};

// The audit replay: a Deriver that may defer its state-free checks.
using AuditDeriver = std::function<Status(StateWriter& state, std::uint64_t index,
                                          std::string_view entry, DeferredChecks& later)>;

// An entry checked (canonical JSON) and leaf-hashed on the caller's thread, so that the writer
// thread, which serialises all appends, does only what must be serial. Immutable.
class PreparedEntry {
 public:
  const std::string& bytes() const { return bytes_; }
  const Hash& leaf() const { return leaf_; }

 private:
  friend Result<PreparedEntry> prepare_entry(std::string bytes);
  PreparedEntry(std::string bytes, const Hash& leaf) : bytes_(std::move(bytes)), leaf_(leaf) {}
  std::string bytes_;
  Hash leaf_;
};

// Fails with a json_* code if `bytes` are not canonical JSON.
Result<PreparedEntry> prepare_entry(std::string bytes);

// What a job sees inside the write transaction: state as left by the jobs before it in the same
// transaction, and the right to append entries. Valid only during the job's call.
class Batch : public StateView {
 public:
  // Ledger size including entries appended earlier in this transaction.
  virtual std::uint64_t size() const = 0;
  // Appends one entry, runs the deriver on it, and returns its index. Fails with a json_* code
  // if the entry is not canonical JSON (nothing appended; the job may go on), or with
  // storage_full/io_error, which fails the whole transaction.
  virtual Result<std::uint64_t> append(std::string_view entry) = 0;
  // The same for an entry prepared off the writer thread; it cannot fail a canonical check.
  virtual Result<std::uint64_t> append(const PreparedEntry& entry) = 0;
};

// A job decides from state, then appends. A job that returns an error must not have appended
// (asserted): a rejected request leaves no trace. Runs on the writer thread; keep it short.
using Job = std::function<Status(Batch& batch)>;
// Called once per job on the writer thread: ok after the transaction is durable, else why not.
using Done = std::function<void(const Status& status)>;

struct Options {
  std::filesystem::path directory;  // holds data.mdb, lock.mdb and writer.lock
  std::string origin;               // checkpoint origin and key name, e.g. "innoclear.BJ"
  std::size_t map_bytes = std::size_t{8} << 30;
  std::vector<std::string> tables;  // derived-state tables; Table = position here
  Deriver derive;                   // optional
  // What `verify` replays; defaults to `derive`. A node's audit deriver also re-checks each
  // statement's signature, which live appends already checked before they reached the writer,
  // deferring the signature checks to other threads.
  AuditDeriver derive_for_audit;
  const crypto::KeyPair* checkpoint_key = nullptr;  // not owned; required to sign checkpoints
  bool read_only = false;                           // auditors: no writer, no lock, refuses writes
  std::size_t batch_entries_max = 1000;             // entries per durable transaction
  std::size_t queue_jobs_max = 1 << 16;  // submit() waits while this many jobs are queued
  // Flags that trade durability for speed. Open refuses them: an acknowledged entry must
  // survive a crash. They exist so that the refusal is explicit and tested.
  bool unsafe_no_sync = false;
  bool unsafe_write_map = false;
};

struct InclusionProof {
  std::uint64_t index = 0;
  std::uint64_t tree_size = 0;
  Hash leaf_hash{};
  std::vector<Hash> hashes;
};

struct ConsistencyProof {
  std::uint64_t from = 0;
  std::uint64_t to = 0;
  std::vector<Hash> hashes;
};

// A consistent snapshot of the ledger. Move-only; not thread-safe; release it promptly (an old
// snapshot keeps LMDB from reusing pages).
class ReadView : public StateView {
 public:
  ReadView(ReadView&&) noexcept;
  ReadView& operator=(ReadView&&) noexcept;
  ~ReadView() override;

  std::uint64_t size() const;
  Result<std::string> entry(std::uint64_t index) const;
  Result<Hash> root(std::uint64_t size) const;
  Result<InclusionProof> prove_inclusion(std::uint64_t index, std::uint64_t size) const;
  Result<ConsistencyProof> prove_consistency(std::uint64_t from, std::uint64_t to) const;
  // The checkpoint recorded for exactly `size`, or not_found.
  Result<std::string> checkpoint(std::uint64_t size) const;
  // The checkpoint with the largest size, or not_found if none was ever signed.
  Result<std::string> latest_checkpoint() const;
  // Visits entries from index `from` in order until `visit` returns false.
  Status for_each_entry(std::uint64_t from,
                        const std::function<bool(std::uint64_t, std::string_view)>& visit) const;

  Result<std::optional<std::string>> get(Table table, std::string_view key) const override;
  Status scan(Table table, std::string_view prefix, const RowVisitor& visit) const override;

  struct Impl;

 private:
  friend class Ledger;
  explicit ReadView(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct VerifyReport {
  std::uint64_t entries = 0;
  std::uint64_t tree_hashes = 0;
  std::uint64_t checkpoints = 0;
  std::uint64_t state_rows = 0;
};

struct WriterStats {
  std::uint64_t commits = 0;
  std::uint64_t entries = 0;
  std::uint64_t jobs = 0;
  std::uint64_t failed_commits = 0;
  std::uint64_t apply_ns = 0;   // writer time running jobs inside transactions
  std::uint64_t commit_ns = 0;  // writer time in durable commits (fsync)
  // Commits by number of jobs: ≤1, ≤2, ≤4, … ≤2^15, more.
  std::vector<std::uint64_t> batch_jobs_histogram;
};

class Ledger {
 public:
  // Opens (creating if needed) the ledger. Fails with unsafe_storage if a durability-trading
  // option is set, io_error if the directory is unusable or another process holds the writer
  // lock, storage_corrupt if the stored tree does not match the entries' count.
  static Result<std::unique_ptr<Ledger>> open(Options options);
  // Finishes every queued job, then closes.
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Queues a job; waits while the queue is full. After shutdown began, `done` gets
  // shutting_down at once. Thread-safe.
  void submit(Job job, Done done);
  // Submits and waits for durability. Thread-safe.
  Status run(Job job);
  // Appends one entry durably and returns its index. Thread-safe.
  Result<std::uint64_t> append(std::string entry);

  // Entries known durable.
  std::uint64_t size() const;
  const Options& options() const { return options_; }
  Result<ReadView> view() const;

  // Signs a checkpoint for the current durable size and records it (one per size: signing again
  // at the same size returns the recorded one). Fails with invalid_argument without a key.
  Result<std::string> sign_checkpoint();

  // Checks every entry (canonical JSON), every stored tree hash, every recorded checkpoint
  // (signature by `key`, origin, size, root) and every derived-state row against a replay of
  // the deriver. Fails with verify_failed naming the first disagreement.
  Result<VerifyReport> verify(const crypto::PublicKey& key) const;

  WriterStats writer_stats() const;

  struct Impl;

 private:
  explicit Ledger(Options options);
  Status start();
  void writer_loop();
  // Runs `count` queued jobs from `first` in one transaction and reports each.
  void commit_batch(void* first, std::size_t count);
  Options options_;
  std::unique_ptr<Impl> impl_;
};

// The tree size written in the C2SP tlog-checkpoint body of a signed checkpoint note.
struct CheckpointBody {
  std::string origin;
  std::uint64_t size = 0;
  Hash root{};
};
std::string format_checkpoint_body(const CheckpointBody& body);
// Parses the note text (not the signatures). Fails with bad_note.
Result<CheckpointBody> parse_checkpoint_body(std::string_view text);

}  // namespace innoclear::ledger
