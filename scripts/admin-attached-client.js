#!/usr/bin/env node
"use strict";
// An Admin UI stand-in for scripts/admin-cost-bench.sh: waits for the server's port, logs in
// to /admin like the stock UI (socket.io-client, polling then websocket, basic auth) and
// stays attached, counting server_stats ticks, until the server goes away. Prints one line
// "admin-client: attached" once connected and a summary when it exits.
//   node admin-attached-client.js PORT USER PASSWORD
// NODE_PATH must reach socket.io-client (the build tree's node/node_modules).
const net = require("node:net");
const [port, user, password] = process.argv.slice(2);
if (!port) {
	console.error("usage: admin-attached-client.js PORT USER PASSWORD");
	process.exit(2);
}

function portOpen() {
	return new Promise((resolve) => {
		const s = net.connect(Number(port), "127.0.0.1");
		s.once("connect", () => (s.destroy(), resolve(true)));
		s.once("error", () => resolve(false));
	});
}

(async () => {
	const deadline = Date.now() + 60000;
	while (!(await portOpen())) {
		if (Date.now() > deadline) {
			console.error("admin-client: server port never opened");
			process.exit(1);
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	const { io } = require("socket.io-client");
	const socket = io(`http://127.0.0.1:${port}/admin`, {
		forceNew: true,
		reconnection: false,
		transports: ["polling", "websocket"],
		auth: { username: user, password },
	});
	let ticks = 0;
	socket.on("server_stats", () => ticks++);
	socket.on("connect", () => console.log("admin-client: attached"));
	socket.on("connect_error", (e) => {
		console.error("admin-client: refused:", e.message);
		process.exit(1);
	});
	socket.on("disconnect", (reason) => {
		console.log(`admin-client: detached (${reason}) after ${ticks} server_stats ticks`);
		process.exit(0);
	});
})();
