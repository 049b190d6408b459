#!/usr/bin/env bash
# bench/spool-cost.sh - where the durable spool's CPU goes, per message, in config b (20
# sessions, 1 KiB messages, persistent connections): the server's CPU (task-clock), its
# context switches and system calls as counted by the kernel (perf stat's software events and
# syscall tracepoints: no hardware counters needed, so it works in a VM), and each thread's
# CPU, voluntary/involuntary context switches and run-queue wait from /proc (bb-smtp-*, bb-api,
# bb-spool-write, bb-spool-ckpt, bb-spool-pool, bb-spool-poll; the main thread runs the first
# event loop).
#
# Usage: bench/spool-cost.sh BIN [MESSAGES] [serve options...]
#   BIN       a bounceback binary; MESSAGES per run (default 20000)
#   Env: PARENT (where the run's spool directory is made, default /var/tmp; it is moved to
#        PARENT/spool-cost-old/ afterwards, not deleted: see docs/benchmarks.md, session 10,
#        on what deleting thousands of files does to the next creates on ext4 without a
#        journal), NOSPOOL=1 (in-memory capture, for comparison).
# Needs perf (linux-perf) and smtp-source (postfix); only processes it started are stopped.
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2; }
BIN=$1 N=${2:-20000}
shift $(( $# >= 2 ? 2 : 1 ))
SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)
command -v perf >/dev/null || { echo "spool-cost.sh: apt-get install linux-perf" >&2; exit 2; }
[ -x "$SOURCE" ] || { echo "spool-cost.sh: smtp-source missing (apt-get install postfix)" >&2; exit 2; }
PARENT=${PARENT:-/var/tmp}
WORK=$(mktemp -d)
DIR=$(mktemp -d "$PARENT/spool-cost.XXXXXX")
SPOOL=(--store-dir "$DIR")
[ -n "${NOSPOOL:-}" ] && SPOOL=()
SERVER="" STAT=""
cleanup() {
  for p in $STAT $SERVER; do kill "$p" 2>/dev/null || true; done
  { mkdir -p "$PARENT/spool-cost-old" && mv "$DIR" "$PARENT/spool-cost-old/"; } 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --smtp "127.0.0.1:$port" --http 127.0.0.1:0 --max-messages 5000 "${SPOOL[@]}" "$@" \
  2>"$WORK/server.log" &
SERVER=$!
for _ in $(seq 100); do grep -q 'msg=ready' "$WORK/server.log" && break; sleep 0.1; done
threads() {  # tid name cpu_ticks voluntary nonvoluntary run_ns runq_wait_ns, by tid
  for t in /proc/"$SERVER"/task/*; do
    printf '%s %s %s %s %s %s\n' "${t##*/}" "$(tr ' ' _ <"$t/comm")" \
      "$(awk '{print $14 + $15}' "$t/stat")" \
      "$(awk '/^voluntary_ctxt/ {print $2}' "$t/status")" \
      "$(awk '/^nonvoluntary_ctxt/ {print $2}' "$t/status")" \
      "$(awk '{print $1, $2}' "$t/schedstat" 2>/dev/null || echo 0 0)"
  done | sort
}
threads >"$WORK/before"
proc_ticks() { awk '{print $14 + $15}' /proc/"$SERVER"/stat; }  # every thread's, exited ones too
proc_before=$(proc_ticks)
events=task-clock,context-switches,cpu-migrations,raw_syscalls:sys_enter
for s in epoll_wait epoll_ctl futex write pwritev fdatasync openat linkat close sendto recvfrom \
  io_uring_enter; do
  events+=,syscalls:sys_enter_$s
done
perf stat -x, -e "$events" -p "$SERVER" -o "$WORK/stat" &
STAT=$!
sleep 0.3
start=$(date +%s.%N)
"$SOURCE" -s 20 -l 1024 -d -m "$N" -f from@example.com -t to@example.com "127.0.0.1:$port" \
  >/dev/null 2>&1
end=$(date +%s.%N)
kill -INT "$STAT"; wait "$STAT" || true; STAT=""
threads >"$WORK/after"
proc_after=$(proc_ticks)
kill -TERM "$SERVER"; wait "$SERVER" || true; SERVER=""
stored=$(sed -n 's/.*msg=stopped messages=\([0-9]*\).*/\1/p' "$WORK/server.log")
[ "${stored:-0}" = "$N" ] || { echo "spool-cost.sh: stored ${stored:-0} of $N" >&2; exit 1; }
printf 'msgs_per_s=%.0f load1=%s\n' "$(echo "$N / ($end - $start)" | bc -l)" \
  "$(cut -d' ' -f1 /proc/loadavg)"
awk -F, -v n="$N" '/^[0-9]/ {
    name = $3; sub(/^syscalls:sys_enter_/, "", name); sub(/^raw_syscalls:sys_enter/, "syscalls", name)
    if (name == "task-clock") printf "cpu_us=%.1f", $1 * 1000 / n
    else printf " %s=%.2f", name, $1 / n
  } END { print "" }' "$WORK/stat"
hz=$(getconf CLK_TCK)
# The process's own CPU count, io_uring's io-wq workers (iou-wrk-*) and exited threads included:
# a check on perf's task-clock.
printf 'process_cpu_us=%.1f\n' "$(echo "($proc_after - $proc_before) * 1000000 / $hz / $N" | bc -l)"
# Threads started during the run (io_uring's workers) count from zero.
# runq_wait_us: time the thread was runnable but waiting for a CPU (/proc's schedstat): where
# it is large against cpu_us, the threads are waiting for the 2 cores, not for the disk.
join -a 2 -e 0 -o 1.3,1.4,1.5,1.6,1.7,2.2,2.3,2.4,2.5,2.6,2.7 "$WORK/before" "$WORK/after" |
  awk -v n="$N" -v hz="$hz" '$1 != $7 || $2 != $8 {
    printf "  %-16s cpu_us=%.1f voluntary=%.2f involuntary=%.2f runq_wait_us=%.1f\n", $6,
      ($7 - $1) * 1e6 / hz / n, ($8 - $2) / n, ($9 - $3) / n, ($11 - $5) / 1e3 / n }'
sed -n 's/.*msg="spool stopped" \(.*\)/  spool: \1/p' "$WORK/server.log"
