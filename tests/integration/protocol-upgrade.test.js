"use strict";
// The polling -> WebSocket upgrade spoken by hand against --protocol-test-server
// (socketio-protocol.md §7 and appendix §4 "Upgrade"), on the /engine.io/ echo app.
const { describe, it, before, after } = require("node:test");
const assert = require("node:assert/strict");
const http = require("http");
const H = require("./lib/harness.js");

let server;
let port;

before(async () => {
	// Long heartbeat: a ping would otherwise end parked GETs and interleave with the checks.
	server = await H.startServer(["--protocol-test-server", "--no-gui", "--host", "127.0.0.1", "--port", "0", "--ping-interval", "10000", "--ping-timeout", "10000"]);
	port = server.port;
});
after(async () => {
	await H.cleanup();
});

const pollPath = (sid) => `/engine.io/?EIO=4&transport=polling&sid=${sid}`;
const wsUrl = (sid) => `http://127.0.0.1:${port}/engine.io/?EIO=4&transport=websocket&sid=${sid}`;

async function handshake() {
	const r = await H.httpRequest({ port, path: "/engine.io/?EIO=4&transport=polling" });
	return JSON.parse(r.text.slice(1)).sid;
}

function get(sid) {
	const t0 = Date.now();
	return new Promise((resolve, reject) => {
		http
			.get({ host: "127.0.0.1", port, path: pollPath(sid), agent: false }, (res) => {
				const chunks = [];
				res.on("data", (c) => chunks.push(c));
				res.on("end", () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString(), ms: Date.now() - t0 }));
			})
			.on("error", reject);
	});
}

const postText = (sid, body) => H.httpRequest({ port, method: "POST", path: pollPath(sid), body });

// Nothing arrives on `c` for `ms`.
async function silent(c, ms) {
	await assert.rejects(c.next(ms), /no websocket message/);
}

// A WebSocket request with the sid of a session that has upgraded (or is
// upgrading) gets its 101 and is then closed without a packet, as engine.io
// does (socket.io's protocol suite counts a 400 here as a failure).
async function secondWebSocketIsClosed(sid) {
	const second = await H.rawWebSocket(wsUrl(sid)); // rejects on anything but 101
	const closed = await Promise.race([second.closed, H.sleep(3000).then(() => null)]);
	assert.ok(closed, "the second websocket is closed by the server");
	assert.deepEqual(second.messages, [], "nothing is sent on the second websocket");
}

describe("upgrade", () => {
	it("full sequence: probe, noop to polling, 5, flush, then polling refused", async () => {
		const sid = await handshake();
		const parked = get(sid);
		await H.sleep(100);

		const c = await H.rawWebSocket(wsUrl(sid));
		// No open packet (and nothing else) on the upgrade socket before the probe.
		await silent(c, 300);
		c.send("2probe");
		assert.equal(await c.next(), "3probe");

		// The parked GET is drained with a noop.
		const p = await parked;
		assert.equal(p.status, 200);
		assert.equal(p.text, "6");

		// A GET sent after 3probe gets 6 promptly (the reference answers within 100 ms).
		const late = await get(sid);
		assert.equal(late.status, 200);
		assert.equal(late.text, "6");
		assert.ok(late.ms < 1000, `noop took ${late.ms} ms`);

		// Data produced during the upgrade waits for 5; nothing goes out on the probe socket.
		assert.equal((await postText(sid, "4queued1\x1e4queued2")).text, "ok");
		await silent(c, 300);

		c.send("5");
		assert.equal(await c.next(), "4queued1");
		assert.equal(await c.next(), "4queued2");

		// Now the WebSocket is the transport.
		c.send("4hello");
		assert.equal(await c.next(), "4hello");
		c.send(Buffer.from([1, 2, 3, 4]));
		assert.deepEqual(await c.next(), Buffer.from([1, 2, 3, 4]));

		// Polling with that sid is refused.
		const after = await H.httpRequest({ port, path: pollPath(sid) });
		assert.equal(after.status, 400);
		assert.deepEqual(JSON.parse(after.text), { code: 3, message: "Bad request" });
		const afterPost = await postText(sid, "4x");
		assert.equal(afterPost.status, 400);

		// A second WebSocket with the same sid completes its handshake and is
		// closed at once, without a packet, as engine.io does.
		await secondWebSocketIsClosed(sid);

		// The first one still works.
		c.send("4still");
		assert.equal(await c.next(), "4still");
		c.close();
	});

	it("upgrade without a parked GET; packets already queued are flushed after 5 in order", async () => {
		const sid = await handshake();
		await postText(sid, "4a\x1e4b");
		const c = await H.rawWebSocket(wsUrl(sid));
		c.send("2probe");
		assert.equal(await c.next(), "3probe");
		await silent(c, 200);
		c.send("5");
		assert.equal(await c.next(), "4a");
		assert.equal(await c.next(), "4b");
		c.close();
	});

	it("a second probe WebSocket while one is upgrading is accepted, then closed at once", async () => {
		const sid = await handshake();
		const c = await H.rawWebSocket(wsUrl(sid));
		c.send("2probe");
		assert.equal(await c.next(), "3probe");
		await secondWebSocketIsClosed(sid);
		// The first upgrade still completes.
		c.send("5");
		c.send("4ok");
		assert.equal(await c.next(), "4ok");
		c.close();
	});

	it("a bad first packet on the probe aborts the upgrade; polling keeps working", async () => {
		const sid = await handshake();
		const c = await H.rawWebSocket(wsUrl(sid));
		c.send("4hello");
		assert.ok(await Promise.race([c.closed, H.sleep(2000).then(() => null)]), "probe closed");
		assert.equal((await postText(sid, "4poll")).text, "ok");
		const g = await get(sid);
		assert.equal(g.status, 200);
		assert.equal(g.text, "4poll");
	});

	it("the probe WebSocket closing before 5 leaves the polling session alive", async () => {
		const sid = await handshake();
		const c = await H.rawWebSocket(wsUrl(sid));
		c.send("2probe");
		assert.equal(await c.next(), "3probe");
		await c.close();
		await H.sleep(100);
		assert.equal((await postText(sid, "4back")).text, "ok");
		const g = await get(sid);
		assert.equal(g.status, 200);
		assert.equal(g.text, "4back");
	});

	it("closing the upgraded WebSocket ends the session", async () => {
		const sid = await handshake();
		const c = await H.rawWebSocket(wsUrl(sid));
		c.send("2probe");
		await c.next();
		c.send("5");
		c.send("4x");
		assert.equal(await c.next(), "4x");
		await c.close();
		await H.waitFor(async () => (await H.httpRequest({ port, path: pollPath(sid) })).text.includes('"code":1'), 3000, 50);
	});
});
