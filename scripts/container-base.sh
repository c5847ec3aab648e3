#!/usr/bin/env bash
# Makes the container base image without an image registry: a Debian bookworm
# minbase root filesystem (mmdebstrap, from this machine's own Debian mirror
# configuration) plus the Node 20 of this machine (node, npm, and the headers
# node-gyp needs to build better-sqlite3, in the layout of the official node
# images: /usr/local). Prints the image reference on stdout; build with
#   podman build --build-arg BASE_IMAGE="$(scripts/container-base.sh)" .
#
# Idempotent: the image is tagged with a key over everything that goes into
# it (this script, the apt sources, the node binary, npm's version), and an
# existing image with that key is reused. Needs: podman, mmdebstrap (root).
set -euo pipefail

SOURCES=${FORKWATCH_BASE_SOURCES:-/etc/apt/sources.list.d/debian.sources}
NODE_BIN=$(command -v node)
NODE_PREFIX=$(dirname "$(dirname "$(readlink -f "$NODE_BIN")")")
NPM_DIR=$NODE_PREFIX/lib/node_modules/npm
HEADERS=$NODE_PREFIX/include/node
REPO=localhost/forkwatch-base

log() { printf 'container-base: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ -r "$SOURCES" ] || die "no Debian apt sources at $SOURCES (set FORKWATCH_BASE_SOURCES)"
command -v podman >/dev/null || die 'podman is not installed'
command -v mmdebstrap >/dev/null || die 'mmdebstrap is not installed'
case "$("$NODE_BIN" --version)" in v20.*) ;; *) die "node $("$NODE_BIN" --version) at $NODE_BIN: Node 20 is needed" ;; esac
[ -f "$NPM_DIR/package.json" ] || die "no npm at $NPM_DIR"
[ -f "$HEADERS/node.h" ] && [ -f "$HEADERS/common.gypi" ] || die "no node headers at $HEADERS (node-gyp needs them)"

key=$(
  {
    sha256sum "$0" "$SOURCES" "$NODE_BIN" | cut -d' ' -f1
    "$NODE_BIN" -p "require('$NPM_DIR/package.json').version"
    find "$HEADERS" -path "$HEADERS/openssl" -prune -o -type f -print0 | sort -z | xargs -0 sha256sum | cut -d' ' -f1 | sha256sum
  } | sha256sum | cut -c1-16
)
ref=$REPO:$key
if podman image exists "$ref"; then
  log "reusing $ref"
  echo "$ref"
  exit 0
fi

work=$(mktemp -d /var/tmp/forkwatch-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
log "mmdebstrap bookworm minbase from $SOURCES into $root"
# merged-usr hook: a merged /usr without the usrmerge package (and the perl
# it pulls in, 50 MB). Docs, man pages and translations: not needed here.
mmdebstrap --variant=minbase --mode=root --quiet \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --aptopt='APT::Install-Recommends "false"' \
  --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*' \
  bookworm "$root" "$SOURCES"

log "adding node $("$NODE_BIN" --version) and npm from $NODE_PREFIX"
install -D -m 0755 "$NODE_BIN" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules" "$root/usr/local/include"
cp -a "$NPM_DIR" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
# better-sqlite3 uses no OpenSSL: its 53 MB of headers stay out.
cp -a "$HEADERS" "$root/usr/local/include/node"
rm -rf "$root/usr/local/include/node/openssl"
chroot "$root" /usr/local/bin/node --version >/dev/null || die 'node does not run in the new root filesystem'

tar -C "$root" --numeric-owner -c . |
  podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' \
    --message "forkwatch base: bookworm minbase + node $("$NODE_BIN" --version)" \
    - "$ref" >/dev/null
log "made $ref"
echo "$ref"
