#include "nodes/witnessing.h"

#include "crypto/encoding.h"
#include "nodes/data_dir.h"

namespace innoclear::nodes {

namespace {

Result<std::vector<ledger::Hash>> parse_proof_hashes(const std::string& body) {
  const nlohmann::json proof = nlohmann::json::parse(body, nullptr, false);
  if (!proof.is_object() || !proof.contains("hashes")) {
    return Status(Code::bad_encoding, "the consistency proof is malformed");
  }
  return hashes_from_json(proof["hashes"], witness_proof_hashes_max);
}

}  // namespace

Witnessing::Witnessing(Service& service, const Manifest& manifest, PeerTransport& transport,
                       std::filesystem::path dir, std::function<void(const std::string&)> log)
    : service_(service),
      manifest_(manifest),
      transport_(transport),
      dir_(std::move(dir)),
      log_(std::move(log)) {}

Witnessing::~Witnessing() = default;

Status Witnessing::open() {
  if (dir_.empty()) return Status::success();
  Result<std::unique_ptr<WitnessRecord>> record = WitnessRecord::open(dir_);
  if (!record.ok()) return record.status();
  std::lock_guard lock(mutex_);
  record_ = std::move(*record);
  for (const Member& member : manifest_.members) {
    if (member.region == service_.identity().region) continue;
    forked_[member.region] = record_->is_forked(origin_of(member.region));
  }
  return Status::success();
}

void Witnessing::round() {
  if (!record_) return;
  for (const Member& member : manifest_.members) {
    if (member.region == service_.identity().region) continue;
    Status status = round(member.region);
    std::lock_guard lock(mutex_);
    std::string& last = last_error_[member.region];
    if (!status.ok() && status.message() != last)
      log_("witness: " + code_of(member.region) + ": " + status.message());
    last = status.ok() ? std::string() : status.message();
  }
}

Status Witnessing::round(clearing::Region peer) {
  if (!record_) return Status(Code::not_found, "this node does not witness");
  const Member& member = *manifest_.find(peer);
  const WitnessedPeer witnessed{origin_of(peer),
                                crypto::make_note_verifier(origin_of(peer), member.node_key)};
  Result<PeerResponse> fetched = transport_.get(peer, "/v1/ledger/checkpoint");
  if (!fetched.ok()) return fetched.status();
  if (fetched->status != 200)
    return {Code::io_error, "checkpoint: HTTP " + std::to_string(fetched->status)};
  Result<SeenCheckpoint> seen = open_peer_checkpoint(witnessed, fetched->body);
  if (!seen.ok()) return seen.status();
  Result<std::optional<SeenCheckpoint>> last = record_->load(witnessed.origin);
  if (!last.ok()) return last.status();
  std::vector<ledger::Hash> proof;
  if (last->has_value() && seen->size > (**last).size) {
    Result<PeerResponse> served =
        transport_.get(peer, "/v1/ledger/proof/consistency?from=" + std::to_string((**last).size) +
                                 "&to=" + std::to_string(seen->size));
    if (!served.ok()) return served.status();
    if (served->status != 200)
      return {Code::io_error, "proof: HTTP " + std::to_string(served->status)};
    Result<std::vector<ledger::Hash>> hashes = parse_proof_hashes(served->body);
    if (!hashes.ok()) return hashes.status();
    proof = std::move(*hashes);
  }
  const WitnessSelf self{service_.identity().origin, &service_.node_key()};
  Result<Observation> observed =
      witness_checkpoint(*record_, witnessed, self, fetched->body, proof, service_.now_ms());
  if (!observed.ok()) return observed.status();
  if (observed->verdict != Verdict::fork) {
    std::lock_guard lock(mutex_);
    std::map<std::uint64_t, ledger::Hash>& roots = roots_[peer];
    roots[observed->checkpoint.size] = observed->checkpoint.root;
    if (roots.size() > witnessed_roots_max) roots.erase(roots.begin());
    return Status::success();
  }
  {
    std::lock_guard lock(mutex_);
    if (!forked_[peer]) {
      log_("witness: FORK: " + code_of(peer) + " (" + observed->fork->reason +
           "); no new cross-region work with it; evidence in " + dir_.string());
    }
    forked_[peer] = true;
  }
  return Status::success();
}

bool Witnessing::is_forked(clearing::Region peer) const {
  std::lock_guard lock(mutex_);
  const auto found = forked_.find(peer);
  return found != forked_.end() && found->second;
}

std::optional<ledger::Hash> Witnessing::witnessed_root(clearing::Region peer,
                                                       std::uint64_t size) const {
  if (!record_) return std::nullopt;
  {
    std::lock_guard lock(mutex_);
    const auto roots = roots_.find(peer);
    if (roots != roots_.end()) {
      const auto root = roots->second.find(size);
      if (root != roots->second.end()) return root->second;
    }
  }
  Result<std::optional<SeenCheckpoint>> last = record_->load(origin_of(peer));
  if (!last.ok() || !last->has_value() || (**last).size != size) return std::nullopt;
  return (**last).root;
}

Result<std::string> Witnessing::cosigned_checkpoint(clearing::Region peer) const {
  if (!record_) return Status(Code::not_found, "this node does not witness");
  Result<std::optional<std::string>> note = record_->load_cosigned(origin_of(peer));
  if (!note.ok()) return note.status();
  if (!note->has_value())
    return Status(Code::not_found, "no checkpoint of " + code_of(peer) + " yet");
  return **note;
}

nlohmann::json Witnessing::forks() const {
  nlohmann::json list = nlohmann::json::array();
  if (record_) {
    for (const ForkEvidence& evidence : record_->forks()) list.push_back(evidence.to_json());
  }
  return list;
}

std::size_t Witnessing::fork_count() const { return record_ ? record_->forks().size() : 0; }

}  // namespace innoclear::nodes
