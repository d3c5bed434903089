#include "api/routes.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>

#include "api/log_text.h"
#include "api/portal.h"
#include "clearing/directory.h"
#include "clearing/kinds.h"
#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "nodes/rate_limit.h"

namespace innoclear::api {

namespace {

constexpr std::array<double, 8> latency_buckets_ms = {1, 2, 5, 10, 20, 50, 100, 500};

HttpResponse json_response(unsigned status, std::string body) {
  return {status, "application/json", std::move(body), {}};
}

HttpResponse problem(const Status& status) {
  HttpResponse response{
      http_status(status.code()), "application/problem+json", problem_json(status), {}};
  if (status.code() == Code::rate_limited) {
    response.headers.emplace_back("Retry-After", std::to_string(nodes::rate_limited_retry_after_s));
  }
  return response;
}

// "?a=1&b=2" → value of `name`, or nullopt.
std::optional<std::uint64_t> query_number(const std::string& target, const std::string& name) {
  const std::size_t question = target.find('?');
  if (question == std::string::npos) return std::nullopt;
  const std::string query = "&" + target.substr(question + 1);
  const std::size_t at = query.find("&" + name + "=");
  if (at == std::string::npos) return std::nullopt;
  const std::string value =
      query.substr(at + name.size() + 2, query.find('&', at + 1) - at - name.size() - 2);
  if (value.empty() || value.size() > 19 ||
      value.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoull(value);
}

nlohmann::json hashes_json(const std::vector<ledger::Hash>& hashes) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& hash : hashes) list.push_back(crypto::base64_encode(hash));
  return list;
}

// The actor of canonical statement bytes: its first key.
std::string actor_of(const std::string& body) {
  constexpr std::string_view prefix = "{\"actor\":\"";
  if (body.compare(0, prefix.size(), prefix) != 0) return {};
  const std::size_t end = body.find('"', prefix.size());
  return end == std::string::npos ? std::string() : body.substr(prefix.size(), end - prefix.size());
}

std::string path_of(const std::string& target) { return target.substr(0, target.find('?')); }

// The route a path falls under, as metrics label it: one of a fixed set whatever paths arrive, so
// that distinct unknown paths cannot grow the metrics (issue 12, finding 6).
std::string route_template(const std::string& path) {
  static const std::set<std::string, std::less<>> fixed = {"/metrics",
                                                           "/v1/health",
                                                           "/v1/policy",
                                                           std::string(nodes::directory_path),
                                                           "/v1/ledger/checkpoint",
                                                           "/v1/ledger/proof/inclusion",
                                                           "/v1/ledger/proof/consistency",
                                                           std::string(nodes::peer_requests_path),
                                                           "/v1/peer/period",
                                                           "/v1/federation",
                                                           "/v1/federation/forks",
                                                           std::string(nodes::cosigned_path)};
  if (fixed.contains(path)) return path;
  if (path.starts_with("/v1/ledger/entries/")) return "/v1/ledger/entries/{i}";
  if (path.starts_with("/v1/witness/")) return "/v1/witness/{region}";
  if (clearing::kind_at_route(path) != nullptr) return path;
  if (path.starts_with("/v1/query/")) return "/v1/query/{name}";
  if (path == "/" || path == "/index.html") return "/";
  if (path.starts_with("/p/")) return "/p/{file}";
  return "other";
}

// The first header whose value holds a control byte, or nullopt.
std::optional<std::string> unclean_header(const HttpRequest& request) {
  for (const auto& [name, value] : request.headers) {
    if (!is_clean_header_value(value)) return name;
  }
  return std::nullopt;
}

}  // namespace

struct Routes::Metrics {
  std::mutex mutex;
  std::map<std::pair<std::string, std::string>, std::uint64_t> requests;  // (route, code)
  std::array<std::uint64_t, latency_buckets_ms.size() + 1> latency{};
  double latency_sum_ms = 0;
  std::uint64_t latency_count = 0;

  void record(const std::string& route, const std::string& code, double ms) {
    std::lock_guard lock(mutex);
    requests[{route, code}]++;
    std::size_t bucket = 0;
    while (bucket < latency_buckets_ms.size() && ms > latency_buckets_ms[bucket]) ++bucket;
    latency[bucket]++;
    latency_sum_ms += ms;
    latency_count++;
  }
};

unsigned http_status(Code code) {
  switch (code) {  // no default: a new code without a status does not compile
    case Code::ok:
      return 200;
    case Code::json_syntax:
    case Code::json_whitespace:
    case Code::json_unsorted_keys:
    case Code::json_duplicate_key:
    case Code::json_float:
    case Code::json_integer_out_of_range:
    case Code::json_invalid_utf8:
    case Code::json_too_deep:
    case Code::json_noncanonical_number:
    case Code::json_noncanonical_string:
    case Code::json_non_ascii_key:
    case Code::json_trailing_data:
      return 400;
    case Code::json_too_large:
      return 413;
    case Code::bad_signature:
      return 401;
    case Code::bad_key:
    case Code::bad_note:
    case Code::key_file:
    case Code::unknown_signer:
    case Code::bad_certificate:
    case Code::bad_encoding:
      return 500;
    case Code::io_error:
      return 500;
    case Code::storage_full:
      return 507;
    case Code::storage_corrupt:
      return 500;
    case Code::not_found:
      return 404;
    case Code::out_of_range:
      return 400;
    case Code::unsafe_storage:
    case Code::verify_failed:
      return 500;
    case Code::shutting_down:
      return 503;
    case Code::already_exists:
      return 409;
    case Code::invalid_argument:
      return 400;
    case Code::locked:
      return 500;
    case Code::bad_statement:
      return 400;
    case Code::unknown_actor:
    case Code::key_revoked:
      return 401;
    case Code::actor_revoked:
    case Code::forbidden:
    case Code::not_own_party:
    case Code::wrong_region:
      return 403;
    case Code::stale_time:
      return 401;
    case Code::nonce_conflict:
    case Code::id_conflict:
      return 409;
    case Code::unknown_kind:
    case Code::unknown_field:
    case Code::bad_target:
    case Code::invalid_id:
      return 400;
    case Code::rate_limited:
      return 429;
    case Code::amount_invalid:
    case Code::over_face_cap:
    case Code::over_yearly_count:
    case Code::over_yearly_amount:
    case Code::budget_insufficient:
    case Code::category_not_allowed:
    case Code::region_not_accepted:
    case Code::application_not_pending:
    case Code::voucher_not_live:
    case Code::voucher_expired:
      return 422;
    case Code::already_redeemed:
      return 409;
    case Code::receipt_not_confirmed:
    case Code::receipt_consumed:
    case Code::receipt_mismatch:
    case Code::not_assigned:
    case Code::not_payable:
    case Code::already_rated:
    case Code::rating_invalid:
    case Code::not_expired_yet:
    case Code::invalid_credit_code:
      return 422;
    case Code::actor_exists:
      return 409;
    case Code::no_budget:
    case Code::paid_exceeds_price:
    case Code::peer_forked:
    case Code::statements_differ:
    case Code::period_open:
      return 422;
    case Code::peer_unproven:
      return 403;
  }
  return 500;  // a number that names no code
}

std::string problem_json(const Status& status) {
  const std::string name(code_name(status.code()));
  // The detail may quote what a client sent: made valid, bounded UTF-8 so that dumping it cannot
  // fail (canonical_dump asserts valid UTF-8).
  return crypto::canonical_dump({{"code", static_cast<int>(status.code())},
                                 {"detail", log_text(status.message(), problem_detail_bytes_max)},
                                 {"status", http_status(status.code())},
                                 {"title", name},
                                 {"type", "urn:innoclear:problem:" + name}});
}

Routes::Routes(nodes::Service& service, std::function<void(const std::string&)> log)
    : service_(service),
      log_(std::move(log)),
      metrics_(std::make_unique<Metrics>()),
      failure_log_budget_(std::make_unique<LineBudget>(failure_log_lines_per_second_max)) {
  if (!log_) log_ = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
}

Routes::~Routes() = default;

namespace {

Result<HttpResponse> ledger_read(nodes::Service& service, const std::string& target) {
  Result<ledger::ReadView> view = service.ledger().view();
  if (!view.ok()) return view.status();
  const std::string path = path_of(target);
  if (path == "/v1/ledger/checkpoint") {
    Result<std::string> note = view->latest_checkpoint();
    if (!note.ok()) return note.status();
    return HttpResponse{200, "text/plain; charset=utf-8", std::move(*note), {}};
  }
  // Whole entries hold private data (credit codes, prices, payment references): they are read
  // with a signed query.entry, by the parties they name, the office, an auditor or a concerned
  // peer. The leaf hash of every entry stays public in its inclusion proof.
  if (path.starts_with("/v1/ledger/entries")) {
    return Status(Code::forbidden,
                  "entries are private: POST /v1/query/entry, signed; their leaf hashes are in "
                  "/v1/ledger/proof/inclusion");
  }
  if (path == "/v1/ledger/proof/inclusion") {
    const auto index = query_number(target, "index");
    const auto size = query_number(target, "size");
    if (!index || !size) return Status(Code::invalid_argument, "needs ?index=I&size=N");
    Result<ledger::InclusionProof> proof = view->prove_inclusion(*index, *size);
    if (!proof.ok()) return proof.status();
    return json_response(
        200, nlohmann::ordered_json{{"index", proof->index},
                                    {"tree_size", proof->tree_size},
                                    {"leaf_hash", crypto::base64_encode(proof->leaf_hash)},
                                    {"hashes", hashes_json(proof->hashes)}}
                 .dump());
  }
  if (path == "/v1/ledger/proof/consistency") {
    const auto from = query_number(target, "from");
    const auto to = query_number(target, "to");
    if (!from || !to) return Status(Code::invalid_argument, "needs ?from=M&to=N");
    Result<ledger::ConsistencyProof> proof = view->prove_consistency(*from, *to);
    if (!proof.ok()) return proof.status();
    return json_response(200, nlohmann::ordered_json{{"from", proof->from},
                                                     {"to", proof->to},
                                                     {"hashes", hashes_json(proof->hashes)}}
                                  .dump());
  }
  return Status(Code::not_found, "no route " + path);
}

// "?a=x&b=y" → the text of `name` (letters, digits, '-' only), or empty.
std::string query_text(const std::string& target, const std::string& name) {
  const std::size_t question = target.find('?');
  if (question == std::string::npos) return {};
  const std::string query = "&" + target.substr(question + 1);
  const std::size_t at = query.find("&" + name + "=");
  if (at == std::string::npos) return {};
  const std::size_t start = at + name.size() + 2;
  const std::string value = query.substr(start, query.find('&', start) - start);
  const bool plain =
      value.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") ==
      std::string::npos;
  return plain ? value : std::string();
}

// GET /v1/federation, /v1/federation/forks, /v1/ledger/cosigned, /v1/witness/<region>; nullopt
// for other paths.
Result<std::optional<HttpResponse>> federation_read(nodes::Federation& federation,
                                                    const HttpRequest& request) {
  const std::string path = path_of(request.target);
  if (path == "/v1/peer/period") {
    Result<std::string> answer = federation.answerer().answer_period(
        request.peer_certificate_fingerprint, query_text(request.target, "period"));
    if (!answer.ok()) return answer.status();
    return std::optional(json_response(200, std::move(*answer)));
  }
  if (path == "/v1/federation") {
    return std::optional(json_response(200, crypto::canonical_dump(federation.status())));
  }
  if (path == nodes::cosigned_path) {
    return std::optional(json_response(200, crypto::canonical_dump(federation.cosigned().view())));
  }
  if (path == "/v1/federation/forks") {
    return std::optional(
        json_response(200, crypto::canonical_dump({{"forks", federation.witnessing().forks()}})));
  }
  constexpr std::string_view witness = "/v1/witness/";
  if (path.compare(0, witness.size(), witness) != 0) return std::optional<HttpResponse>();
  Result<clearing::Region> peer = clearing::parse_region(path.substr(witness.size()));
  if (!peer.ok()) return Status(Code::not_found, "no region " + path.substr(witness.size()));
  Result<std::string> note = federation.witnessing().cosigned_checkpoint(*peer);
  if (!note.ok()) return note.status();
  return std::optional(HttpResponse{200, "text/plain; charset=utf-8", std::move(*note), {}});
}

// The end of every request: its metrics and its log line, then the response. Copied into the
// callbacks of answers that come later (a submitted statement, a peer batch).
struct Finish {
  Routes::Metrics* metrics;
  const std::function<void(const std::string&)>* log;
  LineBudget* failure_log_budget;
  std::string path;
  std::string actor;   // as the body claims it: authenticated only by a 2xx on a signed route
  std::string remote;  // the client's "ip:port"
  std::chrono::steady_clock::time_point received;
  Respond respond;
  // A peer's routine reads (its witness polls checkpoints every second) are counted in the
  // metrics but not logged line by line; anything else, and any failure, is.
  bool routine = false;
  bool signed_route = false;  // a statement or a query: its body carries a signature

  void operator()(HttpResponse response, const Status& status) const {
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - received)
            .count();
    const std::string code(code_name(status.code()));
    metrics->record(route_template(path), code, ms);
    if (!(routine && response.status == 200)) log_line(response.status, code, ms);
    respond(std::move(response));
  }
  void fail(const Status& status) const { (*this)(problem(status), status); }

  // Every request-supplied field goes through log_text: valid UTF-8, bounded, whatever was sent.
  // Failures are rate-limited (a flood of refusals cannot flood the log); the first line after a
  // suppression says how many were left out.
  void log_line(unsigned http_status, const std::string& code, double ms) const {
    if (http_status >= 400) {
      const LineBudget::Verdict verdict =
          failure_log_budget->take(std::chrono::steady_clock::now());
      if (!verdict.admit) return;
      if (verdict.suppressed > 0) {
        (*log)(crypto::canonical_dump(
            {{"suppressed", verdict.suppressed}, {"time_ms", nodes::system_clock_ms()}}));
      }
    }
    nlohmann::json line = {{"latency_us", static_cast<std::int64_t>(ms * 1000)},
                           {"outcome", code},
                           {"remote", log_text(remote)},
                           {"route", log_text(path)},
                           {"status", http_status},
                           {"time_ms", nodes::system_clock_ms()}};
    if (!actor.empty()) {
      const bool authenticated = signed_route && http_status / 100 == 2;
      line[authenticated ? "actor" : "claimed_actor"] = log_text(actor);
    }
    (*log)(crypto::canonical_dump(line));
  }
};

// GET /v1/policy and /v1/directory[?scope=region|federation]: what the region shows everyone.
Result<nlohmann::json> public_read(nodes::Service& service, nodes::Federation* federation,
                                   const std::string& target) {
  if (path_of(target) == "/v1/policy") {
    nlohmann::json answer;
    Status status = service.read([&](const clearing::Store& store) -> Status {
      Result<nlohmann::json> policy = clearing::public_policy(store, service.identity().region);
      if (!policy.ok()) return policy.status();
      answer = std::move(*policy);
      return Status::success();
    });
    if (!status.ok()) return status;
    return answer;
  }
  const std::string scope = query_text(target, "scope");
  if (scope != "federation") {
    if (target.find('?') != std::string::npos && scope != "region") {
      return Status(Code::invalid_argument, "?scope= is region or federation");
    }
    return nodes::local_directory(service);
  }
  if (federation != nullptr) return federation->directories().federation();
  // A node of no federation: the federation is this region.
  Result<nlohmann::json> own = nodes::local_directory(service);
  if (!own.ok()) return own;
  return clearing::federation_directory(
      {{service.identity().region, service.now_ms(), true, std::move(*own)}});
}

// GET routes but /metrics: health, the public reads, the federation's, then the ledger's.
void answer_get(nodes::Service& service, nodes::Federation* federation, const HttpRequest& request,
                const Finish& finish) {
  if (finish.path == "/v1/health") {
    finish(json_response(200, crypto::canonical_dump({{"ledger_size", service.ledger().size()},
                                                      {"origin", service.identity().origin},
                                                      {"status", "ok"}})),
           Status::success());
    return;
  }
  if (finish.path == "/v1/policy" || finish.path == nodes::directory_path) {
    Result<nlohmann::json> answer = public_read(service, federation, request.target);
    if (!answer.ok()) return finish.fail(answer.status());
    return finish(json_response(200, crypto::canonical_dump(*answer)), Status::success());
  }
  if (federation != nullptr) {
    Result<std::optional<HttpResponse>> answer = federation_read(*federation, request);
    if (!answer.ok()) return finish.fail(answer.status());
    if (answer->has_value()) return finish(std::move(**answer), Status::success());
  }
  Result<HttpResponse> response = ledger_read(service, request.target);
  if (!response.ok()) return finish.fail(response.status());
  return finish(std::move(*response), Status::success());
}

// A signed query: answered now, not recorded.
void answer_query(nodes::Service& service, nodes::Federation* federation,
                  const HttpRequest& request, const std::string& signature,
                  const clearing::Kind& kind, const Finish& finish) {
  Result<nlohmann::json> answer = service.query(request.body, signature, kind.name);
  if (!answer.ok()) return finish.fail(answer.status());
  if (kind.name == "query.settlement" && federation != nullptr) {
    (*answer)["differences"] =
        federation->clearing().differences((*answer)["period"].get<std::string>());
  }
  return finish(json_response(200, crypto::canonical_dump(*answer)), Status::success());
}

// POST routes: a peer's batch of requests, a signed query, or a signed statement to record.
void answer_post(nodes::Service& service, nodes::Federation* federation, HttpRequest request,
                 Finish finish) {
  const std::string& path = finish.path;
  if (path == nodes::peer_requests_path && federation != nullptr) {
    federation->answerer().answer(
        request.peer_certificate_fingerprint, request.body, [finish](Result<std::string> answers) {
          if (!answers.ok()) return finish.fail(answers.status());
          finish(json_response(200, std::move(*answers)), Status::success());
        });
    return;
  }
  const std::optional<std::string> signature = request.header("innoclear-signature");
  const clearing::Kind* kind = clearing::kind_at_route(path);
  if (kind == nullptr) return finish.fail(Status(Code::not_found, "no route " + path));
  finish.signed_route = true;
  if (!signature) {
    return finish.fail(Status(Code::bad_signature, "missing Innoclear-Signature header"));
  }
  if (clearing::is_query(*kind)) {
    return answer_query(service, federation, request, *signature, *kind, finish);
  }
  service.submit(
      std::move(request.body), *signature,
      [finish](Result<nodes::Accepted> accepted) {
        if (!accepted.ok()) return finish.fail(accepted.status());
        finish(json_response(200, crypto::canonical_dump({{"index", accepted->index},
                                                          {"replayed", accepted->replayed},
                                                          {"result", accepted->result}})),
               Status::success());
      },
      kind->name);
}

}  // namespace

void Routes::handle(HttpRequest request, Respond respond) {
  // A peer's period question is not routine: it is logged (finding 5).
  Finish finish{metrics_.get(),
                &log_,
                failure_log_budget_.get(),
                path_of(request.target),
                actor_of(request.body),
                request.peer_address,
                request.received,
                std::move(respond),
                request.method == "GET" && !request.peer_certificate_fingerprint.empty() &&
                    path_of(request.target) != "/v1/peer/period"};
  // Before anything reads them: a target must be printable ASCII (RFC 3986 percent-encodes the
  // rest) and header values free of control bytes (issue 12, finding 1).
  if (!is_printable_ascii_target(request.target)) {
    return finish.fail(Status(Code::bad_target, "the request target must be printable ASCII"));
  }
  if (std::optional<std::string> header = unclean_header(request)) {
    return finish.fail(
        Status(Code::bad_target, "header " + log_text(*header) + " holds a control byte"));
  }
  if (request.method == "GET") {
    if (finish.path == "/metrics") {
      return finish({200, "text/plain; version=0.0.4", metrics_text(), {}}, Status::success());
    }
    if (std::optional<HttpResponse> page = portal_answer(finish.path)) {
      return finish(std::move(*page), Status::success());
    }
    return answer_get(service_, federation_.load(std::memory_order_acquire), request, finish);
  }
  if (request.method != "POST") {
    return finish.fail(Status(Code::not_found, "no route " + finish.path));
  }
  answer_post(service_, federation_.load(std::memory_order_acquire), std::move(request),
              std::move(finish));
}

std::string Routes::metrics_text() const {
  std::string out =
      "# HELP innoclear_requests_total Requests by route and outcome.\n"
      "# TYPE innoclear_requests_total counter\n";
  {
    std::lock_guard lock(metrics_->mutex);
    for (const auto& [labels, count] : metrics_->requests) {
      out += "innoclear_requests_total{route=\"" + prometheus_label(labels.first) +
             "\",outcome=\"" + prometheus_label(labels.second) + "\"} " + std::to_string(count) +
             "\n";
    }
    out +=
        "# HELP innoclear_request_latency_ms Request latency.\n"
        "# TYPE innoclear_request_latency_ms histogram\n";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < latency_buckets_ms.size(); ++i) {
      cumulative += metrics_->latency[i];
      out += "innoclear_request_latency_ms_bucket{le=\"" +
             std::to_string(static_cast<int>(latency_buckets_ms[i])) + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "innoclear_request_latency_ms_bucket{le=\"+Inf\"} " +
           std::to_string(metrics_->latency_count) + "\n";
    out += "innoclear_request_latency_ms_sum " + std::to_string(metrics_->latency_sum_ms) + "\n";
    out += "innoclear_request_latency_ms_count " + std::to_string(metrics_->latency_count) + "\n";
  }
  const ledger::WriterStats stats = service_.ledger().writer_stats();
  out +=
      "# HELP innoclear_ledger_size Entries in the ledger.\n# TYPE innoclear_ledger_size gauge\n";
  out += "innoclear_ledger_size " + std::to_string(service_.ledger().size()) + "\n";
  out +=
      "# HELP innoclear_commit_batch_jobs Durable commits by jobs per commit.\n"
      "# TYPE innoclear_commit_batch_jobs histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i + 1 < stats.batch_jobs_histogram.size(); ++i) {
    cumulative += stats.batch_jobs_histogram[i];
    out += "innoclear_commit_batch_jobs_bucket{le=\"" + std::to_string(1u << i) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  out += "innoclear_commit_batch_jobs_bucket{le=\"+Inf\"} " + std::to_string(stats.commits) + "\n";
  out += "innoclear_commit_batch_jobs_count " + std::to_string(stats.commits) + "\n";
  return out;
}

}  // namespace innoclear::api
