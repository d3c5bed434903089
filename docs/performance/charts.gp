set terminal png size 960,600
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
