#include "ledger/testkit/raw_append.h"

#include <chrono>

#include "ledger/lmdb_store.h"

namespace innoclear::ledger {

Result<RawAppendResult> raw_lmdb_append(const std::filesystem::path& directory,
                                        std::span<const std::string> entries, std::size_t batch,
                                        std::size_t map_bytes) {
  assert(batch > 0);
  std::error_code error;
  if (std::filesystem::exists(directory, error)) {
    return {Code::already_exists, directory.string() + " exists"};
  }
  std::filesystem::create_directories(directory, error);
  if (error) return {Code::io_error, "cannot create " + directory.string()};
  MDB_env* env = nullptr;
  MDB_txn* txn = nullptr;
  MDB_dbi dbi = 0;
  int rc = mdb_env_create(&env);
  if (rc == MDB_SUCCESS) rc = mdb_env_set_mapsize(env, map_bytes);
  if (rc == MDB_SUCCESS) rc = mdb_env_set_maxdbs(env, 4);
  if (rc == MDB_SUCCESS) rc = mdb_env_open(env, directory.c_str(), MDB_NOTLS, 0600);
  if (rc == MDB_SUCCESS) rc = mdb_txn_begin(env, nullptr, 0, &txn);
  if (rc == MDB_SUCCESS) rc = mdb_dbi_open(txn, "entries", MDB_CREATE, &dbi);
  if (rc == MDB_SUCCESS) rc = mdb_txn_commit(txn);
  RawAppendResult result;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t first = 0; rc == MDB_SUCCESS && first < entries.size(); first += batch) {
    rc = mdb_txn_begin(env, nullptr, 0, &txn);
    const std::size_t last = std::min(entries.size(), first + batch);
    for (std::size_t i = first; rc == MDB_SUCCESS && i < last; ++i) {
      const detail::U64Key key = detail::encode_u64(i);
      MDB_val key_val = detail::to_val({key.data(), key.size()});
      MDB_val value = detail::to_val(entries[i]);
      rc = mdb_put(txn, dbi, &key_val, &value, MDB_APPEND);
    }
    if (rc == MDB_SUCCESS) {
      const auto commit_start = std::chrono::steady_clock::now();
      rc = mdb_txn_commit(txn);
      result.commit_seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_start).count();
      result.commits++;
      result.entries += last - first;
    } else {
      mdb_txn_abort(txn);
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (env != nullptr) mdb_env_close(env);
  if (rc != MDB_SUCCESS) return detail::lmdb_status(rc, "raw append");
  return result;
}

}  // namespace innoclear::ledger
