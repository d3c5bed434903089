// HTTPS transport (Boost.Beast over OpenSSL): a small asynchronous server and a blocking
// keep-alive client. Routing, authentication and JSON live above this, in api/routes.
//
// Every operation has a deadline and every buffer a bound (STYLE.md, "Limits"): a slow or hostile
// client costs one connection slot for at most its timeout and cannot stall others.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace innoclear::api {

struct HttpRequest {
  std::string method;                                        // "GET", "POST", …
  std::string target;                                        // path and query, e.g. "/v1/health"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string peer_address;                        // "127.0.0.1:51234"
  std::string peer_certificate_fingerprint;        // hex SHA-256 of the client's cert DER, if any
  std::chrono::steady_clock::time_point received;  // when the request was fully read

  // First header with this (lower-case) name, or nullopt.
  std::optional<std::string> header(std::string_view name) const;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// Called once per response; thread-safe; may be called from any thread, later.
using Respond = std::function<void(HttpResponse)>;
// Called on a server I/O thread for each complete request. Must not block: long work goes to
// another thread, which calls `respond` when done. Exactly one respond() per request.
using Handler = std::function<void(HttpRequest request, Respond respond)>;

// The bounds a server holds against floods (issue 12, "Floods"), as nginx or Envoy would: deadlines
// for the handshake and for each request's header as a whole (not per byte), a cap per source
// address and a global cap sized to the descriptors the process may open, idle kept-alive
// connections closed first when the cap is reached, and a request rate per source address.
struct ServerLimits {
  std::size_t header_bytes_max = 8 * 1024;     // larger → 431, connection closed
  std::size_t body_bytes_max = 64 * 1024;      // larger → 413, connection closed
  std::uint32_t handshake_timeout_ms = 5'000;  // from accept to the end of the TLS handshake
  // From the handshake, or from the first byte of a later request, to the end of the request's
  // header: one deadline for the whole header (slowloris). Capped by read_timeout_ms.
  std::uint32_t header_timeout_ms = 5'000;
  std::uint32_t read_timeout_ms = 10'000;  // from the first byte to the whole request
  std::uint32_t write_timeout_ms = 10'000;
  std::uint32_t idle_timeout_ms = 30'000;     // keep-alive wait for the next request
  std::uint32_t handler_timeout_ms = 30'000;  // no respond() by then → 503
  // Connections open at once; 0: the process's descriptor limit (RLIMIT_NOFILE, see
  // raise_descriptor_limit) less descriptors_reserved. At the cap, the oldest connection that
  // sits idle between requests is closed to let the new one in; with none idle, the new one is
  // closed at once.
  std::size_t connections_max = 0;
  std::size_t descriptors_reserved = 256;  // for LMDB, peer clients, logs and the listener
  // Connections open at once from one IP address; more are closed at once. 0: no cap.
  std::size_t connections_per_address_max = 64;
  // Requests per second from one IP address (a token bucket holding requests_burst_per_address);
  // more are answered 429 rate_limited with Retry-After. 0: no limit.
  std::uint32_t requests_per_address_per_second = 500;
  std::uint32_t requests_burst_per_address = 1'000;
  // The server's lines about single connections (refusals, timeouts) per second; more are
  // counted and summed up in the next line that is written.
  std::uint32_t log_lines_per_second_max = 20;
  std::uint32_t shutdown_grace_ms = 10'000;  // stop(): in-flight requests get this long
};

// Raises this process's soft limit on open descriptors (RLIMIT_NOFILE) to its hard limit and
// returns the soft limit now in force (unchanged if raising failed). A node calls it at start.
std::uint64_t raise_descriptor_limit();

// The server name (SNI) a client that pins the node's own certificate sends, whatever host it
// connects to: a node with an operator's certificate for browsers still shows such clients (its
// peers, the command line with --pin) the certificate they pin. ".invalid" never resolves.
constexpr const char* pinned_server_name = "node.innoclear.invalid";

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the system picks; see HttpsServer::port()
  std::filesystem::path certificate_pem;
  std::filesystem::path private_key_pem;
  // Optional: a certificate chain and key for browsers (e.g. from the region's CA), shown to a
  // client that asks for a host name (SNI) other than pinned_server_name; a client that sends no
  // name or that name gets certificate_pem. Such clients are never asked for a certificate.
  std::filesystem::path browser_certificate_pem;
  std::filesystem::path browser_private_key_pem;
  std::size_t threads = 2;
  ServerLimits limits;
  // Mutual TLS (node-to-node): when non-empty, a client must present a certificate whose SHA-256
  // DER fingerprint (lowercase hex) is in this set, or the handshake fails.
  std::set<std::string> client_certificate_fingerprints;
  // With mutual TLS: also admit clients that present no certificate (the public API of a node
  // that also serves its peers); HttpRequest::peer_certificate_fingerprint is then empty and the
  // routes decide. A certificate that is presented must still be in the set.
  bool client_certificate_optional = false;
  // One line per event worth an operator's attention (bind, accept errors, shutdown).
  std::function<void(const std::string&)> log;
};

class HttpsServer {
 public:
  // Binds, listens and starts `threads` I/O threads. Fails with io_error (the reason names the
  // address) if the address cannot be bound, bad_certificate if the PEM files do not load.
  static Result<std::unique_ptr<HttpsServer>> start(ServerOptions options, Handler handler);
  // stop() if still running.
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  std::uint16_t port() const;
  // Stops accepting, lets requests already read finish (up to shutdown_grace_ms), closes every
  // connection and joins the I/O threads. Idempotent; thread-safe.
  // REQUIRES: not called from a handler or any other I/O thread (it joins them; asserted).
  void stop();

  struct Impl;

 private:
  explicit HttpsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct ClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  // Trust: the server's certificate must have this SHA-256 DER fingerprint (lowercase hex)
  // (pinning, as peers do; the client then sends the server name pinned_server_name), or, if
  // empty, chain to `ca_certificate_pem` and be valid for `host`.
  std::string server_certificate_fingerprint;
  std::filesystem::path ca_certificate_pem;
  // Optional client certificate for mutual TLS.
  std::filesystem::path client_certificate_pem;
  std::filesystem::path client_private_key_pem;
  std::uint32_t timeout_ms = 10'000;  // connect, handshake, and each request
  std::size_t response_body_bytes_max = 16 * 1024 * 1024;
};

// A blocking HTTPS/1.1 client over one keep-alive connection, reconnecting when the server
// closed it. Not thread-safe: one per thread.
class HttpsClient {
 public:
  explicit HttpsClient(ClientOptions options);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  // Fails with io_error on connection, TLS or timeout failures and bad_certificate when the
  // server's certificate does not match; an HTTP error status is a successful result.
  Result<HttpResponse> request(
      const std::string& method, const std::string& target, const std::string& body = {},
      const std::vector<std::pair<std::string, std::string>>& headers = {});

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Parses "http(s)://host:port" or "host:port" into host and port. Fails with invalid_argument.
Result<std::pair<std::string, std::uint16_t>> parse_host_port(const std::string& text);

}  // namespace innoclear::api
