#!/usr/bin/env bash
# bench/run.sh - Bounceback vs Postfix smtp-sink, side by side on loopback, both driven by
# Postfix smtp-source in the same run, alternating, several rounds; medians and ratios.
#
# Usage: bench/run.sh [options]
#   --smoke            a few seconds: tiny runs of every server and configuration, 1 round,
#                      100 idle connections; proves the script works (CI), measures nothing
#   --rounds N         interleaved rounds per configuration and server (default 3)
#   --seconds S        target length of one run (default 5; a calibration run sizes it)
#   --configs LIST     a,b,c2,d (default all; c is also known: 20 sessions, 1/conn, 100 KiB)
#   --variants LIST    Bounceback variants besides smtp-sink (default mem,spool,rules):
#                        mem    in-memory capture, bounded by --max-messages
#                        spool  the same plus --store-dir (each message fsynced before its 250)
#                        rules  the same as mem plus a 100-rule scenario (gen-rules.py)
#                        dsn    the same as mem plus bench/dsn.toml: every message gets a
#                               failed DSN at once, generated and stored (issue 15's bound:
#                               within 1.5x of mem's CPU per message)
#   --idle N           idle connections held on a fresh Bounceback first (default 10000; 0 = skip)
#   --max-messages N   Bounceback's in-memory capture bound (default 5000)
#   --threads N        Bounceback --threads (default: Bounceback's own default, 1)
#   --spool-dir DIR    where the spool variant's directories go (default /var/tmp); keep it off
#                      a directory where other work creates and deletes many files (/tmp)
#   --bin PATH         use this bounceback binary instead of building build-bench/ (Release)
#   --no-install       never apt-get install missing tools (fail or skip the chart instead)
#   --out DIR          results directory (default bench/results/YYYY-MM-DD; smoke: a temp dir)
#
# Installs what is missing (Debian, as root): postfix with the debconf "No configuration"
# preseed (smtp-source, smtp-sink), time, python3-matplotlib (the chart). All traffic is on
# 127.0.0.1; every run is bounded in messages and time; only processes this script started
# are stopped. Writes OUT/results.tsv (every run), OUT/medians.tsv, OUT/summary.md, OUT/chart.png.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SPOOL_DIR=/var/tmp SMOKE=0 ROUNDS=3 SECONDS_PER_RUN=5 CONFIGS=a,b,c2,d VARIANTS=mem,spool,rules IDLE=10000
MAX_MESSAGES=5000 THREADS="" BIN="" INSTALL=1 OUT=""

die() { echo "bench: error: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) SMOKE=1 ;;
    --rounds) ROUNDS=${2:?}; shift ;;
    --seconds) SECONDS_PER_RUN=${2:?}; shift ;;
    --configs) CONFIGS=${2:?}; shift ;;
    --variants) VARIANTS=${2:?}; shift ;;
    --idle) IDLE=${2:?}; shift ;;
    --max-messages) MAX_MESSAGES=${2:?}; shift ;;
    --threads) THREADS=${2:?}; shift ;;
    --spool-dir) SPOOL_DIR=${2:?}; shift ;;
    --bin) BIN=${2:?}; shift ;;
    --no-install) INSTALL=0 ;;
    --out) OUT=${2:?}; shift ;;
    -h|--help) usage ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
if [ "$SMOKE" = 1 ]; then
  ROUNDS=1 IDLE=$(( IDLE < 100 ? IDLE : 100 )) CONFIGS=a,b
  OUT=${OUT:-$(mktemp -d /tmp/bounceback-bench-smoke.XXXXXX)}
fi
OUT=${OUT:-$HERE/results/$(date +%F)}
for n in "$ROUNDS" "$SECONDS_PER_RUN" "$IDLE" "$MAX_MESSAGES"; do
  [[ $n =~ ^[0-9]+$ ]] || die "expected a number, got '$n'"
done
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 20 ] || die "--rounds must be 1..20"
[ "$SECONDS_PER_RUN" -ge 1 ] && [ "$SECONDS_PER_RUN" -le 60 ] || die "--seconds must be 1..60"

# ---- tools ---------------------------------------------------------------------------------
SMTP_SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)
SMTP_SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
PY=/usr/bin/python3  # Debian's, which sees python3-matplotlib (a pyenv python3 would not)
have_chart() { "$PY" -c 'import matplotlib' 2>/dev/null; }
missing=()
[ -x "$SMTP_SOURCE" ] && [ -x "$SMTP_SINK" ] || missing+=(postfix)
[ -x /usr/bin/time ] || missing+=(time)
[ -x "$PY" ] || missing+=(python3)
have_chart || missing+=(python3-matplotlib)
if [ ${#missing[@]} -gt 0 ] && [ "$INSTALL" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "bench: installing ${missing[*]} (Debian packages)"
  # "No configuration": the package installs smtp-source/smtp-sink without setting up a mail system.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [[ " ${missing[*]} " == *" postfix "* ]] && { postfix status >/dev/null 2>&1 && postfix stop || true; }
  SMTP_SOURCE=/usr/sbin/smtp-source SMTP_SINK=/usr/sbin/smtp-sink
fi
[ -x "$SMTP_SOURCE" ] && [ -x "$SMTP_SINK" ] ||
  die "smtp-source/smtp-sink not found: apt-get install postfix (preseed 'No configuration', see docs/benchmarks.md)"
[ -x "$PY" ] || die "/usr/bin/python3 not found (idle-conns.py needs it)"
export SMTP_SOURCE

# ---- Bounceback ----------------------------------------------------------------------------
if [ -z "$BIN" ]; then
  gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
  echo "bench: building Bounceback (Release) in build-bench/"
  cmake -S "$ROOT" -B "$ROOT/build-bench" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DBOUNCEBACK_TESTS=OFF >/dev/null
  cmake --build "$ROOT/build-bench" -j"$(nproc)" --target bounceback >/dev/null
  BIN=$ROOT/build-bench/bounceback
fi
[ -x "$BIN" ] || die "no bounceback binary at $BIN"

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
FD_LIMIT=$(ulimit -n)
if [ "$IDLE" -gt 0 ] && [ "$FD_LIMIT" != unlimited ] && [ "$IDLE" -gt $(( FD_LIMIT - 200 )) ]; then
  IDLE=$(( FD_LIMIT - 200 ))
  echo "bench: file descriptor limit $FD_LIMIT: idle test lowered to $IDLE connections"
fi

mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/bounceback-bench.XXXXXX)
SPOOLS=$(mktemp -d "$SPOOL_DIR/bounceback-bench-spool.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
  # A real run's spool directories (~100,000 files) are kept, moved aside, not deleted: on ext4
  # without a journal, deleting that many makes every create on the filesystem scan for
  # minutes, which spoiled the next run (session 13: a second run.sh right after the first ran
  # at 0.08x, every build alike). Delete SPOOL_DIR/bounceback-bench-spool-old/ when nothing is
  # measured. A smoke run's few files go at once.
  if [ "$SMOKE" = 1 ]; then
    rm -rf "$SPOOLS"
  elif [ -d "$SPOOLS" ]; then
    local old=$SPOOL_DIR/bounceback-bench-spool-old
    if { mkdir -p "$old" && mv "$SPOOLS" "$old/"; } 2>/dev/null; then
      echo "bench: spool directories kept in $old ($(du -sh "$old" | cut -f1)): delete it when nothing is measured" >&2
    fi
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cfg_params() {  # -> sessions size persist
  case $1 in
    a) echo "20 1024 0" ;; b) echo "20 1024 1" ;; c) echo "20 102400 0" ;;
    c2) echo "20 102400 1" ;; d) echo "200 1024 0" ;; *) return 1 ;;
  esac
}
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

declare -A PORT PID
NAMES=()
# start_bounceback NAME [extra serve options...]: listens on an ephemeral loopback port.
start_bounceback() {
  local name=$1; shift
  local log=$WORK/$name.log args=(serve --smtp 127.0.0.1:0 --http 127.0.0.1:0
    --max-messages "$MAX_MESSAGES" --max-connections $(( IDLE + 1000 )) "$@")
  [ -n "$THREADS" ] && args+=(--threads "$THREADS")
  # Emptied here, not by the child's redirection: a restarted server's log would otherwise
  # still show the previous one's ready line (and its port) to the first grep below.
  : > "$log"
  "$BIN" "${args[@]}" 2>"$log" &
  PID[$name]=$!; PIDS+=("$!")
  for _ in $(seq 100); do
    grep -q ' msg=ready ' "$log" 2>/dev/null && break
    sleep 0.1
  done
  PORT[$name]=$(sed -n 's/.* msg=ready listeners="smtp=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
  [ -n "${PORT[$name]}" ] || { cat "$log" >&2; die "$name did not start"; }
  NAMES+=("$name")
  echo "bench: $name pid ${PID[$name]} port ${PORT[$name]}: $BIN ${args[*]}"
}
start_sink() {
  local port; port=$(free_port)
  local user=(); [ "$(id -u)" = 0 ] && user=(-u nobody)  # smtp-sink refuses to run as root
  # -m: simultaneous connections (default 256); last argument: listen backlog
  "$SMTP_SINK" "${user[@]}" -m 10000 "127.0.0.1:$port" 4096 2>"$WORK/smtp-sink.log" &
  PID[smtp-sink]=$!; PIDS+=("$!"); PORT[smtp-sink]=$port
  sleep 0.3
  kill -0 "${PID[smtp-sink]}" 2>/dev/null || die "smtp-sink did not start"
  NAMES+=(smtp-sink)
  echo "bench: smtp-sink pid ${PID[smtp-sink]} port $port: $SMTP_SINK ${user[*]} -m 10000 127.0.0.1:$port 4096"
}

IFS=, read -r -a variants <<<"$VARIANTS"
IFS=, read -r -a cfgs <<<"$CONFIGS"
for c in "${cfgs[@]}"; do cfg_params "$c" >/dev/null || die "unknown configuration '$c'"; done
"$PY" "$HERE/gen-rules.py" 100 > "$WORK/rules.toml"
cp "$WORK/rules.toml" "$OUT/rules.toml"
start_sink
for v in "${variants[@]}"; do
  case $v in
    mem) start_bounceback bounceback ;;
    spool) mkdir -p "$SPOOLS/0"; start_bounceback bounceback-spool --store-dir "$SPOOLS/0" ;;
    rules) start_bounceback bounceback-rules --scenario "$WORK/rules.toml" ;;
    dsn) start_bounceback bounceback-dsn --scenario "$HERE/dsn.toml" ;;
    *) die "unknown variant '$v'" ;;
  esac
done

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(uname -srm), $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "postfix: $(dpkg-query -W -f '${Version}' postfix 2>/dev/null || echo unknown)"
  echo "bounceback: $BIN ($(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown))"
  echo "rounds=$ROUNDS seconds=$SECONDS_PER_RUN configs=$CONFIGS variants=$VARIANTS max_messages=$MAX_MESSAGES threads=${THREADS:-default} smoke=$SMOKE spool_dir=$SPOOL_DIR ($(df --output=fstype "$SPOOL_DIR" | tail -1))"
} > "$OUT/meta.txt"
cat "$OUT/meta.txt"

# ---- idle connections, first, on a fresh server ----------------------------------------------
if [ "$IDLE" -gt 0 ] && [ -n "${PID[bounceback]:-}" ]; then
  echo "bench: $IDLE idle connections on bounceback"
  "$PY" "$HERE/idle-conns.py" 127.0.0.1 "${PORT[bounceback]}" "$IDLE" "${PID[bounceback]}" \
    --timeout 120 > "$WORK/idle.txt" 2>&1 || echo "bench: idle test: not every connection was greeted" >&2
  tail -n 1 "$WORK/idle.txt" | tee "$OUT/idle.txt"
  sleep 1
fi

# ---- load ----------------------------------------------------------------------------------
kv() { tr ' ' '\n' | awk -F= -v k="$1" '$1==k {print $2; exit}'; }
load() {  # name messages sessions size persist [server pid] -> smtp-load.sh's final line
  local pid_env=()
  [ -n "${6:-}" ] && pid_env=(SERVER_PID="$6")
  env "${pid_env[@]}" PERSIST="$5" TIMEOUT_S=120 "$HERE/smtp-load.sh" 127.0.0.1 "${PORT[$1]}" "$2" "$3" "$4" \
    2>>"$WORK/errors.log" | tail -n 1
}
# Each spool run starts on a fresh server with a new, empty spool directory: ext4 directories do
# not shrink, so files deleted between runs would slow the next run's creates and fsyncs. The
# old directories are never deleted by a real run (see cleanup): ext4 without a journal skips recently freed inodes
# when it allocates one, and thousands of them make every create scan (CPU-bound). That lasts
# minutes, not seconds: a run started soon after another one's deletions (here, in /var/tmp)
# measures the scan (docs/benchmarks.md, session 10); only a first run after a long pause, or
# a --spool-dir on a filesystem with a journal, measures the spool.
SPOOL_RUN=0
fresh_spool() {
  [ -n "${PID[bounceback-spool]:-}" ] || return 0
  kill "${PID[bounceback-spool]}" 2>/dev/null || true
  wait "${PID[bounceback-spool]}" 2>/dev/null || true
  SPOOL_RUN=$((SPOOL_RUN + 1)); mkdir -p "$SPOOLS/$SPOOL_RUN"
  local keep=("${NAMES[@]}")
  start_bounceback bounceback-spool --store-dir "$SPOOLS/$SPOOL_RUN" >/dev/null
  NAMES=("${keep[@]}")
}

printf 'config\tserver\tround\tmessages\tmsgs_per_s\twall_s\tclient_cpu_s\tserver_cpu_s\tserver_rss_kb\tload1\n' > "$OUT/results.tsv"
for c in "${cfgs[@]}"; do
  read -r sess size persist <<<"$(cfg_params "$c")"
  declare -A M=()
  for name in "${NAMES[@]}"; do
    # The spool variant writes every 100 KiB message to disk: only with 1 KiB bodies.
    if [ "$name" = bounceback-spool ] && [ "$size" -gt 10000 ]; then M[$name]=0; continue; fi
    if [ "$SMOKE" = 1 ]; then M[$name]=$(( sess * 5 )); continue; fi
    [ "$name" = bounceback-spool ] && fresh_spool
    cal=$(( size > 10000 ? sess * 10 : (sess * 10 > 1000 ? sess * 10 : 1000) ))
    rate=$(load "$name" "$cal" "$sess" "$size" "$persist" | kv msgs_per_s || true)
    [ -n "$rate" ] || { echo "bench: $c $name: calibration failed (see errors below)" >&2; M[$name]=0; continue; }
    max=$(( persist == 1 ? 1000000 : 25000 ))
    M[$name]=$(awk -v r="$rate" -v t="$SECONDS_PER_RUN" -v s="$sess" -v mx="$max" 'BEGIN{
      m = r * t; if (m < s * 5) m = s * 5; if (m > mx) m = mx; printf "%d", m }')
  done
  for ((r = 1; r <= ROUNDS; r++)); do
    for name in "${NAMES[@]}"; do
      [ "${M[$name]}" -gt 0 ] || continue
      [ "$SMOKE" = 1 ] || sleep 1
      [ "$name" = bounceback-spool ] && fresh_spool
      line=$(load "$name" "${M[$name]}" "$sess" "$size" "$persist" "${PID[$name]}" || true)
      rate=$(echo "$line" | kv msgs_per_s)
      [ -n "$rate" ] || { echo "bench: config=$c server=$name round=$r FAILED" >&2; continue; }
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$name" "$r" "${M[$name]}" "$rate" \
        "$(echo "$line" | kv wall_s)" "$(echo "$line" | kv client_cpu_s)" \
        "$(echo "$line" | kv server_cpu_s)" "$(echo "$line" | kv server_rss_kb)" \
        "$(cut -d' ' -f1 /proc/loadavg)" >> "$OUT/results.tsv"
      echo "bench: config=$c server=$name round=$r messages=${M[$name]}: $(echo "$line" | cut -d' ' -f1,5) $(echo "$line" | tr ' ' '\n' | grep -E '^(client_cpu_pct|server_cpu_pct|server_cpu_us_per_msg)=' | tr '\n' ' ')"
    done
  done
  unset M
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/meta.txt"
if [ -s "$WORK/errors.log" ]; then
  echo "bench: smtp-source errors:" >&2; tail -n 20 "$WORK/errors.log" >&2
fi

# ---- medians, ratios, summary, chart ---------------------------------------------------------
awk -F'\t' '
  function med(list,   n, v, i, j, t) { n = split(list, v, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
  function lo(list,   n, v, i, m) { n = split(list, v, " "); m = v[1]; for (i = 2; i <= n; i++) if (v[i] + 0 < m + 0) m = v[i]; return m }
  function hi(list,   n, v, i, m) { n = split(list, v, " "); m = v[1]; for (i = 2; i <= n; i++) if (v[i] + 0 > m + 0) m = v[i]; return m }
  NR > 1 { k = $1 "\t" $2; if (!(k in n)) order[++no] = k; n[k]++
    rate[k] = rate[k] " " $5; su[k] = su[k] " " (1e6 * $8 / $4); sp[k] = sp[k] " " (100 * $8 / $6)
    cp[k] = cp[k] " " (100 * $7 / $6); msgs[k] = $4; ld[k] = ld[k] " " $10 }
  END { print "config\tserver\tmsgs_per_s\tmin\tmax\tserver_cpu_us_per_msg\tserver_cpu_pct\tclient_cpu_pct\tmessages\trounds\tload1"
    for (o = 1; o <= no; o++) { k = order[o]
      printf "%s\t%.0f\t%.0f\t%.0f\t%.1f\t%.0f\t%.0f\t%s\t%d\t%s\n", k, med(rate[k]), lo(rate[k]), hi(rate[k]),
        med(su[k]), med(sp[k]), med(cp[k]), msgs[k], n[k], med(ld[k]) } }' "$OUT/results.tsv" > "$OUT/medians.tsv"

{
  echo "# Bounceback vs Postfix smtp-sink"
  echo
  echo '```'; cat "$OUT/meta.txt"; echo '```'
  echo
  echo "Median of $ROUNDS interleaved rounds per server; ratios against smtp-sink in the same run."
  echo "CPU: server user+sys from /proc over the run, per message. Bounceback keeps every accepted"
  echo "message in memory, bounded by --max-messages $MAX_MESSAGES (oldest dropped first)."
  echo
  echo "| config | server | msgs/s (min-max) | x smtp-sink | server CPU us/msg | x smtp-sink | server CPU % | smtp-source CPU % | load |"
  echo "|---|---|---|---|---|---|---|---|---|"
  awk -F'\t' 'NR > 1 { if ($2 == "smtp-sink") { sr[$1] = $3; sc[$1] = $6 }; row[++n] = $0 }
    END { for (i = 1; i <= n; i++) { split(row[i], f, "\t")
      rr = (f[1] in sr && sr[f[1]] > 0) ? sprintf("%.2f", f[3] / sr[f[1]]) : "-"
      cr = (f[1] in sc && sc[f[1]] > 0) ? sprintf("%.2f", f[6] / sc[f[1]]) : "-"
      if (f[2] == "smtp-sink") { rr = "1"; cr = "1" }
      printf "| %s | %s | %s (%s-%s) | %s | %s | %s | %s | %s | %s |\n", f[1], f[2], f[3], f[4], f[5], rr, f[6], cr, f[7], f[8], f[11] } }' \
    "$OUT/medians.tsv"
  # Variants that add work to capture (rules, dsn) against plain capture, in the same run.
  awk -F'\t' 'NR > 1 { if ($2 == "bounceback") mc[$1] = $6; else if ($2 ~ /^bounceback-(rules|dsn)$/) row[++n] = $1 "\t" $2 "\t" $6 }
    END { if (!n) exit; print ""; print "| config | variant | server CPU us/msg | x bounceback (plain capture) |"; print "|---|---|---|---|"
      for (i = 1; i <= n; i++) { split(row[i], f, "\t")
        printf "| %s | %s | %s | %s |\n", f[1], f[2], f[3], (f[1] in mc && mc[f[1]] > 0) ? sprintf("%.2f", f[3] / mc[f[1]]) : "-" } }' \
    "$OUT/medians.tsv"
  if [ -s "$OUT/idle.txt" ]; then
    echo
    echo "Idle connections on a freshly started Bounceback (idle-conns.py: every connection greeted, then held):"
    echo
    echo '```'; cat "$OUT/idle.txt"; echo '```'
    awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
      END { if (v["rss_per_conn_bytes"] != "") printf "\n**%.1f KiB RSS per idle connection** (%s of %s greeted).\n", v["rss_per_conn_bytes"] / 1024, v["conns_ok"], v["conns_requested"] }' "$OUT/idle.txt"
  fi
} > "$OUT/summary.md"
cat "$OUT/summary.md"

if have_chart; then
  "$PY" "$HERE/chart.py" "$OUT/medians.tsv" "$OUT/chart.png"
else
  echo "bench: no chart (python3-matplotlib missing; apt-get install python3-matplotlib)"
fi
echo "bench: results in $OUT"
