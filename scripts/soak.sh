#!/usr/bin/env bash
# Soak test (not run in CI): a real stack (redis-server, Frappe web stub, the server) under
# connection churn and steady events for SOAK_MINUTES (default 30), printing the server's
# RSS, open connections and delivery counts once a minute. A leak shows as RSS climbing
# minute after minute while the connection count stays flat.
#
#   bash scripts/soak.sh                          # 30 min against build/app/frappe-realtime
#   SOAK_MINUTES=5 BUILD_DIR=build-sanitize bash scripts/soak.sh
#   SOAK_STEADY=50 SOAK_CHURN=20 SOAK_RATE=50 ...  steady clients, churning clients, events/s
#
# Exit code 1 when the server died, or when RSS at the end is over 1.5x the first sample
# taken after warm-up (+20 MB slack).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir="${BUILD_DIR:-build}"
export RT_BINARY="${RT_BINARY:-$PWD/$build_dir/app/frappe-realtime}"
export NODE_PATH="${NODE_PATH:-$PWD/$build_dir/node/node_modules}"
export RT_SOURCE_DIR="$PWD"
export SOAK_MINUTES="${SOAK_MINUTES:-30}"
[[ -x "$RT_BINARY" ]] || { echo "soak: no server binary at $RT_BINARY (build first)" >&2; exit 2; }
[[ -d "$NODE_PATH/socket.io-client" ]] || bash tests/integration/install-node-modules.sh "$(dirname "$NODE_PATH")"

exec node - <<'JS'
"use strict";
const H = require(`${process.env.RT_SOURCE_DIR}/tests/integration/lib/harness.js`);
const F = require(`${process.env.RT_SOURCE_DIR}/tests/integration/lib/faults.js`);
const minutes = Number(process.env.SOAK_MINUTES);
const STEADY = Number(process.env.SOAK_STEADY || 50);
const CHURN = Number(process.env.SOAK_CHURN || 20);
const RATE = Number(process.env.SOAK_RATE || 50); // events per second

(async () => {
	const stack = await H.startStack({ stub: {} });
	const pid = stack.server.pid;
	const steady = [];
	let received = 0;
	for (let i = 0; i < STEADY; i++) {
		const s = await stack.connect(undefined, { sid: `syssteady${i}`, reconnection: true });
		s.on("soak", () => received++);
		s.emit("doctype_subscribe", "ToDo");
		steady.push(s);
	}
	let stop = false;
	let connects = 0;
	let failures = 0;
	// churn: clients that connect (polling then upgrade, like the desk), subscribe, leave
	const churners = Array.from({ length: CHURN }, async (_, k) => {
		while (!stop) {
			try {
				const s = await stack.connect(undefined, { sid: `syschurn${k}_${connects}` });
				connects++;
				s.emit("doc_open", "ToDo", `TD-${k}`);
				await H.sleep(200 + Math.random() * 800);
				s.close();
			} catch {
				failures++;
				await H.sleep(500);
			}
		}
	});
	let published = 0;
	const pub = await stack.redis.client();
	const publisher = (async () => {
		while (!stop) {
			const t0 = Date.now();
			for (let i = 0; i < RATE / 10; i++) {
				const room = i % 2 ? "all" : "doctype:ToDo";
				await pub.command("PUBLISH", "events", JSON.stringify({ event: "soak", message: { n: published++, pad: "x".repeat(200) }, room, namespace: "site1.localhost" }));
			}
			await H.sleep(Math.max(0, 100 - (Date.now() - t0)));
		}
	})();

	const samples = [];
	const t0 = Date.now();
	console.log(`soak: ${minutes} min, ${STEADY} steady + ${CHURN} churning clients, ${RATE} events/s, server pid ${pid}`);
	console.log("minute  rss_MB  connections  sessions  connects  connect_failures  published  received");
	let dead = false;
	for (let m = 0; m <= minutes; m++) {
		if (m > 0) await H.sleep(Math.max(0, t0 + m * 60000 - Date.now()));
		if (stack.server.proc.exitCode !== null || stack.server.proc.signalCode) {
			dead = true;
			console.log(`soak: server died:\n${stack.server.logs().slice(-3000)}`);
			break;
		}
		const rss = F.rssKiB(pid) / 1024;
		const h = await F.health(stack.port).catch(() => ({}));
		samples.push(rss);
		console.log(`${String(m).padStart(6)}  ${rss.toFixed(1).padStart(6)}  ${String(h.connections).padStart(11)}  ${String(h.sessions).padStart(8)}  ${String(connects).padStart(8)}  ${String(failures).padStart(16)}  ${String(published).padStart(9)}  ${String(received).padStart(8)}`);
	}
	stop = true;
	await Promise.allSettled([...churners, publisher]);
	for (const s of steady) s.close();
	pub.close();
	await stack.stop();
	const base = samples[Math.min(1, samples.length - 1)];
	const end = samples[samples.length - 1];
	const ok = !dead && end <= base * 1.5 + 20;
	console.log(`soak: RSS after warm-up ${base.toFixed(1)} MB, at the end ${end.toFixed(1)} MB -> ${ok ? "OK" : "FAILED"}`);
	process.exit(ok ? 0 : 1);
})().catch((e) => {
	console.error(e);
	process.exit(1);
});
JS
