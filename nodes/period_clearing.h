// This node's part in settling the federation's clearing periods. Each round, for every period
// that has ended with cross-region lines (or that a peer asked about):
//   1. fetch each peer's side of it, compare the bilateral statements line by line, and close the
//      period once every one agrees and both sides are complete (no request still in flight);
//   2. when every member has closed, propose the settlement (net positions and transfers);
//   3. when every member's finance office has signed it, record all the signatures: settled.
// Each step is a statement of this node checked by the rules (clearing/rules_settlement.cpp);
// a peer that is down or disagrees only delays the next step.
//
// round() is driven by the node's timer (Federation) or stepped by a test.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "clearing/periods.h"
#include "clearing/settlement.h"
#include "nodes/manifest.h"
#include "nodes/peer.h"
#include "nodes/service.h"

namespace innoclear::nodes {

class PeriodClearing {
 public:
  // REQUIRES: `service`, `manifest` and `transport` outlive this.
  PeriodClearing(Service& service, const Manifest& manifest, PeerTransport& transport);

  // Pushes every active period one step on; the first failure is returned (a period that cannot
  // advance holds back no other).
  Status round();
  // Makes an ended period one this node works to settle (a peer asked about it).
  void activate(const std::string& period);
  // This node's side of a period for `peer` (GET /v1/peer/period): its lines with the peer,
  // whether they are complete, its close and its office's signature, if any, and its checkpoint.
  Result<std::string> view_for(clearing::Region peer, const std::string& period) const;
  // The open differences of a period with each peer, with the entries and inclusion proofs that
  // show them (empty when none).
  nlohmann::json differences(const std::string& period) const;

 private:
  Status advance(const std::string& period);
  Status close(const clearing::Period& period,
               const std::map<clearing::Region, nlohmann::json>& views);
  nlohmann::json difference_report(clearing::Region peer,
                                   const std::vector<clearing::Difference>& found,
                                   const nlohmann::json& view);
  Status submit_own(const std::string& kind, const nlohmann::json& body);
  std::vector<clearing::Region> peers() const;

  Service& service_;
  const Manifest& manifest_;
  PeerTransport& transport_;
  mutable std::mutex mutex_;
  std::set<std::string> active_;                       // guarded by mutex_
  std::map<std::string, nlohmann::json> differences_;  // period → peer → report; mutex_
};

}  // namespace innoclear::nodes
