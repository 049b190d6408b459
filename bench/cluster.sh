#!/bin/bash
# bench/cluster.sh N STATE(0|1) - issue 19 (docs/benchmarks.md, "shared state in Redis"): N messages (config b: 20 sessions, 1 KiB) through HAProxy (send-proxy-v2,
# round robin) to two replicas (--threads 1, --proxy-protocol on), a greylist rule (retry_after 0s),
# the triplet passed first on every replica; prints msg/s.
# Env: BIN (default build/bounceback), REDIS (default redis://127.0.0.1:6379: a redis-server
# you started, e.g. redis-server --port 6379 --save ''). Needs haproxy and Postfix's smtp-source.
set -u
N=$1; STATE=$2
BIN=${BIN:-build/bounceback}
REDIS=${REDIS:-redis://127.0.0.1:6379}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
printf '[[rule]]\non = "rcpt"\ngreylist = { retry_after = "0s" }\nreply = "451 4.7.1 Greylisted"\n' > "$WORK"/grey.toml
fp() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
p1=$(fp); p2=$(fp); lb=$(fp)
extra=(); [ "$STATE" = 1 ] && extra=(--state "$REDIS" --state-prefix bench$RANDOM:)
pids=()
for p in $p1 $p2; do
  "$BIN" serve --smtp 127.0.0.1:$p --http 127.0.0.1:0 --max-messages 5000 --threads 1 --proxy-protocol on --scenario "$WORK"/grey.toml "${extra[@]}" 2>"$WORK"/r$p.log &
  pids+=($!)
done
cat > "$WORK"/h.cfg <<CFG
global
  maxconn 1000
defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend f
  bind 127.0.0.1:$lb
  default_backend b
backend b
  balance roundrobin
  server r1 127.0.0.1:$p1 send-proxy-v2
  server r2 127.0.0.1:$p2 send-proxy-v2
CFG
haproxy -db -f "$WORK"/h.cfg >/dev/null 2>&1 &
hp=$!
sleep 1
python3 - $lb <<'PY'
import smtplib, sys
for i in range(4):  # twice on each replica: held, then passed (retry_after 0s)
    with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as s:
        s.ehlo(); s.mail("foo@bench.test"); s.rcpt("to@example.test")
PY
start=$(date +%s.%N)
smtp-source -s 20 -m $N -l 1024 -f foo@bench.test -t to@example.test -c 127.0.0.1:$lb >/dev/null 2>&1
end=$(date +%s.%N)
kill $hp; kill -TERM "${pids[@]}"; wait 2>/dev/null
python3 -c "print(f'{$N/($end-$start):.0f} msg/s')"
