#include "api/peer_transport.h"

namespace innoclear::api {

Result<std::unique_ptr<HttpsPeerTransport>> HttpsPeerTransport::create(
    const nodes::Manifest& manifest, const nodes::DataDir& own, std::uint32_t timeout_ms) {
  auto transport = std::unique_ptr<HttpsPeerTransport>(new HttpsPeerTransport());
  for (const nodes::Member& member : manifest.members) {
    Result<std::pair<std::string, std::uint16_t>> address = parse_host_port(member.base_url);
    if (!address.ok()) return address.status();
    auto pool = std::make_unique<Pool>();
    pool->options.host = address->first;
    pool->options.port = address->second;
    pool->options.server_certificate_fingerprint = member.tls_fingerprint;
    pool->options.client_certificate_pem = own.tls_certificate();
    pool->options.client_private_key_pem = own.tls_key();
    pool->options.timeout_ms = timeout_ms;
    transport->pools_[member.region] = std::move(pool);
  }
  return transport;
}

Result<nodes::PeerResponse> HttpsPeerTransport::request(clearing::Region peer,
                                                        const std::string& method,
                                                        const std::string& target,
                                                        const std::string& body) {
  const auto found = pools_.find(peer);
  if (found == pools_.end()) {
    return Status(Code::not_found,
                  "no manifest member " + std::string(clearing::region_code(peer)));
  }
  Pool& pool = *found->second;
  std::unique_ptr<HttpsClient> client;
  {
    std::lock_guard lock(pool.mutex);
    if (!pool.idle.empty()) {
      client = std::move(pool.idle.back());
      pool.idle.pop_back();
    }
  }
  if (!client) client = std::make_unique<HttpsClient>(pool.options);
  Result<HttpResponse> response = client->request(method, target, body);
  if (!response.ok()) return response.status();  // the connection is dropped with the client
  {
    std::lock_guard lock(pool.mutex);
    if (pool.idle.size() < idle_connections_max) pool.idle.push_back(std::move(client));
  }
  return nodes::PeerResponse{response->status, std::move(response->body)};
}

Result<nodes::PeerResponse> HttpsPeerTransport::get(clearing::Region peer,
                                                    const std::string& target) {
  return request(peer, "GET", target, {});
}

Result<nodes::PeerResponse> HttpsPeerTransport::post(clearing::Region peer,
                                                     const std::string& target,
                                                     const std::string& body) {
  return request(peer, "POST", target, body);
}

}  // namespace innoclear::api
