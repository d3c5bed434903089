// innoclear-pg-bench: the PostgreSQL baseline of `innoclear bench redeem` (bench/redeem_bench.cpp).
// The same signed voucher.redeem statements, signed before the timed window exactly as that
// benchmark signs them, go from the same HTTPS keep-alive clients to the same server stack; behind
// it an application tier (pg_app_tier.h) checks each signature and redeems in PostgreSQL with one
// call of the plpgsql function redeem() (schema.sql), each commit durable (synchronous_commit=on).
//
// The database is whatever --conninfo names; bench/postgres/run makes a throw-away cluster and
// gives TCP to 127.0.0.1 with sslmode=disable. The schema is dropped and recreated on every run;
// the role needs CHECKPOINT (a superuser, or pg_checkpoint), taken before the timed window.
// After the timed window the run fails (exit 1, one line on stderr) unless exactly N redemptions
// were recorded, a re-sent redemption is refused with 409 and a forged one with 401, and the audit
// hash chain recomputed from its first row matches the head.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "api/https.h"
#include "bench/https_load.h"
#include "bench/postgres/pg.h"
#include "bench/postgres/pg_app_tier.h"
#include "bench/postgres/schema_sql.h"
#include "clearing/credit_code.h"
#include "clearing/rules.h"
#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "crypto/tls_cert.h"
#include "nodes/service.h"

namespace innoclear::bench::pg {

namespace {

// The sizes and figures of bench/redeem_bench.cpp, so the two runs do the same work.
constexpr std::uint64_t vouchers_per_enterprise = 1000;
constexpr std::size_t clients_max = app_workers_max;
constexpr std::uint64_t redemptions_max = 1'000'000;
constexpr std::int64_t face_fen = 500'000;
constexpr std::int64_t price_fen = 800'000;
constexpr std::int64_t ratio_bp = 5'000;
constexpr std::int64_t budget_fen = INT64_MAX / 4;
const std::string provider_id = "P-BENCH";

enum class Output { text, json };

struct Options {
  std::string conninfo;
  std::uint64_t redemptions = 2000;
  std::size_t clients = 16;
  std::filesystem::path scratch = "/tmp";  // for the application tier's TLS certificate
  std::uint64_t run = 0;                   // reported when non-zero
  Output output = Output::text;
};

struct Figures {
  double redemptions_per_second = 0;
  double latency_p50_ms = 0;
  double latency_p90_ms = 0;
  double latency_p99_ms = 0;
  double seconds = 0;
};

using Clock = std::chrono::steady_clock;
// The same load as innoclear's `bench redeem` gets, from the same client code (bench/https_load.h).
using Requests = std::vector<SignedRequest>;

std::string credit_code(std::uint64_t n) {
  return clearing::complete_credit_code("91110000M" + std::to_string(1'000'000 + n).substr(0, 7));
}

std::string voucher_id(std::uint64_t i) {
  std::string digits = std::to_string(i + 1);
  if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
  return "BJ-V" + digits;
}

// A key as COPY text input of a bytea: "\\x" + hex (COPY unescapes the first backslash).
std::string copy_bytea(const crypto::PublicKey& key) { return "\\\\x" + crypto::hex_encode(key); }

// Schema, budget, actors, and `count` live vouchers each with a confirmed receipt; then VACUUM
// and a checkpoint, so neither lands in the timed window. Untimed.
Status load(PGconn& connection, std::uint64_t count, const crypto::PublicKey& enterprise_key,
            const crypto::PublicKey& provider_key) {
  if (Status s = exec(connection, std::string(schema_sql)); !s.ok()) return s;
  const int year = clearing::shanghai_year(nodes::system_clock_ms());
  if (Status s = exec(connection, "INSERT INTO budget VALUES (" + std::to_string(year) + ", " +
                                      std::to_string(budget_fen) + ", 0, " +
                                      std::to_string(ratio_bp) + ")");
      !s.ok()) {
    return s;
  }
  Result<PgResult> expires = query(connection, "SELECT (now() + interval '365 days')::text");
  if (!expires.ok()) return expires.status();
  const std::string expires_text(field(expires->get(), 0, 0));
  std::string actors = provider_id + "\tprovider\t" + copy_bytea(provider_key) + "\n";
  for (std::uint64_t e = 0; e * vouchers_per_enterprise < count; ++e) {
    actors += credit_code(e) + "\tenterprise\t" + copy_bytea(enterprise_key) + "\n";
  }
  std::string vouchers;
  std::string receipts;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::string enterprise = credit_code(i / vouchers_per_enterprise);
    vouchers += voucher_id(i) + "\t" + enterprise + "\t" + std::to_string(face_fen) + "\tlive\t" +
                std::to_string(year) + "\t" + expires_text + "\n";
    receipts += provider_id + "\tB" + std::to_string(i) + "\t" + enterprise + "\t" +
                std::to_string(price_fen) + "\tt\n";
  }
  if (Status s = copy_in(connection, "actors (id, role, key)", actors); !s.ok()) return s;
  if (Status s =
          copy_in(connection, "vouchers (id, enterprise, face, state, year, expires)", vouchers);
      !s.ok()) {
    return s;
  }
  if (Status s = copy_in(connection,
                         "receipts (provider, receipt_id, enterprise, price, confirmed)", receipts);
      !s.ok()) {
    return s;
  }
  if (Status s = exec(connection, "VACUUM (ANALYZE)"); !s.ok()) return s;
  return exec(connection, "CHECKPOINT");
}

// The requests of bench/redeem_bench.cpp: one enterprise key, the same body fields, signed now.
Requests sign_redemptions(const crypto::KeyPair& enterprise, std::uint64_t count) {
  Requests requests;
  requests.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    requests.emplace_back(
        "/v1/voucher/redeem",
        nodes::sign_statement(enterprise, credit_code(i / vouchers_per_enterprise),
                              "voucher.redeem",
                              {{"provider", provider_id},
                               {"receipt_id", "B" + std::to_string(i)},
                               {"voucher_id", voucher_id(i)}},
                              "BJ", nodes::system_clock_ms(), "b" + std::to_string(i)));
  }
  return requests;
}

Status wrong(const std::string& reason) { return Status(Code::verify_failed, reason); }

// Recomputes the audit chain from row 1 — hash(n) = sha256(hash(n-1) ‖ statement ‖ signature),
// hash(0) = 32 zero bytes — and compares it with audit_head, which must be at `rows`.
Status check_audit_chain(PGconn& connection, std::uint64_t rows) {
  crypto::Hash chained{};
  std::int64_t seq = 0;
  Status walked = for_each_row(
      connection, "SELECT seq, prev_hash, hash, statement, signature FROM audit ORDER BY seq", true,
      [&](const PGresult* row) {
        const std::string at = "audit row " + std::to_string(++seq);
        if (field_int8(row, 0, 0) != seq) return wrong(at + " is missing");
        if (field(row, 0, 1) != crypto::as_text(chained)) {
          return wrong(at + " does not link to the row before");
        }
        chained = crypto::thread_sha256()
                      .update(chained)
                      .update(field(row, 0, 3))
                      .update(field(row, 0, 4))
                      .finish();
        if (field(row, 0, 2) != crypto::as_text(chained)) {
          return wrong(at + ": hash is not sha256(prev_hash || statement || signature)");
        }
        return Status::success();
      });
  if (!walked.ok()) return walked;
  std::int64_t head_seq = -1;
  Status head =
      for_each_row(connection, "SELECT seq, hash FROM audit_head", true, [&](const PGresult* row) {
        head_seq = field_int8(row, 0, 0);
        return field(row, 0, 1) == crypto::as_text(chained)
                   ? Status::success()
                   : wrong("audit_head's hash is not the chain's last");
      });
  if (!head.ok()) return head;
  if (head_seq != seq || seq != static_cast<std::int64_t>(rows)) {
    return wrong("audit chain of " + std::to_string(seq) + " rows, head at " +
                 std::to_string(head_seq) + ", expected " + std::to_string(rows));
  }
  return Status::success();
}

// Sends `statement` with `signature_base64` and expects `status`.
Status expect_answer(api::HttpsClient& client, const std::string& target,
                     const std::string& statement, const std::string& signature_base64,
                     unsigned status, const std::string& what) {
  Result<api::HttpResponse> answer =
      client.request("POST", target, statement, {{"Innoclear-Signature", signature_base64}});
  if (!answer.ok()) return answer.status();
  if (answer->status != status) {
    return wrong(what + " was answered " + std::to_string(answer->status) + ", not " +
                 std::to_string(status) + ": " + answer->body);
  }
  return Status::success();
}

// The outcome the timed window must have left: a re-sent redemption refused with 409 and a forged
// one with 401 (neither writing anything, as the rest checks), one redemption and one redeemed
// voucher per request, the budget equal to their sum, and the audit chain.
Status check_outcome(PGconn& connection, api::HttpsClient& client, const Requests& requests) {
  const auto& [target, statement] = requests.front();
  if (Status s = expect_answer(client, target, statement.bytes, statement.signature_base64, 409,
                               "a re-sent redemption");
      !s.ok()) {
    return s;
  }
  const std::string forged = crypto::base64_encode(crypto::Signature{});
  if (Status s = expect_answer(client, target, statement.bytes, forged, 401,
                               "a redemption with a forged signature");
      !s.ok()) {
    return s;
  }
  Result<PgResult> counts = query(
      connection,
      "SELECT (SELECT count(*) FROM redemptions), "
      "(SELECT count(*) FROM vouchers WHERE state = 'redeemed'), "
      "(SELECT sum(redeemed) FROM budget) = (SELECT coalesce(sum(amount), 0) FROM redemptions)");
  if (!counts.ok()) return counts.status();
  const std::string expected = std::to_string(requests.size());
  if (field(counts->get(), 0, 0) != expected || field(counts->get(), 0, 1) != expected) {
    return wrong(std::string(field(counts->get(), 0, 0)) + " redemptions and " +
                 std::string(field(counts->get(), 0, 1)) + " redeemed vouchers, expected " +
                 expected);
  }
  if (field(counts->get(), 0, 2) != "t") {
    return wrong("the budget's redeemed total is not the sum of the redemptions");
  }
  return check_audit_chain(connection, requests.size());
}

// The application tier's TLS identity, in a directory removed however the run ends.
class Scratch {
 public:
  explicit Scratch(const std::filesystem::path& parent)
      : root_(parent / ("pg-bench-" + std::to_string(::getpid()))) {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  ~Scratch() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
};

Result<Figures> measure(const Options& options, PGconn& connection, const Requests& requests) {
  Scratch scratch(options.scratch);
  std::error_code error;
  std::filesystem::create_directory(scratch.root(), error);  // in an existing --scratch only
  if (error) {
    return Status(Code::io_error,
                  "cannot create " + scratch.root().string() + ": " + error.message());
  }
  const crypto::TlsIdentityFiles tls{scratch.root() / "cert.pem", scratch.root() / "key.pem"};
  if (Status s = crypto::create_tls_identity("innoclear-pg-bench", tls); !s.ok()) return s;
  Result<std::string> fingerprint = crypto::certificate_fingerprint(tls.certificate);
  if (!fingerprint.ok()) return fingerprint.status();
  Result<std::unique_ptr<AppTier>> tier =
      AppTier::start({options.conninfo, options.clients, tls.certificate, tls.private_key, "BJ"});
  if (!tier.ok()) return tier.status();
  api::ClientOptions client_options;
  client_options.port = (*tier)->port();
  client_options.server_certificate_fingerprint = *fingerprint;

  const Load load = send_all(client_options, requests, options.clients);
  if (load.failures > 0) {
    return Status(Code::io_error,
                  std::to_string(load.failures) + " redemptions failed: " + load.first_failure);
  }
  api::HttpsClient client(client_options);
  if (Status s = check_outcome(connection, client, requests); !s.ok()) return s;
  (*tier)->stop();
  return Figures{static_cast<double>(requests.size()) / load.seconds,
                 percentile(load.latencies_ms, 0.50), percentile(load.latencies_ms, 0.90),
                 percentile(load.latencies_ms, 0.99), load.seconds};
}

Result<Figures> run(const Options& options) {
  if (options.clients == 0 || options.clients > clients_max || options.redemptions == 0 ||
      options.redemptions > redemptions_max) {
    return Status(Code::invalid_argument,
                  "clients 1–" + std::to_string(clients_max) + " and redemptions 1–1 000 000");
  }
  Result<Connection> connection = connect(options.conninfo);
  if (!connection.ok()) return connection.status();
  const crypto::KeyPair provider = crypto::KeyPair::generate();
  const crypto::KeyPair enterprise = crypto::KeyPair::generate();  // every bench enterprise's
  if (Status s =
          load(**connection, options.redemptions, enterprise.public_key(), provider.public_key());
      !s.ok()) {
    return s;
  }
  const Requests requests = sign_redemptions(enterprise, options.redemptions);
  return measure(options, **connection, requests);
}

void print(const Options& options, const Figures& figures) {
  if (options.output == Output::json) {
    nlohmann::ordered_json line{{"redemptions", options.redemptions}, {"clients", options.clients}};
    if (options.run != 0) line["run"] = options.run;
    line["redemptions_per_second"] = figures.redemptions_per_second;
    line["latency_p50_ms"] = figures.latency_p50_ms;
    line["latency_p90_ms"] = figures.latency_p90_ms;
    line["latency_p99_ms"] = figures.latency_p99_ms;
    line["seconds"] = figures.seconds;
    std::cout << line.dump() << "\n";
    return;
  }
  std::printf(
      "bench postgres: %llu durable signed redemptions over HTTPS keep-alive, %zu clients, "
      "PostgreSQL behind an application tier\n",
      static_cast<unsigned long long>(options.redemptions), options.clients);
  std::printf("  postgres           %10.0f redemptions/s  (%.3f s)\n",
              figures.redemptions_per_second, figures.seconds);
  std::printf("  latency            p50 %.2f ms  p90 %.2f ms  p99 %.2f ms\n",
              figures.latency_p50_ms, figures.latency_p90_ms, figures.latency_p99_ms);
}

}  // namespace

}  // namespace innoclear::bench::pg

int main(int argc, char** argv) {
  using namespace innoclear::bench::pg;
  Options options;
  CLI::App app{"the PostgreSQL baseline of `innoclear bench redeem`", "innoclear-pg-bench"};
  app.add_option("--conninfo", options.conninfo,
                 "libpq connection string, e.g. 'host=127.0.0.1 port=5432 user=bench "
                 "dbname=bench sslmode=disable'")
      ->required();
  app.add_option("--redemptions", options.redemptions, "redemptions to send")->default_val(2000);
  app.add_option("--clients", options.clients, "concurrent keep-alive clients (and workers)")
      ->default_val(16);
  app.add_option("--scratch", options.scratch, "directory for the TLS certificate")
      ->default_val("/tmp");
  app.add_option("--run", options.run, "run number, added to the figures when given");
  app.add_option("--output", options.output, "text for people, json for programs")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, Output>{{"text", Output::text}, {"json", Output::json}}))
      ->default_str("text");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {  // one line and exit 2, as `innoclear` does
    if (error.get_exit_code() == 0) return app.exit(error);  // --help
    std::fprintf(stderr, "innoclear-pg-bench: usage: %s (see --help)\n", error.what());
    return 2;
  }
  innoclear::Result<Figures> figures = run(options);
  if (!figures.ok()) {
    std::fprintf(stderr, "innoclear-pg-bench: %s\n", figures.status().to_string().c_str());
    return 1;
  }
  print(options, *figures);
  return 0;
}
