#!/usr/bin/env bash
# Keeps a Flotilla node running where there is no systemd: starts ROOT/current (so a restart after an
# upgrade runs the new version), restarts it when it crashes, and stops it cleanly on SIGTERM.
# Pidfiles: HOME/supervisor.pid (this loop) and HOME/node.pid (the node). Output goes to HOME/node.log.
# It never runs the node as root: started as root it becomes the service user first (the owner of HOME,
# which install.sh sets, or --service-user), so the loop, the node and every file they write are that user's.
set -uo pipefail

# Absolute (it cds below), but through the current link as it was started.
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
root=
home=
user=
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=$2; shift 2 ;;
    --home) home=$2; shift 2 ;;
    --service-user) user=$2; shift 2 ;;
    *) echo "flotilla-supervise.sh: unknown option $1 (use --root DIR --home DIR [--service-user NAME])" >&2; exit 2 ;;
  esac
done
if [ -z "$root" ] || [ -z "$home" ]; then
  echo "flotilla-supervise.sh: --root and --home are required" >&2
  exit 2
fi
if [ ! -d "$home" ]; then
  echo "flotilla-supervise.sh: $home does not exist: run install.sh first" >&2
  exit 2
fi
user=${user:-$(stat -c %U "$home")}

if [ "$(id -u)" = 0 ]; then
  if [ "$user" = root ]; then
    echo "flotilla-supervise.sh: refusing to run the node as root ($home belongs to root): run install.sh (it creates the service user flotilla and hands it the home), or pass --service-user NAME" >&2
    exit 2
  fi
  if ! [[ $user =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || ! id -u "$user" >/dev/null 2>&1; then
    echo "flotilla-supervise.sh: no service user '$user' on this host: run install.sh --service-user NAME first" >&2
    exit 2
  fi
  # The same process becomes the service user (its pid stays, for whoever started it), with that user's
  # groups and home, and no way back to more privileges (NoNewPrivileges in the systemd unit).
  cd "$home" || exit 2
  export HOME
  HOME=$(getent passwd "$user" | cut -d: -f6)
  export USER=$user LOGNAME=$user
  if command -v setpriv >/dev/null 2>&1; then
    exec setpriv --reuid="$(id -u "$user")" --regid="$(id -g "$user")" --init-groups --no-new-privs -- \
      "$self" --root "$root" --home "$home" --service-user "$user"
  fi
  exec runuser -u "$user" -- "$self" --root "$root" --home "$home" --service-user "$user"
fi
if [ "$user" != "$(id -un)" ]; then
  echo "flotilla-supervise.sh: running the node as $user needs root (this is $(id -un))" >&2
  exit 2
fi
cd "$home" || exit 2

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
