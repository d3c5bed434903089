// The application tier of the PostgreSQL baseline: what a provincial IT team would put in front
// of the database, on the same HTTPS server stack as innoclear (api::HttpsServer), serving
// POST /v1/voucher/redeem with the statement as the body and its signature in the
// Innoclear-Signature header, as an innoclear node does.
//
// The server's I/O threads must not block, so the handler only queues the request; a pool of
// worker threads, each owning one libpq connection, answers. A worker checks the statement as
// innoclear does before it touches the ledger (canonical bytes, shape, kind, region, time, then
// the Ed25519 signature against the actor's key from `actors`), then calls the SQL function
// redeem() in one round trip with synchronous_commit = on. Answers: 200 with
// {"amount","audit_seq","voucher_id"}; 409 problem+json for a refusal by the database; 401 for a
// missing or bad signature, an unknown actor or a stale time; 400 for a malformed statement.
//
// The database connections are whatever `conninfo` says; the benchmark's script gives TCP to
// 127.0.0.1 with sslmode=disable, as an application server next to its database would (the TLS
// that is measured is the client's, to this tier).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "base/status.h"

namespace innoclear::bench::pg {

constexpr std::size_t app_workers_max = 256;
// Requests waiting for a worker; more are answered 503 at once. Each client has one request in
// flight, so this is never reached by the benchmark.
constexpr std::size_t app_queue_requests_max = 4096;

struct AppTierOptions {
  std::string conninfo;
  std::size_t workers = 16;  // worker threads, one database connection each
  std::filesystem::path certificate_pem;
  std::filesystem::path private_key_pem;
  std::string region = "BJ";  // statements for another region are refused
};

class AppTier {
 public:
  // Opens `workers` connections, prepares the two statements on each, starts the workers and the
  // HTTPS server on 127.0.0.1 with an ephemeral port. Fails with io_error if a connection or a
  // statement fails, invalid_argument on a worker count of 0 or above app_workers_max, or what
  // HttpsServer::start fails with.
  static Result<std::unique_ptr<AppTier>> start(const AppTierOptions& options);
  // stop().
  ~AppTier();
  AppTier(const AppTier&) = delete;
  AppTier& operator=(const AppTier&) = delete;

  std::uint16_t port() const;
  // Stops the server (in-flight requests are answered), then the workers, and closes the
  // connections. Idempotent. REQUIRES: not called from a worker or a server thread.
  void stop();

  struct Impl;

 private:
  explicit AppTier(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace innoclear::bench::pg
