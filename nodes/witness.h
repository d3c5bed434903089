// Witnessing a peer region's ledger: what one node concludes from each checkpoint a peer serves,
// what it keeps of it, and the evidence it keeps when the peer shows two histories.
//
// A node fetches a peer's latest checkpoint (and a consistency proof from the size it recorded
// last) and hands both here; nothing here touches the network. The checkpoint must carry a valid
// signature by the peer's key, or it is refused as an error: anyone can send garbage, and only a
// validly signed conflicting checkpoint is evidence against the peer. Compared with the last
// recorded checkpoint it is the first, the same, an advance proven consistent, or a fork. While
// the peer's history holds together the node cosigns (c2sp.org/tlog-cosignature) what it saw;
// after a fork it never cosigns that peer again and keeps the evidence for an auditor.
//
//   DIR/peers/<origin>.json   {"cosignature":"— …\n","note":"<signed checkpoint>"}
//   DIR/forks/<origin>-<detected_ms>.json   ForkEvidence::to_json()
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "crypto/ed25519.h"
#include "crypto/signed_note.h"
#include "ledger/merkle.h"

namespace innoclear::nodes {

// A checkpoint note with up to note_signatures_max short signature lines fits easily; the bound
// keeps each record file, which holds two notes, far below json_bytes_max.
constexpr std::size_t witness_note_bytes_max = 64 << 10;
// RFC 9162 consistency proofs of trees below 2^63 leaves are shorter.
constexpr std::size_t witness_proof_hashes_max = 2 * ledger::tree_levels_max;
// Fork evidence files a record holds; one per peer is all witness_checkpoint() ever writes.
constexpr std::size_t witness_forks_max = 1000;
// Origins become file names, so they are kept short and plain.
constexpr std::size_t witness_origin_bytes_max = 200;

// Fork reasons, stable: auditors and alerts match on them.
constexpr std::string_view fork_same_size_other_root = "same_size_other_root";
constexpr std::string_view fork_rollback = "rollback";          // a smaller size than recorded
constexpr std::string_view fork_inconsistent = "inconsistent";  // the proof does not verify

// A peer ledger as this node knows it.
struct WitnessedPeer {
  std::string origin;        // e.g. "innoclear.TJ"
  crypto::NoteVerifier key;  // its checkpoint key (name = origin for innoclear nodes)
};

// A checkpoint of a peer, as signed by it. `size` and `root` are parsed from `note`.
struct SeenCheckpoint {
  std::string note;  // the whole signed note as fetched
  std::uint64_t size = 0;
  ledger::Hash root{};
};

// Two checkpoints, both validly signed by the peer's key, that cannot both be true of one
// append-only log. `earlier_note` is the one recorded before, `later_note` the one that
// contradicts it; `proof` is the consistency proof the peer served (empty when none applies). An
// auditor re-checks: both notes open with the peer's key, have its origin and then, by reason,
// equal sizes with different roots; a later size below the earlier; or a proof that fails
// RFC 9162 verification from the earlier checkpoint to the later.
struct ForkEvidence {
  std::string peer_origin;
  std::string reason;  // one of the fork_* reasons
  std::string earlier_note;
  std::string later_note;
  std::vector<ledger::Hash> proof;
  std::int64_t detected_ms = 0;

  // Canonical JSON: {"detected_ms","earlier_note","later_note","peer_origin","proof":[base64…],
  // "reason"}.
  nlohmann::json to_json() const;
  // Fails with invalid_argument if `json` is not of that shape or names an unknown reason.
  static Result<ForkEvidence> from_json(const nlohmann::json& json);
};

enum class Verdict { first, same, advanced, fork };
std::string_view verdict_name(Verdict verdict);

struct Observation {
  Verdict verdict = Verdict::first;
  SeenCheckpoint checkpoint;         // the fetched one, opened
  std::optional<ForkEvidence> fork;  // set iff verdict == fork
};

// A JSON list of base64 SHA-256 hashes (a proof a peer served), at most `max` of them. Fails with
// bad_encoding on anything else.
Result<std::vector<ledger::Hash>> hashes_from_json(const nlohmann::json& list, std::size_t max);

// Opens a peer's signed checkpoint. Fails with bad_note if it is malformed, too large or of
// another origin, and with open_note()'s bad_signature / unknown_signer if the peer's key did not
// sign it.
Result<SeenCheckpoint> open_peer_checkpoint(const WitnessedPeer& peer, std::string_view note);

// Judges a fetched checkpoint against the last one recorded (none: first). `proof` proves
// consistency from last->size to the fetched size and matters only for an advance. A smaller
// size than recorded is a fork whatever the proof: a peer's log never shrinks. Pure: reads and
// writes nothing. Fails as open_peer_checkpoint(), or with invalid_argument on a proof longer
// than witness_proof_hashes_max; a refused note is never a fork.
Result<Observation> observe_checkpoint(const WitnessedPeer& peer,
                                       const std::optional<SeenCheckpoint>& last,
                                       std::string_view fetched_note,
                                       std::span<const ledger::Hash> proof, std::int64_t now_ms);

// What a node keeps of its peers, in one directory. Every write is durable before the call
// returns (temporary file, fsync, rename, fsync of the directory), so a crash leaves the old or
// the new file, never half of one. Thread-safe: one mutex serialises all calls. One process per
// directory (the node's, which holds its ledger's writer lock).
class WitnessRecord {
 public:
  // Opens (creating if needed) DIR/peers and DIR/forks and loads every fork evidence file. Fails
  // with io_error if the directory is unusable, storage_corrupt if an evidence file does not
  // parse or there are more than witness_forks_max of them.
  static Result<std::unique_ptr<WitnessRecord>> open(const std::filesystem::path& directory);

  // The last checkpoint recorded for the peer, or nullopt if none. Fails with storage_corrupt if
  // the file does not parse (JSON, note, checkpoint body, or an origin other than the file's),
  // invalid_argument on an origin unfit for a file name (only [A-Za-z0-9._-], not starting with
  // '.'), io_error on a read error.
  Result<std::optional<SeenCheckpoint>> load(std::string_view peer_origin) const;
  // The recorded checkpoint with this node's cosignature line appended: a signed note by the
  // peer and this node both. Fails as load().
  Result<std::optional<std::string>> load_cosigned(std::string_view peer_origin) const;
  // Replaces the peer's record. Checks first, failing with invalid_argument, that `seen.note`
  // parses to seen.size and seen.root with origin `peer_origin`, that `cosignature_line` is a
  // cosignature line, and that seen.size is not below the recorded size (two racing witness
  // rounds must not move the record back). io_error if the write fails.
  Status record(std::string_view peer_origin, const SeenCheckpoint& seen,
                std::string_view cosignature_line);
  // Keeps fork evidence (never overwriting earlier evidence). Fails with storage_full beyond
  // witness_forks_max, invalid_argument as load() on the origin, io_error if the write fails.
  Status record_fork(const ForkEvidence& evidence);
  std::vector<ForkEvidence> forks() const;
  bool is_forked(std::string_view peer_origin) const;

 private:
  explicit WitnessRecord(std::filesystem::path directory) : directory_(std::move(directory)) {}
  Result<std::optional<std::string>> read_peer(std::string_view peer_origin) const;

  std::filesystem::path directory_;
  mutable std::mutex mutex_;
  std::vector<ForkEvidence> forks_;  // guarded by mutex_
};

// This node as a cosigner of its peers' checkpoints.
struct WitnessSelf {
  std::string name;                      // cosigner name, e.g. "innoclear.BJ"
  const crypto::KeyPair* key = nullptr;  // not owned; must outlive the call
};

// One round of witnessing one peer: load the record, observe, then on first, same and advanced
// cosign the fetched checkpoint at now_ms (in seconds) and record both; on a fork record the
// evidence, once per peer, and cosign nothing. A peer once forked is never cosigned again: every
// later round compares with the last checkpoint recorded before the fork, and records nothing.
// Fails as load(), observe_checkpoint(), record() and record_fork(); with invalid_argument on a
// negative now_ms.
Result<Observation> witness_checkpoint(WitnessRecord& record, const WitnessedPeer& peer,
                                       const WitnessSelf& self, std::string_view fetched_note,
                                       std::span<const ledger::Hash> proof, std::int64_t now_ms);

}  // namespace innoclear::nodes
