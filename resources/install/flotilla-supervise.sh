#!/usr/bin/env bash
# Keeps a Flotilla node running where there is no systemd: starts ROOT/current (so a restart after an
# upgrade runs the new version), restarts it when it crashes, and stops it cleanly on SIGTERM.
# Pidfiles: HOME/supervisor.pid (this loop) and HOME/node.pid (the node). Output goes to HOME/node.log.
set -uo pipefail

root=
home=
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=$2; shift 2 ;;
    --home) home=$2; shift 2 ;;
    *) echo "flotilla-supervise.sh: unknown option $1 (use --root DIR --home DIR)" >&2; exit 2 ;;
  esac
done
if [ -z "$root" ] || [ -z "$home" ]; then
  echo "flotilla-supervise.sh: --root and --home are required" >&2
  exit 2
fi

child=
stopping=0
stop() {
  stopping=1
  if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; fi
}
trap stop TERM INT

echo $$ > "$home/supervisor.pid"
delay=1
while [ "$stopping" = 0 ]; do
  started=$(date +%s)
  "$root/current/node/bin/node" "$root/current/server/flotilla-node.mjs" run --home "$home" >> "$home/node.log" 2>&1 &
  child=$!
  echo "$child" > "$home/node.pid"
  # wait returns early when a trapped signal arrives; keep waiting until the node itself has exited.
  code=0
  while kill -0 "$child" 2>/dev/null; do
    wait "$child"
    code=$?
  done
  child=
  rm -f "$home/node.pid"
  [ "$stopping" = 1 ] && break
  # A node that ran for a while gets restarted at once; one that keeps failing at start backs off.
  if [ $(( $(date +%s) - started )) -ge 30 ]; then delay=1; else delay=$(( delay < 30 ? delay * 2 : 30 )); fi
  echo "$(date -u +%FT%TZ) flotilla-supervise: node exited with $code, restarting in ${delay}s" >> "$home/node.log"
  sleep "$delay" &
  wait $!
done
rm -f "$home/supervisor.pid"
