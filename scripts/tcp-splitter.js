"use strict";
// A round-robin TCP splitter for scripts/cluster-harness-bench.sh: each
// connection to 127.0.0.1:<listen> goes, in turn, to the next of the backend
// ports, bytes relayed unchanged (so a WebSocket session stays on one node,
// as behind nginx with sticky sessions). The bench harness's load generator
// knows one port only; this spreads its clients over the nodes of a cluster.
// It exits when its parent (the launcher) is gone.
//
//   node scripts/tcp-splitter.js LISTEN_PORT BACKEND_PORT...
const net = require("net");

const [listen, ...backends] = process.argv.slice(2).map(Number);
if (!listen || !backends.length || backends.some((p) => !p)) {
	console.error("usage: node tcp-splitter.js LISTEN_PORT BACKEND_PORT...");
	process.exit(2);
}
let next = 0;
const perBackend = new Map(backends.map((p) => [p, 0]));
const server = net.createServer((client) => {
	const port = backends[next++ % backends.length];
	perBackend.set(port, perBackend.get(port) + 1);
	const upstream = net.connect(port, "127.0.0.1");
	client.setNoDelay(true);
	upstream.setNoDelay(true);
	client.pipe(upstream);
	upstream.pipe(client);
	const close = () => {
		client.destroy();
		upstream.destroy();
	};
	client.on("error", close);
	upstream.on("error", close);
	client.on("close", close);
	upstream.on("close", close);
});
server.listen(listen, "127.0.0.1", () => console.log(`splitting 127.0.0.1:${listen} over ${backends.join(", ")}`));
const parent = process.ppid;
setInterval(() => {
	try {
		process.kill(parent, 0);
	} catch {
		process.exit(0);
	}
}, 500).unref();
process.on("SIGTERM", () => {
	console.log(`connections per backend: ${JSON.stringify(Object.fromEntries(perBackend))}`);
	process.exit(0);
});
