"use strict";
// Engine.IO / Socket.IO over a raw WebSocket (the `ws` package) against
// --protocol-test-server: the WebSocket rows of socketio-protocol.md appendix §4 and the
// Socket.IO frames of appendix §3, compared byte for byte.
const { describe, it, before, after } = require("node:test");
const assert = require("node:assert/strict");
const H = require("./lib/harness.js");

let server;
let base;

before(async () => {
	// Pings every 300 ms as in the appendix; the tests answer them. The long pong window
	// keeps a loaded box from closing sessions between two awaits.
	server = await H.startServer(["--protocol-test-server", "--no-gui", "--host", "127.0.0.1", "--port", "0", "--ping-timeout", "3000"]);
	base = `http://127.0.0.1:${server.port}`;
});
after(async () => {
	await H.cleanup();
});

// A raw socket whose next() skips the server's pings (answering them with 3).
async function open(path) {
	const c = await H.rawWebSocket(`${base}${path}`);
	const rawNext = c.next.bind(c);
	c.nextData = async (ms = 3000) => {
		for (;;) {
			const m = await rawNext(ms);
			if (m === "2") {
				c.send("3");
				continue;
			}
			return m;
		}
	};
	return c;
}

async function closedWithin(c, ms = 3000) {
	const info = await Promise.race([c.closed, H.sleep(ms).then(() => null)]);
	assert.ok(info, `websocket still open after ${ms} ms`);
	return info;
}

async function eioSocket() {
	const c = await open("/engine.io/?EIO=4&transport=websocket");
	const first = await c.nextData();
	assert.match(first, /^0\{/);
	return { c, open: JSON.parse(first.slice(1)) };
}

// Engine.IO WebSocket session on /socket.io/ with `/` joined (waits for 40 and auth).
async function sioSocket(connectFrame = "40") {
	const c = await open("/socket.io/?EIO=4&transport=websocket");
	assert.match(await c.nextData(), /^0\{/);
	c.send(connectFrame);
	return c;
}

describe("Engine.IO over WebSocket", () => {
	it("WebSocket-first handshake: open packet with upgrades [] and exactly five keys", async () => {
		const { c, open: o } = await eioSocket();
		assert.deepEqual(Object.keys(o).sort(), ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"]);
		assert.deepEqual(o.upgrades, []);
		assert.match(o.sid, /^[A-Za-z0-9_-]{20}$/);
		assert.equal(o.pingInterval, 300);
		assert.equal(o.pingTimeout, 3000);
		assert.equal(o.maxPayload, 1000000);
		c.close();
	});

	it("echoes text and binary frames unchanged", async () => {
		const { c } = await eioSocket();
		c.send("4hello");
		assert.equal(await c.nextData(), "4hello");
		c.send(Buffer.from([1, 2, 3, 4]));
		assert.deepEqual(await c.nextData(), Buffer.from([1, 2, 3, 4]));
		c.send("4\u00e9\u{1F600}");
		assert.equal(await c.nextData(), "4\u00e9\u{1F600}");
		c.send(Buffer.alloc(0));
		assert.deepEqual(await c.nextData(), Buffer.alloc(0));
		const big = Buffer.alloc(100000, 0xab);
		c.send(big);
		assert.ok((await c.nextData()).equals(big));
		c.close();
	});

	it("reassembles fragmented client messages", async () => {
		const { c } = await eioSocket();
		c.ws.send("4hel", { fin: false });
		c.ws.send("lo ", { fin: false });
		c.ws.send("world", { fin: true });
		assert.equal(await c.nextData(), "4hello world");
		c.close();
	});

	it("answers WebSocket control pings", async () => {
		const { c } = await eioSocket();
		const pong = new Promise((r) => c.ws.once("pong", (d) => r(d.toString())));
		c.ws.ping("are you there");
		assert.equal(await Promise.race([pong, H.sleep(2000).then(() => "timeout")]), "are you there");
		c.close();
	});

	it("text 1 from the client closes the connection", async () => {
		const { c } = await eioSocket();
		c.send("1");
		await closedWithin(c);
	});

	it("text abc (invalid packet) closes the connection", async () => {
		const { c } = await eioSocket();
		c.send("abc");
		await closedWithin(c);
	});

	it("a client ping 2 (v3 direction) closes the connection", async () => {
		const { c } = await eioSocket();
		c.send("2");
		await closedWithin(c);
	});

	it("invalid UTF-8 in a text frame closes with 1007", async () => {
		const { c } = await eioSocket();
		// ws validates outgoing text only when told; send raw bytes as a text frame.
		c.ws.send(Buffer.from([0x34, 0xc3, 0x28]), { binary: false });
		const info = await closedWithin(c);
		assert.equal(info.code, 1007);
	});

	it("the session is gone once its WebSocket closed", async () => {
		const { c, open: o } = await eioSocket();
		c.close();
		await c.closed;
		await H.waitFor(async () => (await H.httpRequest({ port: server.port, path: `/engine.io/?EIO=4&transport=polling&sid=${o.sid}` })).status === 400, 3000, 50);
	});

	it("a refused upgrade is a plain-text 400 with Connection: close, then the socket closes", async () => {
		const t = await H.rawTcp(server.port);
		t.write(
			"GET /engine.io/?EIO=abc&transport=websocket HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
				"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
		);
		const answer = (await t.readUntilClose(3000)).toString();
		assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
		assert.match(answer, /\r\nConnection: close\r\n/);
		assert.match(answer, /\r\n\r\nUnsupported protocol version$/);
	});

	it("the 101 answer carries the RFC 6455 accept key", async () => {
		const t = await H.rawTcp(server.port);
		t.write(
			"GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
				"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
		);
		const answer = (await t.read(3000)).toString("latin1");
		assert.match(answer, /^HTTP\/1\.1 101 /);
		assert.match(answer, /\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/i);
		t.close();
	});

	describe("refused upgrades", () => {
		const cases = [
			["EIO missing", "/engine.io/?transport=websocket"],
			["EIO=abc", "/engine.io/?EIO=abc&transport=websocket"],
			["EIO=3", "/socket.io/?EIO=3&transport=websocket"],
			["transport missing", "/engine.io/?EIO=4"],
			["transport=abc", "/socket.io/?EIO=4&transport=abc"],
			["transport=polling on an upgrade", "/engine.io/?EIO=4&transport=polling"],
			["unknown sid", "/engine.io/?EIO=4&transport=websocket&sid=nope"],
			["unknown path", "/nope/?EIO=4&transport=websocket"],
		];
		for (const [name, path] of cases) {
			it(`${name} -> no 101`, async () => {
				const r = await H.rawWebSocket(`${base}${path}`).then(
					(c) => c,
					(e) => e,
				);
				if (r instanceof Error) {
					assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}`);
				} else {
					// Accepted then closed at once is allowed too; no data may flow.
					await closedWithin(r, 2000);
				}
			});
		}
	});
});

describe("Socket.IO appendix frames over WebSocket", () => {
	it("40 -> 40{sid} then 42[auth,{}]", async () => {
		const c = await sioSocket("40");
		const reply = await c.nextData();
		assert.match(reply, /^40\{"sid":"[A-Za-z0-9_-]+"\}$/);
		assert.deepEqual(Object.keys(JSON.parse(reply.slice(2))), ["sid"]);
		assert.equal(await c.nextData(), '42["auth",{}]');
		c.close();
	});

	it('40{"token":"123"} -> auth {"token":"123"}', async () => {
		const c = await sioSocket('40{"token":"123"}');
		assert.match(await c.nextData(), /^40\{"sid":"[^"]+"\}$/);
		assert.equal(await c.nextData(), '42["auth",{"token":"123"}]');
		c.close();
	});

	it("40/custom, -> 40/custom,{sid} then 42/custom,[auth,{}]", async () => {
		const c = await sioSocket("40/custom,");
		assert.match(await c.nextData(), /^40\/custom,\{"sid":"[^"]+"\}$/);
		assert.equal(await c.nextData(), '42/custom,["auth",{}]');
		c.close();
	});

	it('40/custom,{"token":"abc"} -> 42/custom,["auth",{"token":"abc"}]', async () => {
		const c = await sioSocket('40/custom,{"token":"abc"}');
		assert.match(await c.nextData(), /^40\/custom,\{"sid":"[^"]+"\}$/);
		assert.equal(await c.nextData(), '42/custom,["auth",{"token":"abc"}]');
		c.close();
	});

	it("40/random -> 44/random,{Invalid namespace}, connection left open", async () => {
		const c = await sioSocket("40/random");
		assert.equal(await c.nextData(), '44/random,{"message":"Invalid namespace"}');
		c.send("40");
		assert.match(await c.nextData(), /^40\{"sid"/);
		assert.equal(await c.nextData(), '42["auth",{}]');
		c.close();
	});

	it("socket ids differ per namespace and from the Engine.IO sid", async () => {
		const c = await open("/socket.io/?EIO=4&transport=websocket");
		const eioSid = JSON.parse((await c.nextData()).slice(1)).sid;
		c.send("40");
		const a = JSON.parse((await c.nextData()).slice(2)).sid;
		await c.nextData(); // auth
		c.send("40/custom,");
		const b = JSON.parse((await c.nextData()).slice("40/custom,".length)).sid;
		assert.equal(new Set([eioSid, a, b]).size, 3);
		c.close();
	});

	describe("with / joined", () => {
		let c;
		before(async () => {
			c = await sioSocket("40");
			await c.nextData();
			assert.equal(await c.nextData(), '42["auth",{}]');
		});
		after(() => c.close());

		it('42["message",1,"2",{"3":[true]}] -> message-back', async () => {
			c.send('42["message",1,"2",{"3":[true]}]');
			assert.equal(await c.nextData(), '42["message-back",1,"2",{"3":[true]}]');
		});

		it('42456["message-with-ack",...] -> 43456[1,"2",{"3":[false]}]', async () => {
			c.send('42456["message-with-ack",1,"2",{"3":[false]}]');
			assert.equal(await c.nextData(), '43456[1,"2",{"3":[false]}]');
		});

		it("binary event: 452-[message,p0,p1] + 2 frames -> 452-[message-back,...] + the same frames", async () => {
			c.send('452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
			c.send(Buffer.from([1, 2, 3]));
			c.send(Buffer.from([4, 5, 6]));
			assert.equal(await c.nextData(), '452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
			assert.deepEqual(await c.nextData(), Buffer.from([1, 2, 3]));
			assert.deepEqual(await c.nextData(), Buffer.from([4, 5, 6]));
		});

		it("binary ack: 452-789[message-with-ack,...] -> 462-789[p0,p1] + the same frames", async () => {
			c.send('452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
			c.send(Buffer.from([1, 2, 3]));
			c.send(Buffer.from([4, 5, 6]));
			assert.equal(await c.nextData(), '462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
			assert.deepEqual(await c.nextData(), Buffer.from([1, 2, 3]));
			assert.deepEqual(await c.nextData(), Buffer.from([4, 5, 6]));
		});

		it("an ack for an id the server never used is ignored", async () => {
			c.send('43999["x"]');
			c.send('42["message","after stray ack"]');
			assert.equal(await c.nextData(), '42["message-back","after stray ack"]');
		});

		it("text events keep working after binary ones", async () => {
			c.send('42["message","after binary"]');
			assert.equal(await c.nextData(), '42["message-back","after binary"]');
		});
	});

	it("41 gets no reply; the next frame is the ping 2", async () => {
		const c = await open("/socket.io/?EIO=4&transport=websocket");
		await c.next();
		c.send("40");
		await c.nextData();
		await c.nextData();
		c.send("41");
		// Raw next(): the first thing after leaving / must be a ping, nothing else.
		assert.equal(await c.next(2000), "2");
		c.send("3");
		assert.equal(c.closeInfo, null);
		c.close();
	});

	it("41/custom gets no reply; events on / keep working", async () => {
		const c = await sioSocket("40");
		await c.nextData();
		await c.nextData();
		c.send("40/custom,");
		await c.nextData();
		await c.nextData();
		c.send("41/custom,");
		c.send('42["message","still"]');
		assert.equal(await c.nextData(), '42["message-back","still"]');
		c.close();
	});

	for (const bad of ["4abc", "42{}", '42abc["message",1,"2",{"3":[true]}]', '41{}', '42["disconnect"]', '452-["message",{"_placeholder":true,"num":0}]']) {
		it(`malformed ${bad} closes the connection`, async () => {
			const c = await sioSocket("40");
			await c.nextData();
			await c.nextData();
			c.send(bad);
			if (bad.startsWith("452-")) c.send("42[\"text while attachments pending\"]");
			await closedWithin(c);
		});
	}

	it("a binary frame when no attachment is expected closes the connection", async () => {
		const c = await sioSocket("40");
		await c.nextData();
		await c.nextData();
		c.send(Buffer.from([1, 2, 3]));
		await closedWithin(c);
	});

	it("more than 10 attachments closes the connection", async () => {
		const c = await sioSocket("40");
		await c.nextData();
		await c.nextData();
		const placeholders = [...Array(11).keys()].map((i) => ({ _placeholder: true, num: i }));
		c.send(`4511-${JSON.stringify(["message", ...placeholders])}`);
		await closedWithin(c);
	});

	it("an event for a namespace not joined closes the connection", async () => {
		const c = await sioSocket("40");
		await c.nextData();
		await c.nextData();
		c.send('42/custom,["message"]');
		await closedWithin(c);
	});

	it("a CONNECT_ERROR packet from the client closes the connection", async () => {
		const c = await sioSocket("40");
		await c.nextData();
		await c.nextData();
		c.send('44{"message":"nope"}');
		await closedWithin(c);
	});

	it("a second CONNECT to a joined namespace closes the connection", async () => {
		const c = await sioSocket("40");
		await c.nextData();
		await c.nextData();
		c.send("40");
		await closedWithin(c);
	});

	it("a connection that joins no namespace is closed (connect timeout 1000 ms)", async () => {
		const c = await open("/socket.io/?EIO=4&transport=websocket");
		await c.next();
		const t0 = Date.now();
		// nextData answers pings, so only the connect timeout can end it.
		await assert.rejects(c.nextData(5000), /closed/);
		const elapsed = Date.now() - t0;
		assert.ok(elapsed >= 800 && elapsed < 4000, `closed after ${elapsed} ms`);
	});
});
