#!/usr/bin/env bash
# Install the pinned npm dependencies of the integration tests into DIR.
#
#   bash tests/integration/install-node-modules.sh DIR
#
# Copies package.json + package-lock.json (next to this script) into DIR and runs
# `npm ci` there, but only when DIR/node_modules is missing or the stamp (sha256 of
# both files) differs from the one recorded by the last successful install. Safe to
# run concurrently (flock on DIR/.install.lock) and repeatedly (a second run is a
# no-op that prints "up to date"). Nothing is written next to this script.
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi

src_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="$1"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"

for f in package.json package-lock.json; do
    if [[ ! -f "$src_dir/$f" ]]; then
        echo "install-node-modules: $src_dir/$f is missing" >&2
        exit 1
    fi
done

if ! command -v npm >/dev/null 2>&1; then
    echo "install-node-modules: npm not found in PATH (install nodejs + npm, e.g. scripts/install-deps.sh)" >&2
    exit 1
fi

# Serialise concurrent runs (parallel ctest, two build dirs sharing DIR, ...).
exec 9>"$dest/.install.lock"
if command -v flock >/dev/null 2>&1; then
    flock 9
fi

stamp_file="$dest/.install.stamp"
want_stamp="$(cat "$src_dir/package.json" "$src_dir/package-lock.json" | sha256sum | cut -d' ' -f1)"
have_stamp="$(cat "$stamp_file" 2>/dev/null || true)"

if [[ -d "$dest/node_modules" && "$have_stamp" == "$want_stamp" ]]; then
    echo "install-node-modules: $dest/node_modules up to date (stamp ${want_stamp:0:12})"
    exit 0
fi

rm -f "$stamp_file"
cp "$src_dir/package.json" "$src_dir/package-lock.json" "$dest/"

echo "install-node-modules: npm ci in $dest (node $(node --version 2>/dev/null || echo '?'), npm $(npm --version))"
log="$dest/npm-ci.log"
if ! (cd "$dest" && npm ci --no-audit --no-fund --no-update-notifier >"$log" 2>&1); then
    echo "install-node-modules: ERROR: 'npm ci' failed in $dest (full log: $log). Last lines:" >&2
    tail -n 40 "$log" >&2 || true
    echo "install-node-modules: check that the npm registry is reachable and that package-lock.json matches package.json" >&2
    exit 1
fi
tail -n 3 "$log"

# Sanity check: the modules the harness requires must resolve from DIR.
if ! (cd "$dest" && node -e 'require("socket.io-client"); require("ws")') 2>>"$log"; then
    echo "install-node-modules: ERROR: socket.io-client / ws not loadable from $dest/node_modules (see $log)" >&2
    exit 1
fi

echo "$want_stamp" >"$stamp_file"
echo "install-node-modules: installed into $dest/node_modules (stamp ${want_stamp:0:12})"
