#!/bin/bash
# bench/instructions.sh - instructions per message (callgrind's Ir), for A/B comparisons on a
# machine that is not quiet. Wall-clock rounds (run.sh) swing by 30% when other work shares the
# two cores; an instruction count does not, so a hot-path change is first judged here.
#
# Usage: bench/instructions.sh BIN [BIN...]
#   For each binary: Ir of an idle start+stop, and of a fixed load on one event loop
#   (MSGS messages as config b: 20 sessions, 1 KiB, persistent; then MSGS_C2 as c2: 100 KiB),
#   printed as instructions per message with the idle run subtracted. Needs valgrind and
#   Postfix's smtp-source. Env: MSGS (default 4000), MSGS_C2 (default 500), SCENARIO (a file
#   passed as --scenario, optional), THREADS (--threads, default 1), MSGS_D (default 0: a third
#   load as config d, 200 sessions of one 1 KiB message each; callgrind runs one thread at a
#   time, so with THREADS=2 the count shows the extra work of a second loop, not contention),
#   ARGS (more server options, e.g. "--state redis://127.0.0.1:6379": every thread's
#   instructions are counted, the Redis threads' too).
set -euo pipefail
MSGS=${MSGS:-4000}
MSGS_C2=${MSGS_C2:-500}
MSGS_D=${MSGS_D:-0}
SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)
command -v valgrind >/dev/null || { echo "instructions.sh: apt-get install valgrind" >&2; exit 2; }
[ -x "$SOURCE" ] || { echo "instructions.sh: smtp-source missing (apt-get install postfix)" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# ir BIN LOAD(0|1): callgrind's total for one server run, with or without the load.
ir() {
  local port log=$WORK/server.log pid
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  local args=(serve --smtp "127.0.0.1:$port" --http 127.0.0.1:0 --max-messages 5000 --threads "${THREADS:-1}")
  [ -n "${SCENARIO:-}" ] && args+=(--scenario "$SCENARIO")
  # shellcheck disable=SC2206 # ARGS is split into words on purpose
  [ -n "${ARGS:-}" ] && args+=($ARGS)
  valgrind --tool=callgrind --callgrind-out-file="$WORK/cg" "$1" "${args[@]}" 2>"$log" &
  pid=$!
  for _ in $(seq 300); do grep -q 'msg=ready' "$log" && break; sleep 0.2; done
  if [ "$2" = 1 ]; then
    "$SOURCE" -s 20 -m "$MSGS" -l 1024 -d "127.0.0.1:$port" >/dev/null 2>&1
    "$SOURCE" -s 20 -m "$MSGS_C2" -l 102400 -d "127.0.0.1:$port" >/dev/null 2>&1
    [ "$MSGS_D" = 0 ] || "$SOURCE" -s 200 -m "$MSGS_D" -l 1024 "127.0.0.1:$port" >/dev/null 2>&1
  fi
  kill -TERM "$pid"
  wait "$pid" || true
  local stored; stored=$(sed -n 's/.*msg=stopped messages=\([0-9]*\).*/\1/p' "$log")
  [ "$2" = 0 ] || [ "${stored:-0}" = $((MSGS + MSGS_C2 + MSGS_D)) ] ||
    { echo "instructions.sh: $1 stored ${stored:-0} of $((MSGS + MSGS_C2 + MSGS_D))" >&2; exit 1; }
  sed -n 's/^summary: //p' "$WORK/cg"
}

printf '%-40s %14s %14s %12s\n' binary idle_Ir load_Ir Ir_per_msg
for bin in "$@"; do
  idle=$(ir "$bin" 0)
  load=$(ir "$bin" 1)
  printf '%-40s %14s %14s %12s\n' "$bin" "$idle" "$load" $(((load - idle) / (MSGS + MSGS_C2 + MSGS_D)))
done
