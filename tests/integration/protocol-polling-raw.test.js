"use strict";
// Engine.IO v4 long-polling spoken by hand (Node http) against --protocol-test-server:
// socketio-protocol.md §3 error list and appendix §4 (handshake, 400 codes, batching,
// binary echo, close rules), plus the HTTP edges around it (health, 404, 413, malformed
// requests, CORS in test and Frappe mode).
const { describe, it, before, after } = require("node:test");
const assert = require("node:assert/strict");
const http = require("http");
const H = require("./lib/harness.js");

let server;
let port;

before(async () => {
	// Generous pong window: these tests are not about the heartbeat (see protocol-heartbeat).
	server = await H.startServer(["--protocol-test-server", "--no-gui", "--host", "127.0.0.1", "--port", "0", "--ping-interval", "10000", "--ping-timeout", "10000"]);
	port = server.port;
});
after(async () => {
	await H.cleanup();
});

const req = (opts) => H.httpRequest({ port, ...opts });
const url = (pathPrefix, query) => `${pathPrefix}?${query}`;

async function handshake(prefix = "/engine.io/", headers = {}) {
	const r = await req({ path: url(prefix, "EIO=4&transport=polling"), headers });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.text[0], "0");
	return { sid: JSON.parse(r.text.slice(1)).sid, response: r };
}

const poll = (sid, prefix = "/engine.io/", extra = {}) => req({ path: url(prefix, `EIO=4&transport=polling&sid=${sid}`), ...extra });
const post = (sid, body, prefix = "/engine.io/", headers = {}) =>
	req({ method: "POST", path: url(prefix, `EIO=4&transport=polling&sid=${sid}`), body, headers: { "Content-Type": "text/plain;charset=UTF-8", ...headers } });

// A GET whose request object we keep, to abort it or to see its answer later.
function parkedGet(sid, prefix = "/engine.io/") {
	let request;
	const answer = new Promise((resolve, reject) => {
		request = http.get({ host: "127.0.0.1", port, path: url(prefix, `EIO=4&transport=polling&sid=${sid}`), agent: false }, (res) => {
			const chunks = [];
			res.on("data", (c) => chunks.push(c));
			res.on("end", () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
		});
		request.on("error", reject);
	});
	return { request, answer };
}

function assertError(r, code, message) {
	assert.equal(r.status, 400, `status for ${message}: ${r.status} ${r.text}`);
	assert.match(r.headers["content-type"], /^application\/json/);
	assert.deepEqual(JSON.parse(r.text), { code, message });
	assert.equal(r.text, JSON.stringify({ code, message }));
}

describe("polling handshake", () => {
	for (const prefix of ["/engine.io/", "/socket.io/"]) {
		it(`${prefix}: open packet with exactly the five keys`, async () => {
			const { sid, response } = await handshake(prefix);
			assert.equal(response.headers["content-type"], "text/plain; charset=UTF-8");
			assert.equal(response.headers["cache-control"], "no-store");
			const open = JSON.parse(response.text.slice(1));
			assert.deepEqual(Object.keys(open).sort(), ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"]);
			assert.equal(typeof sid, "string");
			assert.match(sid, /^[A-Za-z0-9_-]{20}$/);
			assert.deepEqual(open.upgrades, ["websocket"]);
			assert.equal(open.pingInterval, 10000);
			assert.equal(open.pingTimeout, 10000);
			assert.equal(open.maxPayload, 1000000);
		});
	}

	it("gives every session its own sid, and ignores the t cache buster", async () => {
		const sids = new Set();
		for (let i = 0; i < 5; i++) {
			const r = await req({ path: `/engine.io/?EIO=4&transport=polling&t=N${i}x` });
			sids.add(JSON.parse(r.text.slice(1)).sid);
		}
		assert.equal(sids.size, 5);
	});

	it("uses the appendix settings by default (300/200/1e6)", async () => {
		const other = await H.startServer(["--protocol-test-server", "--no-gui", "--host", "127.0.0.1", "--port", "0"]);
		const r = await H.httpRequest({ port: other.port, path: "/engine.io/?EIO=4&transport=polling" });
		const open = JSON.parse(r.text.slice(1));
		assert.equal(open.pingInterval, 300);
		assert.equal(open.pingTimeout, 200);
		assert.equal(open.maxPayload, 1000000);
		await other.stop();
	});
});

describe("polling errors (400 with {code, message})", () => {
	const cases = [
		["GET without EIO", "GET", "transport=polling", 5, "Unsupported protocol version"],
		["GET with EIO=abc", "GET", "EIO=abc&transport=polling", 5, "Unsupported protocol version"],
		["GET with EIO=3", "GET", "EIO=3&transport=polling", 5, "Unsupported protocol version"],
		["GET without transport", "GET", "EIO=4", 0, "Transport unknown"],
		["GET with transport=abc", "GET", "EIO=4&transport=abc", 0, "Transport unknown"],
		["POST without sid", "POST", "EIO=4&transport=polling", 2, "Bad handshake method"],
		["PUT without sid", "PUT", "EIO=4&transport=polling", 2, "Bad handshake method"],
		["GET with unknown sid", "GET", "EIO=4&transport=polling&sid=doesnotexist", 1, "Session ID unknown"],
		["POST with unknown sid", "POST", "EIO=4&transport=polling&sid=doesnotexist", 1, "Session ID unknown"],
		["plain GET with transport=websocket", "GET", "EIO=4&transport=websocket", 3, "Bad request"],
	];
	for (const prefix of ["/engine.io/", "/socket.io/"]) {
		for (const [name, method, query, code, message] of cases) {
			it(`${prefix} ${name} -> ${code} ${message}`, async () => {
				const r = await req({ method, path: url(prefix, query), body: method === "GET" ? undefined : "4x" });
				assertError(r, code, message);
			});
		}
	}

	it("transport mismatch on an existing session -> 3 Bad request", async () => {
		const { sid } = await handshake();
		assertError(await req({ path: url("/engine.io/", `EIO=4&transport=websocket&sid=${sid}`) }), 3, "Bad request");
	});

	it("POST with application/octet-stream closes the session", async () => {
		const { sid } = await handshake();
		const r = await post(sid, Buffer.from([1, 2, 3]), "/engine.io/", { "Content-Type": "application/octet-stream" });
		assert.equal(r.status, 400);
		assertError(await poll(sid), 1, "Session ID unknown");
	});
});

describe("polling data", () => {
	it("POST 4hello -> ok, then GET returns 4hello", async () => {
		const { sid } = await handshake();
		const p = await post(sid, "4hello");
		assert.equal(p.status, 200);
		assert.equal(p.text, "ok");
		assert.match(p.headers["content-type"], /^text\/html/);
		const g = await poll(sid);
		assert.equal(g.status, 200);
		assert.equal(g.headers["content-type"], "text/plain; charset=UTF-8");
		assert.equal(g.text, "4hello");
	});

	it("three messages in one POST come back batched in one GET", async () => {
		const { sid } = await handshake();
		await post(sid, "4test1\x1e4test2\x1e4test3");
		assert.equal((await poll(sid)).text, "4test1\x1e4test2\x1e4test3");
	});

	it("messages from several POSTs are batched in one GET", async () => {
		const { sid } = await handshake();
		await post(sid, "4a");
		await post(sid, "4b");
		assert.equal((await poll(sid)).text, "4a\x1e4b");
	});

	it("binary is echoed as base64 (bAQIDBA==)", async () => {
		const { sid } = await handshake();
		await post(sid, "4hello\x1ebAQIDBA==");
		assert.equal((await poll(sid)).text, "4hello\x1ebAQIDBA==");
	});

	it("keeps UTF-8 text unchanged", async () => {
		const { sid } = await handshake();
		const text = "4h\u00e9llo \u2713 \u{1F600}";
		await post(sid, text);
		const g = await poll(sid);
		assert.equal(g.text, text);
		assert.equal(Number(g.headers["content-length"]), Buffer.byteLength(text));
	});

	it("a parked GET is answered when a message arrives", async () => {
		const { sid } = await handshake();
		const parked = parkedGet(sid);
		await H.sleep(150);
		await post(sid, "4late");
		const a = await parked.answer;
		assert.equal(a.status, 200);
		assert.equal(a.text, "4late");
	});

	it("a bad packet closes the session", async () => {
		const { sid } = await handshake();
		await post(sid, "abc");
		assertError(await poll(sid), 1, "Session ID unknown");
	});

	it("an empty POST body closes the session", async () => {
		const { sid } = await handshake();
		await req({ method: "POST", path: url("/engine.io/", `EIO=4&transport=polling&sid=${sid}`), headers: { "Content-Length": 0 } });
		assertError(await poll(sid), 1, "Session ID unknown");
	});

	it("a client ping (v3 direction) closes the session", async () => {
		const { sid } = await handshake();
		await post(sid, "2");
		assertError(await poll(sid), 1, "Session ID unknown");
	});
});

describe("polling close rules", () => {
	it("overlapping GET: the new one gets 400, the parked one gets 1, the session is gone", async () => {
		const { sid } = await handshake();
		const first = parkedGet(sid);
		await H.sleep(150);
		const second = await poll(sid);
		assert.equal(second.status, 400);
		const a = await first.answer;
		assert.equal(a.status, 200);
		assert.equal(a.text, "1");
		assertError(await poll(sid), 1, "Session ID unknown");
	});

	it("a parked GET aborted by the client closes the session", async () => {
		const { sid } = await handshake();
		const parked = parkedGet(sid);
		parked.answer.catch(() => {});
		await H.sleep(150);
		parked.request.destroy();
		// The server notices EOF on the idle socket; give it a moment.
		await H.waitFor(async () => (await poll(sid)).status === 400, 3000, 100);
		assertError(await poll(sid), 1, "Session ID unknown");
	});

	it("POST 1 while a GET is parked: the GET gets 6, the session is gone", async () => {
		const { sid } = await handshake();
		const parked = parkedGet(sid);
		await H.sleep(150);
		const p = await post(sid, "1");
		assert.equal(p.status, 200);
		const a = await parked.answer;
		assert.equal(a.status, 200);
		assert.equal(a.text, "6");
		assertError(await poll(sid), 1, "Session ID unknown");
	});

	it("POST 1 without a parked GET also ends the session", async () => {
		const { sid } = await handshake();
		await post(sid, "1");
		assertError(await poll(sid), 1, "Session ID unknown");
	});
});

describe("socket.io over raw polling", () => {
	it("CONNECT, auth event and message echo in batched GETs", async () => {
		const { sid } = await handshake("/socket.io/");
		await post(sid, "40", "/socket.io/");
		const connect = (await poll(sid, "/socket.io/")).text.split("\x1e");
		assert.match(connect[0], /^40\{"sid":"[A-Za-z0-9_-]+"\}$/);
		assert.equal(JSON.parse(connect[0].slice(2)).sid === sid, false, "socket id is not the engine sid");
		// The auth event follows in the same or the next response.
		const rest = connect.length > 1 ? connect.slice(1) : (await poll(sid, "/socket.io/")).text.split("\x1e");
		assert.deepEqual(rest, ['42["auth",{}]']);
		await post(sid, '42["message",1,"2",{"3":[true]}]\x1e42456["message-with-ack",1,"2",{"3":[false]}]', "/socket.io/");
		assert.equal((await poll(sid, "/socket.io/")).text, '42["message-back",1,"2",{"3":[true]}]\x1e43456[1,"2",{"3":[false]}]');
	});

	it("binary attachments travel as b<base64> records", async () => {
		const { sid } = await handshake("/socket.io/");
		await post(sid, "40", "/socket.io/");
		let got = "";
		while (!got.includes('42["auth"')) got += (await poll(sid, "/socket.io/")).text;
		await post(sid, '452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]\x1ebAQID\x1ebBAUG', "/socket.io/");
		assert.equal((await poll(sid, "/socket.io/")).text, '452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]\x1ebAQID\x1ebBAUG');
	});

	it("no CONNECT within the connect timeout (1000 ms): the parked GET gets 1, the session is gone", async () => {
		const { sid } = await handshake("/socket.io/");
		const t0 = Date.now();
		const parked = parkedGet(sid, "/socket.io/");
		const a = await parked.answer;
		const elapsed = Date.now() - t0;
		assert.equal(a.status, 200);
		assert.equal(a.text, "1");
		assert.ok(elapsed >= 800 && elapsed < 4000, `closed after ${elapsed} ms`);
		assertError(await poll(sid, "/socket.io/"), 1, "Session ID unknown");
	});

	it("a malformed Socket.IO packet closes the session", async () => {
		for (const bad of ["4abc", "42{}", '42abc["message"]']) {
			const { sid } = await handshake("/socket.io/");
			await post(sid, "40", "/socket.io/");
			await post(sid, bad, "/socket.io/");
			// The session is closed: a GET drains the close packet or is refused.
			const g = await poll(sid, "/socket.io/");
			if (g.status === 200) {
				assert.ok(g.text.endsWith("1"), `expected a close packet after ${bad}, got ${JSON.stringify(g.text)}`);
				assertError(await poll(sid, "/socket.io/"), 1, "Session ID unknown");
			} else {
				assertError(g, 1, "Session ID unknown");
			}
		}
	});
});

describe("HTTP edges", () => {
	it("/health answers 200 JSON", async () => {
		const r = await req({ path: "/health" });
		assert.equal(r.status, 200);
		assert.match(r.headers["content-type"], /^application\/json/);
		assert.equal(JSON.parse(r.text).status, "ok");
	});

	it("unknown paths are 404 (including /socket.io without the slash)", async () => {
		for (const p of ["/", "/nope", "/socket.io?EIO=4&transport=polling", "/engine.io?EIO=4&transport=polling"]) {
			assert.equal((await req({ path: p })).status, 404, p);
		}
	});

	it("test mode answers CORS with Access-Control-Allow-Origin: *", async () => {
		const { response } = await handshake("/engine.io/", { Origin: "http://example.com" });
		assert.equal(response.headers["access-control-allow-origin"], "*");
		const pre = await req({ method: "OPTIONS", path: "/engine.io/?EIO=4&transport=polling", headers: { Origin: "http://example.com", "Access-Control-Request-Method": "POST" } });
		assert.equal(pre.status, 204);
		assert.equal(pre.headers["access-control-allow-origin"], "*");
	});

	it("malformed HTTP gets 400 and the connection is closed", async () => {
		for (const bad of ["GARBAGE\r\n\r\n", "GET /health HTTP/9.9\r\n\r\n", "GET /health HTTP/1.1\r\nno colon here\r\n\r\n"]) {
			const t = await H.rawTcp(port);
			t.write(bad);
			const answer = (await t.readUntilClose(3000)).toString();
			assert.match(answer, /^HTTP\/1\.1 400 /, JSON.stringify(bad));
		}
	});

	it("an oversized request head gets 431", async () => {
		const t = await H.rawTcp(port);
		t.write(`GET /health HTTP/1.1\r\nX-Big: ${"x".repeat(40000)}\r\n\r\n`);
		const answer = (await t.readUntilClose(3000)).toString();
		assert.match(answer, /^HTTP\/1\.1 431 /);
	});

	it("HTTP/1.0 without keep-alive is answered, then the connection is closed", async () => {
		const t = await H.rawTcp(port);
		t.write("GET /health HTTP/1.0\r\n\r\n");
		const answer = (await t.readUntilClose(3000)).toString();
		assert.match(answer, /^HTTP\/1\.1 200 [\s\S]*Connection: close\r\n/);
	});

	it("HEAD gets headers only, so the next response on the connection parses", async () => {
		const t = await H.rawTcp(port);
		t.write("HEAD /health HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
		const answer = (await t.readUntilClose(3000)).toString();
		const [head, rest] = answer.split(/\r\n\r\n(.*)/s);
		assert.match(head, /^HTTP\/1\.1 200 /);
		assert.match(head, /Content-Length: [1-9]/);
		assert.match(rest, /^HTTP\/1\.1 404 /, "the HEAD answer carried a body");
	});

	it("keep-alive: two requests on one connection", async () => {
		const t = await H.rawTcp(port);
		t.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
		const answer = (await t.readUntilClose(3000)).toString();
		assert.match(answer, /^HTTP\/1\.1 200 [\s\S]*HTTP\/1\.1 404 /);
	});
});

describe("maxPayload", () => {
	let small;
	before(async () => {
		small = await H.startServer(["--protocol-test-server", "--no-gui", "--host", "127.0.0.1", "--port", "0", "--max-payload", "1000", "--ping-interval", "10000", "--ping-timeout", "10000"]);
	});

	it("announces the configured maxPayload", async () => {
		const r = await H.httpRequest({ port: small.port, path: "/engine.io/?EIO=4&transport=polling" });
		assert.equal(JSON.parse(r.text.slice(1)).maxPayload, 1000);
	});

	it("a POST over maxPayload gets 413 and the server keeps serving", async () => {
		const hs = await H.httpRequest({ port: small.port, path: "/engine.io/?EIO=4&transport=polling" });
		const sid = JSON.parse(hs.text.slice(1)).sid;
		const ok = await H.httpRequest({ port: small.port, method: "POST", path: `/engine.io/?EIO=4&transport=polling&sid=${sid}`, body: "4" + "a".repeat(999) });
		assert.equal(ok.status, 200, "exactly maxPayload bytes is accepted");
		const t0 = Date.now();
		const big = await H.httpRequest({ port: small.port, method: "POST", path: `/engine.io/?EIO=4&transport=polling&sid=${sid}`, body: "4" + "a".repeat(1000), timeoutMs: 3000 });
		assert.equal(big.status, 413);
		assert.ok(Date.now() - t0 < 2000, "answered at once, not when the client gives up");
		const again = await H.httpRequest({ port: small.port, path: "/engine.io/?EIO=4&transport=polling" });
		assert.equal(again.status, 200);
		assert.equal((await H.httpRequest({ port: small.port, path: "/health" })).status, 200);
	});

	it("a WebSocket message over maxPayload closes with 1009", async () => {
		const c = await H.rawWebSocket(`http://127.0.0.1:${small.port}/engine.io/?EIO=4&transport=websocket`);
		assert.match(await c.next(), /^0\{/);
		c.send("4" + "a".repeat(999));
		assert.equal(await c.next(), "4" + "a".repeat(999));
		c.send("4" + "a".repeat(1000));
		const info = await Promise.race([c.closed, H.sleep(3000).then(() => null)]);
		assert.ok(info, "closed");
		assert.equal(info.code, 1009);
	});
});

describe("CORS in Frappe mode", () => {
	let frappe;
	before(async () => {
		const redis = await H.startRedis();
		const bench = H.makeBench({ config: { redis_queue: redis.url } });
		frappe = await H.startServer(["--no-gui", "--bench", bench.dir, "--host", "127.0.0.1", "--port", "0"], { cwd: bench.dir });
	});

	it("the polling handshake echoes Origin with credentials", async () => {
		const origin = "http://site1.localhost:8000";
		const r = await H.httpRequest({ port: frappe.port, path: "/socket.io/?EIO=4&transport=polling", headers: { Origin: origin } });
		assert.equal(r.status, 200, r.text);
		assert.equal(r.headers["access-control-allow-origin"], origin);
		assert.equal(r.headers["access-control-allow-credentials"], "true");
		// Error answers carry the CORS headers too, so browsers can read them.
		const e = await H.httpRequest({ port: frappe.port, path: "/socket.io/?EIO=4&transport=polling&sid=nope", headers: { Origin: origin } });
		assert.equal(e.status, 400);
		assert.equal(e.headers["access-control-allow-origin"], origin);
	});

	it("answers the OPTIONS preflight with 204", async () => {
		const origin = "http://site1.localhost:8000";
		const r = await H.httpRequest({
			port: frappe.port,
			method: "OPTIONS",
			path: "/socket.io/?EIO=4&transport=polling",
			headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
		});
		assert.equal(r.status, 204);
		assert.equal(r.headers["access-control-allow-origin"], origin);
		assert.equal(r.headers["access-control-allow-credentials"], "true");
		assert.match(r.headers["access-control-allow-methods"], /POST/);
		assert.match(r.headers["access-control-allow-headers"], /content-type/);
	});

	it("does not serve the /engine.io/ test path", async () => {
		assert.equal((await H.httpRequest({ port: frappe.port, path: "/engine.io/?EIO=4&transport=polling" })).status, 404);
	});
});
