#!/bin/sh
# The image's entrypoint: `docker run IMAGE [ARGS]`.
# - A verb (check FILE, explain 550, scenarios, help) or --help, -h, --version: the binary as is.
# - Nothing, options (--scenario greylisting) or `serve OPTIONS`: serve, listening on every
#   interface (SMTP 0.0.0.0:1025, SMTPS 0.0.0.0:1465, HTTP 0.0.0.0:8025), except for the kinds
#   of listener the arguments give themselves (--http 0.0.0.0:9025 replaces the HTTP default).
set -eu
case "${1:-}" in
  serve) shift ;;
  -h | --help | --version) exec bounceback "$@" ;;
  -* | "") ;;
  *) exec bounceback "$@" ;;
esac
smtp=0.0.0.0:1025 smtps=0.0.0.0:1465 http=0.0.0.0:8025
for arg in "$@"; do
  case $arg in
    --smtp | --smtp=*) smtp= ;;
    --smtps | --smtps=*) smtps= ;;
    --http | --http=*) http= ;;
  esac
done
[ -z "$http" ] || set -- --http "$http" "$@"
[ -z "$smtps" ] || set -- --smtps "$smtps" "$@"
[ -z "$smtp" ] || set -- --smtp "$smtp" "$@"
exec bounceback serve "$@"
