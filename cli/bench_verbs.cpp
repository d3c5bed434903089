// `innoclear bench …`: benchmarks that print figures beside baselines measured in the same run.
#include <array>
#include <cstdio>
#include <iostream>
#include <thread>

#include "bench/bounds.h"
#include "bench/clear_bench.h"
#include "bench/ledger_bench.h"
#include "bench/redeem_bench.h"
#include "bench/verify_bench.h"
#include "cli/cli.h"
#include "crypto/canonical_json.h"

namespace innoclear::cli {

namespace {

void print_ledger_bench(const bench::LedgerBenchOptions& options,
                        const bench::LedgerBenchResult& result, Output output) {
  if (output == Output::json) {
    std::cout
        << nlohmann::ordered_json{{"entries", result.entries},
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
  std::printf(
      "bench ledger: %llu signed entries (%llu bytes each on average), batch %zu, "
      "%zu writers\n",
      static_cast<unsigned long long>(result.entries),
      static_cast<unsigned long long>(result.entry_bytes_mean), options.batch, options.writers);
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

// The goals of the clearing issue, printed beside the figures; nothing fails on them.
constexpr double clear_goal_per_second = 5'000;
constexpr double clear_goal_p99_ms = 20;

const char* met(bool yes) { return yes ? "met" : "not met"; }

void print_clear_json(const bench::ClearBenchResult& r) {
  std::cout << nlohmann::ordered_json{{"redemptions", r.redemptions},
                                      {"clients", r.clients},
                                      {"redemptions_per_second", r.redemptions_per_second},
                                      {"seconds", r.seconds},
                                      {"accepted_per_second", r.accepted_per_second},
                                      {"outbox_peak", r.outbox_peak},
                                      {"outbox_scan_rows", r.scan_rows},
                                      {"outbox_scan_ms", r.scan_ms},
                                      {"peer_posts", r.peer_posts},
                                      {"peer_batch_mean", r.peer_batch_mean},
                                      {"peer_post_ms_mean", r.peer_post_ms_mean},
                                      {"peer_post_bytes_mean", r.peer_post_bytes_mean},
                                      {"peer_answer_ms_mean", r.peer_answer_ms_mean},
                                      {"sender_outside_post_seconds",
                                       r.sender_outside_post_seconds},
                                      {"home_commits", r.home_commits},
                                      {"home_commit_ms_mean", r.home_commit_ms_mean},
                                      {"provider_commits", r.provider_commits},
                                      {"provider_commit_ms_mean", r.provider_commit_ms_mean},
                                      {"cpu_busy_fraction", r.cpu_busy_fraction},
                                      {"paced_redemptions", r.paced_redemptions},
                                      {"paced_offered_per_second", r.paced_offered_per_second},
                                      {"paced_achieved_per_second", r.paced_achieved_per_second},
                                      {"latency_p50_ms", r.latency_p50_ms},
                                      {"latency_p99_ms", r.latency_p99_ms},
                                      {"accept_p50_ms", r.accept_p50_ms},
                                      {"accept_p99_ms", r.accept_p99_ms},
                                      {"goal_per_second_met",
                                       r.redemptions_per_second >= clear_goal_per_second},
                                      {"goal_p99_met", r.latency_p99_ms <= clear_goal_p99_ms},
                                      {"entries", r.entries},
                                      {"fill_entries_per_second", r.fill_entries_per_second},
                                      {"first_size", r.first_size},
                                      {"second_size", r.second_size},
                                      {"proof_hashes", r.proof_hashes},
                                      {"consistency_repetitions", r.consistency_repetitions},
                                      {"prove_us", r.prove_us},
                                      {"verify_us", r.verify_us},
                                      {"consistency_us", r.consistency_us},
                                      {"lines", r.lines},
                                      {"compare_ms", r.compare_ms},
                                      {"differences_planted", r.differences_planted},
                                      {"differences_found", r.differences_found}}
                   .dump()
            << "\n";
}

// Part 1: the cross-region redemptions, saturated and at half load, beside the goals.
void print_clear_redemptions(const bench::ClearBenchResult& r) {
  const auto n = [](std::uint64_t value) { return static_cast<unsigned long long>(value); };
  std::printf(
      "1. cross-region pay-first redemptions, BJ home -> TJ provider, mutual TLS, "
      "%llu redemptions, %zu clients\n",
      n(r.redemptions), r.clients);
  std::printf(
      "  saturated, end to end      %10.0f redemptions/s  (%.2f s to the last answer "
      "recorded at BJ)\n",
      r.redemptions_per_second, r.seconds);
  std::printf("    BJ accepting (pending)   %10.0f redemptions/s over HTTPS\n",
              r.accepted_per_second);
  std::printf(
      "    BJ -> TJ peer POSTs      %10llu  %.1f requests (%.0f bytes) each, %.2f ms each,"
      " %.2f ms of it in TJ's routes\n",
      n(r.peer_posts), r.peer_batch_mean, r.peer_post_bytes_mean, r.peer_post_ms_mean,
      r.peer_answer_ms_mean);
  std::printf("    BJ sender between POSTs  %10.2f s  (outbox scan, signing, recording answers)\n",
              r.sender_outside_post_seconds);
  std::printf("    durable commits          %10llu at BJ, %.2f ms each; %llu at TJ, %.2f ms each\n",
              n(r.home_commits), r.home_commit_ms_mean, n(r.provider_commits),
              r.provider_commit_ms_mean);
  std::printf("    CPU busy                 %10.0f %% of all cores\n", r.cpu_busy_fraction * 100);
  std::printf("    BJ outbox                %10llu rows at most; one scan of %llu rows: %.1f ms\n",
              n(r.outbox_peak), n(r.scan_rows), r.scan_ms);
  std::printf(
      "  half load, open loop       %10.0f redemptions/s offered, %.0f achieved "
      "(%llu redemptions)\n",
      r.paced_offered_per_second, r.paced_achieved_per_second, n(r.paced_redemptions));
  std::printf(
      "    end to end latency       p50 %.2f ms  p99 %.2f ms  (to \"redeemed\", "
      "watched every 1 ms)\n",
      r.latency_p50_ms, r.latency_p99_ms);
  std::printf("    BJ pending response      p50 %.2f ms  p99 %.2f ms\n", r.accept_p50_ms,
              r.accept_p99_ms);
  std::printf("  goal >= %.0f redemptions/s  %s\n", clear_goal_per_second,
              met(r.redemptions_per_second >= clear_goal_per_second));
  std::printf("  goal p99 <= %.0f ms          %s\n", clear_goal_p99_ms,
              met(r.latency_p99_ms <= clear_goal_p99_ms));
}

// Parts 2 and 3: the consistency check and the statement comparison.
void print_clear_checks(const bench::ClearBenchResult& r) {
  const auto n = [](std::uint64_t value) { return static_cast<unsigned long long>(value); };
  std::printf(
      "2. consistency check between checkpoints %llu and %llu of a %llu-entry ledger "
      "(filled at %.0f entries/s)\n",
      n(r.first_size), n(r.second_size), n(r.entries), r.fill_entries_per_second);
  std::printf("  prove (snapshot + proof)   %10.1f us\n", r.prove_us);
  std::printf("  verify (2 notes + proof)   %10.1f us\n", r.verify_us);
  std::printf("  consistency check          %10.1f us  (median of %llu, proof of %llu hashes)\n",
              r.consistency_us, n(r.consistency_repetitions), n(r.proof_hashes));
  std::printf("3. bilateral statements of %zu lines each\n", r.lines);
  std::printf("  compare_statements         %10.2f ms  (median of 7)\n", r.compare_ms);
  std::printf("  differences found          %10llu  of %llu planted%s\n", n(r.differences_found),
              n(r.differences_planted),
              r.differences_found == r.differences_planted ? "" : "  MISMATCH");
}

void print_clear_bench(const bench::ClearBenchResult& r, Output output) {
  if (output == Output::json) return print_clear_json(r);
  std::printf("bench clear: clearing between two self-hosted nodes on %u cores\n",
              std::thread::hardware_concurrency());
  print_clear_redemptions(r);
  print_clear_checks(r);
}

// `bench clear`: --quick lowers the sizes it was not given explicitly.
void add_clear_verb(CLI::App& group, int& exit_code) {
  struct Arguments {
    bench::ClearBenchOptions bench;
    std::string scratch = "/tmp";
    bool quick = false;
    Output output = Output::text;
  };
  auto arguments = std::make_shared<Arguments>();
  CLI::App* clear = group.add_subcommand(
      "clear",
      "cross-region redemptions between two nodes, a consistency check, a statement "
      "comparison");
  CLI::Option* redemptions =
      clear->add_option("--redemptions", arguments->bench.redemptions, "redemptions at full load")
          ->default_val(20'000);
  CLI::Option* clients =
      clear->add_option("--clients", arguments->bench.clients, "concurrent keep-alive clients")
          ->default_val(32);
  CLI::Option* entries =
      clear->add_option("--entries", arguments->bench.entries, "entries of the checked ledger")
          ->default_val(1'000'000);
  CLI::Option* lines =
      clear->add_option("--lines", arguments->bench.lines, "lines of each statement")
          ->default_val(100'000);
  clear->add_flag("--quick", arguments->quick,
                  "smoke sizes: 1000 redemptions, 8 clients, 100000 entries, 10000 lines");
  clear->add_option("--scratch", arguments->scratch, "directory for the throw-away nodes")
      ->default_val("/tmp");
  add_output_option(*clear, arguments->output);
  clear->callback([arguments, redemptions, clients, entries, lines, &exit_code] {
    bench::ClearBenchOptions& options = arguments->bench;
    if (arguments->quick) {
      if (redemptions->count() == 0) options.redemptions = 1'000;
      if (clients->count() == 0) options.clients = 8;
      if (entries->count() == 0) options.entries = 100'000;
      if (lines->count() == 0) options.lines = 10'000;
    }
    options.scratch = arguments->scratch;
    Result<bench::ClearBenchResult> result = bench::run_clear_bench(options);
    if (!result.ok()) {
      exit_code = fail(result.status());
      return;
    }
    print_clear_bench(*result, arguments->output);
  });
}

void print_bounds(const bench::BoundsResult& r, Output output) {
  const auto n = [](std::uint64_t value) { return static_cast<unsigned long long>(value); };
  if (output == Output::json) {
    nlohmann::ordered_json json{{"statement_bytes", r.statement_bytes},
                                {"verify_1_thread_per_second", r.verify_1_thread_per_second},
                                {"verify_2_threads_per_second", r.verify_2_threads_per_second},
                                {"entry_bytes_mean", r.entry_bytes_mean},
                                {"sha256_records", r.sha256_records},
                                {"sha256_records_per_second", r.sha256_records_per_second},
                                {"sha256_megabytes_per_second", r.sha256_megabytes_per_second}};
    for (const bench::RawAppendFigure& raw : r.raw_appends) {
      const std::string key = "raw_lmdb_batch_" + std::to_string(raw.batch);
      json[key + "_entries"] = raw.entries;
      json[key + "_commits"] = raw.commits;
      json[key + "_seconds"] = raw.seconds;
      json[key + "_per_second"] = raw.entries_per_second;
    }
    json["clients"] = r.clients;
    json["echo_requests"] = r.echo_requests;
    json["tls_echo_per_second"] = r.tls_echo_per_second;
    std::cout << json.dump() << "\n";
    return;
  }
  std::printf("bench bounds: the machine's limits, each measured in this run (%u cores)\n",
              std::thread::hardware_concurrency());
  std::printf("  bare Ed25519 verify  %10.0f /s  1 thread  (a %zu-byte statement)\n",
              r.verify_1_thread_per_second, r.statement_bytes);
  std::printf("  bare Ed25519 verify  %10.0f /s  2 threads\n", r.verify_2_threads_per_second);
  std::printf(
      "  SHA-256 leaf hash    %10.0f records/s  1 thread, %.0f MB/s (entries of %llu bytes "
      "on average)\n",
      r.sha256_records_per_second, r.sha256_megabytes_per_second, n(r.entry_bytes_mean));
  for (const bench::RawAppendFigure& raw : r.raw_appends) {
    std::printf(
        "  raw LMDB append      %10.0f entries/s  batch %-4zu (%llu entries, %llu durable "
        "commits, %.3f s)\n",
        raw.entries_per_second, raw.batch, n(raw.entries), n(raw.commits), raw.seconds);
  }
  std::printf(
      "  bare TLS echo        %10.0f requests/s  (%zu keep-alive clients, %llu requests, "
      "a node's server stack)\n",
      r.tls_echo_per_second, r.clients, n(r.echo_requests));
}

// `bench bounds`: --quick lowers the sizes it was not given explicitly.
void add_bounds_verb(CLI::App& group, int& exit_code) {
  struct Arguments {
    bench::BoundsOptions bench;
    std::string scratch = "/tmp";
    bool quick = false;
    Output output = Output::text;
  };
  auto arguments = std::make_shared<Arguments>();
  const bench::BoundsOptions defaults;
  CLI::App* bounds = group.add_subcommand(
      "bounds", "bare verify, SHA-256 leaf hashes, raw LMDB appends and a TLS echo");
  bounds->add_option("--scratch", arguments->scratch, "directory for the throw-away files")
      ->default_val("/tmp");
  bounds->add_option("--clients", arguments->bench.clients, "keep-alive clients of the TLS echo")
      ->default_val(defaults.clients);
  CLI::Option* echo = bounds
                          ->add_option("--echo-requests", arguments->bench.echo_requests,
                                       "requests of the TLS echo")
                          ->default_val(defaults.echo_requests);
  std::array<CLI::Option*, 3> raw{};
  for (std::size_t k = 0; k < raw.size(); ++k) {
    const std::string batch = std::to_string(bench::bounds_raw_batches[k]);
    raw[k] = bounds
                 ->add_option("--batch-" + batch + "-entries", arguments->bench.raw_entries[k],
                              "entries of the raw LMDB append at batch " + batch)
                 ->default_val(defaults.raw_entries[k]);
  }
  bounds->add_flag("--quick", arguments->quick,
                   "smoke sizes: 1000 echoes, 30/2000/20000 raw entries, 200 ms loops");
  add_output_option(*bounds, arguments->output);
  bounds->callback([arguments, echo, raw, &exit_code] {
    bench::BoundsOptions& options = arguments->bench;
    if (arguments->quick) {
      const std::array<std::uint64_t, 3> quick_raw = {30, 2'000, 20'000};
      if (echo->count() == 0) options.echo_requests = 1'000;
      for (std::size_t k = 0; k < raw.size(); ++k) {
        if (raw[k]->count() == 0) options.raw_entries[k] = quick_raw[k];
      }
      options.window = std::chrono::milliseconds(200);
    }
    options.scratch = arguments->scratch;
    Result<bench::BoundsResult> result = bench::run_bounds_bench(options);
    if (!result.ok()) {
      exit_code = fail(result.status());
      return;
    }
    print_bounds(*result, arguments->output);
  });
}

void print_verify_json(const bench::VerifyBenchResult& r) {
  std::cout << nlohmann::ordered_json{{"entries", r.entries},
                                      {"vouchers_redeemed", r.vouchers_redeemed},
                                      {"vouchers_prepared", r.vouchers_prepared},
                                      {"entry_bytes_mean", r.entry_bytes_mean},
                                      {"fill_seconds", r.fill_seconds},
                                      {"fill_entries_per_second", r.fill_entries_per_second},
                                      {"verify_seconds", r.verify_seconds},
                                      {"verify_entries_per_second", r.verify_entries_per_second},
                                      {"tree_hashes", r.tree_hashes},
                                      {"checkpoints", r.checkpoints},
                                      {"state_rows", r.state_rows},
                                      {"bare_verify_1_thread_per_second",
                                       r.bare_verify_1_thread_per_second},
                                      {"bare_verify_2_threads_per_second",
                                       r.bare_verify_2_threads_per_second},
                                      {"ratio_1_thread", r.ratio_1_thread},
                                      {"ratio_2_threads", r.ratio_2_threads},
                                      {"redemptions", r.redemptions},
                                      {"clients", r.clients},
                                      {"redemptions_per_second", r.redemptions_per_second},
                                      {"latency_p50_ms", r.latency_p50_ms},
                                      {"latency_p99_ms", r.latency_p99_ms},
                                      {"memory_samples", r.memory_samples},
                                      {"rss_peak_bytes", r.rss_peak_bytes},
                                      {"rss_anon_bytes", r.rss_anon_bytes},
                                      {"rss_file_bytes", r.rss_file_bytes},
                                      {"data_file_bytes", r.data_file_bytes}}
                   .dump()
            << "\n";
}

void print_verify(const bench::VerifyBenchResult& r, Output output) {
  if (output == Output::json) return print_verify_json(r);
  const auto n = [](std::uint64_t value) { return static_cast<unsigned long long>(value); };
  const auto mebibytes = [](std::uint64_t bytes) { return static_cast<double>(bytes) / 1048576; };
  std::printf(
      "bench verify: a BJ node's ledger of %llu real signed entries (%llu bytes each on "
      "average)\n",
      n(r.entries), n(r.entry_bytes_mean));
  std::printf(
      "  fill                 %10.0f entries/s  (%.1f s through the Service: %llu vouchers "
      "redeemed, %llu prepared)\n",
      r.fill_entries_per_second, r.fill_seconds, n(r.vouchers_redeemed), n(r.vouchers_prepared));
  std::printf(
      "  full verify          %10.0f entries/s  (%.2f s, as `ledger verify`: %llu tree "
      "hashes, %llu checkpoints, %llu state rows)\n",
      r.verify_entries_per_second, r.verify_seconds, n(r.tree_hashes), n(r.checkpoints),
      n(r.state_rows));
  std::printf("  bare verify loop     %10.0f /s  1 thread\n", r.bare_verify_1_thread_per_second);
  std::printf("  bare verify loop     %10.0f /s  2 threads\n", r.bare_verify_2_threads_per_second);
  std::printf("  verify / bare        %10.1f %%  of 1 thread, %.1f %% of 2 threads\n",
              r.ratio_1_thread * 100, r.ratio_2_threads * 100);
  std::printf(
      "  node process         %10.0f redemptions/s  p50 %.2f ms  p99 %.2f ms  (%llu over "
      "HTTPS keep-alive, %zu clients)\n",
      r.redemptions_per_second, r.latency_p50_ms, r.latency_p99_ms, n(r.redemptions), r.clients);
  std::printf("    peak RSS           %10.1f MiB  (%llu samples, every 10 ms)\n",
              mebibytes(r.rss_peak_bytes), n(r.memory_samples));
  std::printf("    RssAnon at peak    %10.1f MiB  (heap and stacks)\n",
              mebibytes(r.rss_anon_bytes));
  std::printf(
      "    RssFile at peak    %10.1f MiB  (mapped files: the LMDB map's touched pages, "
      "the binary)\n",
      mebibytes(r.rss_file_bytes));
  std::printf("  ledger data.mdb      %10.1f MiB\n", mebibytes(r.data_file_bytes));
}

void add_verify_verb(CLI::App& group, int& exit_code) {
  struct Arguments {
    bench::VerifyBenchOptions bench;
    std::string scratch = "/tmp";
    Output output = Output::text;
  };
  auto arguments = std::make_shared<Arguments>();
  CLI::App* verify = group.add_subcommand(
      "verify",
      "fill a node's ledger, time `ledger verify` on it beside the bare verify loop, "
      "and the node process's memory while it redeems");
  verify->add_option("--scratch", arguments->scratch, "directory for the throw-away node")
      ->default_val("/tmp");
  verify->add_option("--entries", arguments->bench.entries, "entries of the filled ledger")
      ->default_val(1'000'000);
  verify
      ->add_option("--redemptions", arguments->bench.redemptions,
                   "vouchers prepared during the fill and redeemed through the node process")
      ->default_val(2000);
  verify->add_option("--clients", arguments->bench.clients, "concurrent keep-alive clients")
      ->default_val(16);
  verify
      ->add_option("--runs", arguments->bench.runs,
                   "verify and node runs on the one filled ledger (one figure set each)")
      ->default_val(1);
  add_output_option(*verify, arguments->output);
  verify->callback([arguments, &exit_code] {
    bench::VerifyBenchOptions& options = arguments->bench;
    options.scratch = arguments->scratch;
    options.progress = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    Result<std::vector<bench::VerifyBenchResult>> results = bench::run_verify_bench(options);
    if (!results.ok()) {
      exit_code = fail(results.status());
      return;
    }
    for (const bench::VerifyBenchResult& result : *results) print_verify(result, arguments->output);
  });
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
  redeem->add_option("--scratch", *scratch, "directory for the throw-away node")
      ->default_val("/tmp");
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
  add_clear_verb(*group, exit_code);
  add_bounds_verb(*group, exit_code);
  add_verify_verb(*group, exit_code);
}

}  // namespace innoclear::cli
