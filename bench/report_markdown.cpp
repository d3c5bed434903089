// The Markdown of docs/performance.md.
#include <sstream>

#include "bench/report_figures.h"

namespace innoclear::bench {

namespace {

constexpr double mebibyte = 1024.0 * 1024.0;
constexpr double rss_goal_mebibytes = 64;

// One row of a figure table: a figure of a step, or the per-run ratio of two figures.
struct Line {
  std::string label;
  std::string unit;
  std::string step;
  std::string field;
  double scale = 1;
  std::string over_step = {};  // when set: step.field ÷ over_step.over_field
  std::string over_field = {};
};

std::optional<Spread> figure(Sheet& sheet, const Line& line) {
  if (line.over_step.empty()) return sheet.spread(line.step, line.field);
  return sheet.ratio(line.step, line.field, line.over_step, line.over_field);
}

std::string table(Sheet& sheet, const std::vector<Line>& lines) {
  std::ostringstream out;
  out << "| Figure | Unit | min | median | max |\n|---|---|--:|--:|--:|\n";
  for (const Line& line : lines) {
    out << "| " << line.label << " | " << line.unit << " | "
        << format_spread(figure(sheet, line), line.scale) << " |\n";
  }
  return out.str() + "\n";
}

std::string c_str(std::size_t n) { return std::to_string(n); }
std::string clients_text(std::size_t n) {
  return n == 1 ? "1 client" : std::to_string(n) + " clients";
}

// A goal row: the median against the target, met or missed.
void goal_row(std::ostringstream& out, const std::string& goal, const std::optional<Spread>& spread,
              double scale, const std::string& unit, double target, bool at_most = false) {
  if (!spread) {
    out << "| " << goal << " | missing | | |\n";
    return;
  }
  const double median = spread->median * scale;
  const bool met = at_most ? median <= target : median >= target;
  out << "| " << goal << " | " << format_number(median) << unit << " ("
      << format_number(spread->min * scale) << "–" << format_number(spread->max * scale) << ") | "
      << (at_most ? "≤ " : "≥ ") << format_number(target) << unit << " | "
      << (met ? "met" : "**missed**") << " |\n";
}

std::string goals(Sheet& sheet) {
  std::ostringstream out;
  out << "| Goal | Measured: median (min–max) | Target | |\n|---|--:|--:|---|\n";
  for (const std::size_t c : suite_client_counts) {
    goal_row(out, "redemptions ÷ PostgreSQL, " + clients_text(c),
             sheet.ratio("redeem." + c_str(c), "redemptions_per_second", "postgres." + c_str(c),
                         "redemptions_per_second"),
             1, "×", 10);
  }
  for (const std::size_t c : suite_client_counts) {
    goal_row(out, "redemptions ÷ bound B, " + clients_text(c),
             sheet.spread("redeem." + c_str(c), "ratio"), 100, " %", 70);
  }
  for (const std::size_t b : suite_ledger_batches) {
    goal_row(out, "ledger append ÷ raw LMDB, batch " + c_str(b),
             sheet.spread("ledger." + c_str(b), "ratio"), 100, " %", 80);
  }
  goal_row(out, "full verify ÷ bare verify loop (1 thread)",
           sheet.spread("verify", "ratio_1_thread"), 100, " %", 90);
  goal_row(out, "node heap (RssAnon) at the RSS peak, redeeming on a full ledger",
           sheet.spread("verify", "rss_anon_bytes"), 1 / mebibyte, " MiB", rss_goal_mebibytes,
           true);
  return out.str() + "\n";
}

std::string machine(const Measurements& m) {
  std::ostringstream out;
  out << "| | |\n|---|---|\n";
  for (const char* key : {"date", "commit", "mode", "cpu", "cores", "memory", "disk", "os",
                          "kernel", "compiler", "packages"}) {
    const auto found = m.machine.find(key);
    out << "| " << key << " | " << (found == m.machine.end() ? "unknown" : found->second) << " |\n";
  }
  return out.str() + "\n";
}

std::string redemptions(Sheet& sheet) {
  std::vector<Line> lines;
  for (const std::size_t c : suite_client_counts) {
    const std::string inno = "redeem." + c_str(c);
    const std::string pg = "postgres." + c_str(c);
    const std::string at = ", " + clients_text(c);
    lines.push_back({"innoclear redemptions" + at, "/s", inno, "redemptions_per_second"});
    lines.push_back({"PostgreSQL redemptions" + at, "/s", pg, "redemptions_per_second"});
    lines.push_back({"innoclear ÷ PostgreSQL" + at, "×", inno, "redemptions_per_second", 1, pg,
                     "redemptions_per_second"});
    lines.push_back({"bound B" + at, "/s", inno, "bound_per_second"});
    lines.push_back({"innoclear ÷ B" + at, "%", inno, "ratio", 100});
    lines.push_back({"innoclear latency p50" + at, "ms", inno, "latency_p50_ms"});
    lines.push_back({"innoclear latency p99" + at, "ms", inno, "latency_p99_ms"});
    lines.push_back({"PostgreSQL latency p50" + at, "ms", pg, "latency_p50_ms"});
    lines.push_back({"PostgreSQL latency p99" + at, "ms", pg, "latency_p99_ms"});
  }
  return table(sheet, lines);
}

std::string bounds(Sheet& sheet) {
  return table(
      sheet,
      {
          {"bare Ed25519 verify, 1 thread", "/s", "bounds", "verify_1_thread_per_second"},
          {"bare Ed25519 verify, 2 threads (V)", "/s", "bounds", "verify_2_threads_per_second"},
          {"SHA-256 leaf hash per record, 1 thread", "records/s", "bounds",
           "sha256_records_per_second"},
          {"raw LMDB MDB_APPEND, batch 1", "entries/s", "bounds", "raw_lmdb_batch_1_per_second"},
          {"raw LMDB MDB_APPEND, batch 100", "entries/s", "bounds",
           "raw_lmdb_batch_100_per_second"},
          {"raw LMDB MDB_APPEND, batch 1000", "entries/s", "bounds",
           "raw_lmdb_batch_1000_per_second"},
          {"bare TLS echo, same server stack, 16 clients (T)", "requests/s", "bounds",
           "tls_echo_per_second"},
      });
}

std::string ledger(Sheet& sheet) {
  std::vector<Line> lines;
  for (const std::size_t b : suite_ledger_batches) {
    const std::string step = "ledger." + c_str(b);
    const std::string at = ", batch " + c_str(b);
    lines.push_back(
        {"innoclear ledger append" + at, "entries/s", step, "ledger_entries_per_second"});
    lines.push_back(
        {"raw LMDB MDB_APPEND, same bytes" + at, "entries/s", step, "raw_lmdb_entries_per_second"});
    lines.push_back({"ledger ÷ raw" + at, "%", step, "ratio", 100});
  }
  return table(sheet, lines);
}

std::string verify_and_memory(Sheet& sheet) {
  return table(
      sheet,
      {
          {"entries in the audited ledger", "entries", "verify", "entries"},
          {"full verify (`ledger verify`: signatures, tree, checkpoints, state)", "entries/s",
           "verify", "verify_entries_per_second"},
          {"bare verify loop, 1 thread", "/s", "verify", "bare_verify_1_thread_per_second"},
          {"bare verify loop, 2 threads", "/s", "verify", "bare_verify_2_threads_per_second"},
          {"full verify ÷ bare loop, 1 thread", "%", "verify", "ratio_1_thread", 100},
          {"full verify ÷ bare loop, 2 threads", "%", "verify", "ratio_2_threads", 100},
          {"node process peak RSS while redeeming", "MiB", "verify", "rss_peak_bytes",
           1 / mebibyte},
          {"of which heap and stacks (RssAnon)", "MiB", "verify", "rss_anon_bytes", 1 / mebibyte},
          {"of which mapped files (RssFile, mostly the LMDB map)", "MiB", "verify",
           "rss_file_bytes", 1 / mebibyte},
          {"ledger data.mdb size", "MiB", "verify", "data_file_bytes", 1 / mebibyte},
      });
}

std::string clearing(Sheet& sheet) {
  return table(sheet,
               {
                   {"cross-region redemptions, saturated, end to end", "/s", "clear",
                    "redemptions_per_second"},
                   {"home node accepting (pending)", "/s", "clear", "accepted_per_second"},
                   {"end-to-end latency p50 at half load", "ms", "clear", "latency_p50_ms"},
                   {"end-to-end latency p99 at half load", "ms", "clear", "latency_p99_ms"},
                   {"consistency check between two checkpoints", "µs", "clear", "consistency_us"},
                   {"comparing two bilateral statements", "ms", "clear", "compare_ms"},
               });
}

std::string profiles(const Measurements& m) {
  if (m.profiles.empty())
    return "No profiles in this run (quick mode, or `perf` is not installed).\n\n";
  std::ostringstream out;
  for (const auto& [name, profile] : m.profiles) {
    out << "**" << name << "**: `" << profile.command
        << "` under `perf record -F 499`, self time of the whole "
        << "process: the node, its bench clients, and the bench's untimed preparation (signing and "
        << "submitting the setup statements, which inflates libsodium's share):\n\n```\n";
    for (const std::string& line : profile.hottest) out << line << '\n';
    out << "```\n\n";
  }
  return out.str();
}

}  // namespace

std::string render_markdown(const SuiteOptions& options, const Measurements& measurements,
                            Sheet& sheet, const std::string& notes) {
  const auto at = measurements.machine.find("date");
  std::ostringstream out;
  out << "# Performance: innoclear beside PostgreSQL and the machine's limits\n\n"
      << "Written by `bench/run` (`innoclear bench all`) "
      << (at == measurements.machine.end() ? "" : "on " + at->second + " ") << "in "
      << static_cast<long>(measurements.seconds)
      << " s. Every run is its own process; each figure is given as "
      << "min | median | max over " << options.runs
      << " runs. Goals are reported here, never asserted "
      << "in tests. Raw figures of every run: [`" << options.charts.filename().string()
      << "/figures.json`](" << options.charts.filename().string() << "/figures.json).\n\n"
      << "## Goals\n\n"
      << goals(sheet) << "## Machine\n\n"
      << machine(measurements)
      << "## Redemptions: innoclear and PostgreSQL at the same concurrency\n\n"
      << "Both serve the same signed `voucher.redeem` statements over HTTPS keep-alive through the "
         "same "
      << "server stack, each client on its own connection, each redemption durable before its "
         "answer. "
      << "B is the bound 1/(1/V + 1/T) from V (bare verify, 2 threads) and T (bare TLS echo) "
         "measured "
      << "in the same run at the same client count.\n\n"
      << "![throughput](" << options.charts.filename().string() << "/" << chart_throughput
      << ")\n\n"
      << "![latency](" << options.charts.filename().string() << "/" << chart_latency << ")\n\n"
      << redemptions(sheet) << "## The machine's limits\n\n"
      << bounds(sheet) << "## Ledger append against raw LMDB\n\n"
      << "The same signed entry bytes, durably committed at the same batch size.\n\n"
      << "![ledger](" << options.charts.filename().string() << "/" << chart_ledger << ")\n\n"
      << ledger(sheet) << "## Full verify and node memory\n\n"
      << verify_and_memory(sheet) << "## Clearing between two regions\n\n"
      << clearing(sheet) << "## Where the time goes\n\n"
      << notes << "\n\n### Profiles of this run\n\n"
      << profiles(measurements)
      << "## Reproduce\n\n```\nbench/run            # this report: every figure, " << options.runs
      << " runs each, then perf profiles\nbench/run --quick    # smoke sizes, "
      << "under 3 minutes (CI runs it into a scratch directory)\n"
      << report_binary << " bench all "
      << "--from docs/performance/figures.json   # the report again, measuring nothing\n```\n";
  return out.str();
}

}  // namespace innoclear::bench
