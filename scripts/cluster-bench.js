// Cluster benchmark (issue 15): broadcasts from app handlers through 1 node and through 2 nodes
// sharing Redis (--adapter redis), plus 1 node with the local adapter, so the adapter's
// overhead per broadcast shows. Not a test: prints a table (and counts every lost or duplicated
// delivery, which must be 0).
//
//   NODE_PATH=build/node/node_modules RT_BINARY=build/app/frappe-realtime \
//     node scripts/cluster-bench.js            # BENCH_CLIENTS=400 BENCH_MESSAGES=200
//
// Scenarios: fanout (every message to every client) and targeted (each message to the room of
// one client, clients spread over the nodes). Each message is sent by a client of node 1 through
// the clusterops test app (tests/fixtures/apps/clusterops), so it is a broadcast made on behalf of
// a client, as an app handler's socket.to(room).emit is.
"use strict";
const path = require("path");
const fs = require("fs");
const H = require("../tests/integration/lib/harness.js");

const CLIENTS = Number(process.env.BENCH_CLIENTS || 400);
const MESSAGES = Number(process.env.BENCH_MESSAGES || 200);
const SITE = "site1.localhost";
const ROOT = path.resolve(__dirname, "..");

// CPU time (user + system, ms) a process has used so far: clock ticks of /proc/<pid>/stat.
function cpuMs(pid) {
	const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
	return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime at 100 Hz
}

function app() {
	const file = path.join(ROOT, "tests", "fixtures", "apps", "clusterops", "realtime", "handlers.js");
	return { name: "clusterops", files: { "realtime/handlers.js": fs.readFileSync(file, "utf8") } };
}

async function run(label, nodes, adapter, targeted) {
	const redis = await H.startRedis();
	const stub = await H.startStub({ installedApps: ["frappe", "clusterops"] });
	const stacks = [];
	for (let i = 0; i < nodes; i++)
		stacks.push(await H.startStack({ redis, stub, sites: [SITE], apps: ["frappe", app()], extraArgs: ["--adapter", adapter] }));
	const clients = [];
	for (let i = 0; i < CLIENTS; i++) {
		const s = await stacks[i % nodes].connect(SITE, { sid: `sysbench${i}`, transports: ["websocket"] });
		clients.push(s);
	}
	const sender = clients[0];
	if (targeted) for (let i = 0; i < CLIENTS; i++) await clients[i].timeout(10000).emitWithAck("c_join", `t${i}`);
	const expected = targeted ? MESSAGES : MESSAGES * CLIENTS;
	const seen = new Map(); // client index -> Set of message numbers
	let deliveries = 0;
	let duplicates = 0;
	let done;
	const finished = new Promise((r) => (done = r));
	clients.forEach((s, i) => {
		seen.set(i, new Set());
		s.on("bench", (n) => {
			const set = seen.get(i);
			if (set.has(n)) duplicates++;
			set.add(n);
			if (++deliveries === expected) done();
		});
	});
	const cpu0 = stacks.map((st) => cpuMs(st.server.pid));
	const t0 = process.hrtime.bigint();
	for (let n = 0; n < MESSAGES; n++) {
		const spec = targeted ? { event: "bench", rooms: [`t${n % CLIENTS}`] } : { event: "bench" };
		await sender.timeout(10000).emitWithAck("c_emit", spec, n);
	}
	const timeout = new Promise((r) => setTimeout(() => r("timeout"), 30000));
	const outcome = await Promise.race([finished, timeout]);
	const ms = Number(process.hrtime.bigint() - t0) / 1e6;
	const cpu = stacks.map((st, i) => cpuMs(st.server.pid) - cpu0[i]);
	for (const s of clients) s.close();
	for (const st of stacks) await st.stop();
	await stub.close();
	await redis.stop();
	const row = { label, nodes, adapter, mode: targeted ? "targeted" : "fanout", deliveries, expected, lost: expected - deliveries, duplicates, ms: Math.round(ms), perSecond: Math.round((deliveries / ms) * 1000), cpuMs: cpu, cpuUsPerMessage: Math.round((cpu.reduce((a, b) => a + b, 0) * 1000) / MESSAGES), timedOut: outcome === "timeout" };
	console.log(JSON.stringify(row));
	return row;
}

(async () => {
	const rows = [];
	for (const targeted of [false, true]) {
		rows.push(await run("1 node, local adapter", 1, "local", targeted));
		rows.push(await run("1 node, redis adapter", 1, "redis", targeted));
		rows.push(await run("2 nodes, redis adapter", 2, "redis", targeted));
	}
	console.log(`\n${CLIENTS} clients, ${MESSAGES} messages sent one after another (each acknowledged by the sender's node)\n`);
	console.log("| setup | mode | deliveries | lost | duplicated | wall time (ms) | server CPU per node (ms) | server CPU per message, all nodes (µs) |");
	console.log("|---|---|---|---|---|---|---|---|");
	for (const r of rows)
		console.log(`| ${r.label} | ${r.mode} | ${r.deliveries}/${r.expected} | ${r.lost} | ${r.duplicates} | ${r.ms} | ${r.cpuMs.join(" + ")} | ${r.cpuUsPerMessage} |`);
	await H.cleanup();
	process.exit(rows.some((r) => r.lost || r.duplicates) ? 1 : 0);
})().catch((e) => {
	console.error(e);
	process.exit(2);
});
