#!/usr/bin/env bash
# bench/state-cost.sh - what --state costs a stateless scenario per message, in CPU: the
# server's threads AND redis-server's (both share the cores with smtp-source, so a cost moved
# into Redis is still a cost), context switches, and how many XADD entries carried the capture.
# Made for issue 19's "the stateless path with --state within 1.1x of without".
#
# Usage: bench/state-cost.sh BIN [ROUNDS]
#   Config b: N messages (default 40000) of 1 KiB over 20 persistent sessions (smtp-source -d),
#   one replica, a scenario with one rcpt rule that never matches (stateless), --max-messages
#   5000. Modes, interleaved per round (env MODES, default "mem state tables"):
#     mem     without --state
#     state   --state redis://... (the default share: tables, capture and attempt log)
#     tables  --state redis://... --state-share tables
#   A mode may name another binary, MODE@PATH ("state@/tmp/old/bounceback"), for A/B rounds.
#   A redis-server 7 is started on a free loopback port without persistence (stopped at the
#   end); each run has a --state-prefix of its own, and the data is flushed after each round.
# Prints one line per run: msg/s (wall clock: noisy on a shared machine), the server's CPU
# (utime+stime from /proc, all threads) in us per message, split per thread name, voluntary +
# involuntary context switches per message (all server threads), redis-server's CPU in us per
# message, the XADD calls (INFO commandstats) and messages per XADD. CPU ticks are 10 ms: keep
# runs of a second or more. Needs smtp-source (postfix) and redis-server; only processes it
# started are stopped.
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2; }
BIN=$1 ROUNDS=${2:-3} N=${N:-40000} MODES=${MODES:-"mem state tables"}
SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)
[ -x "$SOURCE" ] || { echo "state-cost.sh: smtp-source missing (apt-get install postfix)" >&2; exit 2; }
command -v redis-server >/dev/null || { echo "state-cost.sh: apt-get install redis-server" >&2; exit 2; }
WORK=$(mktemp -d)
SERVER="" REDIS=""
cleanup() {
  for p in $SERVER $REDIS; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# utime+stime ticks of /proc/$1/stat (a process or a task), fields after comm's ")".
ticks() { awk '{ sub(/^.*\) /, ""); split($0, f, " "); print f[12] + f[13] }' "$1/stat"; }
# "name ticks switches" per thread of $1.
threads() {
  for t in /proc/"$1"/task/*; do
    printf '%s %s %s\n' "$(cat "$t/comm")" "$(ticks "$t")" \
      "$(awk '/ctxt_switches/ { n += $2 } END { print n }' "$t/status")"
  done
}
xadds() { redis-cli -p "$RPORT" INFO commandstats | sed -n 's/^cmdstat_xadd:calls=\([0-9]*\),.*/\1/p' | tr -d '\r'; }

RPORT=$(free_port)
redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no >"$WORK/redis.log" 2>&1 &
REDIS=$!
for _ in $(seq 50); do redis-cli -p "$RPORT" PING >/dev/null 2>&1 && break; sleep 0.1; done
printf '[[rule]]\non = "rcpt"\nrcpt = "nobody-matches@example.invalid"\nreply = "550 5.1.1 no"\n' \
  >"$WORK/stateless.toml"
HZ=$(getconf CLK_TCK)

run() {  # mode[@bin] round
  local port args=() out bin=$BIN mode=$1
  [[ $1 == *@* ]] && bin=${1#*@} mode=${1%%@*}
  port=$(free_port)
  case $mode in
    mem) ;;
    state) args=(--state "redis://127.0.0.1:$RPORT" --state-prefix "s$2$RANDOM:") ;;
    tables) args=(--state "redis://127.0.0.1:$RPORT" --state-prefix "t$2$RANDOM:" --state-share tables) ;;
    *) echo "state-cost.sh: unknown mode $1" >&2; exit 2 ;;
  esac
  "$bin" serve --smtp "127.0.0.1:$port" --http 127.0.0.1:0 --max-messages 5000 \
    --scenario "$WORK/stateless.toml" "${args[@]}" 2>"$WORK/server.log" &
  SERVER=$!
  for _ in $(seq 100); do grep -q 'msg=ready' "$WORK/server.log" && break; sleep 0.1; done
  sleep 0.3
  threads "$SERVER" >"$WORK/before"
  local r0 x0 t0 t1 r1 x1
  r0=$(ticks /proc/"$REDIS") x0=$(xadds) t0=$(date +%s.%N)
  "$SOURCE" -s 20 -l 1024 -d -m "$N" -f from@example.com -t to@example.com "127.0.0.1:$port" \
    >/dev/null 2>&1
  t1=$(date +%s.%N)
  sleep 0.3  # the outbox's last entries
  threads "$SERVER" >"$WORK/after"
  r1=$(ticks /proc/"$REDIS") x1=$(xadds)
  kill "$SERVER"
  wait "$SERVER" 2>/dev/null || true
  SERVER=""
  out=$(awk -v n="$N" -v hz="$HZ" '
    FNR == NR { t[$1] -= $2; s -= $3; next }
    { t[$1] += $2; s += $3 }
    END {
      for (k in t) { all += t[k]; if (t[k] > 0) per = per sprintf(" %s=%.1f", k, t[k] * 1e6 / hz / n) }
      printf "server_us=%.1f [%s ] cs=%.2f", all * 1e6 / hz / n, per, s / n
    }' "$WORK/before" "$WORK/after")
  local label=$mode
  [ "$bin" = "$BIN" ] || label+=@$(basename "$bin")
  printf '%-10s msg/s=%.0f %s redis_us=%.1f xadd=%d msgs/xadd=%s\n' "$label" \
    "$(echo "$N / ($t1 - $t0)" | bc -l)" "$out" "$(echo "($r1 - $r0) * 1000000 / $HZ / $N" | bc -l)" \
    $((x1 - x0)) "$( [ $((x1 - x0)) -gt 0 ] && echo $((N / (x1 - x0))) || echo -)"
}

echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg) bin: $BIN N=$N"
for r in $(seq "$ROUNDS"); do
  for m in $MODES; do run "$m" "$r"; done
  redis-cli -p "$RPORT" FLUSHALL >/dev/null
done
