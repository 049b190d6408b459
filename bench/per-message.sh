#!/usr/bin/env bash
# bench/per-message.sh - what one message costs the server in CPU, sleeps and system calls, as
# counted by the kernel (perf stat's software events and syscall tracepoints: no hardware
# counters needed, so it works in a VM). Made to explain --threads: a second event loop shows
# up here as more epoll_wait calls and wake-ups per message long before it shows in msgs/s.
#
# Usage: bench/per-message.sh BIN THREADS CONFIG [ROUNDS]
#   BIN      a bounceback binary; THREADS its --threads; CONFIG as in run.sh:
#            b (20 sessions, 1 KiB, persistent), d (200 sessions, 1 KiB, one message each),
#            c2 (20 sessions, 100 KiB, persistent); ROUNDS runs (default 1), one line each.
#   Env: MSGS (messages per run; default b 60000, d 20000, c2 4000), EXTRA (more serve options).
# Prints per message: server CPU (task-clock, us), context switches, epoll_wait, futex (a
# mutex that had to sleep), write (log lines; eventfd wake-ups of another loop), accept.
# Needs perf (linux-perf) and smtp-source (postfix); only processes it started are stopped.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2; }
BIN=$1 THREADS=$2 CONFIG=$3 ROUNDS=${4:-1}
SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)
command -v perf >/dev/null || { echo "per-message.sh: apt-get install linux-perf" >&2; exit 2; }
[ -x "$SOURCE" ] || { echo "per-message.sh: smtp-source missing (apt-get install postfix)" >&2; exit 2; }
case $CONFIG in
  b) n=${MSGS:-60000} load=(-s 20 -l 1024 -d) ;;
  d) n=${MSGS:-20000} load=(-s 200 -l 1024) ;;
  c2) n=${MSGS:-4000} load=(-s 20 -l 102400 -d) ;;
  *) echo "per-message.sh: CONFIG is b, d or c2" >&2; exit 2 ;;
esac
WORK=$(mktemp -d)
SERVER="" STAT=""
cleanup() {
  for p in $STAT $SERVER; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
events=task-clock,context-switches,cpu-migrations
for s in epoll_wait futex write accept accept4; do events+=,syscalls:sys_enter_$s; done

for _ in $(seq "$ROUNDS"); do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  # shellcheck disable=SC2086  # EXTRA is a list of options
  "$BIN" serve --smtp "127.0.0.1:$port" --http 127.0.0.1:0 --max-messages 5000 \
    --max-connections 11000 --threads "$THREADS" ${EXTRA:-} 2>"$WORK/server.log" &
  SERVER=$!
  for _ in $(seq 100); do grep -q 'msg=ready' "$WORK/server.log" && break; sleep 0.1; done
  perf stat -x, -e "$events" -p "$SERVER" -o "$WORK/stat" &
  STAT=$!
  sleep 0.3
  start=$(date +%s.%N)
  "$SOURCE" "${load[@]}" -m "$n" -f from@example.com -t to@example.com "127.0.0.1:$port" \
    >/dev/null 2>&1
  end=$(date +%s.%N)
  kill -INT "$STAT"; wait "$STAT" || true; STAT=""
  kill -TERM "$SERVER"; wait "$SERVER" || true; SERVER=""
  stored=$(sed -n 's/.*msg=stopped messages=\([0-9]*\).*/\1/p' "$WORK/server.log")
  [ "${stored:-0}" = "$n" ] || { echo "per-message.sh: stored ${stored:-0} of $n" >&2; exit 1; }
  printf 'threads=%s config=%s msgs_per_s=%.0f load1=%s' "$THREADS" "$CONFIG" \
    "$(echo "$n / ($end - $start)" | bc -l)" "$(cut -d' ' -f1 /proc/loadavg)"
  awk -F, -v n="$n" '/^[0-9]/ {
      name = $3; sub(/^syscalls:sys_enter_/, "", name)
      if (name == "task-clock") printf " cpu_us=%.1f", $1 * 1000 / n
      else printf " %s=%.2f", name, $1 / n
    } END { print "" }' "$WORK/stat"
done
