#include "api/host.h"

#include "api/peer_transport.h"

namespace innoclear::api {

Result<std::unique_ptr<Host>> Host::start(nodes::Node& node, HostOptions options) {
  std::unique_ptr<Host> host(new Host(node));
  host->routes_ = std::make_unique<Routes>(node.service(), std::move(options.request_log));
  ServerOptions& server = options.server;
  if (server.certificate_pem.empty()) server.certificate_pem = node.dir().tls_certificate();
  if (server.private_key_pem.empty()) server.private_key_pem = node.dir().tls_key();
  if (nodes::Federation* federation = node.federation(); federation != nullptr) {
    for (const nodes::Member& member : federation->manifest().members) {
      if (member.region != node.service().identity().region) {
        server.client_certificate_fingerprints.insert(member.tls_fingerprint);
      }
    }
    host->routes_->set_federation(federation);
  }
  if (!server.client_certificate_fingerprints.empty()) {
    server.client_certificate_optional = true;  // enterprises, offices and auditors have none
  }
  Routes* routes = host->routes_.get();
  Result<std::unique_ptr<HttpsServer>> started =
      HttpsServer::start(std::move(server), [routes](HttpRequest request, Respond respond) {
        routes->handle(std::move(request), std::move(respond));
      });
  if (!started.ok()) return started.status();
  host->server_ = std::move(*started);
  return host;
}

Host::~Host() { stop(); }

void Host::stop() {
  if (server_) server_->stop();
}

nodes::TransportFactory https_peer_transport(std::uint32_t timeout_ms) {
  return [timeout_ms](const nodes::Manifest& manifest,
                      const nodes::DataDir& dir) -> Result<std::unique_ptr<nodes::PeerTransport>> {
    Result<std::unique_ptr<HttpsPeerTransport>> transport =
        HttpsPeerTransport::create(manifest, dir, timeout_ms);
    if (!transport.ok()) return transport.status();
    return std::unique_ptr<nodes::PeerTransport>(std::move(*transport));
  };
}

}  // namespace innoclear::api
