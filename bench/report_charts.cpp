// The report's charts: gnuplot data tables and one script that draws them as PNG.
#include <sstream>

#include "bench/report_figures.h"

namespace innoclear::bench {

namespace {

// "min median max" of a figure, or zeros when it is missing (the report then fails anyway).
std::string columns(const std::optional<Spread>& spread) {
  std::ostringstream out;
  if (spread) {
    out << spread->min << ' ' << spread->median << ' ' << spread->max;
  } else {
    out << "0 0 0";
  }
  return out.str();
}

double median_or_zero(const std::optional<Spread>& spread) { return spread ? spread->median : 0; }

std::string throughput_table(Sheet& sheet) {
  std::ostringstream out;
  out << "# clients  innoclear(min median max)  postgres(min median max)  bound_B(median)\n";
  for (const std::size_t clients : suite_client_counts) {
    const std::string c = std::to_string(clients);
    out << clients << ' ' << columns(sheet.spread("redeem." + c, "redemptions_per_second")) << ' '
        << columns(sheet.spread("postgres." + c, "redemptions_per_second")) << ' '
        << median_or_zero(sheet.spread("redeem." + c, "bound_per_second")) << '\n';
  }
  return out.str();
}

std::string latency_table(Sheet& sheet) {
  std::ostringstream out;
  out << "# clients  innoclear_p50 innoclear_p99  postgres_p50 postgres_p99 (medians, ms)\n";
  for (const std::size_t clients : suite_client_counts) {
    const std::string c = std::to_string(clients);
    out << clients << ' ' << median_or_zero(sheet.spread("redeem." + c, "latency_p50_ms")) << ' '
        << median_or_zero(sheet.spread("redeem." + c, "latency_p99_ms")) << ' '
        << median_or_zero(sheet.spread("postgres." + c, "latency_p50_ms")) << ' '
        << median_or_zero(sheet.spread("postgres." + c, "latency_p99_ms")) << '\n';
  }
  return out.str();
}

std::string ledger_table(Sheet& sheet) {
  std::ostringstream out;
  out << "# batch  ledger(min median max)  raw_lmdb(min median max)  entries/s\n";
  for (const std::size_t batch : suite_ledger_batches) {
    const std::string step = "ledger." + std::to_string(batch);
    out << batch << ' ' << columns(sheet.spread(step, "ledger_entries_per_second")) << ' '
        << columns(sheet.spread(step, "raw_lmdb_entries_per_second")) << '\n';
  }
  return out.str();
}

// ASCII only: gnuplot's PNG terminal draws with a font that may lack dashes and Chinese.
const char* const script = R"gp(set terminal png size 960,600
set grid
set key top left box opaque
set logscale x 2
set xtics ("1" 1, "4" 4, "16" 16, "64" 64)
set xrange [0.8:80]
set xlabel "concurrent clients (HTTPS keep-alive)"

set output "throughput.png"
set title "Durable signed redemptions per second (median; bars: min to max)"
set logscale y 10
set ylabel "redemptions per second"
plot "throughput.dat" using 1:3:2:4 with yerrorlines lw 2 pt 7 title "innoclear", \
     "" using 1:6:5:7 with yerrorlines lw 2 pt 5 title "PostgreSQL 15 baseline", \
     "" using 1:8 with lines dt 2 lw 2 title "bound B = 1/(1/V + 1/T)", \
     "" using 1:($8*0.7) with lines dt 3 lw 1 title "goal: 70% of B"

set output "latency.png"
set title "Redemption latency, median of runs"
set ylabel "milliseconds"
plot "latency.dat" using 1:2 with linespoints lw 2 pt 7 title "innoclear p50", \
     "" using 1:3 with linespoints lw 2 pt 6 dt 2 title "innoclear p99", \
     "" using 1:4 with linespoints lw 2 pt 5 title "PostgreSQL p50", \
     "" using 1:5 with linespoints lw 2 pt 4 dt 2 title "PostgreSQL p99"

set output "ledger.png"
set title "Durable appends per second against entries per commit (median; bars: min to max)"
set logscale x 10
set xtics ("1" 1, "100" 100, "1000" 1000)
set xrange [0.5:2000]
set xlabel "entries per durable commit (batch)"
set ylabel "entries per second"
plot "ledger.dat" using 1:3:2:4 with yerrorlines lw 2 pt 7 title "innoclear ledger", \
     "" using 1:6:5:7 with yerrorlines lw 2 pt 5 title "raw LMDB MDB_APPEND, same bytes"
)gp";

}  // namespace

Charts chart_data(Sheet& sheet) {
  Charts charts;
  charts.files["throughput.dat"] = throughput_table(sheet);
  charts.files["latency.dat"] = latency_table(sheet);
  charts.files["ledger.dat"] = ledger_table(sheet);
  charts.files["charts.gp"] = script;
  return charts;
}

}  // namespace innoclear::bench
