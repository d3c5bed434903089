// This node's part in settling the federation's clearing periods. Each round, for every period
// that has ended with cross-region lines on either side (its own obligation lines, or a peer that
// asked about it and whose own answer says it has lines):
//   1. fetch each peer's side of it, compare the bilateral statements line by line, and close the
//      period once every one agrees and both sides are complete (no request still in flight);
//   2. when every member has closed, propose the settlement (net positions and transfers);
//   3. when every member's finance office has signed it, record all the signatures: settled.
// Each step is a statement of this node checked by the rules (clearing/rules_settlement.cpp);
// a peer that is down or disagrees only delays the next step.
//
// Bounds (issue 12, finding 5): a peer's read never activates a period by itself and never makes
// this node write; a period nobody has lines in is never closed (nothing written); a period whose
// round moved nothing is polled again only after a wait that doubles from retry_ms_min to
// retry_ms_max; at most active_periods_max periods are worked at once (own-line periods first,
// oldest first; the rest wait); at most asked_periods_max peers' questions wait to be checked.
//
// round() is driven by the node's timer (Federation) or stepped by a test, from one thread at a
// time.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "clearing/periods.h"
#include "clearing/settlement.h"
#include "nodes/manifest.h"
#include "nodes/peer.h"
#include "nodes/service.h"

namespace innoclear::nodes {

constexpr std::size_t active_periods_max = 16;
constexpr std::size_t asked_periods_max = 16;
constexpr std::size_t checked_empty_periods_max = 1024;

struct PeriodClearingOptions {
  std::uint32_t round_ms = 500;         // how often round() runs: waits are counted in rounds
  std::uint32_t retry_ms_min = 1'000;   // wait after a round that moved a period nowhere …
  std::uint32_t retry_ms_max = 60'000;  // … doubled each such round up to this
  // Where a settled period's files go, once this node records the settlement: <dir>/<period>/
  // <REGION>.settlement.json (the signed document and every office's signature) and this region's
  // statements, <REGION>.csv and <REGION>.camt053.xml. Empty: no files (tests).
  std::filesystem::path statements_dir;
};

class PeriodClearing {
 public:
  // REQUIRES: `service`, `manifest` and `transport` outlive this.
  PeriodClearing(Service& service, const Manifest& manifest, PeerTransport& transport,
                 PeriodClearingOptions options = {});

  // Pushes every active period that is due one step on; the first failure is returned (a period
  // that cannot advance holds back no other).
  Status round();
  // A peer asked about an ended period (GET /v1/peer/period). Nothing is activated here: the next
  // round asks that peer whether it has lines in the period, and works the period only if so.
  // Thread-safe; beyond asked_periods_max waiting questions, the question is dropped (the peer
  // asks again).
  void note_asked(clearing::Region peer, const std::string& period);
  // This node's side of a period for `peer` (GET /v1/peer/period): its lines with the peer,
  // whether they are complete, whether it has lines in the period with any member, its close and
  // its office's signature, if any, and its checkpoint. Reads only.
  Result<std::string> view_for(clearing::Region peer, const std::string& period) const;
  // The open differences of a period with each peer, with the entries and inclusion proofs that
  // show them (empty when none).
  nlohmann::json differences(const std::string& period) const;

 private:
  // A period's back-off: what the last attempt saw and when the next one is due.
  struct Progress {
    std::string seen;  // the stored record and the peers' answers of the last attempt
    std::string record;
    std::uint64_t due_round = 0;
    std::uint64_t wait_rounds = 0;
  };

  Result<std::vector<std::string>> worked_periods(std::int64_t now_ms);
  void check_asked(const std::set<std::string>& own);
  Status attempt(const std::string& period, const std::string& record);
  Status advance(const std::string& period, std::string& seen);
  Status close(const clearing::Period& period,
               const std::map<clearing::Region, nlohmann::json>& views);
  nlohmann::json difference_report(clearing::Region peer,
                                   const std::vector<clearing::Difference>& found,
                                   const nlohmann::json& view);
  Status submit_own(const std::string& kind, const nlohmann::json& body);
  Status write_settled(const std::string& period, const nlohmann::json& signatures) const;
  std::vector<clearing::Region> peers() const;

  Service& service_;
  const Manifest& manifest_;
  PeerTransport& transport_;
  const PeriodClearingOptions options_;
  mutable std::mutex mutex_;
  std::set<std::string> peer_active_;              // activated by a peer's lines; mutex_
  std::map<std::string, clearing::Region> asked_;  // period → who asked; mutex_
  // Periods a peer's answer showed empty: questions about them are not checked again until the
  // round given (else two nodes checking each other would ask back and forth forever). mutex_
  std::map<std::string, std::uint64_t> checked_empty_;
  std::map<std::string, Progress> progress_;           // the round's thread only
  std::uint64_t rounds_ = 0;                           // mutex_ (written by the round's thread)
  std::map<std::string, nlohmann::json> differences_;  // period → peer → report; mutex_
};

}  // namespace innoclear::nodes
