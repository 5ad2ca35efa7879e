#!/usr/bin/env bash
# What an attached Admin UI costs the fanout path (issue 17, item 4: at most +10 % CPU
# per delivery in production mode). Runs the shared bench harness's fanout scenario
# (../shared/bench, or BENCH_DIR) alternately with the plain server and with the server
# under --admin (production mode, read-only: the defaults) plus one admin client logged in
# and attached for the whole run, ROUNDS times each, then prints cpu_s_per_M of every run,
# the medians and the ratio.
#
#   bash scripts/admin-cost-bench.sh                 full size (harness defaults), 3 rounds
#   ROUNDS=5 bash scripts/admin-cost-bench.sh
#   SMOKE=1 bash scripts/admin-cost-bench.sh         tiny run that only checks the plumbing
#
# The admin client (scripts/admin-attached-client.js, socket.io-client from the build tree)
# runs in its own session (setsid), so the harness, which sums the CPU of the server's
# session, does not count it. ADMIN_MODE=development measures the development mode instead
# (every delivery mirrored to the admin as event_sent: expect a large cost, by design).
# SERVER (default build/app/frappe-realtime); NODE_MODULES (default build/node/node_modules,
# made by `ctest -R integration.npm_install`); OUT keeps the raw lines (default a temp file).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench_dir="${BENCH_DIR:-$repo/../shared/bench}"
server="${SERVER:-$repo/build/app/frappe-realtime}"
node_modules="${NODE_MODULES:-$repo/build/node/node_modules}"
rounds="${ROUNDS:-3}"
mode="${ADMIN_MODE:-production}"

[[ -x "$server" ]] || { echo "admin-cost-bench: no server binary at $server (build first, or set SERVER)" >&2; exit 2; }
[[ -f "$bench_dir/run.sh" ]] || { echo "admin-cost-bench: no bench harness at $bench_dir (set BENCH_DIR)" >&2; exit 2; }
[[ -d "$node_modules/socket.io-client" ]] || { echo "admin-cost-bench: no socket.io-client in $node_modules (ctest --test-dir build -R integration.npm_install)" >&2; exit 2; }

if [[ "${SMOKE:-}" == "1" ]]; then
    export FANOUT_C="${FANOUT_C:-20}" FANOUT_E="${FANOUT_E:-50}" WARMUP_E="${WARMUP_E:-5}"
    rounds="${ROUNDS:-1}"
fi

password="bench-admin-$$"
hash="$(printf '%s\n' "$password" | "$server" --admin-hash-password)"
work="$(mktemp -d /tmp/admin-cost-bench.XXXXXX)"
out="${OUT:-$work/results.txt}"
trap 'rm -rf "$work"' EXIT

# The "with admin" server command: a launcher that starts the admin client (own session,
# waits for the port) and then becomes the server itself, so the harness measures and stops
# exactly the server.
cat >"$work/with-admin.sh" <<LAUNCH
#!/usr/bin/env bash
port="\$1"; bench="\$2"
NODE_PATH="$node_modules" setsid node "$repo/scripts/admin-attached-client.js" "\$port" admin "$password" \
    >>"$work/admin-client.log" 2>&1 </dev/null &
exec "$server" --no-gui --bench "\$bench" --port "\$port" --admin --admin-mode $mode \
    --admin-password-hash '$hash'
LAUNCH
chmod +x "$work/with-admin.sh"

field() { grep -o "\b$1=[^ ]*" <<<"$2" | head -n1 | cut -d= -f2; }
run_one() { # label cmd
    (cd "$bench_dir" && bash run.sh custom --label "$1" --cmd "$2" fanout 2>&1 | grep '^scenario=' | tail -n1) || true
}

echo "admin-cost-bench: $server, fanout, $rounds round(s), admin mode $mode; raw lines: $out"
printf '%-12s %-6s %14s %12s %10s %s\n' variant round deliveries_per_s cpu_s_per_M lat_p99_ms status
declare -a base=() admin=()
for ((r = 1; r <= rounds; r++)); do
    for variant in plain admin; do
        if [[ $variant == plain ]]; then
            line="$(run_one rt-plain "$server --no-gui --bench {bench} --port {port}")"
        else
            line="$(run_one rt-admin "$work/with-admin.sh {port} {bench}")"
        fi
        if [[ -z "$line" ]]; then
            echo "$variant round $r: no result line (see the harness with --keep)"
            continue
        fi
        echo "variant=$variant round=$r $line" >>"$out"
        cpu="$(field cpu_s_per_M "$line")"
        [[ $variant == plain ]] && base+=("$cpu") || admin+=("$cpu")
        printf '%-12s %-6s %14s %12s %10s %s\n' "$variant" "$r" "$(field deliveries_per_s "$line")" \
            "$cpu" "$(field lat_p99_ms "$line")" "$(field status "$line")"
    done
done
attached="$(grep -c 'admin-client: attached' "$work/admin-client.log" 2>/dev/null || true)"
echo "admin client attached in $attached of ${#admin[@]} admin run(s):"
sed 's/^/  /' "$work/admin-client.log" 2>/dev/null || true
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
mb="$(median "${base[@]}")"
ma="$(median "${admin[@]}")"
awk -v b="$mb" -v a="$ma" 'BEGIN {
    printf "median cpu_s_per_M: plain %s, with admin %s", b, a
    if (b > 0) printf "; cost %+.1f %% (target: at most +10 %%)\n", (a / b - 1) * 100; else print ""
}'
if [[ -z "${OUT:-}" ]]; then cat "$out"; fi
