#!/usr/bin/env bash
# Installs every Debian 12 package frappe-realtime needs to build, run and test.
#
#   bash scripts/install-deps.sh            # no-op (fast) when everything is present
#   RT_SKIP_DEPS=1 bash scripts/install-deps.sh   # skip entirely (no root, custom setup)
#   RT_EXTRA_PACKAGES="gdb valgrind" bash scripts/install-deps.sh   # add more
#   RT_DEPS_DRY_RUN=1 bash scripts/install-deps.sh   # only report what is missing
#
# Checks each package with dpkg-query and runs apt-get (update + install
# --no-install-recommends) only for the missing ones. Uses sudo when not root.
# Node.js: if a node >= 18 and an npm are already on PATH (e.g. a NodeSource build),
# the Debian nodejs/npm packages are NOT installed, so an existing newer node is never
# downgraded or replaced.
set -euo pipefail

if [[ "${RT_SKIP_DEPS:-}" == "1" ]]; then
    echo "install-deps: RT_SKIP_DEPS=1, skipping"
    exit 0
fi

packages=(
    # toolchain
    cmake g++ make pkg-config git ca-certificates file dpkg-dev
    # Qt 6.4 (Core, Network, WebSockets, Qml, Gui, Widgets, PrintSupport, Test) + GL headers
    qt6-base-dev qt6-websockets-dev qt6-declarative-dev libgl1-mesa-dev
    # desktop monitor
    libqcustomplot-dev
    # Redis client library + servers/tools used by the tests
    libhiredis-dev redis-server redis-tools
    # msgpack-cxx: the cluster's @socket.io/redis-adapter messages
    libmsgpack-cxx-dev
    # headless GUI testing
    xvfb xauth fonts-dejavu-core
    # flock, used by tests/integration/install-node-modules.sh
    util-linux
    # libFuzzer (clang) for the fuzz smoke test, tests/fuzz
    clang-14 libclang-rt-14-dev
    # the formatting gate of scripts/test.sh (clang-format-14 --dry-run -Werror)
    clang-format-14
    # Admin UI namespace: bcrypt through libxcrypt; the stock Admin UI test drives Debian's chromium
    libcrypt-dev chromium
)
# shellcheck disable=SC2206
packages+=(${RT_EXTRA_PACKAGES:-})

node_ok() {
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 &&
        node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' 2>/dev/null
}
if node_ok; then
    echo "install-deps: using existing node $(node --version) / npm $(npm --version) (Debian nodejs/npm not needed)"
else
    packages+=(nodejs npm)
fi

# One dpkg-query for all packages (unknown names are simply absent from its output).
declare -A installed=()
while read -r name status; do
    [[ "$status" == "installed" ]] && installed["${name%%:*}"]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for p in "${packages[@]}"; do
    [[ -n "${installed[$p]:-}" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all ${#packages[@]} packages already installed"
    exit 0
fi

echo "install-deps: installing ${#missing[@]} missing package(s): ${missing[*]}"
if [[ "${RT_DEPS_DRY_RUN:-}" == "1" ]]; then
    echo "install-deps: RT_DEPS_DRY_RUN=1, not installing"
    exit 0
fi
sudo_cmd=()
if [[ "$(id -u)" -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "install-deps: ERROR: not root and sudo not found; install as root: ${missing[*]}" >&2
        exit 1
    fi
    sudo_cmd=(sudo)
fi

apt_opts=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update -qq
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y -qq \
    --no-install-recommends "${missing[@]}"

if ! node_ok; then
    echo "install-deps: ERROR: node >= 18 with npm is still not available after the install" >&2
    exit 1
fi
echo "install-deps: done"
