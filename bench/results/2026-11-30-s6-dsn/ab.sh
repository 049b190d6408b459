#!/usr/bin/env bash
# A/B: before and after binaries, plain capture and the dsn variant, config b, interleaved rounds.
set -u
ROUNDS=${ROUNDS:-3}; M=${M:-60000}
BENCH=/work/wt-dsn/bench
declare -A PORT PID
start() { # name bin [args]
  local name=$1 bin=$2; shift 2
  "$bin" serve --smtp 127.0.0.1:0 --http 127.0.0.1:0 --max-messages 5000 "$@" 2>/tmp/dsn-ab/$name.log &
  PID[$name]=$!
  for _ in $(seq 50); do grep -q ' msg=ready ' /tmp/dsn-ab/$name.log && break; sleep 0.1; done
  sleep 0.2; PORT[$name]=$(sed -n 's/.* msg=ready listeners="smtp=127\.0\.0\.1:\([0-9]*\).*/\1/p' /tmp/dsn-ab/$name.log)
}
start before-mem /tmp/bb-dsn-before
start before-dsn /tmp/bb-dsn-before --scenario $BENCH/dsn.toml
start after-mem ${AFTER:-/tmp/bb-dsn-after1}
start after-dsn ${AFTER:-/tmp/bb-dsn-after1} --scenario $BENCH/dsn.toml
for r in $(seq $ROUNDS); do
  for n in before-mem before-dsn after-mem after-dsn; do
    sleep 1
    line=$(SERVER_PID=${PID[$n]} PERSIST=1 $BENCH/smtp-load.sh 127.0.0.1 ${PORT[$n]} $M 20 1024 2>/tmp/dsn-ab/err.$n | tail -1)
    echo "round=$r $n $(echo $line | tr ' ' '\n' | grep -E '^(msgs_per_s|server_cpu_us_per_msg|server_cpu_pct)=' | tr '\n' ' ')"
  done
done
for n in "${!PID[@]}"; do kill ${PID[$n]}; done; wait
