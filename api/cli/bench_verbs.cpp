// `innoclear bench …`: benchmarks that print figures beside baselines measured in the same run.
#include <cstdio>
#include <iostream>

#include "api/cli/cli.h"
#include "bench/ledger_bench.h"
#include "bench/redeem_bench.h"
#include "crypto/canonical_json.h"

namespace innoclear::cli {

namespace {

void print_ledger_bench(const bench::LedgerBenchOptions& options,
                        const bench::LedgerBenchResult& result, Output output) {
  if (output == Output::json) {
    std::cout << nlohmann::ordered_json{{"entries", result.entries},
                                        {"batch", options.batch},
                                        {"writers", options.writers},
                                        {"entry_bytes_mean", result.entry_bytes_mean},
                                        {"ledger_entries_per_second", result.ledger_entries_per_second},
                                        {"ledger_seconds", result.ledger_seconds},
                                        {"ledger_commits", result.ledger_commits},
                                        {"writer_apply_seconds", result.writer_apply_seconds},
                                        {"writer_commit_seconds", result.writer_commit_seconds},
                                        {"raw_lmdb_entries_per_second", result.raw_entries_per_second},
                                        {"raw_lmdb_seconds", result.raw_seconds},
                                        {"raw_lmdb_commit_seconds", result.raw_commit_seconds},
                                        {"ratio", result.ratio},
                                        {"checkpoint_size", result.checkpoint_size}}
                     .dump()
              << "\n";
    return;
  }
  std::printf("bench ledger: %llu signed entries (%llu bytes each on average), batch %zu, "
              "%zu writers\n",
              static_cast<unsigned long long>(result.entries),
              static_cast<unsigned long long>(result.entry_bytes_mean), options.batch,
              options.writers);
  std::printf("  innoclear ledger   %10.0f entries/s  (%.3f s, %llu durable commits)\n",
              result.ledger_entries_per_second, result.ledger_seconds,
              static_cast<unsigned long long>(result.ledger_commits));
  std::printf("    writer thread    %.3f s applying, %.3f s in durable commits\n",
              result.writer_apply_seconds, result.writer_commit_seconds);
  std::printf("  raw LMDB append    %10.0f entries/s  (%.3f s, same bytes, same batch)\n",
              result.raw_entries_per_second, result.raw_seconds);
  std::printf("    of which         %.3f s in durable commits\n", result.raw_commit_seconds);
  std::printf("  ratio              %10.1f %%\n", result.ratio * 100);
  std::printf("  checkpoint signed at size %llu\n",
              static_cast<unsigned long long>(result.checkpoint_size));
}

void print_redeem_bench(const bench::RedeemBenchResult& result, Output output) {
  if (output == Output::json) {
    std::cout << nlohmann::ordered_json{{"redemptions", result.redemptions},
                                        {"clients", result.clients},
                                        {"redemptions_per_second", result.redemptions_per_second},
                                        {"latency_p50_ms", result.latency_p50_ms},
                                        {"latency_p99_ms", result.latency_p99_ms},
                                        {"verify_per_second", result.verify_per_second},
                                        {"tls_echo_per_second", result.tls_echo_per_second},
                                        {"bound_per_second", result.bound_per_second},
                                        {"ratio", result.ratio}}
                     .dump()
              << "\n";
    return;
  }
  std::printf("bench redeem: %llu durable signed redemptions over HTTPS keep-alive, %zu clients\n",
              static_cast<unsigned long long>(result.redemptions), result.clients);
  std::printf("  innoclear          %10.0f redemptions/s  p50 %.2f ms  p99 %.2f ms\n",
              result.redemptions_per_second, result.latency_p50_ms, result.latency_p99_ms);
  std::printf("  V bare verify      %10.0f /s (2 threads)\n", result.verify_per_second);
  std::printf("  T bare TLS echo    %10.0f /s (same server stack and clients)\n",
              result.tls_echo_per_second);
  std::printf("  B = 1/(1/V+1/T)    %10.0f /s\n", result.bound_per_second);
  std::printf("  ratio              %10.1f %% of B\n", result.ratio * 100);
}

}  // namespace

void add_bench_verbs(CLI::App& app, int& exit_code) {
  CLI::App* group = app.add_subcommand("bench", "benchmarks with baselines from the same run");
  group->require_subcommand(1);
  struct Arguments {
    bench::LedgerBenchOptions ledger;
    std::string data;
    Output output = Output::text;
  };
  auto arguments = std::make_shared<Arguments>();
  CLI::App* ledger = group->add_subcommand(
      "ledger", "durable appends through the ledger beside raw LMDB MDB_APPEND of the same bytes");
  ledger->add_option("--data", arguments->data, "an initialised data directory")->required();
  ledger->add_option("--entries", arguments->ledger.entries, "entries to append")->required();
  ledger->add_option("--batch", arguments->ledger.batch, "entries per durable commit")
      ->default_val(1000);
  ledger->add_option("--writers", arguments->ledger.writers, "concurrent appending threads")
      ->default_val(4);
  add_output_option(*ledger, arguments->output);
  ledger->callback([arguments, &exit_code] {
    arguments->ledger.data = arguments->data;
    Result<bench::LedgerBenchResult> result = bench::run_ledger_bench(arguments->ledger);
    if (!result.ok()) {
      exit_code = fail(result.status());
      return;
    }
    print_ledger_bench(arguments->ledger, *result, arguments->output);
  });
  auto redeem_options = std::make_shared<bench::RedeemBenchOptions>();
  auto redeem_output = std::make_shared<Output>(Output::text);
  auto scratch = std::make_shared<std::string>("/tmp");
  CLI::App* redeem = group->add_subcommand(
      "redeem", "signed redemptions over HTTPS against a self-hosted node, beside V, T and B");
  redeem->add_option("--redemptions", redeem_options->redemptions, "redemptions to send")
      ->default_val(2000);
  redeem->add_option("--clients", redeem_options->clients, "concurrent keep-alive clients")
      ->default_val(16);
  redeem->add_option("--scratch", *scratch, "directory for the throw-away node")->default_val("/tmp");
  add_output_option(*redeem, *redeem_output);
  redeem->callback([redeem_options, redeem_output, scratch, &exit_code] {
    redeem_options->scratch = *scratch;
    Result<bench::RedeemBenchResult> result = bench::run_redeem_bench(*redeem_options);
    if (!result.ok()) {
      exit_code = fail(result.status());
      return;
    }
    print_redeem_bench(*result, *redeem_output);
  });
}

}  // namespace innoclear::cli
