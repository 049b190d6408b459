#!/bin/bash
# The image's health check: GET /healthz on the HTTP listener the running server was started
# with (its --http argument, read from /proc; 0.0.0.0:8025 without one), so a changed port is
# followed. BOUNCEBACK_PID names the server's process (default: the first bounceback found).
set -euo pipefail
pid=${BOUNCEBACK_PID:-}
if [ -z "$pid" ]; then
  for dir in /proc/[0-9]*; do
    mapfile -d '' argv <"$dir/cmdline" 2>/dev/null || continue
    if [ "${argv[0]##*/}" = bounceback ]; then pid=${dir#/proc/}; break; fi
  done
fi
[ -n "$pid" ] || { echo "no bounceback process" >&2; exit 1; }
mapfile -d '' argv <"/proc/$pid/cmdline"
http=0.0.0.0:8025
for ((i = 1; i < ${#argv[@]}; i++)); do
  case ${argv[i]} in
    --http) http=${argv[i + 1]:-$http} ;;
    --http=*) http=${argv[i]#--http=} ;;
  esac
done
port=${http##*:}
host=${http%:*}
host=${host#[}
host=${host%]}
case $host in
  "" | 0.0.0.0) host=127.0.0.1 ;;
  ::) host=::1 ;;
esac
authority=$host:$port
[[ $host != *:* ]] || authority="[$host]:$port"
exec 3<>"/dev/tcp/$host/$port"
printf 'GET /healthz HTTP/1.0\r\nHost: %s\r\n\r\n' "$authority" >&3
read -r -t 3 status <&3
[[ $status == "HTTP/1."?" 200 "* ]] || { echo "/healthz on $host:$port: $status" >&2; exit 1; }
