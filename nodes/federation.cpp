#include "nodes/federation.h"

#include <cstdio>

#include "clearing/federation.h"
#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "nodes/witness.h"

namespace innoclear::nodes {

namespace {

constexpr std::size_t problem_detail_bytes_max = 300;

std::string code_of(clearing::Region region) { return std::string(clearing::region_code(region)); }

nlohmann::json problem_of(const Status& status) {
  return {{"code", static_cast<int>(status.code())},
          {"detail", status.message().substr(0, problem_detail_bytes_max)}};
}

// What a batch of answers is waiting for: one slot per request.
struct PendingBatch {
  std::mutex mutex;
  std::vector<nlohmann::json> answers;
  std::size_t remaining = 0;
  Federation::AnswerDone done;
};

}  // namespace

// The sender's state of one peer: back-off and what went wrong last, for status().
struct Federation::PeerState {
  std::uint32_t backoff_ms = 0;
  std::uint64_t delivered = 0;
  std::string last_error;
  std::size_t last_batch = 0;  // rows in the last batch sent
};

// The witness's view of its peers: the durable record, and which peers are forked (read by the
// gate and the senders on every statement, so kept in memory too).
struct Federation::Witness {
  std::unique_ptr<WitnessRecord> record;
  std::map<clearing::Region, bool> forked;
  std::map<clearing::Region, std::string> last_error;
};

Federation::Federation(Service& service, Manifest manifest, PeerTransport& transport,
                       FederationOptions options)
    : service_(service),
      manifest_(std::move(manifest)),
      transport_(transport),
      options_(std::move(options)),
      witness_(std::make_unique<Witness>()) {
  assert(manifest_.find(service_.identity().region) != nullptr);
  for (clearing::Region peer : peers()) peer_states_[peer] = std::make_unique<PeerState>();
}

Federation::~Federation() { stop(); }

std::vector<clearing::Region> Federation::peers() const {
  std::vector<clearing::Region> regions;
  for (const Member& member : manifest_.members) {
    if (member.region != service_.identity().region) regions.push_back(member.region);
  }
  return regions;
}

void Federation::log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

Status Federation::adopt_manifest() {
  service_.set_gate([this](const clearing::Statement& statement) -> Status {
    const std::optional<clearing::Region> peer =
        clearing::cross_region_peer(statement, service_.identity().region);
    if (peer && is_forked(*peer)) {
      return {Code::peer_forked, code_of(*peer) + " showed two histories; no new work with it"};
    }
    return Status::success();
  });
  // Already recorded? The same version with the same keys needs no new entry.
  Result<std::optional<nlohmann::json>> recorded =
      service_.state(clearing::Table::settings, "federation");
  if (!recorded.ok()) return recorded.status();
  // What the rules record from this manifest (members by region: accepts and name).
  nlohmann::json members = nlohmann::json::object();
  const nlohmann::json adoption = adoption_body(manifest_);  // outlives the loop below
  for (const nlohmann::json& member : adoption["members"]) {
    members[member["region"].get<std::string>()] = {{"accepts", member["accepts"]},
                                                     {"name", member["name"]}};
  }
  bool same = recorded->has_value() && (**recorded)["version"] == manifest_.version &&
              (**recorded).value("period_seconds", std::int64_t{-1}) == manifest_.period_seconds &&
              (**recorded)["members"] == members;
  for (clearing::Region peer : peers()) {
    const Member& member = *manifest_.find(peer);
    for (const auto& [id, key] : {std::pair{"node." + code_of(peer), member.node_key},
                                  std::pair{"office." + code_of(peer), member.office_key}}) {
      Result<std::optional<nlohmann::json>> actor = service_.state(clearing::Table::actors, id);
      if (!actor.ok()) return actor.status();
      same = same && actor->has_value() &&
             (**actor).value("key", "") == crypto::encode_public_key(key);
    }
  }
  if (same) return Status::success();
  const SignedStatement signed_statement = service_.sign_as_node(
      "federation.manifest", adoption_body(manifest_), service_.identity().region);
  return service_.submit_and_wait(signed_statement.bytes, signed_statement.signature_base64)
      .status();
}

Status Federation::open_witness() {
  if (options_.witness_dir.empty()) return Status::success();
  Result<std::unique_ptr<WitnessRecord>> record = WitnessRecord::open(options_.witness_dir);
  if (!record.ok()) return record.status();
  std::lock_guard lock(mutex_);
  witness_->record = std::move(*record);
  for (clearing::Region peer : peers()) {
    witness_->forked[peer] = witness_->record->is_forked(origin_of(peer));
  }
  return Status::success();
}

void Federation::start() {
  stopping_ = false;
  for (clearing::Region peer : peers()) {
    threads_.emplace_back([this, peer] { send_loop(peer); });
  }
  if (!options_.witness_dir.empty()) threads_.emplace_back([this] { witness_loop(); });
  threads_.emplace_back([this] { clearing_loop(); });
}

void Federation::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

bool Federation::sleep_for(std::uint32_t ms) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_.load(); });
  return !stopping_;
}

bool Federation::is_forked(clearing::Region peer) const {
  std::lock_guard lock(mutex_);
  const auto found = witness_->forked.find(peer);
  return found != witness_->forked.end() && found->second;
}

void Federation::send_loop(clearing::Region peer) {
  PeerState& state = *peer_states_.at(peer);
  while (!stopping_) {
    if (is_forked(peer)) {
      if (!sleep_for(options_.witness_interval_ms)) return;
      continue;
    }
    Result<std::size_t> sent = send_round(peer);
    std::uint32_t wait_ms = options_.outbox_poll_ms;
    {
      std::lock_guard lock(mutex_);
      if (!sent.ok()) {
        const bool news = state.last_error != sent.status().message();
        state.backoff_ms = state.backoff_ms == 0
                               ? options_.peer_retry_backoff_ms_min
                               : std::min(options_.peer_retry_backoff_ms_max, state.backoff_ms * 2);
        state.last_error = sent.status().message();
        wait_ms = state.backoff_ms;
        if (news) log("federation: " + code_of(peer) + ": " + state.last_error + "; retrying");
      } else {
        state.backoff_ms = 0;
        state.last_error.clear();
        state.delivered += *sent;
        if (*sent > 0) wait_ms = 0;
      }
    }
    if (wait_ms > 0 && !sleep_for(wait_ms)) return;
  }
}

Result<std::size_t> Federation::send_round(clearing::Region peer) {
  // Rows are canonical JSON: the peer's field can be recognised without parsing every row.
  const std::string for_peer = "\"peer\":\"" + code_of(peer) + "\"";
  Result<std::vector<std::pair<std::string, nlohmann::json>>> rows = service_.scan_some(
      clearing::Table::outbox, options_.peer_batch_requests_max,
      [&](std::string_view record) { return record.find(for_peer) != std::string_view::npos; });
  if (!rows.ok()) return rows.status();
  nlohmann::json requests = nlohmann::json::array();
  std::size_t batch_bytes = 0;
  for (const auto& [request_id, row] : *rows) {
    if (row.value("peer", "") != code_of(peer)) continue;
    const SignedStatement request =
        service_.sign_as_node(row["kind"].get<std::string>(), row["body"], peer);
    batch_bytes += request.bytes.size() + request.signature_base64.size();
    if (!requests.empty() && batch_bytes > peer_batch_bytes_max) break;
    requests.push_back({{"signature", request.signature_base64}, {"statement", request.bytes}});
  }
  {
    std::lock_guard lock(mutex_);
    peer_states_.at(peer)->last_batch = requests.size();
  }
  if (requests.empty()) return std::size_t{0};
  Result<PeerResponse> response = transport_.post(
      peer, std::string(peer_requests_path), nlohmann::json{{"requests", requests}}.dump());
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    return Status(Code::io_error, "HTTP " + std::to_string(response->status) + " " +
                                      response->body.substr(0, problem_detail_bytes_max));
  }
  const nlohmann::json answers = nlohmann::json::parse(response->body, nullptr, false);
  if (!answers.is_object() || !answers.contains("answers") || !answers["answers"].is_array() ||
      answers["answers"].size() != requests.size()) {
    return Status(Code::io_error, "the peer's answer is malformed");
  }
  // Record every answer, all at once (one group commit); the rows they answer leave the outbox
  // in the same entries.
  struct Recording {
    std::mutex mutex;
    std::condition_variable finished;
    std::size_t remaining = 0;
    std::size_t recorded = 0;
    Status first_failure;
  };
  auto recording = std::make_shared<Recording>();
  const auto note = [recording](const Status& status) {
    std::lock_guard lock(recording->mutex);
    if (status.ok()) {
      ++recording->recorded;
    } else if (recording->first_failure.ok()) {
      recording->first_failure = status;
    }
    if (--recording->remaining == 0) recording->finished.notify_all();
  };
  recording->remaining = answers["answers"].size();
  for (const nlohmann::json& item : answers["answers"]) {
    // Peer data: every field is checked before use (a const operator[] on a missing key aborts).
    const auto answer = item.is_object() ? item.find("answer") : item.end();
    const bool well_formed = answer != item.end() && answer->is_object() &&
                             answer->contains("statement") && (*answer)["statement"].is_string() &&
                             answer->contains("signature") && (*answer)["signature"].is_string();
    if (!well_formed) {
      const auto problem = item.is_object() ? item.find("problem") : item.end();
      note(Status(Code::io_error, "the peer refused a request: " +
                                      (problem == item.end() ? item.dump() : problem->dump())));
      continue;
    }
    service_.submit((*answer)["statement"].get<std::string>(),
                    (*answer)["signature"].get<std::string>(),
                    [note](Result<Accepted> accepted) {
                      note(accepted.ok() ? Status::success()
                                         : Status(accepted.status().code(),
                                                  "cannot record the peer's answer: " +
                                                      accepted.status().message()));
                    },
                    "peer.answer");
  }
  std::unique_lock lock(recording->mutex);
  recording->finished.wait(lock, [&] { return recording->remaining == 0; });
  if (!recording->first_failure.ok() && recording->recorded == 0) return recording->first_failure;
  return recording->recorded;
}

void Federation::answer(const std::string& client_fingerprint, const std::string& body,
                        AnswerDone done) {
  const Member* caller = nullptr;
  for (const Member& member : manifest_.members) {
    if (!client_fingerprint.empty() && member.tls_fingerprint == client_fingerprint) caller = &member;
  }
  if (caller == nullptr || caller->region == service_.identity().region) {
    return done(Status(Code::forbidden, "peer requests need the TLS certificate of a member node"));
  }
  if (is_forked(caller->region)) {
    return done(Status(Code::peer_forked, "this node saw " + code_of(caller->region) +
                                              " show two histories; it takes no new work from it"));
  }
  const nlohmann::json batch = nlohmann::json::parse(body, nullptr, false);
  if (!batch.is_object() || !batch.contains("requests") || !batch["requests"].is_array() ||
      batch["requests"].empty() || batch["requests"].size() > options_.peer_batch_requests_max) {
    return done(Status(Code::bad_statement, "a batch is {\"requests\":[…]} of 1…" +
                                                std::to_string(options_.peer_batch_requests_max)));
  }
  auto pending = std::make_shared<PendingBatch>();
  pending->answers.resize(batch["requests"].size());
  pending->remaining = batch["requests"].size();
  pending->done = std::move(done);
  const clearing::Region caller_region = caller->region;
  const std::string caller_actor = "node." + code_of(caller_region);
  auto finish_one = [this, pending, caller_region](std::size_t slot, Result<Accepted> accepted) {
    nlohmann::json item;
    if (!accepted.ok()) {
      item = {{"problem", problem_of(accepted.status())}};
    } else {
      Result<ledger::ReadView> view = service_.ledger().view();
      Result<std::string> entry = view.ok() ? view->entry(accepted->index)
                                            : Result<std::string>(view.status());
      if (!entry.ok()) {
        item = {{"problem", problem_of(entry.status())}};
      } else {
        const SignedStatement answer = service_.sign_as_node(
            "peer.answer",
            {{"entry_index", accepted->index},
             {"entry_sha256", crypto::hex_encode(crypto::sha256(*entry))},
             {"request_id", accepted->result.value("request_id", "")},
             {"result", accepted->result}},
            caller_region);
        item = {{"answer", {{"signature", answer.signature_base64}, {"statement", answer.bytes}}}};
      }
    }
    std::unique_lock lock(pending->mutex);
    pending->answers[slot] = std::move(item);
    if (--pending->remaining > 0) return;
    lock.unlock();
    pending->done(nlohmann::json{{"answers", pending->answers}}.dump());
  };
  for (std::size_t slot = 0; slot < batch["requests"].size(); ++slot) {
    const nlohmann::json& request = batch["requests"][slot];
    if (!request.is_object() || !request.contains("statement") || !request["statement"].is_string() ||
        !request.contains("signature") || !request["signature"].is_string()) {
      finish_one(slot, Status(Code::bad_statement, "a request is {\"signature\",\"statement\"}"));
      continue;
    }
    const std::string statement = request["statement"].get<std::string>();
    const nlohmann::json parsed = nlohmann::json::parse(statement, nullptr, false);
    if (!parsed.is_object() || parsed.value("actor", "") != caller_actor) {
      finish_one(slot, Status(Code::forbidden, "a peer request must be stated by " + caller_actor));
      continue;
    }
    const std::string kind = parsed.value("kind", "");
    if (kind != "peer.receipt.consume" && kind != "peer.voucher.honour") {
      finish_one(slot, Status(Code::unknown_kind, "not a peer request: " + kind));
      continue;
    }
    service_.submit(statement, request["signature"].get<std::string>(),
                    [finish_one, slot](Result<Accepted> accepted) {
                      finish_one(slot, std::move(accepted));
                    },
                    {});
  }
}

nlohmann::json Federation::status() const {
  nlohmann::json peers_json = nlohmann::json::object();
  std::lock_guard lock(mutex_);
  for (const auto& [region, state] : peer_states_) {
    peers_json[code_of(region)] = {{"backoff_ms", state->backoff_ms},
                                   {"delivered", state->delivered},
                                   {"forked", witness_->forked.contains(region) && witness_->forked.at(region)},
                                   {"last_error", state->last_error},
                                   {"last_batch", state->last_batch}};
  }
  return {{"forks", witness_->record ? witness_->record->forks().size() : 0},
          {"peers", peers_json},
          {"region", code_of(service_.identity().region)}};
}

void Federation::witness_loop() {
  while (sleep_for(options_.witness_interval_ms)) {
    for (clearing::Region peer : peers()) {
      Status status = witness_round(peer);
      std::lock_guard lock(mutex_);
      std::string& last = witness_->last_error[peer];
      if (!status.ok() && status.message() != last) {
        log("witness: " + code_of(peer) + ": " + status.message());
      }
      last = status.ok() ? std::string() : status.message();
    }
  }
}

namespace {

Result<std::vector<ledger::Hash>> parse_proof_hashes(const std::string& body) {
  const nlohmann::json proof = nlohmann::json::parse(body, nullptr, false);
  if (!proof.is_object() || !proof.contains("hashes") || !proof["hashes"].is_array() ||
      proof["hashes"].size() > witness_proof_hashes_max) {
    return Status(Code::bad_encoding, "the consistency proof is malformed");
  }
  std::vector<ledger::Hash> hashes;
  for (const auto& item : proof["hashes"]) {
    Result<crypto::Bytes> bytes = item.is_string() ? crypto::base64_decode(item.get<std::string>())
                                                   : Result<crypto::Bytes>(Status(Code::bad_encoding, ""));
    if (!bytes.ok() || bytes->size() != ledger::Hash().size()) {
      return Status(Code::bad_encoding, "the consistency proof holds a malformed hash");
    }
    ledger::Hash hash;
    std::copy(bytes->begin(), bytes->end(), hash.begin());
    hashes.push_back(hash);
  }
  return hashes;
}

}  // namespace

Status Federation::witness_round(clearing::Region peer) {
  const Member& member = *manifest_.find(peer);
  const WitnessedPeer witnessed{origin_of(peer), crypto::make_note_verifier(origin_of(peer), member.node_key)};
  Result<PeerResponse> fetched = transport_.get(peer, "/v1/ledger/checkpoint");
  if (!fetched.ok()) return fetched.status();
  if (fetched->status != 200) return {Code::io_error, "checkpoint: HTTP " + std::to_string(fetched->status)};
  Result<SeenCheckpoint> seen = open_peer_checkpoint(witnessed, fetched->body);
  if (!seen.ok()) return seen.status();
  Result<std::optional<SeenCheckpoint>> last = witness_->record->load(witnessed.origin);
  if (!last.ok()) return last.status();
  std::vector<ledger::Hash> proof;
  if (last->has_value() && seen->size > (**last).size) {
    Result<PeerResponse> served = transport_.get(
        peer, "/v1/ledger/proof/consistency?from=" + std::to_string((**last).size) +
                  "&to=" + std::to_string(seen->size));
    if (!served.ok()) return served.status();
    if (served->status != 200) return {Code::io_error, "proof: HTTP " + std::to_string(served->status)};
    Result<std::vector<ledger::Hash>> hashes = parse_proof_hashes(served->body);
    if (!hashes.ok()) return hashes.status();
    proof = std::move(*hashes);
  }
  const WitnessSelf self{service_.identity().origin, &service_.node_key()};
  Result<Observation> observed = witness_checkpoint(*witness_->record, witnessed, self, fetched->body,
                                                    proof, service_.now_ms());
  if (!observed.ok()) return observed.status();
  if (observed->verdict == Verdict::fork) {
    std::lock_guard lock(mutex_);
    if (!witness_->forked[peer]) {
      log("witness: FORK: " + code_of(peer) + " (" + observed->fork->reason +
          "); no new cross-region work with it; evidence in " + options_.witness_dir.string());
    }
    witness_->forked[peer] = true;
  }
  return Status::success();
}

Result<std::string> Federation::cosigned_checkpoint(clearing::Region peer) const {
  if (!witness_->record) return Status(Code::not_found, "this node does not witness");
  Result<std::optional<std::string>> note = witness_->record->load_cosigned(origin_of(peer));
  if (!note.ok()) return note.status();
  if (!note->has_value()) return Status(Code::not_found, "no checkpoint of " + code_of(peer) + " yet");
  return **note;
}

nlohmann::json Federation::forks() const {
  nlohmann::json list = nlohmann::json::array();
  if (witness_->record) {
    for (const ForkEvidence& evidence : witness_->record->forks()) list.push_back(evidence.to_json());
  }
  return list;
}

}  // namespace innoclear::nodes
