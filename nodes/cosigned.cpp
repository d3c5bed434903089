#include "nodes/cosigned.h"

#include "crypto/cosignature.h"
#include "crypto/signed_note.h"
#include "nodes/data_dir.h"
#include "nodes/witness.h"

namespace innoclear::nodes {

Cosigned::Cosigned(Service& service, const Manifest& manifest, PeerTransport& transport)
    : service_(service), manifest_(manifest), transport_(transport) {
  for (const Member& member : manifest_.members) {
    if (member.region != service_.identity().region) copies_[member.region] = WitnessCopy{};
  }
}

Result<WitnessCopy> Cosigned::read(const Member& peer) {
  const NodeIdentity& self = service_.identity();
  Result<PeerResponse> response =
      transport_.get(peer.region, "/v1/witness/" + code_of(self.region));
  if (!response.ok()) return response.status();
  if (response->status == 404) return Status(Code::not_found, "nothing cosigned yet");
  if (response->status != 200) {
    return Status(Code::io_error, "HTTP " + std::to_string(response->status));
  }
  const WitnessedPeer own{self.origin, crypto::make_note_verifier(self.origin, self.public_key)};
  Result<SeenCheckpoint> seen = open_peer_checkpoint(own, response->body);
  if (!seen.ok()) return seen.status();
  Result<std::uint64_t> timestamp = crypto::verify_note_cosignature(
      response->body, crypto::make_cosigner(origin_of(peer.region), peer.node_key));
  if (!timestamp.ok()) return timestamp.status();
  Result<ledger::ReadView> view = service_.ledger().view();
  if (!view.ok()) return view.status();
  if (seen->size > view->size()) {
    return Status(Code::verify_failed, "cosigned size " + std::to_string(seen->size) +
                                           " is beyond this ledger's " +
                                           std::to_string(view->size()));
  }
  Result<ledger::Hash> root = view->root(seen->size);
  if (!root.ok()) return root.status();
  if (*root != seen->root) {
    return Status(Code::verify_failed,
                  "cosigned root differs from this ledger's at size " + std::to_string(seen->size));
  }
  return WitnessCopy{std::move(response->body), seen->size, *timestamp, service_.now_ms(), {}};
}

bool Cosigned::round() {
  std::lock_guard round_lock(round_mutex_);
  bool all = true;
  for (const Member& member : manifest_.members) {
    if (member.region == service_.identity().region) continue;
    Result<WitnessCopy> copy = read(member);
    std::lock_guard lock(mutex_);
    WitnessCopy& kept = copies_[member.region];
    if (!copy.ok()) {
      kept.last_error = copy.status().to_string();
    } else if (copy->size >= kept.size) {
      kept = std::move(*copy);
    } else {  // a witness that shows less keeps showing the most, and is said to
      kept.last_error = "showed a smaller copy, of " + std::to_string(copy->size) + " entries";
    }
    all = all && !kept.note.empty();
  }
  return all;
}

nlohmann::json Cosigned::view() const {
  nlohmann::json witnesses = nlohmann::json::array();
  std::lock_guard lock(mutex_);
  for (const Member& member : manifest_.members) {
    const auto found = copies_.find(member.region);
    if (found == copies_.end()) continue;
    const WitnessCopy& copy = found->second;
    nlohmann::json witness = {{"region", code_of(member.region)},
                              {"cosigner", origin_of(member.region)},
                              {"last_error", copy.last_error}};
    if (!copy.note.empty()) {
      witness.update({{"note", copy.note},
                      {"size", copy.size},
                      {"timestamp_s", copy.timestamp_s},
                      {"as_of_ms", copy.as_of_ms}});
    }
    witnesses.push_back(std::move(witness));
  }
  return {{"origin", service_.identity().origin}, {"witnesses", std::move(witnesses)}};
}

}  // namespace innoclear::nodes
