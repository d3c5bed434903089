# Sourced by the federation script tests: sets `base` so that base+1 … base+6 are free ports on
# 127.0.0.1 below the ephemeral range (32768…), one per region; empty if none was found.
base=
for _ in $(seq 50); do
  candidate=$((20000 + RANDOM % 12000))
  busy=0
  for i in 1 2 3 4 5 6; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$((candidate + i))") 2>/dev/null; then busy=1; break; fi
  done
  if ((busy == 0)); then base=$candidate; break; fi
done
