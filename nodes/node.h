// One region's node, assembled in one place: its service and, once it joins a federation, the
// transport to its peers and the federation built from the manifest; and the timer that signs a
// checkpoint whenever the ledger grew. The command line's `node`, the API tests, the federation
// tests and the benchmarks all build a node here (the API side is api::Host).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "nodes/federation.h"
#include "nodes/manifest.h"
#include "nodes/peer.h"
#include "nodes/service.h"

namespace innoclear::nodes {

// Makes the transport to the peers of `manifest`: mutual TLS in a node process (api/), an
// in-process one in tests.
using TransportFactory = std::function<Result<std::unique_ptr<PeerTransport>>(
    const Manifest& manifest, const DataDir& dir)>;

struct NodeOptions {
  ServiceOptions service;
  // How often a checkpoint is signed when the ledger grew; 0: never by the node (the caller signs).
  std::uint32_t checkpoint_interval_ms = 1'000;
  // Per-actor rate of statements and queries (Service::set_actor_rate); off by default.
  RateLimit actor_rate;
};

class Node {
 public:
  static Result<std::unique_ptr<Node>> open(NodeOptions options);
  ~Node();  // stop()
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Joins the federation of `manifest`: it must list this node's key and certificate
  // (invalid_argument otherwise). Records the manifest, opens the witness record, and installs
  // the fork gate (Federation::join). Call before start() and before the node serves requests.
  Status join(Manifest manifest, const TransportFactory& make_transport, FederationOptions options);

  // Starts the federation's threads and the checkpoint timer. stop() joins them, and signs a last
  // checkpoint; idempotent. The outbox stays on disk for the next start.
  void start();
  void stop();

  Service& service() { return *service_; }
  const DataDir& dir() const { return dir_; }
  // Null until join().
  Federation* federation() { return federation_.get(); }
  PeerTransport* transport() { return transport_.get(); }

 private:
  Node() = default;
  void checkpoint_loop();

  DataDir dir_;
  std::uint32_t checkpoint_interval_ms_ = 0;
  std::unique_ptr<Service> service_;
  std::unique_ptr<PeerTransport> transport_;
  std::unique_ptr<Federation> federation_;  // destroyed before the transport it uses
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread checkpoints_;
};

}  // namespace innoclear::nodes
