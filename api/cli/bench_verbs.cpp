// `innoclear bench …`: benchmarks that print figures beside baselines measured in the same run.
#include <cstdio>
#include <iostream>

#include "api/cli/cli.h"
#include "bench/ledger_bench.h"
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
}

}  // namespace innoclear::cli
