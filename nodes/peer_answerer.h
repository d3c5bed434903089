// Answers peers: batches of peer requests and questions about clearing periods.
//
// A batch of peer requests is authenticated twice — the TLS client certificate must be the
// manifest's for the region the statement's actor belongs to, and the statement's signature the
// node key recorded from the manifest — then each is submitted to the service like any
// statement. The answer is a statement of this node, kind peer.answer, carrying the recorded
// result and the index and SHA-256 of the entry that recorded it; asking again returns the same
// entry (the replay key of peer requests is the request id).
#pragma once

#include <functional>
#include <string>

#include "nodes/manifest.h"
#include "nodes/period_clearing.h"
#include "nodes/rate_limit.h"
#include "nodes/service.h"
#include "nodes/witnessing.h"

namespace innoclear::nodes {

class PeerAnswerer {
 public:
  // REQUIRES: everything given outlives this.
  // `peer_rate` bounds the batches and period questions each peer region may send (off: 0).
  PeerAnswerer(Service& service, const Manifest& manifest, const Witnessing& witnessing,
               PeriodClearing& clearing, std::size_t batch_requests_max, RateLimit peer_rate = {});

  // Answers a batch of peer requests, body {"requests":[{"signature","statement"},…]}, from a
  // client whose TLS certificate has `client_fingerprint`. `done` runs once, on some thread, with
  // the body {"answers":[{"answer":{"signature","statement"}} | {"problem":{"code","detail"}},…]}
  // or with the refusal of the whole batch (forbidden, bad_statement, peer_forked, rate_limited).
  using AnswerDone = std::function<void(Result<std::string>)>;
  void answer(const std::string& client_fingerprint, const std::string& body, AnswerDone done);
  // A peer asking for its side of a period (GET /v1/peer/period?period=P): see
  // PeriodClearing::view_for. Reads only: the question is noted (PeriodClearing::note_asked) and
  // nothing is activated or written by it. rate_limited beyond the peer's rate.
  Result<std::string> answer_period(const std::string& client_fingerprint,
                                    const std::string& period);

 private:
  // The member presenting this certificate, if it is a peer (not this node).
  const Member* peer_with(const std::string& client_fingerprint) const;

  Service& service_;
  const Manifest& manifest_;
  const Witnessing& witnessing_;
  PeriodClearing& clearing_;
  const std::size_t batch_requests_max_;
  RateLimiter peer_limiter_;  // keyed by the peer's region code
};

}  // namespace innoclear::nodes
