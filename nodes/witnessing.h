// This node as a witness of its peers' ledgers: each round fetches every peer's latest checkpoint
// and a consistency proof from the size recorded last, checks them (nodes/witness.h), cosigns
// what holds together and keeps the evidence of a fork. A forked peer gets no new cross-region
// work: the service's gate, the senders and the answerer ask is_forked().
//
// round() is driven by the node's timer (Federation) or stepped by a test.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "nodes/manifest.h"
#include "nodes/peer.h"
#include "nodes/service.h"
#include "nodes/witness.h"

namespace innoclear::nodes {

// Checkpoints a witness remembers per peer beyond the recorded one: a coordinator proves against
// the size it read from this node a moment ago, while rounds go on.
constexpr std::size_t witnessed_roots_max = 256;

class Witnessing {
 public:
  // `dir` empty: this node does not witness (round() does nothing, no peer is ever forked).
  // REQUIRES: `service`, `manifest` and `transport` outlive this.
  Witnessing(Service& service, const Manifest& manifest, PeerTransport& transport,
             std::filesystem::path dir, std::function<void(const std::string&)> log);
  ~Witnessing();

  // Opens the record in `dir` and the forks it holds. Call before the first round().
  Status open();
  bool enabled() const { return !dir_.empty(); }

  // Witnesses every peer once; a peer that fails is logged when its failure is new.
  void round();
  // Witnesses one peer once.
  Status round(clearing::Region peer);

  bool is_forked(clearing::Region peer) const;
  // The root of the peer's tree of `size` leaves if this node verified a checkpoint of that size
  // (the recorded one, or one of the last witnessed_roots_max seen since start): what a peer's
  // inclusion proof must lead to. nullopt when this node never verified that size.
  std::optional<ledger::Hash> witnessed_root(clearing::Region peer, std::uint64_t size) const;
  // The peer's last checkpoint this node verified, with this node's cosignature appended.
  Result<std::string> cosigned_checkpoint(clearing::Region peer) const;
  // Every fork evidence recorded (ForkEvidence::to_json), for auditors.
  nlohmann::json forks() const;
  std::size_t fork_count() const;

 private:
  Service& service_;
  const Manifest& manifest_;
  PeerTransport& transport_;
  const std::filesystem::path dir_;
  std::function<void(const std::string&)> log_;
  std::unique_ptr<WitnessRecord> record_;
  mutable std::mutex mutex_;
  std::map<clearing::Region, bool> forked_;             // guarded by mutex_
  std::map<clearing::Region, std::string> last_error_;  // guarded by mutex_
  // Sizes and roots verified since start, the newest witnessed_roots_max per peer.
  std::map<clearing::Region, std::map<std::uint64_t, ledger::Hash>> roots_;  // guarded by mutex_
};

}  // namespace innoclear::nodes
