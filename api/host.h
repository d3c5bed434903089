// A node behind its HTTPS API: the node's routes on one listener, serving enterprises, offices
// and auditors without client certificates and the federation's peers with the certificates the
// manifest lists. With nodes::Node, the one place a node is assembled.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "api/https.h"
#include "api/routes.h"
#include "nodes/node.h"

namespace innoclear::api {

struct HostOptions {
  // Address, threads, limits and the server's log; the certificate and key default to the node's
  // own (tls/ in its data directory).
  ServerOptions server;
  // One JSON line per request (Routes); default stderr.
  std::function<void(const std::string&)> request_log;
};

class Host {
 public:
  // Serves `node` (and its federation, if it joined one). REQUIRES: `node` outlives the host.
  static Result<std::unique_ptr<Host>> start(nodes::Node& node, HostOptions options);
  ~Host();  // stop()
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  std::uint16_t port() const { return server_->port(); }
  // Serves the node's federation from now on: for a node that joins after its server started
  // (its port goes into the manifest). Its peers' certificates must have been admitted in
  // options.server.client_certificate_fingerprints.
  void serve_federation() { routes_->set_federation(node_.federation()); }
  // Stops accepting; requests already read finish, their entries durable before the replies.
  void stop();

 private:
  explicit Host(nodes::Node& node) : node_(node) {}
  nodes::Node& node_;
  std::unique_ptr<Routes> routes_;
  std::unique_ptr<HttpsServer> server_;
};

// The transport for nodes::Node::join in a node process: mutual TLS to each peer, pinned by the
// manifest's certificate fingerprints, every call bounded by `timeout_ms`.
nodes::TransportFactory https_peer_transport(std::uint32_t timeout_ms);

}  // namespace innoclear::api
