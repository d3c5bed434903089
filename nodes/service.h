// A region's service: turns signed statements into ledger entries, one statement per entry, with
// the derived state (clearing's tables) written in the same transaction.
//
// submit(): the caller's thread checks the bytes (canonical JSON), the shape, the time and the
// signature against a snapshot; the ledger's writer then re-checks replay and the actor's key,
// lets clearing decide on a scratch overlay, and appends the entry, whose deriver writes the
// state. `done` runs once the entry is durable, or with the refusal; a refusal writes nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "clearing/rules.h"
#include "clearing/store.h"
#include "crypto/ed25519.h"
#include "ledger/ledger.h"
#include "nodes/data_dir.h"
#include "nodes/rate_limit.h"

namespace innoclear::nodes {

// UTC milliseconds; injected so tests control time.
using Clock = std::function<std::int64_t()>;
std::int64_t system_clock_ms();

struct Accepted {
  std::uint64_t index = 0;  // the entry recording the statement
  nlohmann::json result;    // what the rules decided (recorded in the entry)
  bool replayed = false;    // the same actor and nonce were accepted before: original result
};
using SubmitDone = std::function<void(Result<Accepted>)>;

// A signed statement: canonical bytes and the base64 Ed25519 signature over them.
struct SignedStatement {
  std::string bytes;
  std::string signature_base64;
};

// `innoclear node`'s default per-actor limit on statements and queries (finding 8 of issue 12).
constexpr RateLimit actor_rate_default{20, 40};
// Query nonces remembered at once (each for its 2 × clock_skew_ms_max window); beyond it, queries
// are refused with rate_limited until old ones expire.
constexpr std::size_t query_nonces_max = 1 << 17;

struct ServiceOptions {
  DataDir dir;
  Clock clock = system_clock_ms;
  std::size_t batch_entries_max = 1000;
  std::size_t map_bytes = std::size_t{8} << 30;
};

class Service {
 public:
  // Opens the node in `dir` (initialised by init_data_dir) for writing.
  static Result<std::unique_ptr<Service>> open(ServiceOptions options);
  ~Service();

  // Thread-safe. `signature_base64` is the detached Ed25519 signature over `statement`.
  // A non-empty `expected_kind` refuses any other kind (bad_statement): an HTTP route serves one.
  void submit(std::string statement, std::string signature_base64, SubmitDone done,
              std::string_view expected_kind = {});
  Result<Accepted> submit_and_wait(std::string statement, std::string signature_base64);

  // An authenticated read (kind "query.*", see clearing/queries.h); nothing is recorded in the
  // ledger. Its (actor, nonce) is remembered in memory for as long as its time is within the
  // clock skew, so the same signed query is answered once: a replay is refused (nonce_conflict).
  Result<nlohmann::json> query(const std::string& statement, const std::string& signature_base64,
                               std::string_view expected_kind = {});

  // Signs a statement of this node ("node.<region>") for `region`'s ledger, with the node's clock
  // and a fresh random nonce: what a node sends its peers. Thread-safe.
  SignedStatement sign_as_node(const std::string& kind, const nlohmann::json& body,
                               clearing::Region region) const;

  // A check every submitted statement passes after authentication and before it is queued; a
  // refusal writes nothing. The federation refuses new cross-region work with a forked peer.
  // REQUIRES: set before the first submit (not synchronised).
  using Gate = std::function<Status(const clearing::Statement&)>;
  void set_gate(Gate gate);
  // Statements and queries an actor may send, after authentication; rate_limited beyond. Off
  // unless set: benchmarks and tests drive one actor far faster; `innoclear node` sets
  // actor_rate_default. Statements of nodes ("node.*": peers' requests, this node's own entries)
  // are never limited here (the peer answerer limits peers). REQUIRES: set before the first
  // submit or query (not synchronised).
  void set_actor_rate(RateLimit limit);

  // Derived state as of the last commit (outbox, obligations, settings…). Thread-safe.
  Result<std::optional<nlohmann::json>> state(clearing::Table table, const std::string& key) const;
  Result<std::vector<std::pair<std::string, nlohmann::json>>> scan(clearing::Table table,
                                                                   const std::string& prefix) const;

  // The first `rows_max` rows (in key order) whose stored bytes `keep` accepts, reading no
  // further: a batch of a long table without parsing all of it. Thread-safe.
  Result<std::vector<std::pair<std::string, nlohmann::json>>> scan_some(
      clearing::Table table, std::size_t rows_max,
      const std::function<bool(std::string_view record)>& keep) const;

  // Runs `reader` over a consistent snapshot of the derived state. Thread-safe.
  Status read(const std::function<Status(const clearing::Store&)>& reader) const;

  const NodeIdentity& identity() const { return identity_; }
  // The node's key, for cosigning its peers' checkpoints. Lives as long as the service.
  const crypto::KeyPair& node_key() const { return *node_key_; }
  ledger::Ledger& ledger() { return *ledger_; }
  std::int64_t now_ms() const { return clock_(); }

 private:
  Service() = default;
  NodeIdentity identity_;
  // Refused with rate_limited when `actor` (not a node) is over its rate.
  Status limit(const std::string& actor);
  Status remember_query(const clearing::Statement& statement);

  Clock clock_;
  std::unique_ptr<RateLimiter> actor_limiter_;
  std::mutex query_nonces_mutex_;
  std::map<std::string, std::int64_t> query_nonces_;  // actor\nnonce → forget after (ms)
  std::unique_ptr<crypto::KeyPair> node_key_;
  std::unique_ptr<ledger::Ledger> ledger_;
  Gate gate_;
};

// The entry recording an accepted statement: canonical JSON
// {"accepted_ms":…,"result":…,"signature":"…","statement":<the statement bytes, verbatim>}.
std::string make_entry(std::int64_t accepted_ms, const nlohmann::json& result,
                       std::string_view signature_base64, std::string_view statement);

// The node's derivers: replay clearing over an entry. The audit one also re-verifies the
// statement's signature against the key registry as it stood at that entry.
ledger::Deriver live_deriver(clearing::Region region);
ledger::AuditDeriver audit_deriver(clearing::Region region);

// Appends the genesis entry of a new ledger: the node's statement registering itself and its
// finance office's key, the root of every other key. REQUIRES: an empty ledger opened with the
// node's derivers.
Status record_genesis(ledger::Ledger& ledger, const crypto::KeyPair& node_key,
                      const crypto::PublicKey& office_key, clearing::Region region,
                      std::int64_t now_ms);

// Signs a statement. For clients and tests.
SignedStatement sign_statement(const crypto::KeyPair& key, const std::string& actor,
                               const std::string& kind, const nlohmann::json& body,
                               const std::string& region, std::int64_t time_ms,
                               const std::string& nonce);

}  // namespace innoclear::nodes
