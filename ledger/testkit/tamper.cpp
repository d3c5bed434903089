#include "ledger/testkit/tamper.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <functional>

#include "ledger/lmdb_store.h"

namespace innoclear::ledger {

namespace {

using detail::lmdb_status;
using detail::to_val;

// Runs `edit` in a write transaction on `database`, holding the writer lock.
Status with_database(const std::filesystem::path& directory, std::string_view database,
                     const std::function<int(MDB_txn*, MDB_dbi)>& edit) {
  const auto lock_path = directory / "writer.lock";
  const int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CLOEXEC);
  if (lock_fd < 0) return {Code::not_found, "no ledger in " + directory.string()};
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd);
    return {Code::locked, "ledger is open for writing"};
  }
  MDB_env* env = nullptr;
  MDB_txn* txn = nullptr;
  MDB_dbi dbi = 0;
  int rc = mdb_env_create(&env);
  if (rc == MDB_SUCCESS) rc = mdb_env_set_maxdbs(env, static_cast<MDB_dbi>(4 + tables_max));
  if (rc == MDB_SUCCESS) rc = mdb_env_open(env, directory.c_str(), MDB_NOTLS, 0600);
  if (rc == MDB_SUCCESS) rc = mdb_txn_begin(env, nullptr, 0, &txn);
  if (rc == MDB_SUCCESS) rc = mdb_dbi_open(txn, std::string(database).c_str(), 0, &dbi);
  if (rc == MDB_SUCCESS) rc = edit(txn, dbi);
  if (rc == MDB_SUCCESS) {
    rc = mdb_txn_commit(txn);
  } else if (txn != nullptr) {
    mdb_txn_abort(txn);
  }
  if (env != nullptr) mdb_env_close(env);
  ::close(lock_fd);
  return lmdb_status(rc, "tamper " + std::string(database));
}

}  // namespace

std::string numbered_key(std::uint64_t number) {
  const detail::U64Key key = detail::encode_u64(number);
  return {key.data(), key.size()};
}

Status tamper_flip_byte(const std::filesystem::path& directory, std::string_view database,
                        std::string_view key, std::size_t offset, std::uint8_t mask) {
  return with_database(directory, database, [&](MDB_txn* txn, MDB_dbi dbi) {
    MDB_val key_val = to_val(key);
    MDB_val value{};
    int rc = mdb_get(txn, dbi, &key_val, &value);
    if (rc != MDB_SUCCESS) return rc;
    if (offset >= value.mv_size) return MDB_NOTFOUND;
    std::string changed(detail::from_val(value));
    changed[offset] = static_cast<char>(changed[offset] ^ static_cast<char>(mask));
    MDB_val changed_val = to_val(changed);
    return mdb_put(txn, dbi, &key_val, &changed_val, 0);
  });
}

Status tamper_entry_byte(const std::filesystem::path& directory, std::uint64_t index,
                         std::size_t offset, std::uint8_t mask) {
  const std::size_t hashes = 1 + detail::row_hash_count(index) * sizeof(Hash);
  return tamper_flip_byte(directory, "entries", numbered_key(index), hashes + offset, mask);
}

Status tamper_tree_hash(const std::filesystem::path& directory, int level, std::uint64_t index) {
  if (!detail::is_stored_level(level)) {
    return {Code::invalid_argument, "subtrees of levels 1 to 3 are not stored"};
  }
  const std::uint64_t last_leaf = ((index + 1) << level) - 1;
  const int position = level == 0 ? 0 : level - detail::tree_stored_level_min + 1;
  return tamper_flip_byte(directory, "entries", numbered_key(last_leaf),
                          1 + static_cast<std::size_t>(position) * sizeof(Hash) + 5);
}

Status tamper_put(const std::filesystem::path& directory, std::string_view database,
                  std::string_view key, std::string_view value) {
  return with_database(directory, database, [&](MDB_txn* txn, MDB_dbi dbi) {
    MDB_val key_val = to_val(key);
    MDB_val value_val = to_val(value);
    return mdb_put(txn, dbi, &key_val, &value_val, 0);
  });
}

Status tamper_erase(const std::filesystem::path& directory, std::string_view database,
                    std::string_view key) {
  return with_database(directory, database, [&](MDB_txn* txn, MDB_dbi dbi) {
    MDB_val key_val = to_val(key);
    return mdb_del(txn, dbi, &key_val, nullptr);
  });
}

}  // namespace innoclear::ledger
