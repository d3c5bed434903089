// The HTTP API of one node: JSON under /v1, RFC 9457 problem+json errors carrying the stable
// reason code, a JSON log line per request, /v1/health and Prometheus /metrics.
//
//   POST /v1/<kind with '/' for '.'>   a signed statement (body: its canonical bytes; header
//                                      Innoclear-Signature: base64 Ed25519 signature), e.g.
//                                      POST /v1/voucher/redeem for kind voucher.redeem
//   POST /v1/query/<name>              a signed query (kind query.<name>), not recorded
//   GET  /v1/health, /metrics
//   GET  /v1/policy                    the region's policy in force (clearing/directory.h)
//   GET  /v1/directory[?scope=region|federation]  the provider directory: this region's, or every
//                                      member's as this node last read it (nodes/directories.h)
//   GET  /v1/ledger/checkpoint         the latest signed checkpoint (text/plain)
//   GET  /v1/ledger/entries/<i>        refused (403 forbidden): entries are read with the signed
//                                      POST /v1/query/entry
//   GET  /v1/ledger/proof/inclusion?index=I&size=N, /v1/ledger/proof/consistency?from=M&to=N
//   POST /v1/peer/requests             a batch of peer requests (mutual TLS, manifest members)
//   GET  /v1/federation                peers, outboxes, back-off and fork count
//   GET  /v1/federation/forks          fork evidence: both signed checkpoints of each fork
//   GET  /v1/witness/<region>          the peer's last verified checkpoint, cosigned by this node
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/https.h"
#include "nodes/federation.h"
#include "nodes/service.h"

namespace innoclear::api {

class LineBudget;

// Refusals logged per second at most; the rest are counted in a "suppressed" line.
constexpr std::uint32_t failure_log_lines_per_second_max = 20;
// Bound of a problem's "detail" (it may quote what a client sent).
constexpr std::size_t problem_detail_bytes_max = 1024;

// HTTP status for a stable reason code.
unsigned http_status(Code code);
// RFC 9457 body: {"code","detail","status","title","type"}. Never fails: the detail is made valid
// UTF-8 of at most problem_detail_bytes_max bytes (api/log_text.h).
std::string problem_json(const Status& status);

class Routes {
 public:
  // `log` receives one JSON line per request (default: stderr): "route" (the path), "remote"
  // (ip:port), "status", "outcome", "latency_us", "time_ms", and the body's actor as
  // "claimed_actor", or as "actor" once a signed route answered 2xx. Each field that comes from the
  // request is valid UTF-8 of at most log_field_bytes_max bytes; refusals beyond
  // failure_log_lines_per_second_max a second are summed up in a {"suppressed":K} line.
  explicit Routes(nodes::Service& service, std::function<void(const std::string&)> log = {});
  ~Routes();
  void handle(HttpRequest request, Respond respond);
  // Serves the federation's routes from now on (also while requests are being served: a node
  // whose port goes into the manifest joins after its server started). REQUIRES: `federation`
  // outlives the routes.
  void set_federation(nodes::Federation* federation) {
    federation_.store(federation, std::memory_order_release);
  }

  struct Metrics;

 private:
  std::string metrics_text() const;
  nodes::Service& service_;
  std::atomic<nodes::Federation*> federation_{nullptr};
  std::function<void(const std::string&)> log_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<LineBudget> failure_log_budget_;
};

}  // namespace innoclear::api
