#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <future>
#include <span>

#include "crypto/canonical_json.h"
#include "crypto/signed_note.h"
#include "ledger/lmdb_store.h"

namespace innoclear::ledger {

using detail::encode_u64;
using detail::lmdb_status;
using detail::to_val;

namespace {

constexpr unsigned lmdb_readers_max = 512;
constexpr std::string_view meta_origin_key = "origin";

// The writer's view of one write transaction.
class WriteBatch final : public Batch {
 public:
  WriteBatch(Ledger::Impl& impl, const Options& options, MDB_txn* txn)
      : impl_(impl), options_(options), txn_(txn), state_(txn, impl.databases) {}

  std::uint64_t size() const override { return impl_.frontier.size(); }
  const Status& failure() const { return failure_; }
  std::uint64_t appended() const { return appended_; }
  // Fails the whole transaction: something may be half-written in it.
  void fail(Status why) {
    if (failure_.ok()) failure_ = std::move(why);
  }

  Result<std::uint64_t> append(std::string_view entry) override {
    if (!failure_.ok()) return failure_;
    Status canonical = crypto::check_canonical(entry);
    if (!canonical.ok()) return canonical;
    return append_checked(entry, leaf_hash(entry));
  }

  Result<std::uint64_t> append(const PreparedEntry& entry) override {
    if (!failure_.ok()) return failure_;
    return append_checked(entry.bytes(), entry.leaf());
  }

  Result<std::optional<std::string>> get(Table table, std::string_view key) const override {
    return state_.get(table, key);
  }
  Status scan(Table table, std::string_view prefix, const RowVisitor& visit) const override {
    return state_.scan(table, prefix, visit);
  }

  // Records a checkpoint row unless one exists for that size; returns the recorded note.
  Result<std::string> record_checkpoint(std::uint64_t tree_size, const std::string& note) {
    const detail::U64Key key = encode_u64(tree_size);
    MDB_val key_val = to_val({key.data(), key.size()});
    MDB_val value = to_val(note);
    const int rc = mdb_put(txn_, impl_.databases.checkpoints, &key_val, &value, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST) return std::string(detail::from_val(value));
    if (rc != MDB_SUCCESS) {
      failure_ = lmdb_status(rc, "record checkpoint");
      return failure_;
    }
    return note;
  }

 private:
  // REQUIRES: `entry` is canonical JSON and `leaf` its leaf hash.
  Result<std::uint64_t> append_checked(std::string_view entry, const Hash& leaf) {
    const std::uint64_t index = impl_.frontier.size();
    // One row: the hashes this leaf creates, then the entry (see detail::EntryRow).
    row_.clear();
    row_.push_back(static_cast<char>(detail::row_hash_count(index)));
    impl_.frontier.append(leaf, [&](int level, std::uint64_t, const Hash& hash) {
      if (detail::is_stored_level(level)) {
        row_.append(reinterpret_cast<const char*>(hash.data()), hash.size());
      }
    });
    row_.append(entry);
    assert(row_.size() == 1 + detail::row_hash_count(index) * sizeof(Hash) + entry.size());
    const detail::U64Key key = encode_u64(index);
    if (!put(impl_.databases.entries, {key.data(), key.size()}, row_, "append entry")) {
      return failure_;
    }
    if (options_.derive) {
      Status derived = options_.derive(state_, index, entry);
      if (!derived.ok()) {
        failure_ = Status(derived.code(), "deriving state of entry " + std::to_string(index) +
                                              ": " + derived.message());
        return failure_;
      }
    }
    ++appended_;
    return index;
  }

  bool put(MDB_dbi dbi, std::string_view key, std::string_view value, std::string_view what) {
    if (!failure_.ok()) return false;
    MDB_val key_val = to_val(key);
    MDB_val value_val = to_val(value);
    const int rc = mdb_put(txn_, dbi, &key_val, &value_val, MDB_APPEND);
    if (rc != MDB_SUCCESS) failure_ = lmdb_status(rc, what);
    return rc == MDB_SUCCESS;
  }

  Ledger::Impl& impl_;
  const Options& options_;
  MDB_txn* txn_;
  detail::TxnState state_;
  Status failure_;
  std::uint64_t appended_ = 0;
  std::string row_;  // reused between appends
};

Status open_databases(MDB_env* env, const Options& options, detail::Databases& databases) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env, nullptr, options.read_only ? MDB_RDONLY : 0, &txn);
  if (rc != MDB_SUCCESS) return lmdb_status(rc, "begin");
  const unsigned create = options.read_only ? 0 : MDB_CREATE;
  auto open_one = [&](const std::string& name, MDB_dbi& dbi) {
    if (rc == MDB_SUCCESS) rc = mdb_dbi_open(txn, name.c_str(), create, &dbi);
  };
  open_one("entries", databases.entries);
  open_one("checkpoints", databases.checkpoints);
  open_one("meta", databases.meta);
  databases.tables.resize(options.tables.size());
  for (std::size_t i = 0; i < options.tables.size(); ++i) {
    open_one("state." + options.tables[i], databases.tables[i]);
  }
  if (rc != MDB_SUCCESS) {
    mdb_txn_abort(txn);
    return lmdb_status(rc, "open tables");
  }
  // The origin is fixed at creation: a ledger never changes whose it is.
  MDB_val key = to_val(meta_origin_key);
  MDB_val value{};
  rc = mdb_get(txn, databases.meta, &key, &value);
  if (rc == MDB_NOTFOUND && !options.read_only) {
    value = to_val(options.origin);
    rc = mdb_put(txn, databases.meta, &key, &value, 0);
  } else if (rc == MDB_SUCCESS && detail::from_val(value) != options.origin) {
    const std::string stored(detail::from_val(value));
    mdb_txn_abort(txn);
    return {Code::invalid_argument, "ledger belongs to " + stored + ", not " + options.origin};
  }
  if (rc != MDB_SUCCESS && !(rc == MDB_NOTFOUND && options.read_only)) {
    mdb_txn_abort(txn);
    return lmdb_status(rc, "origin");
  }
  // Committing keeps the handles open, read-only or not (an abort would close them).
  return lmdb_status(mdb_txn_commit(txn), "open commit");
}

// Loads the durable size and the tree's right edge; checks that the entries are contiguous.
Status load_tree(MDB_env* env, const detail::Databases& databases, Frontier& frontier,
                 std::uint64_t& size) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
  if (rc != MDB_SUCCESS) return lmdb_status(rc, "begin");
  Result<std::uint64_t> entries = detail::row_count(txn, databases.entries);
  Status status = entries.status();
  if (status.ok() && *entries > 0) {
    MDB_cursor* cursor = nullptr;
    MDB_val key{};
    MDB_val value{};
    rc = mdb_cursor_open(txn, databases.entries, &cursor);
    if (rc == MDB_SUCCESS) rc = mdb_cursor_get(cursor, &key, &value, MDB_LAST);
    if (cursor != nullptr) mdb_cursor_close(cursor);
    status = lmdb_status(rc, "last entry");
    if (status.ok() && detail::decode_u64(detail::from_val(key)) != *entries - 1) {
      status = Status(Code::storage_corrupt, std::to_string(*entries) +
                                                 " entries are not numbered 0 to " +
                                                 std::to_string(*entries - 1));
    }
  }
  if (status.ok()) {
    size = *entries;
    status = frontier.load(size, detail::tree_reader(txn, databases.entries));
  }
  mdb_txn_abort(txn);
  return status;
}

// A job that throws (a bug, or input its author did not foresee) must not take the writer thread
// and with it the process down: it fails with io_error. If it threw after touching the
// transaction (an append, a deriver), the whole transaction fails so nothing half-written stays.
Status run_job(const Job& job, WriteBatch& batch) {
  const std::uint64_t size_before = batch.size();
  const std::uint64_t appended_before = batch.appended();
  try {
    return job(batch);
  } catch (const std::exception& thrown) {
    Status failed(Code::io_error, std::string("a ledger job threw: ") + thrown.what());
    if (batch.size() != size_before || batch.appended() != appended_before) batch.fail(failed);
    return failed;
  } catch (...) {
    Status failed(Code::io_error, "a ledger job threw");
    if (batch.size() != size_before || batch.appended() != appended_before) batch.fail(failed);
    return failed;
  }
}

// A callback that throws after its transaction was decided cannot undo it; the writer reports it
// and goes on with the other jobs' callbacks.
void run_done(const Done& done, const Status& status) {
  try {
    done(status);
  } catch (const std::exception& thrown) {
    std::fprintf(stderr, "ledger: a job's completion callback threw: %s\n", thrown.what());
  } catch (...) {
    std::fprintf(stderr, "ledger: a job's completion callback threw\n");
  }
}

std::size_t histogram_bucket(std::size_t jobs) {
  const std::size_t bucket = jobs <= 1 ? 0 : std::bit_width(jobs - 1);
  return std::min<std::size_t>(bucket, 16);
}

}  // namespace

Result<PreparedEntry> prepare_entry(std::string bytes) {
  Status canonical = crypto::check_canonical(bytes);
  if (!canonical.ok()) return canonical;
  const Hash leaf = leaf_hash(bytes);
  return PreparedEntry(std::move(bytes), leaf);
}

Ledger::Ledger(Options options) : options_(std::move(options)), impl_(std::make_unique<Impl>()) {}

Result<std::unique_ptr<Ledger>> Ledger::open(Options options) {
  if (options.unsafe_no_sync || options.unsafe_write_map) {
    return {Code::unsafe_storage, "refusing to open a ledger without durable synchronous commits"};
  }
  if (options.tables.size() > tables_max || options.batch_entries_max == 0 ||
      options.queue_jobs_max == 0 || !crypto::valid_key_name(options.origin)) {
    return {Code::invalid_argument, "invalid ledger options"};
  }
  std::unique_ptr<Ledger> ledger(new Ledger(std::move(options)));
  Status status = ledger->start();
  if (!status.ok()) return status;
  return ledger;
}

Status Ledger::start() {
  Impl& impl = *impl_;
  std::error_code error;
  if (!options_.read_only) {
    std::filesystem::create_directories(options_.directory, error);
    if (error) return {Code::io_error, "cannot create " + options_.directory.string()};
    // One writer per ledger: a second process opening it for writing is refused.
    const auto lock_path = options_.directory / "writer.lock";
    impl.lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (impl.lock_fd < 0) return {Code::io_error, "cannot open " + lock_path.string()};
    if (::flock(impl.lock_fd, LOCK_EX | LOCK_NB) != 0) {
      return {Code::locked, "ledger " + options_.directory.string() + " is open for writing"};
    }
  } else if (!std::filesystem::exists(options_.directory / "data.mdb", error)) {
    return {Code::not_found, "no ledger in " + options_.directory.string()};
  }
  int rc = mdb_env_create(&impl.env);
  if (rc == MDB_SUCCESS) rc = mdb_env_set_maxdbs(impl.env, static_cast<MDB_dbi>(4 + tables_max));
  if (rc == MDB_SUCCESS) rc = mdb_env_set_mapsize(impl.env, options_.map_bytes);
  if (rc == MDB_SUCCESS) rc = mdb_env_set_maxreaders(impl.env, lmdb_readers_max);
  const unsigned flags = MDB_NOTLS | (options_.read_only ? MDB_RDONLY : 0u);
  if (rc == MDB_SUCCESS) rc = mdb_env_open(impl.env, options_.directory.c_str(), flags, 0600);
  if (rc != MDB_SUCCESS) return lmdb_status(rc, "open " + options_.directory.string());
  unsigned actual = 0;
  mdb_env_get_flags(impl.env, &actual);
  if ((actual & (MDB_NOSYNC | MDB_NOMETASYNC | MDB_MAPASYNC | MDB_WRITEMAP)) != 0) {
    return {Code::unsafe_storage, "LMDB environment is not synchronously durable"};
  }
  Status status = open_databases(impl.env, options_, impl.databases);
  if (!status.ok()) return status;
  std::uint64_t size = 0;
  status = load_tree(impl.env, impl.databases, impl.frontier, size);
  if (!status.ok()) return status;
  impl.durable_size = size;
  if (!options_.read_only) impl.writer = std::thread([this] { writer_loop(); });
  return Status::success();
}

Ledger::~Ledger() {
  Impl& impl = *impl_;
  {
    std::lock_guard lock(impl.mutex);
    impl.stopping = true;
  }
  impl.work_available.notify_all();
  impl.space_available.notify_all();
  if (impl.writer.joinable()) impl.writer.join();
  if (impl.env != nullptr) mdb_env_close(impl.env);
  if (impl.lock_fd >= 0) ::close(impl.lock_fd);
}

void Ledger::submit(Job job, Done done) {
  assert(job);
  assert(done);
  Impl& impl = *impl_;
  if (options_.read_only) {
    done(Status(Code::invalid_argument, "ledger is open read-only"));
    return;
  }
  std::unique_lock lock(impl.mutex);
  if (!impl.stopping && impl.queue.size() >= options_.queue_jobs_max) {
    impl.submitters_waiting++;
    impl.space_available.wait(
        lock, [&] { return impl.stopping || impl.queue.size() < options_.queue_jobs_max; });
    impl.submitters_waiting--;
  }
  if (impl.stopping) {
    lock.unlock();
    done(Status(Code::shutting_down, "ledger is closing"));
    return;
  }
  const bool was_empty = impl.queue.empty();
  impl.queue.push_back({std::move(job), std::move(done)});
  lock.unlock();
  if (was_empty) impl.work_available.notify_one();
}

Status Ledger::run(Job job) {
  std::promise<Status> promise;
  std::future<Status> future = promise.get_future();
  submit(std::move(job), [&promise](const Status& status) { promise.set_value(status); });
  return future.get();
}

Result<std::uint64_t> Ledger::append(std::string entry) {
  std::uint64_t index = 0;
  Status status = run([&](Batch& batch) -> Status {
    Result<std::uint64_t> appended = batch.append(entry);
    if (!appended.ok()) return appended.status();
    index = *appended;
    return Status::success();
  });
  if (!status.ok()) return status;
  return index;
}

std::uint64_t Ledger::size() const { return impl_->durable_size.load(); }

Result<ReadView> Ledger::view() const {
  auto view_impl = std::make_unique<ReadView::Impl>();
  const int rc = mdb_txn_begin(impl_->env, nullptr, MDB_RDONLY, &view_impl->txn);
  if (rc != MDB_SUCCESS) {
    view_impl->txn = nullptr;
    return lmdb_status(rc, "read snapshot");
  }
  view_impl->databases = &impl_->databases;
  Result<std::uint64_t> size = detail::row_count(view_impl->txn, impl_->databases.entries);
  if (!size.ok()) return size.status();
  view_impl->size = *size;
  return ReadView(std::move(view_impl));
}

Result<std::string> Ledger::sign_checkpoint() {
  if (options_.checkpoint_key == nullptr) {
    return {Code::invalid_argument, "no key to sign checkpoints with"};
  }
  // A snapshot holds only committed, hence durable, entries: the signed size is durable.
  Result<ReadView> snapshot = view();
  if (!snapshot.ok()) return snapshot.status();
  const std::uint64_t tree_size = snapshot->size();
  Result<std::string> existing = snapshot->checkpoint(tree_size);
  if (existing.ok() || existing.status().code() != Code::not_found) return existing;
  Result<Hash> root = snapshot->root(tree_size);
  if (!root.ok()) return root.status();
  const crypto::NoteSigner signers[] = {{options_.origin, options_.checkpoint_key}};
  Result<std::string> note =
      crypto::sign_note(format_checkpoint_body({options_.origin, tree_size, *root}), signers);
  if (!note.ok()) return note.status();
  std::string recorded;
  Status status = run([&](Batch& batch) -> Status {
    Result<std::string> kept = static_cast<WriteBatch&>(batch).record_checkpoint(tree_size, *note);
    if (!kept.ok()) return kept.status();
    recorded = std::move(*kept);
    return Status::success();
  });
  if (!status.ok()) return status;
  return recorded;
}

WriterStats Ledger::writer_stats() const {
  WriterStats stats;
  stats.commits = impl_->commits.load();
  stats.entries = impl_->committed_entries.load();
  stats.jobs = impl_->committed_jobs.load();
  stats.failed_commits = impl_->failed_commits.load();
  stats.apply_ns = impl_->apply_ns.load();
  stats.commit_ns = impl_->commit_ns.load();
  for (const auto& bucket : impl_->batch_histogram) stats.batch_jobs_histogram.push_back(bucket);
  return stats;
}

void Ledger::writer_loop() {
  Impl& impl = *impl_;
  std::vector<detail::QueuedJob> taken;
  for (;;) {
    {
      std::unique_lock lock(impl.mutex);
      impl.work_available.wait(lock, [&] { return impl.stopping || !impl.queue.empty(); });
      if (impl.queue.empty()) return;  // stopping, and everything queued is done
      std::swap(taken, impl.queue);
      if (impl.submitters_waiting > 0) impl.space_available.notify_all();
    }
    // The budget counts jobs: a job's entries are unknown until it runs, and the common job
    // appends one entry.
    for (std::size_t first = 0; first < taken.size(); first += options_.batch_entries_max) {
      commit_batch(&taken[first], std::min(options_.batch_entries_max, taken.size() - first));
    }
    taken.clear();
  }
}

void Ledger::commit_batch(void* first, std::size_t count) {
  Impl& impl = *impl_;
  const std::span jobs(static_cast<detail::QueuedJob*>(first), count);
  thread_local std::vector<Status> outcomes;
  outcomes.assign(jobs.size(), Status::success());
  const Frontier before = impl.frontier;
  MDB_txn* txn = nullptr;
  Status failure = lmdb_status(mdb_txn_begin(impl.env, nullptr, 0, &txn), "begin write");
  std::uint64_t appended = 0;
  const auto started = std::chrono::steady_clock::now();
  auto applied = started;
  if (failure.ok()) {
    WriteBatch batch(impl, options_, txn);
    for (std::size_t i = 0; i < jobs.size() && batch.failure().ok(); ++i) {
      const std::uint64_t appended_before = batch.appended();
      outcomes[i] = run_job(jobs[i].job, batch);
      // A rejected job leaves no trace (see Job).
      assert(outcomes[i].ok() || !batch.failure().ok() || batch.appended() == appended_before);
    }
    failure = batch.failure();
    appended = batch.appended();
    applied = std::chrono::steady_clock::now();
    if (failure.ok()) {
      failure = lmdb_status(mdb_txn_commit(txn), "commit");  // frees txn either way
    } else {
      mdb_txn_abort(txn);
    }
  }
  const auto committed = std::chrono::steady_clock::now();
  impl.apply_ns += static_cast<std::uint64_t>((applied - started).count());
  impl.commit_ns += static_cast<std::uint64_t>((committed - applied).count());
  if (failure.ok()) {
    impl.durable_size = impl.frontier.size();
    impl.commits++;
    impl.committed_entries += appended;
    impl.committed_jobs += jobs.size();
    impl.batch_histogram[histogram_bucket(jobs.size())]++;
  } else {
    impl.frontier = before;  // nothing of the batch was written
    impl.failed_commits++;
    outcomes.assign(jobs.size(), failure);
  }
  for (std::size_t i = 0; i < jobs.size(); ++i) run_done(jobs[i].done, outcomes[i]);
}

std::string format_checkpoint_body(const CheckpointBody& body) {
  return body.origin + "\n" + std::to_string(body.size) + "\n" + crypto::base64_encode(body.root) +
         "\n";
}

Result<CheckpointBody> parse_checkpoint_body(std::string_view text) {
  // origin, size, root hash, then optional extension lines (c2sp.org/tlog-checkpoint).
  std::vector<std::string_view> lines;
  while (!text.empty() && lines.size() < 3) {
    const std::size_t end = text.find('\n');
    if (end == std::string_view::npos) return {Code::bad_note, "checkpoint line without newline"};
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  if (lines.size() < 3 || lines[0].empty()) return {Code::bad_note, "checkpoint needs 3 lines"};
  CheckpointBody body;
  body.origin = std::string(lines[0]);
  const std::string_view size = lines[1];
  if (size.empty() || size.size() > 19 || (size.size() > 1 && size[0] == '0') ||
      size.find_first_not_of("0123456789") != std::string_view::npos) {
    return {Code::bad_note, "checkpoint size is not a decimal number"};
  }
  for (char digit : size) body.size = body.size * 10 + static_cast<std::uint64_t>(digit - '0');
  Result<crypto::Bytes> root = crypto::base64_decode(lines[2]);
  if (!root.ok() || root->size() != body.root.size()) {
    return {Code::bad_note, "checkpoint root is not base64 of 32 bytes"};
  }
  std::memcpy(body.root.data(), root->data(), body.root.size());
  return body;
}

}  // namespace innoclear::ledger
