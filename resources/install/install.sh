#!/usr/bin/env bash
# Installs this Flotilla server bundle: verifies its checksums, copies it to ROOT/versions/VERSION,
# points ROOT/current at it and prepares the node home for the service user. Run as root it creates
# that user when missing (a system account without a login shell, `flotilla` by default), hands it the
# home and installs the systemd unit that runs the node as it: the node never runs as root. Run as
# another user, the node runs as that user. It writes nothing secret: the node's flotilla.json (database
# URL, master key) is written separately, readable by the service user only.
# Idempotent: running it again with the same bundle and service user changes nothing.
set -euo pipefail

usage() {
  cat <<USAGE
Usage: install.sh [--root DIR] [--home DIR] [--service-user NAME] [--systemd auto|yes|no] [--unit-dir DIR]
  --root          where versions live (default /opt/flotilla)
  --home          the node home (default ROOT/home)
  --service-user  the account the node runs as, owner of the home (default flotilla as root, else the
                  current user); created when missing, which needs root
  --systemd       install the systemd unit: auto (as root, when systemd runs), yes, or no (default auto)
  --unit-dir      where the unit goes (default /etc/systemd/system)
USAGE
}

fail() {
  echo "install.sh: $*" >&2
  exit 1
}

root=/opt/flotilla
home=
user=
systemd=auto
unit_dir=/etc/systemd/system
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --root|--home|--service-user|--systemd|--unit-dir)
      if [ $# -lt 2 ]; then echo "install.sh: $1 needs a value" >&2; usage >&2; exit 2; fi ;;
  esac
  case "$1" in
    --root) root=$2; shift 2 ;;
    --home) home=$2; shift 2 ;;
    --service-user) user=$2; shift 2 ;;
    --systemd) systemd=$2; shift 2 ;;
    --unit-dir) unit_dir=$2; shift 2 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
case "$systemd" in auto|yes|no) ;; *) echo "install.sh: --systemd is auto, yes or no" >&2; exit 2 ;; esac

is_root() { [ "$(id -u)" = 0 ]; }

# Paths end up in the systemd unit and in sed: plain ones only, and never / itself (the home is chowned).
# Prints the path without trailing slashes, or fails when it is not a plain absolute path.
plain_path() {
  local path=$2
  while [ "${path%/}" != "$path" ]; do path=${path%/}; done
  if [[ ! $path =~ ^/[A-Za-z0-9._/-]+$ ]] || [[ $path =~ (^|/)\.\.?(/|$) ]]; then
    fail "$1 must be an absolute path of letters, digits, '.', '_', '-' and '/', not / itself: $(printf '%q' "$2")"
  fi
  echo "$path"
}
root=$(plain_path --root "$root")
home=$(plain_path --home "${home:-$root/home}")
unit_dir=$(plain_path --unit-dir "$unit_dir")

if is_root; then user=${user:-flotilla}; else user=${user:-$(id -un)}; fi
# useradd's own rule: the name is never more than a word, wherever it is used.
if [[ ! $user =~ ^[a-z_][a-z0-9_-]{0,31}$ ]]; then
  fail "the service user $(printf '%q' "$user") is not a valid user name: use 1 to 32 lower-case letters, digits, '_' and '-', starting with a letter or '_'."
fi
if [ "$user" = root ]; then
  fail "the node never runs as root: choose an unprivileged --service-user (default flotilla)."
fi
if ! is_root && [ "$user" != "$(id -un)" ]; then
  fail "creating the service user $user or running the node as it needs root: run install.sh as root, or leave --service-user out to run the node as $(id -un)."
fi
# The home holds the config, the logs and an embedded database, all handed to the service user below. A
# folder that is not a node home is never taken over (a mistyped --home must not hand /etc to it).
if [ -d "$home" ] && [ "$(stat -c %U "$home")" != "$user" ] && [ -n "$(ls -A "$home")" ] &&
  [ ! -e "$home/flotilla.json" ] && [ ! -e "$home/node.log" ]; then
  fail "$home is not empty and holds no flotilla.json, so it is not a node home: choose another --home (or install root), or empty it."
fi
if ! is_root; then
  echo "warning: not run as root, so the node runs as $user itself (no dedicated service user, no systemd unit)" >&2
fi

bundle=$(cd "$(dirname "$0")" && pwd)
version=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$bundle/package.json" | head -n 1)
if [ -z "$version" ]; then
  fail "cannot read the version from $bundle/package.json: is the bundle complete?"
fi

# A damaged or tampered bundle must never become the running version.
if ! (cd "$bundle" && sha256sum --quiet -c SHA256SUMS); then
  fail "checksum mismatch in $bundle: download or upload the bundle again."
fi

target=$root/versions/$version
mkdir -p "$root/versions"
if [ -f "$target/SHA256SUMS" ] && cmp -s "$target/SHA256SUMS" "$bundle/SHA256SUMS"; then
  echo "version $version is already installed in $target"
else
  # Copy next to the target and rename, so a half-copied folder never looks installed.
  staging=$(mktemp -d "$root/versions/.installing-$version.XXXXXX")
  cp -a "$bundle/." "$staging/"
  # mktemp made it 0700: the service user must be able to read the version it runs.
  chmod 755 "$staging"
  rm -rf "$target"
  mv "$staging" "$target"
  echo "installed version $version in $target"
fi

# Repoint current atomically: a restart in between runs either the old or the new version.
ln -sfn "versions/$version" "$root/.current-next"
mv -T "$root/.current-next" "$root/current"
echo "current -> versions/$version"

# The service account: a system user and group of its own, no login shell, the node home as its home.
if is_root; then
  if id -u "$user" >/dev/null 2>&1; then
    echo "service user $user exists (uid $(id -u "$user")); it is used as it is"
  else
    command -v useradd >/dev/null 2>&1 ||
      fail "useradd is missing: create the service user $user yourself (a system account without a login shell), then run install.sh again."
    shell=/usr/sbin/nologin
    [ -x "$shell" ] || shell=/sbin/nologin
    [ -x "$shell" ] || shell=/bin/false
    # Another install on this host may be creating it at the same moment: then take the one it made.
    tries=0
    while ! id -u "$user" >/dev/null 2>&1; do
      if getent group "$user" >/dev/null; then own_group=(-g "$user"); else own_group=(--user-group); fi
      if ! error=$(useradd --system "${own_group[@]}" --home-dir "$home" --no-create-home --shell "$shell" \
        --comment "Flotilla server node" "$user" 2>&1); then
        tries=$((tries + 1))
        if [ "$tries" -ge 5 ] && ! id -u "$user" >/dev/null 2>&1; then fail "cannot create the service user $user: $error"; fi
        sleep 1
      fi
    done
    echo "service user $user created (uid $(id -u "$user"), system account, no login shell)"
  fi
fi
group=$(id -gn "$user")

# Runs a command as the service user (setpriv from util-linux; runuser where it is missing).
as_user() {
  if ! is_root; then "$@"; return; fi
  if command -v setpriv >/dev/null 2>&1; then
    setpriv --reuid="$(id -u "$user")" --regid="$(id -g "$user")" --init-groups -- "$@"
  else
    runuser -u "$user" -- "$@"
  fi
}

mkdir -p "$home"
if is_root; then chown -R "$user:$group" "$home"; fi
chmod 700 "$home"
if [ -f "$home/flotilla.json" ]; then chmod 600 "$home/flotilla.json"; fi
echo "home $home belongs to $user (mode 700)"

# The first folder on the way to $1 that the service user may not enter, if any.
unreachable() {
  local path='' part parts
  IFS=/ read -ra parts <<< "${1#/}"
  for part in "${parts[@]}"; do
    path=$path/$part
    if ! as_user test -x "$path"; then echo "$path"; return 0; fi
  done
  return 1
}
for needed in "$target/node/bin" "$home"; do
  if blocked=$(unreachable "$needed"); then
    fail "the service user $user cannot enter $blocked (mode $(stat -c %a "$blocked"), owner $(stat -c %U "$blocked")), so the node cannot reach $needed: allow it (chmod o+x $blocked), or choose a --root and --home it can reach."
  fi
done
as_user "$target/node/bin/node" --version >/dev/null || fail "the service user $user cannot run $target/node/bin/node."

use_systemd=no
if [ "$systemd" = yes ] || { [ "$systemd" = auto ] && is_root && [ -d /run/systemd/system ]; }; then use_systemd=yes; fi
if [ "$use_systemd" = yes ]; then
  if ! mkdir -p "$unit_dir" 2>/dev/null || [ ! -w "$unit_dir" ]; then
    fail "cannot write the systemd unit into $unit_dir: run install.sh as root, or pass --systemd no."
  fi
  unit=$unit_dir/flotilla-node.service
  sed -e "s|@ROOT@|$root|g" -e "s|@HOME@|$home|g" -e "s|@USER@|$user|g" -e "s|@GROUP@|$group|g" \
    "$target/resources/systemd/flotilla-node.service" > "$unit.next"
  mv -f "$unit.next" "$unit"
  if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
  echo "systemd unit $unit installed: the node runs as $user (start it once $home/flotilla.json exists)"
else
  echo "no systemd: run $root/current/flotilla-supervise.sh --root $root --home $home to supervise the node (as root or $user; the node runs as $user)"
fi
