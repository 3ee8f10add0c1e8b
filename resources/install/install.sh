#!/usr/bin/env bash
# Installs this Flotilla server bundle: verifies its checksums, copies it to ROOT/versions/VERSION,
# points ROOT/current at it and prepares the node home. It writes nothing secret: the node's
# flotilla.json (database URL, master key) is written separately, readable by the service user only.
# Idempotent: running it again with the same bundle changes nothing.
set -euo pipefail

usage() {
  cat <<USAGE
Usage: install.sh [--root DIR] [--home DIR] [--user USER] [--systemd auto|yes|no]
  --root     where versions live (default /opt/flotilla)
  --home     the node home (default ROOT/home)
  --user     the service user that owns the home (default: the current user)
  --systemd  install the systemd unit: auto (when systemd runs), yes, or no (default auto)
USAGE
}

root=/opt/flotilla
home=
user=$(id -un)
systemd=auto
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=$2; shift 2 ;;
    --home) home=$2; shift 2 ;;
    --user) user=$2; shift 2 ;;
    --systemd) systemd=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
home=${home:-$root/home}

bundle=$(cd "$(dirname "$0")" && pwd)
version=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$bundle/package.json" | head -n 1)
if [ -z "$version" ]; then
  echo "install.sh: cannot read the version from $bundle/package.json: is the bundle complete?" >&2
  exit 1
fi

# A damaged or tampered bundle must never become the running version.
if ! (cd "$bundle" && sha256sum --quiet -c SHA256SUMS); then
  echo "install.sh: checksum mismatch in $bundle: download or upload the bundle again." >&2
  exit 1
fi

target=$root/versions/$version
mkdir -p "$root/versions"
if [ -f "$target/SHA256SUMS" ] && cmp -s "$target/SHA256SUMS" "$bundle/SHA256SUMS"; then
  echo "version $version is already installed in $target"
else
  # Copy next to the target and rename, so a half-copied folder never looks installed.
  staging=$(mktemp -d "$root/versions/.installing-$version.XXXXXX")
  cp -a "$bundle/." "$staging/"
  rm -rf "$target"
  mv "$staging" "$target"
  echo "installed version $version in $target"
fi

# Repoint current atomically: a restart in between runs either the old or the new version.
ln -sfn "versions/$version" "$root/.current-next"
mv -T "$root/.current-next" "$root/current"
echo "current -> versions/$version"

mkdir -p "$home"
chmod 700 "$home"
if [ "$(id -u)" = 0 ] && [ "$user" != root ]; then chown "$user" "$home"; fi

use_systemd=no
if [ "$systemd" = yes ] || { [ "$systemd" = auto ] && [ -d /run/systemd/system ]; }; then use_systemd=yes; fi
if [ "$use_systemd" = yes ]; then
  sed -e "s|@ROOT@|$root|g" -e "s|@HOME@|$home|g" -e "s|@USER@|$user|g" \
    "$target/resources/systemd/flotilla-node.service" > /etc/systemd/system/flotilla-node.service
  systemctl daemon-reload
  echo "systemd unit flotilla-node.service installed (start it once $home/flotilla.json exists)"
else
  echo "no systemd: run $root/current/flotilla-supervise.sh --root $root --home $home to supervise the node"
fi
