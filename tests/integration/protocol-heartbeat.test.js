"use strict";
// The Engine.IO v4 heartbeat at the appendix settings (ping 300 ms, timeout 200 ms):
// raw polling and raw WebSocket rounds, the ping-timeout close on both transports, and
// the real socket.io-client staying connected across several pings on each transport.
// Margins are wide on the "late" side: a loaded 2-core box delays timers and sockets.
const { describe, it, before, after } = require("node:test");
const assert = require("node:assert/strict");
const http = require("http");
const H = require("./lib/harness.js");

let server;
let port;

before(async () => {
	server = await H.startServer(["--protocol-test-server", "--no-gui", "--host", "127.0.0.1", "--port", "0", "--ping-interval", "300", "--ping-timeout", "200"]);
	port = server.port;
});
after(async () => {
	await H.cleanup();
});

const pollPath = (sid) => `/engine.io/?EIO=4&transport=polling&sid=${sid}`;

function get(sid) {
	return new Promise((resolve, reject) => {
		http
			.get({ host: "127.0.0.1", port, path: pollPath(sid), agent: false }, (res) => {
				const chunks = [];
				res.on("data", (c) => chunks.push(c));
				res.on("end", () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString(), at: Date.now() }));
			})
			.on("error", reject);
	});
}

async function handshake() {
	const r = await H.httpRequest({ port, path: "/engine.io/?EIO=4&transport=polling" });
	const open = JSON.parse(r.text.slice(1));
	assert.equal(open.pingInterval, 300);
	assert.equal(open.pingTimeout, 200);
	return { sid: open.sid, at: Date.now() };
}

describe("heartbeat over raw polling", () => {
	it("a parked GET returns exactly 2 about pingInterval after the handshake or pong; three rounds", async () => {
		const { sid, at } = await handshake();
		let since = at;
		for (let round = 0; round < 3; round++) {
			const g = await get(sid);
			assert.equal(g.status, 200);
			assert.equal(g.text, "2");
			const waited = g.at - since;
			// Not early (the server waits pingInterval); late only by scheduling noise.
			assert.ok(waited >= 200, `round ${round}: ping after ${waited} ms`);
			assert.ok(waited < 1500, `round ${round}: ping after ${waited} ms`);
			const p = await H.httpRequest({ port, method: "POST", path: pollPath(sid), body: "3" });
			assert.equal(p.text, "ok");
			since = Date.now();
		}
	});

	it("no pong: the GET at +500 ms after the handshake is refused (400)", async () => {
		const { sid } = await handshake();
		// Exactly what the engine.io v4 suite does: no GET, no pong, sleep ping+timeout.
		await H.sleep(500);
		const r = await H.httpRequest({ port, path: pollPath(sid) });
		assert.equal(r.status, 400);
		assert.deepEqual(JSON.parse(r.text), { code: 1, message: "Session ID unknown" });
	});

	it("no pong after a received ping: the session is closed", async () => {
		const { sid } = await handshake();
		const g = await get(sid);
		assert.equal(g.text, "2");
		await H.sleep(400);
		assert.equal((await H.httpRequest({ port, path: pollPath(sid) })).status, 400);
	});
});

describe("heartbeat over raw WebSocket", () => {
	it("ping 2 every pingInterval after each pong; three rounds", async () => {
		const c = await H.rawWebSocket(`http://127.0.0.1:${port}/engine.io/?EIO=4&transport=websocket`);
		assert.match(await c.next(), /^0\{/);
		let since = Date.now();
		for (let round = 0; round < 3; round++) {
			assert.equal(await c.next(2000), "2");
			const waited = Date.now() - since;
			assert.ok(waited >= 200 && waited < 1500, `round ${round}: ping after ${waited} ms`);
			c.send("3");
			since = Date.now();
		}
		assert.equal(c.closeInfo, null);
		c.close();
	});

	it("no pong: the connection is closed after ping + timeout", async () => {
		const c = await H.rawWebSocket(`http://127.0.0.1:${port}/engine.io/?EIO=4&transport=websocket`);
		const t0 = Date.now();
		assert.match(await c.next(), /^0\{/);
		assert.equal(await c.next(2000), "2");
		await Promise.race([c.closed, H.sleep(3000)]);
		assert.ok(c.closeInfo, "closed");
		const elapsed = Date.now() - t0;
		assert.ok(elapsed >= 400 && elapsed < 3000, `closed after ${elapsed} ms`);
	});

	it("pings keep coming while data flows", async () => {
		const c = await H.rawWebSocket(`http://127.0.0.1:${port}/engine.io/?EIO=4&transport=websocket`);
		await c.next();
		let pings = 0;
		const end = Date.now() + 1000;
		while (Date.now() < end) {
			c.send("4busy");
			const m = await c.next(2000);
			if (m === "2") {
				pings++;
				c.send("3");
				await c.next(2000); // the echo
			}
			await H.sleep(20);
		}
		assert.ok(pings >= 2, `${pings} pings in 1 s of traffic`);
		assert.equal(c.closeInfo, null);
		c.close();
	});
});

describe("socket.io-client stays connected across heartbeats", () => {
	for (const transports of [["polling"], ["websocket"]]) {
		it(`${transports[0]}: at least 3 pings, no disconnect`, async () => {
			const socket = await H.connectClient(`http://127.0.0.1:${port}/`, { transports });
			const engine = socket.io.engine;
			let pings = 0;
			engine.on("ping", () => pings++);
			let disconnected = null;
			socket.on("disconnect", (reason) => (disconnected = reason));
			await H.waitFor(() => pings >= 3 || disconnected, 5000, 20);
			assert.equal(disconnected, null);
			assert.ok(pings >= 3, `${pings} pings`);
			assert.equal(engine.transport.name, transports[0]);
			// Still usable.
			const back = H.waitForEvent(socket, "message-back", 3000);
			socket.emit("message", "alive");
			assert.equal(await back, "alive");
			socket.close();
		});
	}
});
