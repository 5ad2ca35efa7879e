"use strict";
// The real socket.io-client 4.8.1 against `frappe-realtime --protocol-test-server` (the
// application of socketio-protocol.md appendix §3): each transport mode, upgrade, events,
// acks, binary, several namespaces on one Manager, and an unknown namespace.
const { describe, it, before, after } = require("node:test");
const assert = require("node:assert/strict");
const H = require("./lib/harness.js");

let server;
let base;

before(async () => {
	// Pings every 300 ms as in the appendix, but a 2 s pong window: these tests are about
	// data, and a polling client whose POST is slow (big binary on a loaded 2-core box) must
	// not time out. protocol-heartbeat.test.js covers the 300/200 ms timing.
	server = await H.startServer(["--protocol-test-server", "--no-gui", "--host", "127.0.0.1", "--port", "0", "--ping-timeout", "2000"]);
	base = `http://127.0.0.1:${server.port}`;
});
after(async () => {
	await H.cleanup();
});

// Connects and returns {socket, auth}: the `auth` event comes in the same batch as CONNECT.
async function connect(path, opts = {}) {
	let authResolve;
	const auth = new Promise((r) => (authResolve = r));
	const socket = await H.connectClient(`${base}${path}`, { ...opts, onSocket: (s) => s.once("auth", authResolve) });
	return { socket, auth: await Promise.race([auth, H.sleep(3000).then(() => assert.fail("no auth event"))]) };
}

function roundTrip(socket, ...args) {
	const back = H.waitForEvent(socket, "message-back", 3000, { all: true });
	socket.emit("message", ...args);
	return back;
}

function ack(socket, ...args) {
	return new Promise((resolve, reject) => {
		const t = setTimeout(() => reject(new Error("no ack within 3000 ms")), 3000);
		socket.emit("message-with-ack", ...args, (...got) => {
			clearTimeout(t);
			resolve(got);
		});
	});
}

const transports = [
	{ name: "polling only", opts: { transports: ["polling"] }, expect: "polling" },
	{ name: "websocket only", opts: { transports: ["websocket"] }, expect: "websocket" },
];

for (const mode of transports) {
	describe(`socket.io-client, ${mode.name}`, () => {
		it("connects, gets the auth event, and stays on its transport", async () => {
			const { socket, auth } = await connect("/", mode.opts);
			assert.deepEqual(auth, {});
			assert.equal(socket.io.engine.transport.name, mode.expect);
			assert.ok(socket.id && socket.id !== socket.io.engine.id, "socket id differs from the engine sid");
			socket.close();
		});

		it("passes the auth payload through", async () => {
			const { socket, auth } = await connect("/", { ...mode.opts, auth: { token: "123", n: 5 } });
			assert.deepEqual(auth, { token: "123", n: 5 });
			socket.close();
		});

		it("echoes events with mixed arguments", async () => {
			const { socket } = await connect("/", mode.opts);
			const args = [1, "2", { 3: [true] }, null, [1.5, -7, "\u00e9\u2713\u{1F600}"], "a\x1eb"];
			assert.deepEqual(await roundTrip(socket, ...args), args);
			// Many events in a row arrive in order (polling batches them).
			const got = H.collectEvents(socket, "message-back");
			for (let i = 0; i < 20; i++) socket.emit("message", i);
			await H.waitFor(() => got.length === 20, 3000);
			assert.deepEqual(got, [...Array(20).keys()]);
			socket.close();
		});

		it("acknowledges a client emit with the same arguments", async () => {
			const { socket } = await connect("/", mode.opts);
			assert.deepEqual(await ack(socket, 1, "2", { 3: [false] }), [1, "2", { 3: [false] }]);
			assert.deepEqual(await ack(socket), []);
			// The promise form resolves with the first ack argument.
			assert.deepEqual(await socket.emitWithAck("message-with-ack", { v: "value" }), { v: "value" });
			socket.close();
		});

		it("round-trips binary nested in objects and arrays", async () => {
			const { socket } = await connect("/", mode.opts);
			const a = Buffer.from([1, 2, 3]);
			const b = Buffer.from([4, 5, 6]);
			const c = Buffer.from([0, 255, 128, 10, 30]);
			const args = ["x", { file: a, meta: { parts: [b, { deep: c }] } }, [a]];
			const back = await roundTrip(socket, ...args);
			assert.equal(back.length, 3);
			assert.equal(back[0], "x");
			assert.deepEqual(Buffer.from(back[1].file), a);
			assert.deepEqual(Buffer.from(back[1].meta.parts[0]), b);
			assert.deepEqual(Buffer.from(back[1].meta.parts[1].deep), c);
			assert.deepEqual(Buffer.from(back[2][0]), a);
			// Binary in an ack (BINARY_ACK).
			const acked = await ack(socket, { blob: b }, c);
			assert.deepEqual(Buffer.from(acked[0].blob), b);
			assert.deepEqual(Buffer.from(acked[1]), c);
			// A large binary (well under maxPayload).
			const big = Buffer.alloc(200000, 7);
			const [bigBack] = await roundTrip(socket, big);
			assert.ok(Buffer.from(bigBack).equals(big));
			socket.close();
		});
	});
}

describe("socket.io-client, polling then upgrade", () => {
	it("upgrades to websocket and keeps working", async () => {
		const { socket } = await connect("/");
		const engine = socket.io.engine;
		if (engine.transport.name !== "websocket") await H.waitForEvent(engine, "upgrade", 5000);
		assert.equal(engine.transport.name, "websocket");
		assert.deepEqual(await roundTrip(socket, "after upgrade", Buffer.from([9])), ["after upgrade", Buffer.from([9])]);
		assert.deepEqual(await ack(socket, 42), [42]);
		socket.close();
	});

	it("does not lose events emitted while the upgrade runs", async () => {
		const got = [];
		const { socket } = await connect("/", {});
		socket.on("message-back", (n) => got.push(n));
		// Emit at once: some of these go over polling, some during or after the upgrade.
		for (let i = 0; i < 50; i++) socket.emit("message", i);
		await H.waitFor(() => got.length === 50, 5000);
		assert.deepEqual(got, [...Array(50).keys()]);
		if (socket.io.engine.transport.name !== "websocket") await H.waitForEvent(socket.io.engine, "upgrade", 5000);
		socket.close();
	});
});

describe("socket.io-client, namespaces", () => {
	for (const mode of [{ name: "polling", transports: ["polling"] }, { name: "websocket", transports: ["websocket"] }, { name: "default", transports: undefined }]) {
		it(`/ and /custom share one Engine.IO session (${mode.name})`, async () => {
			const { Manager } = require("socket.io-client");
			const opts = { reconnection: false, timeout: 5000 };
			if (mode.transports) opts.transports = mode.transports;
			const manager = new Manager(base, opts);
			const root = manager.socket("/");
			const custom = manager.socket("/custom", { auth: { token: "abc" } });
			const rootAuth = H.waitForEvent(root, "auth", 5000);
			const customAuth = H.waitForEvent(custom, "auth", 5000);
			root.connect();
			custom.connect();
			try {
				assert.deepEqual(await rootAuth, {});
				assert.deepEqual(await customAuth, { token: "abc" });
				assert.ok(root.connected && custom.connected);
				assert.equal(root.io, custom.io);
				assert.notEqual(root.id, custom.id, "one socket id per namespace");
				const engineId = manager.engine.id;
				assert.ok(engineId);
				// /custom has no message handler; / still echoes.
				const none = H.expectNoEvent(custom, "message-back", 300);
				custom.emit("message", 1);
				await none;
				assert.deepEqual(await roundTrip(root, "still here"), ["still here"]);
				// Leaving /custom keeps the session and /.
				custom.disconnect();
				assert.deepEqual(await roundTrip(root, "after leaving custom"), ["after leaving custom"]);
				assert.equal(manager.engine.id, engineId);
				assert.equal(manager.engine.readyState, "open");
			} finally {
				root.close();
				custom.close();
			}
		});
	}

	it("refuses an unknown namespace with Invalid namespace and keeps the engine open", async () => {
		const { Manager } = require("socket.io-client");
		const manager = new Manager(base, { reconnection: false, transports: ["websocket"] });
		const root = manager.socket("/");
		const rootAuth = H.waitForEvent(root, "auth", 5000);
		root.connect();
		await rootAuth;
		const engineId = manager.engine.id;
		const random = manager.socket("/random");
		const err = H.waitForEvent(random, "connect_error", 5000);
		random.connect();
		const e = await err;
		assert.equal(e.message, "Invalid namespace");
		assert.equal(random.connected, false);
		// Same engine, still open, / still works.
		assert.equal(manager.engine.id, engineId);
		assert.equal(manager.engine.readyState, "open");
		assert.deepEqual(await roundTrip(root, "ok"), ["ok"]);
		root.close();
		random.close();
	});

	it("refuses an unknown namespace on its own connection (connect_error via connectClient)", async () => {
		await assert.rejects(H.connectClient(`${base}/nope`, { transports: ["polling"] }), (e) => e.message === "Invalid namespace");
	});
});
