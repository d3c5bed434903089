#include "bench/postgres/pg_app_tier.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "api/https.h"
#include "api/routes.h"
#include "bench/postgres/pg.h"
#include "clearing/rules.h"
#include "crypto/canonical_json.h"
#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "nodes/service.h"

namespace innoclear::bench::pg {

namespace {

constexpr std::string_view redeem_path = "/v1/voucher/redeem";
constexpr const char* actor_key_statement = "actor_key";
constexpr const char* redeem_statement = "redeem";
constexpr std::string_view refusal_sqlstate = "IC409";           // raised by refuse() in schema.sql
constexpr std::string_view unique_violation_sqlstate = "23505";  // the UNIQUE backstop

struct Job {
  api::HttpRequest request;
  api::Respond respond;
};

// Bounded FIFO from the server's I/O threads (push, never blocks) to the workers (pop, blocks).
class JobQueue {
 public:
  // Takes the job unless the queue is full or closed; then the caller still owns it.
  bool push(Job& job) {
    {
      std::lock_guard lock(mutex_);
      if (closed_ || jobs_.size() >= app_queue_requests_max) return false;
      jobs_.push_back(std::move(job));
    }
    ready_.notify_one();
    return true;
  }
  // The next job; nullopt once closed and empty.
  std::optional<Job> pop() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [this] { return closed_ || !jobs_.empty(); });
    if (jobs_.empty()) return std::nullopt;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    return job;
  }
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> jobs_;
  bool closed_ = false;
};

api::HttpResponse problem(unsigned status, const std::string& title, const std::string& detail) {
  return {status,
          "application/problem+json",
          crypto::canonical_dump({{"detail", detail},
                                  {"status", status},
                                  {"title", title},
                                  {"type", "urn:innoclear:problem:" + title}}),
          {}};
}

api::HttpResponse problem(const Status& status) {
  // The status innoclear's routes give the same refusal.
  return problem(api::http_status(status.code()), std::string(code_name(status.code())),
                 status.message());
}

struct Checked {
  std::string bytes;  // the canonical statement, as signed
  crypto::Bytes signature;
};

// innoclear's checks before a statement reaches its ledger (nodes/service.cpp, check_incoming):
// canonical bytes, shape, kind and region, time, then the signature under the actor's key.
Result<Checked> check_statement(PGconn& connection, const api::HttpRequest& request,
                                const std::string& region, std::int64_t now_ms) {
  const std::optional<std::string> signature_base64 = request.header("innoclear-signature");
  if (!signature_base64) return Status(Code::bad_signature, "missing Innoclear-Signature header");
  Result<nlohmann::json> parsed = crypto::parse_canonical(request.body);
  if (!parsed.ok()) return parsed.status();
  Result<clearing::Statement> statement = clearing::parse_statement(*parsed);
  if (!statement.ok()) return statement.status();
  if (statement->kind != "voucher.redeem") {
    return Status(Code::bad_statement, "this route takes voucher.redeem statements");
  }
  if (statement->region != region) {
    return Status(Code::wrong_region, "statement is for region " + statement->region);
  }
  if (Status s = clearing::check_time(*statement, now_ms); !s.ok()) return s;
  Result<crypto::Bytes> signature = crypto::base64_decode(*signature_base64);
  if (!signature.ok() || signature->size() != crypto::signature_bytes) {
    return Status(Code::bad_signature, "the signature must be base64 of 64 bytes");
  }
  const Param actor[] = {Param::text(statement->actor)};
  const PgResult key = exec_prepared(connection, actor_key_statement, actor, true);
  if (!succeeded(key.get())) return failure("looking up the actor's key", key.get());
  if (PQntuples(key.get()) == 0) {
    return Status(Code::unknown_actor, "unknown actor " + statement->actor);
  }
  const std::string_view key_bytes = field(key.get(), 0, 0);
  crypto::PublicKey public_key{};
  if (key_bytes.size() != public_key.size()) {
    return Status(Code::storage_corrupt, "the key of " + statement->actor + " is not 32 bytes");
  }
  std::copy(key_bytes.begin(), key_bytes.end(), public_key.begin());
  if (!crypto::verify(public_key, request.body, *signature)) {
    return Status(Code::bad_signature,
                  "signature does not verify under " + statement->actor + "'s key");
  }
  return Checked{request.body, std::move(*signature)};
}

// One request, start to answer, on a worker's own connection.
api::HttpResponse answer(PGconn& connection, const api::HttpRequest& request,
                         const std::string& region) {
  if (request.method != "POST" || request.target != redeem_path) {
    return problem(Status(Code::not_found, "no route " + request.method + " " + request.target));
  }
  Result<Checked> checked = check_statement(connection, request, region, nodes::system_clock_ms());
  if (!checked.ok()) return problem(checked.status());
  const Param params[] = {Param::text(checked->bytes),
                          Param::binary(crypto::as_text(checked->signature))};
  const PgResult result = exec_prepared(connection, redeem_statement, params, false);
  if (succeeded(result.get())) {
    return {200, "application/json", std::string(field(result.get(), 0, 0)), {}};
  }
  const std::string state = sqlstate(result.get());
  if (state == refusal_sqlstate) {
    return problem(409, error_message(result.get()), error_detail(result.get()));
  }
  if (state == unique_violation_sqlstate) {
    return problem(409, "already_redeemed", error_detail(result.get()));
  }
  return problem(failure("redeem()", result.get()));
}

Status prepare(PGconn& connection) {
  // Types spelled out: the signature is sent as binary bytea.
  const std::pair<const char*, const char*> statements[] = {
      {actor_key_statement, "SELECT key FROM actors WHERE id = $1::text"},
      {redeem_statement, "SELECT redeem($1::text, $2::bytea)"}};
  for (const auto& [name, sql] : statements) {
    const PgResult result(PQprepare(&connection, name, sql, 0, nullptr));
    if (!succeeded(result.get())) return failure(std::string("preparing ") + name, result.get());
  }
  return Status::success();
}

}  // namespace

struct AppTier::Impl {
  AppTierOptions options;
  JobQueue queue;
  std::vector<Connection> connections;
  std::vector<std::thread> workers;
  std::unique_ptr<api::HttpsServer> server;

  ~Impl() { stop(); }

  void stop() {
    if (server) server->stop();  // answers what it has read; the queue is empty after
    queue.close();
    for (std::thread& worker : workers) worker.join();
    workers.clear();
    connections.clear();
  }
};

AppTier::AppTier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AppTier::~AppTier() { stop(); }

Result<std::unique_ptr<AppTier>> AppTier::start(const AppTierOptions& options) {
  if (options.workers == 0 || options.workers > app_workers_max) {
    return Status(Code::invalid_argument, "workers must be 1–" + std::to_string(app_workers_max));
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  for (std::size_t i = 0; i < options.workers; ++i) {
    Result<Connection> connection = connect(options.conninfo);
    if (!connection.ok()) return connection.status();
    if (Status s = prepare(**connection); !s.ok()) return s;
    impl->connections.push_back(std::move(*connection));
  }
  for (Connection& connection : impl->connections) {
    impl->workers.emplace_back(
        [&queue = impl->queue, &connection = *connection, &region = impl->options.region] {
          while (std::optional<Job> job = queue.pop()) {
            job->respond(answer(connection, job->request, region));
          }
        });
  }
  api::ServerOptions server_options;
  server_options.certificate_pem = options.certificate_pem;
  server_options.private_key_pem = options.private_key_pem;
  JobQueue& queue = impl->queue;
  Result<std::unique_ptr<api::HttpsServer>> server = api::HttpsServer::start(
      server_options, [&queue](api::HttpRequest request, api::Respond respond) {
        Job job{std::move(request), std::move(respond)};
        if (!queue.push(job)) {
          job.respond(problem(503, "shutting_down", "the application tier's queue is full"));
        }
      });
  if (!server.ok()) return server.status();
  impl->server = std::move(*server);
  return std::unique_ptr<AppTier>(new AppTier(std::move(impl)));
}

std::uint16_t AppTier::port() const { return impl_->server->port(); }

void AppTier::stop() { impl_->stop(); }

}  // namespace innoclear::bench::pg
