#include "nodes/service.h"

#include <chrono>
#include <future>

#include "clearing/federation.h"
#include "clearing/queries.h"
#include "clearing/rules.h"
#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "crypto/sha256.h"
#include "nodes/state_store.h"

namespace innoclear::nodes {

namespace {

constexpr std::size_t nonce_bytes = 16;

// A statement checked on the caller's thread, on its way to the writer.
struct Incoming {
  std::string bytes;
  std::string signature_base64;
  clearing::Statement statement;
  std::string signer_key;  // the actor's key when the signature was checked
  clearing::ReplayKey replay;
  std::string replay_sha256;  // of replay.fingerprint
};

Incoming make_incoming(std::string bytes, std::string signature_base64,
                       clearing::Statement statement, std::string signer_key) {
  clearing::ReplayKey replay = clearing::replay_key(statement, bytes);
  std::string digest = crypto::hex_encode(crypto::sha256(replay.fingerprint));
  return Incoming{std::move(bytes),      std::move(signature_base64), std::move(statement),
                  std::move(signer_key), std::move(replay),           std::move(digest)};
}

Result<Incoming> check_incoming(const std::string& bytes, const std::string& signature_base64,
                                const ledger::Ledger& ledger, clearing::Region region,
                                std::int64_t now_ms) {
  Result<nlohmann::json> parsed = crypto::parse_canonical(bytes);
  if (!parsed.ok()) return parsed.status();
  Result<clearing::Statement> statement = clearing::parse_statement(*parsed);
  if (!statement.ok()) return statement.status();
  if (Status s = clearing::check_time(*statement, now_ms); !s.ok()) return s;
  Result<crypto::Bytes> signature = crypto::base64_decode(signature_base64);
  if (!signature.ok() || signature->size() != crypto::signature_bytes) {
    return Status(Code::bad_signature, "the signature must be base64 of 64 bytes");
  }
  Result<ledger::ReadView> view = ledger.view();
  if (!view.ok()) return view.status();
  const LedgerStore store(*view);
  if (Status s = clearing::authenticate(store, *statement, bytes, *signature, region); !s.ok()) {
    return s;
  }
  Result<std::optional<nlohmann::json>> actor =
      store.get(clearing::Table::actors, statement->actor);
  if (!actor.ok()) return actor.status();
  return make_incoming(bytes, signature_base64, std::move(*statement),
                       actor->has_value() ? (**actor).value("key", "") : "");
}

// The writer's part: replay check, key still current, decide, append.
Status decide_and_append(ledger::Batch& batch, const Incoming& incoming, clearing::Region region,
                         std::int64_t accepted_ms, Accepted& accepted) {
  const LedgerStore base(batch);
  Result<std::optional<nlohmann::json>> earlier =
      base.get(clearing::Table::nonces, incoming.replay.key);
  if (!earlier.ok()) return earlier.status();
  if (earlier->has_value()) {
    const nlohmann::json& record = **earlier;
    if (record.value("statement_sha256", "") != incoming.replay_sha256) {
      if (clearing::is_peer_request(incoming.statement.kind)) {
        return {Code::id_conflict,
                "request " + incoming.replay.key + " was asked with other content"};
      }
      return {Code::nonce_conflict,
              "nonce " + incoming.statement.nonce + " was used for another statement"};
    }
    accepted = {record["index"].get<std::uint64_t>(), record["result"], true};
    return Status::success();
  }
  if (!incoming.signer_key.empty()) {
    Result<std::optional<nlohmann::json>> actor =
        base.get(clearing::Table::actors, incoming.statement.actor);
    if (!actor.ok()) return actor.status();
    if (!actor->has_value() || (**actor).value("key", "") != incoming.signer_key) {
      return {Code::key_revoked, "the actor's key changed while the statement was on its way"};
    }
  }
  OverlayStore scratch(base);
  const clearing::Context context{region, accepted_ms, batch.size()};
  Result<nlohmann::json> result = clearing::apply(scratch, incoming.statement, context);
  if (!result.ok()) return result.status();
  Result<std::uint64_t> index =
      batch.append(make_entry(accepted_ms, *result, incoming.signature_base64, incoming.bytes));
  if (!index.ok()) return index.status();
  accepted = {*index, std::move(*result), false};
  return Status::success();
}

// `innoclear bench ledger` fills a node's ledger with synthetic statements of the node itself,
// entries {"signature","statement"} with no effect on state. The audit replay checks that each is
// exactly that: kind bench.synthetic, stated and signed by this node.
constexpr std::string_view synthetic_entry_prefix = "{\"signature\":";

Status audit_synthetic(ledger::StateWriter& state, const nlohmann::json& record,
                       clearing::Region region) {
  if (!record.contains("statement") || !record.contains("signature") || record.size() != 2 ||
      !record["signature"].is_string()) {
    return {Code::storage_corrupt, "entry is neither a recorded nor a synthetic statement"};
  }
  Result<clearing::Statement> statement = clearing::parse_statement(record["statement"]);
  if (!statement.ok()) return statement.status();
  if (statement->kind != "bench.synthetic" ||
      statement->actor != "node." + std::string(clearing::region_code(region))) {
    return {Code::forbidden, "only the node may record synthetic statements"};
  }
  Result<crypto::Bytes> signature = crypto::base64_decode(record["signature"].get<std::string>());
  if (!signature.ok()) return signature.status();
  return clearing::authenticate(LedgerStore(state), *statement,
                                crypto::canonical_dump(record["statement"]), *signature, region);
}

// `later` is set for the audit replay: it re-checks every signature, deferring the check itself
// (which reads no state) to the audit's other threads.
Status derive(ledger::StateWriter& state, std::uint64_t index, std::string_view entry,
              clearing::Region region, ledger::DeferredChecks* later) {
  const bool audit = later != nullptr;
  if (!audit && entry.substr(0, synthetic_entry_prefix.size()) == synthetic_entry_prefix) {
    return Status::success();  // synthetic: no state; checked by the audit replay
  }
  Result<nlohmann::json> parsed = crypto::parse_canonical(entry);
  if (!parsed.ok()) return parsed.status();
  const nlohmann::json& record = *parsed;
  if (!record.contains("result")) return audit_synthetic(state, record, region);
  if (!record.contains("statement") || !record.contains("result") ||
      !record.contains("accepted_ms") || !record.contains("signature")) {
    return {Code::storage_corrupt, "entry is not a recorded statement"};
  }
  const std::string bytes = crypto::canonical_dump(record["statement"]);
  Result<clearing::Statement> statement = clearing::parse_statement(record["statement"]);
  if (!statement.ok()) return statement.status();
  LedgerStore store(state);
  if (audit) {
    Result<crypto::Bytes> signature = crypto::base64_decode(record["signature"].get<std::string>());
    if (!signature.ok()) return signature.status();
    Result<clearing::Signer> signer = clearing::signer_of(store, *statement, region);
    if (!signer.ok()) return signer.status();
    later->defer([signer = std::move(*signer), bytes, signature = std::move(*signature)] {
      return clearing::check_signature(signer, bytes, signature);
    });
  }
  const clearing::Context context{region, record["accepted_ms"].get<std::int64_t>(), index};
  Result<nlohmann::json> result = clearing::apply(store, *statement, context);
  if (!result.ok()) return result.status();
  if (*result != record["result"]) {
    return {Code::verify_failed, "the recorded result differs from the rules' result"};
  }
  const clearing::ReplayKey replay = clearing::replay_key(*statement, bytes);
  return store.put(clearing::Table::nonces, replay.key,
                   {{"index", index},
                    {"result", *result},
                    {"statement_sha256", crypto::hex_encode(crypto::sha256(replay.fingerprint))}});
}

}  // namespace

std::int64_t system_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string make_entry(std::int64_t accepted_ms, const nlohmann::json& result,
                       std::string_view signature_base64, std::string_view statement) {
  // Keys in canonical order; the statement's canonical bytes go in verbatim.
  std::string entry = "{\"accepted_ms\":" + std::to_string(accepted_ms) +
                      ",\"result\":" + crypto::canonical_dump(result) + ",\"signature\":\"";
  entry += signature_base64;
  entry += "\",\"statement\":";
  entry += statement;
  entry += '}';
  return entry;
}

ledger::Deriver live_deriver(clearing::Region region) {
  return [region](ledger::StateWriter& state, std::uint64_t index, std::string_view entry) {
    return derive(state, index, entry, region, nullptr);
  };
}

ledger::AuditDeriver audit_deriver(clearing::Region region) {
  return [region](ledger::StateWriter& state, std::uint64_t index, std::string_view entry,
                  ledger::DeferredChecks& later) {
    return derive(state, index, entry, region, &later);
  };
}

SignedStatement sign_statement(const crypto::KeyPair& key, const std::string& actor,
                               const std::string& kind, const nlohmann::json& body,
                               const std::string& region, std::int64_t time_ms,
                               const std::string& nonce) {
  const std::string bytes = crypto::canonical_dump({{"actor", actor},
                                                    {"body", body},
                                                    {"kind", kind},
                                                    {"nonce", nonce},
                                                    {"region", region},
                                                    {"time", time_ms}});
  return {bytes, crypto::base64_encode(key.sign(bytes))};
}

Status record_genesis(ledger::Ledger& ledger, const crypto::KeyPair& node_key,
                      const crypto::PublicKey& office_key, clearing::Region region,
                      std::int64_t now_ms) {
  const std::string code(clearing::region_code(region));
  const SignedStatement genesis =
      sign_statement(node_key, "node." + code, "genesis",
                     {{"node_key", crypto::encode_public_key(node_key.public_key())},
                      {"office_key", crypto::encode_public_key(office_key)}},
                     code, now_ms, "genesis");
  Result<nlohmann::json> parsed = crypto::parse_canonical(genesis.bytes);
  if (!parsed.ok()) return parsed.status();
  Result<clearing::Statement> statement = clearing::parse_statement(*parsed);
  if (!statement.ok()) return statement.status();
  const Incoming incoming =
      make_incoming(genesis.bytes, genesis.signature_base64, std::move(*statement), "");
  Accepted accepted;
  return ledger.run([&](ledger::Batch& batch) {
    return decide_and_append(batch, incoming, region, now_ms, accepted);
  });
}

Result<std::unique_ptr<Service>> Service::open(ServiceOptions options) {
  std::unique_ptr<Service> service(new Service());
  Result<NodeIdentity> identity = read_identity(options.dir);
  if (!identity.ok()) return identity.status();
  Result<crypto::KeyPair> key = crypto::KeyPair::load(options.dir.key_file());
  if (!key.ok()) return key.status();
  service->identity_ = *identity;
  service->clock_ = options.clock;
  service->actor_limiter_ = std::make_unique<RateLimiter>(RateLimit{});
  service->node_key_ = std::make_unique<crypto::KeyPair>(std::move(*key));
  ledger::Options ledger_options =
      nodes::ledger_options(options.dir, *identity, service->node_key_.get(), false);
  ledger_options.batch_entries_max = options.batch_entries_max;
  ledger_options.map_bytes = options.map_bytes;
  Result<std::unique_ptr<ledger::Ledger>> ledger = ledger::Ledger::open(std::move(ledger_options));
  if (!ledger.ok()) return ledger.status();
  service->ledger_ = std::move(*ledger);
  return service;
}

Service::~Service() = default;

void Service::submit(std::string statement, std::string signature_base64, SubmitDone done,
                     std::string_view expected_kind) {
  const clearing::Region region = identity_.region;
  Result<Incoming> incoming =
      check_incoming(statement, signature_base64, *ledger_, region, clock_());
  if (!incoming.ok()) {
    done(incoming.status());
    return;
  }
  if (!expected_kind.empty() && incoming->statement.kind != expected_kind) {
    done(Status(Code::bad_statement, "this route takes kind " + std::string(expected_kind)));
    return;
  }
  if (Status s = limit(incoming->statement.actor); !s.ok()) {
    done(s);
    return;
  }
  if (gate_) {
    if (Status s = gate_(incoming->statement); !s.ok()) {
      done(s);
      return;
    }
  }
  auto shared = std::make_shared<Incoming>(std::move(*incoming));
  auto accepted = std::make_shared<Accepted>();
  Clock clock = clock_;
  ledger_->submit(
      [shared, accepted, region, clock](ledger::Batch& batch) {
        return decide_and_append(batch, *shared, region, clock(), *accepted);
      },
      [accepted, done = std::move(done)](const Status& status) {
        if (!status.ok()) {
          done(status);
        } else {
          done(std::move(*accepted));
        }
      });
}

Result<Accepted> Service::submit_and_wait(std::string statement, std::string signature_base64) {
  std::promise<Result<Accepted>> promise;
  submit(std::move(statement), std::move(signature_base64),
         [&promise](Result<Accepted> outcome) { promise.set_value(std::move(outcome)); });
  return promise.get_future().get();
}

SignedStatement Service::sign_as_node(const std::string& kind, const nlohmann::json& body,
                                      clearing::Region region) const {
  return sign_statement(*node_key_, "node." + std::string(clearing::region_code(identity_.region)),
                        kind, body, std::string(clearing::region_code(region)), clock_(),
                        crypto::random_hex(nonce_bytes));
}

void Service::set_gate(Gate gate) { gate_ = std::move(gate); }

void Service::set_actor_rate(RateLimit limit) {
  actor_limiter_ = std::make_unique<RateLimiter>(limit);
}

Result<std::optional<nlohmann::json>> Service::state(clearing::Table table,
                                                     const std::string& key) const {
  Result<ledger::ReadView> view = ledger_->view();
  if (!view.ok()) return view.status();
  return LedgerStore(*view).get(table, key);
}

Result<std::vector<std::pair<std::string, nlohmann::json>>> Service::scan_some(
    clearing::Table table, std::size_t rows_max,
    const std::function<bool(std::string_view record)>& keep) const {
  Result<ledger::ReadView> view = ledger_->view();
  if (!view.ok()) return view.status();
  std::vector<std::pair<std::string, nlohmann::json>> rows;
  Status failure;
  Status scanned = view->scan(
      static_cast<ledger::Table>(table), "", [&](std::string_view key, std::string_view value) {
        if (!keep(value)) return true;
        nlohmann::json record = nlohmann::json::parse(value, nullptr, false);
        if (record.is_discarded()) {
          failure = Status(Code::storage_corrupt, "a state record is not JSON");
          return false;
        }
        rows.emplace_back(std::string(key), std::move(record));
        return rows.size() < rows_max;
      });
  if (!scanned.ok()) return scanned;
  if (!failure.ok()) return failure;
  return rows;
}

Status Service::read(const std::function<Status(const clearing::Store&)>& reader) const {
  Result<ledger::ReadView> view = ledger_->view();
  if (!view.ok()) return view.status();
  return reader(LedgerStore(*view));
}

Result<std::vector<std::pair<std::string, nlohmann::json>>> Service::scan(
    clearing::Table table, const std::string& prefix) const {
  Result<ledger::ReadView> view = ledger_->view();
  if (!view.ok()) return view.status();
  return LedgerStore(*view).scan(table, prefix);
}

Result<nlohmann::json> Service::query(const std::string& statement,
                                      const std::string& signature_base64,
                                      std::string_view expected_kind) {
  Result<Incoming> incoming =
      check_incoming(statement, signature_base64, *ledger_, identity_.region, clock_());
  if (!incoming.ok()) return incoming.status();
  if (!expected_kind.empty() && incoming->statement.kind != expected_kind) {
    return Status(Code::bad_statement, "this route takes kind " + std::string(expected_kind));
  }
  if (incoming->statement.kind.rfind("query.", 0) != 0) {
    return Status(Code::unknown_kind, "not a query: " + incoming->statement.kind);
  }
  if (Status s = limit(incoming->statement.actor); !s.ok()) return s;
  if (Status s = remember_query(incoming->statement); !s.ok()) return s;
  Result<ledger::ReadView> view = ledger_->view();
  if (!view.ok()) return view.status();
  const ledger::ReadView& snapshot = *view;
  return clearing::query(LedgerStore(snapshot), incoming->statement,
                         [&snapshot](std::uint64_t index) { return snapshot.entry(index); });
}

Status Service::limit(const std::string& actor) {
  if (actor.rfind("node.", 0) == 0) return Status::success();
  return actor_limiter_->take(actor, clock_());
}

// A query is accepted while its time is within clock_skew_ms_max of the node's clock, so its
// nonce is kept until that window has passed; after that the query is stale anyway.
Status Service::remember_query(const clearing::Statement& statement) {
  const std::int64_t now_ms = clock_();
  const std::string key = statement.actor + "\n" + statement.nonce;
  std::lock_guard lock(query_nonces_mutex_);
  if (query_nonces_.size() >= query_nonces_max) {
    std::erase_if(query_nonces_, [&](const auto& entry) { return entry.second < now_ms; });
  }
  if (query_nonces_.size() >= query_nonces_max) {
    return Status(Code::rate_limited, "too many recent queries; retry after " +
                                          std::to_string(rate_limited_retry_after_s) + " s");
  }
  const auto [found, inserted] =
      query_nonces_.emplace(key, statement.time_ms + clearing::clock_skew_ms_max);
  if (!inserted && found->second >= now_ms) {
    return Status(Code::nonce_conflict, "nonce " + statement.nonce + " was used for a query");
  }
  found->second = statement.time_ms + clearing::clock_skew_ms_max;
  return Status::success();
}

}  // namespace innoclear::nodes
