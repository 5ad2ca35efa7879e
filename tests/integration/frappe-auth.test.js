"use strict";
// Frappe mode, connection and authentication (spec 2.2-2.5), end to end: real redis-server,
// the Frappe web stub (tests/support/frappe-stub.js) and socket.io-client 4.8.1 connecting the
// way the desk does (polling first, then upgrade; Cookie, Origin, X-Frappe-Site-Name).
//
// Covers: every CONNECT_ERROR message of the middleware, in Node's order; refused clients get
// nothing (also a raw client that ignores the refusal: no ghost socket in another site's
// namespace); site-name derivation (X-Frappe-Site-Name, default_site for localhost/127.0.0.1,
// Origin, Host); Authorization-header clients; callback failures (403, HTML, {"message":{}},
// web server down, hanging/slow web server with --auth-timeout); the installed_apps retry;
// packets sent while get_user_info is in flight are replayed after admission.
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const H = require("./lib/harness.js");

const SITE1 = "site1.localhost";
const SITE2 = "site2.localhost";
const USER_INFO = "frappe.realtime.get_user_info";

const MSG = {
	namespace: "Invalid namespace",
	origin: "Invalid origin",
	missing: "Missing cookie and authorization header. Either one needed for authentication.",
	noMethod: "No authentication method used. Use cookie or authorization header.",
};

let seq = 0;
const uniq = (p) => `${p}${Date.now().toString(36)}${++seq}`;

async function health(stack) {
	const r = await H.httpRequest({ port: stack.port, path: "/health" });
	assert.equal(r.status, 200, `/health answered ${r.status}: ${r.text}`);
	return JSON.parse(r.text);
}

/** connect() that must fail; resolves with the connect_error message. */
async function refusal(promise) {
	try {
		const s = await promise;
		s.close();
	} catch (e) {
		return e.message;
	}
	assert.fail("the connection was admitted but should have been refused");
}

/** Publishes a fresh event to `room` of `site` and waits for it on `socket`. */
async function expectRoomEvent(stack, socket, site, room, ms = 5000) {
	const event = uniq("ev_");
	const message = { room, n: ++seq };
	const got = H.waitForEvent(socket, event, ms);
	await H.emitViaRedis(stack.redis, { event, message, room, site });
	assert.deepEqual(await got, message);
}

async function expectNoRoomEvent(stack, socket, site, room, ms = 800) {
	const event = uniq("ev_");
	const none = H.expectNoEvent(socket, event, ms);
	await Promise.all([none, H.emitViaRedis(stack.redis, { event, message: { room }, room, site })]);
}

/** Raw Engine.IO/Socket.IO v4/v5 client over a websocket (answers pings). */
async function rawSio(stack, headers) {
	const c = await H.rawWebSocket(`${stack.url}/socket.io/?EIO=4&transport=websocket`, headers);
	const open = await c.next(5000);
	assert.match(open, /^0\{"sid":/);
	const next = async (ms = 5000) => {
		for (;;) {
			const m = await c.next(ms);
			if (m === "2") {
				c.send("3");
				continue;
			}
			return m;
		}
	};
	/** All frames received within ms (pings answered, not returned). */
	const drain = async (ms) => {
		const out = [];
		const deadline = Date.now() + ms;
		for (;;) {
			const left = deadline - Date.now();
			if (left <= 0) return out;
			try {
				out.push(await next(left));
			} catch (e) {
				if (/no websocket message/.test(e.message)) return out;
				throw e;
			}
		}
	};
	return { ...c, next, drain };
}

// =============================================================================================
describe("auth middleware: refusals carry Node's exact messages", () => {
	let stack;
	before(async () => {
		stack = await H.startStack({ sites: [SITE1, SITE2], stub: { slowMs: 500 } });
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	test("namespace that is not the request's site -> Invalid namespace, no callback made", async () => {
		const sid = uniq("sys");
		// X-Frappe-Site-Name says site1, the client asks for /site2.localhost
		const msg = await refusal(stack.connect(SITE2, { sid, site: SITE1 }));
		assert.equal(msg, MSG.namespace);
		// Node would go on and authenticate (the ghost-socket bug); we stop at step 1.
		await H.sleep(300);
		const calls = stack.stub.callsTo(USER_INFO).filter((r) => (r.headers.cookie || "").includes(sid));
		assert.equal(calls.length, 0, "get_user_info must not be called for a wrong namespace");
		// Positive control: the same client on its own site is authenticated, and the
		// count above would have seen that call.
		const own = await stack.connect(SITE1, { sid });
		assert.ok(own.connected);
		const ownCalls = stack.stub.callsTo(USER_INFO).filter((r) => (r.headers.cookie || "").includes(sid));
		assert.equal(ownCalls.length, 1, "the control connection asks get_user_info once");
		own.close();
	});

	test("the root namespace / is refused with Invalid namespace", async () => {
		const msg = await refusal(H.connectClient(`${stack.url}/`, { sid: uniq("sys"), site: SITE1 }));
		assert.equal(msg, MSG.namespace);
	});

	test("namespace check is case-sensitive", async () => {
		const msg = await refusal(
			H.connectClient(stack.siteUrl("Site1.localhost"), { sid: uniq("sys"), site: SITE1 }),
		);
		assert.equal(msg, MSG.namespace);
	});

	test("Origin hostname different from Host hostname -> Invalid origin", async () => {
		const msg = await refusal(stack.connect(SITE1, { sid: uniq("sys"), origin: "http://evil.example.com" }));
		assert.equal(msg, MSG.origin);
	});

	test("no Origin header (non-browser client) -> Invalid origin", async () => {
		const msg = await refusal(stack.connect(SITE1, { sid: uniq("sys"), origin: null }));
		assert.equal(msg, MSG.origin);
	});

	test("only hostnames are compared: an Origin on another port is accepted", async () => {
		const s = await stack.connect(SITE1, { sid: uniq("sys"), origin: "http://127.0.0.1:1" });
		assert.ok(s.connected);
		s.close();
	});

	test("neither Cookie nor Authorization -> Missing cookie and authorization header...", async () => {
		const msg = await refusal(stack.connect(SITE1, {}));
		assert.equal(msg, MSG.missing);
	});

	test("a Cookie header without sid -> No authentication method used...", async () => {
		assert.equal(await refusal(stack.connect(SITE1, { cookie: "system_user=yes; full_name=A" })), MSG.noMethod);
		assert.equal(await refusal(stack.connect(SITE1, { cookie: "sid=" })), MSG.noMethod);
	});

	test("the checks run in Node's order (namespace, origin, credentials)", async () => {
		// wrong namespace AND wrong origin AND no credentials: the namespace is reported
		assert.equal(await refusal(stack.connect(SITE2, { site: SITE1, origin: "http://evil.example.com" })), MSG.namespace);
		// wrong origin AND no credentials: the origin is reported
		assert.equal(await refusal(stack.connect(SITE1, { origin: "http://evil.example.com" })), MSG.origin);
	});

	test("web server answers 403 (denied*) -> Unauthorized: TypeError ...", async () => {
		const msg = await refusal(stack.connect(SITE1, { sid: uniq("denied") }));
		assert.equal(msg, "Unauthorized: TypeError: Cannot read properties of undefined (reading 'installed_apps')");
	});

	test("an invalid API token (401 from the web server) -> Unauthorized", async () => {
		const msg = await refusal(stack.connect(SITE1, { authorization: "token nosuchkey:secret" }));
		assert.match(msg, /^Unauthorized: TypeError/);
	});

	test("web server answers an HTML page (garbage*) -> Unauthorized: SyntaxError", async () => {
		const msg = await refusal(stack.connect(SITE1, { sid: uniq("garbage") }));
		assert.match(msg, /^Unauthorized: SyntaxError: /);
	});

	test('{"message":{}} twice (secret mismatch, nomsg*) is refused, not admitted deaf', async () => {
		const sid = uniq("nomsg");
		const msg = await refusal(stack.connect(SITE1, { sid }));
		assert.match(msg, /^Unauthorized/);
		const calls = stack.stub.callsTo(USER_INFO).filter((r) => r.headers.cookie === `sid=${sid}`);
		assert.equal(calls.length, 2, "get_user_info is asked once more when installed_apps is missing");
	});

	test("first answer without installed_apps (cold secret, noapps*) -> retried and admitted", async () => {
		const sid = uniq("noapps");
		const s = await stack.connect(SITE1, { sid });
		assert.ok(s.connected);
		const calls = stack.stub.callsTo(USER_INFO).filter((r) => r.headers.cookie === `sid=${sid}`);
		assert.equal(calls.length, 2);
		// and it is a working socket of that user
		await expectRoomEvent(stack, s, SITE1, `user:${sid}@example.com`);
		s.close();
	});

	test("the shared secret from Redis is sent on the callback, re-read on the retry", async () => {
		const secret = uniq("secret");
		stack.stub.setBehaviour({ secret });
		try {
			// no key in Redis yet: {"message":{}} twice -> refused
			assert.match(await refusal(stack.connect(SITE1, { sid: uniq("sys") })), /^Unauthorized/);
			await stack.redis.command("SET", "socketio_auth_secret", secret);
			const sid = uniq("sys");
			const s = await stack.connect(SITE1, { sid });
			assert.ok(s.connected);
			const call = stack.stub.callsTo(USER_INFO).filter((r) => r.headers.cookie === `sid=${sid}`).pop();
			assert.equal(call.headers["x-frappe-socket-secret"], secret);
			s.close();
		} finally {
			stack.stub.setBehaviour({ secret: null });
			await stack.redis.command("DEL", "socketio_auth_secret");
		}
	});

	test("cold start: the web side creates the secret on the first call, the retry carries it", async () => {
		await stack.redis.command("DEL", "socketio_auth_secret");
		// like frappe's get_socketio_secret(): read the key, create it when missing
		const created = uniq("fresh");
		stack.stub.setBehaviour({
			secret: async () => {
				const v = await stack.redis.command("GET", "socketio_auth_secret");
				if (v) return v;
				await stack.redis.command("SET", "socketio_auth_secret", created);
				return created;
			},
		});
		try {
			const sid = uniq("sys");
			const s = await stack.connect(SITE1, { sid });
			const calls = stack.stub.callsTo(USER_INFO).filter((r) => r.headers.cookie === `sid=${sid}`);
			assert.equal(calls.length, 2);
			assert.equal(calls[0].headers["x-frappe-socket-secret"], undefined, "no key yet: no header");
			assert.equal(calls[1].headers["x-frappe-socket-secret"], created);
			await expectRoomEvent(stack, s, SITE1, `user:${sid}@example.com`);
			s.close();
		} finally {
			stack.stub.setBehaviour({ secret: null });
			await stack.redis.command("DEL", "socketio_auth_secret");
		}
	});

	test("web server down -> Unauthorized: TypeError: fetch failed; recovers when it is back", async () => {
		await stack.stub.stop();
		try {
			const msg = await refusal(stack.connect(SITE1, { sid: uniq("sys") }));
			assert.equal(msg, "Unauthorized: TypeError: fetch failed");
		} finally {
			await stack.stub.restart();
		}
		const s = await stack.connect(SITE1, { sid: uniq("sys") });
		assert.ok(s.connected);
		s.close();
	});

	test("an admitted System User is a working socket (control for the refusals above)", async () => {
		const sid = uniq("sys");
		const s = await stack.connect(SITE1, { sid });
		await expectRoomEvent(stack, s, SITE1, `user:${sid}@example.com`);
		await expectRoomEvent(stack, s, SITE1, "all");
		s.close();
	});
});

// =============================================================================================
describe("refused clients receive nothing and leave nothing behind", () => {
	let stack;
	before(async () => {
		stack = await H.startStack({ sites: [SITE1, SITE2] });
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	test("a raw client that ignores Invalid namespace gets no events of the other site (no ghost socket)", async () => {
		// A legitimate site2 System User, so site2's rooms exist and messages really are delivered.
		const owner = await stack.connect(SITE2, { sid: "sysowner" });
		// The intruder is a site1 user (X-Frappe-Site-Name site1) asking for /site2.localhost.
		const raw = await rawSio(stack, {
			Cookie: "sid=sysintruder",
			Origin: stack.url,
			"X-Frappe-Site-Name": SITE1,
		});
		raw.send(`40/${SITE2},`);
		assert.equal(await raw.next(5000), `44/${SITE2},{"message":"Invalid namespace"}`);
		// Same Engine.IO session joins its own site properly: the transport stays usable.
		raw.send(`40/${SITE1},`);
		// (the pid: connection-state recovery is on by default)
		assert.match(await raw.next(5000), new RegExp(`^40/${SITE1.replace(/\./g, "\\.")},\\{"sid":"[^"]+","pid":"[^"]+"\\}$`));

		const ownerGot = H.collectEvents(owner, "site2_news");
		// what a ghost in /site2.localhost would have joined: user:<its user>, website, all
		for (const room of ["user:sysintruder@example.com", "website", "all"]) {
			await H.emitViaRedis(stack.redis, { event: "site2_news", message: { room }, room, site: SITE2 });
		}
		// a no-room broadcast reaches every site namespace; the intruder only as a site1 socket
		await H.emitViaRedis(stack.redis, { event: "build_event", message: { live_reload: true }, room: null, noNamespace: true });
		const frames = await raw.drain(1500);
		await H.waitFor(() => ownerGot.length === 2, 5000); // website + all (not the intruder's user room)
		assert.deepEqual(ownerGot.map((m) => m.room).sort(), ["all", "website"]);
		assert.deepEqual(
			frames.filter((f) => f.startsWith(`42/${SITE2}`)),
			[],
			`frames for /${SITE2} reached the refused client: ${JSON.stringify(frames)}`,
		);
		// (its last argument is the recovery offset)
		assert.ok(
			frames.some((f) => f.startsWith(`42/${SITE1},["build_event",{"live_reload":true},"`)),
			`frames: ${JSON.stringify(frames)}`,
		);
		// the intruder was never authenticated for site2
		assert.equal(
			stack.stub.callsTo(USER_INFO).filter((r) => r.headers.cookie === "sid=sysintruder").length,
			1,
			"exactly one get_user_info (for the site1 connect)",
		);
		await raw.close();
		owner.close();
	});

	test("socket.io-client refused for each reason gets no events; /health sessions go back to 0", async () => {
		await H.waitFor(async () => (await health(stack)).sessions === 0, 10000);
		const cases = [
			stack.connect(SITE2, { sid: "sysx", site: SITE1 }),
			stack.connect(SITE1, { sid: "sysx", origin: "http://evil.example.com" }),
			stack.connect(SITE1, {}),
			stack.connect(SITE1, { sid: "deniedx" }),
			stack.connect(SITE1, { sid: "nomsgx" }),
		];
		const errors = await Promise.all(cases.map((p) => refusal(p)));
		assert.equal(errors.length, 5);
		// No leftover Engine.IO sessions or namespace sockets once the clients are gone.
		await H.waitFor(async () => (await health(stack)).sessions === 0, 10000);
		const h = await health(stack);
		assert.equal(h.sessions, 0);
	});
});

// =============================================================================================
describe("site name derivation (spec 2.4)", () => {
	let stack; // no default_site
	let dstack; // default_site = site1.localhost
	before(async () => {
		stack = await H.startStack({ sites: [SITE1, SITE2] });
		dstack = await H.startStack({ sites: [SITE1, SITE2], redis: stack.redis, config: { default_site: SITE1 } });
	});
	after(async () => {
		if (dstack) await dstack.stop();
		if (stack) await stack.stop();
	});

	const ws = { transports: ["websocket"] };

	test("X-Frappe-Site-Name names the site (its port and scheme are ignored)", async () => {
		for (const site of [`${SITE1}:8000`, `https://${SITE1}`, `http://${SITE1}:8000/desk`]) {
			const s = await stack.connect(SITE1, { sid: "syshdr", site });
			assert.ok(s.connected, site);
			s.close();
		}
	});

	test("the Origin is compared with the site's names without letter case (DNS names have none)", async () => {
		// Node compared Host and Origin case-sensitively (spec 2.4); the issue-13 rule compares
		// the Origin with the site's own names, case-insensitively (spec 11.1)
		const s = await stack.connect(SITE1, {
			...ws,
			sid: "syscase",
			origin: `http://SITE1.localhost:${stack.port}`,
			headers: { Host: `${SITE1}:${stack.port}` },
		});
		assert.ok(s.connected);
		s.close();
		// the namespace itself stays case-sensitive
		assert.equal(await refusal(stack.connect("SITE1.localhost", { ...ws, sid: "syscase", site: "SITE1.localhost" })), MSG.namespace);
	});

	test("X-Frappe-Site-Name wins over Origin and over default_site", async () => {
		const a = await stack.connect(SITE2, { sid: "syshdr2", site: SITE2 });
		assert.ok(a.connected);
		a.close();
		const b = await dstack.connect(SITE2, { sid: "syshdr3", site: SITE2 });
		assert.ok(b.connected);
		b.close();
		assert.equal(await refusal(dstack.connect(SITE1, { sid: "syshdr4", site: SITE2 })), MSG.namespace);
	});

	test("default_site is used when Host is 127.0.0.1 or localhost and no header is sent", async () => {
		// desk default transports (polling first), Host 127.0.0.1:<port>
		const a = await dstack.connect(SITE1, { sid: "sysdef1", site: undefined });
		assert.ok(a.connected);
		await expectRoomEvent(dstack, a, SITE1, "user:sysdef1@example.com");
		a.close();
		assert.equal(await refusal(dstack.connect(SITE2, { sid: "sysdef2", site: undefined })), MSG.namespace);
		const b = await dstack.connect(SITE1, {
			...ws,
			sid: "sysdef3",
			site: undefined,
			origin: `http://localhost:${dstack.port}`,
			headers: { Host: `localhost:${dstack.port}` },
		});
		assert.ok(b.connected);
		b.close();
	});

	test("default_site does not apply to other Hosts: Origin names the site", async () => {
		const s = await dstack.connect(SITE2, {
			...ws,
			sid: "sysdef4",
			site: undefined,
			origin: `http://${SITE2}:${dstack.port}`,
			headers: { Host: `${SITE2}:${dstack.port}` },
		});
		assert.ok(s.connected);
		s.close();
	});

	test("without header and default_site, the Origin hostname is the site", async () => {
		const s = await stack.connect(SITE1, {
			...ws,
			sid: "sysorg1",
			site: undefined,
			origin: `http://${SITE1}:${stack.port}`,
			headers: { Host: `${SITE1}:${stack.port}` },
		});
		assert.ok(s.connected);
		await expectRoomEvent(stack, s, SITE1, "user:sysorg1@example.com");
		s.close();
		// Host and Origin 127.0.0.1 -> the site would be "127.0.0.1"
		assert.equal(await refusal(stack.connect(SITE1, { sid: "sysorg2", site: undefined })), MSG.namespace);
	});

	test("without Origin the Host names the site (and then the origin check refuses)", async () => {
		const hdrs = { Host: `${SITE1}:${stack.port}` };
		const onSite = await refusal(stack.connect(SITE1, { ...ws, sid: "syshost", site: undefined, origin: null, headers: hdrs }));
		assert.equal(onSite, MSG.origin, "namespace accepted (site from Host), origin missing");
		const other = await refusal(stack.connect(SITE2, { ...ws, sid: "syshost", site: undefined, origin: null, headers: hdrs }));
		assert.equal(other, MSG.namespace);
	});
});

// =============================================================================================
describe("Authorization header instead of a cookie", () => {
	let stack;
	before(async () => {
		stack = await H.startStack({ sites: [SITE1] });
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	test("token key:secret (polling then upgrade) is forwarded verbatim and admits the key's user", async () => {
		const authorization = "token systok1:s3cret";
		const s = await stack.connect(SITE1, { authorization });
		await H.waitFor(() => s.io.engine && s.io.engine.transport.name === "websocket", 10000);
		const call = stack.stub.callsTo(USER_INFO).filter((r) => r.headers.authorization === authorization);
		assert.equal(call.length, 1);
		assert.equal(call[0].headers.cookie, undefined, "no Cookie when the client sent none");
		await expectRoomEvent(stack, s, SITE1, "user:systok1@example.com");
		await expectRoomEvent(stack, s, SITE1, "all");
		s.close();
	});

	test("Bearer token over websocket only; a Website User does not get `all`", async () => {
		const s = await stack.connect(SITE1, { authorization: "Bearer webtok1", transports: ["websocket"] });
		assert.equal(s.io.engine.transport.name, "websocket");
		await expectRoomEvent(stack, s, SITE1, "user:webtok1@example.com");
		await expectRoomEvent(stack, s, SITE1, "website");
		await expectNoRoomEvent(stack, s, SITE1, "all");
		s.close();
	});

	test("Basic credentials are forwarded too (the web side interprets them)", async () => {
		const authorization = `Basic ${Buffer.from("sysbasic1:pw").toString("base64")}`;
		const s = await stack.connect(SITE1, { authorization });
		await expectRoomEvent(stack, s, SITE1, "user:sysbasic1@example.com");
		assert.ok(stack.stub.callsTo(USER_INFO).some((r) => r.headers.authorization === authorization));
		s.close();
	});

	test("Authorization wins over the sid cookie on the callback", async () => {
		const s = await stack.connect(SITE1, { sid: "sysck1", authorization: "token systok2:x" });
		await expectRoomEvent(stack, s, SITE1, "user:systok2@example.com");
		await expectNoRoomEvent(stack, s, SITE1, "user:sysck1@example.com");
		s.close();
	});
});

// =============================================================================================
describe("slow and hanging web server", () => {
	let stack;
	before(async () => {
		stack = await H.startStack({ sites: [SITE1], stub: { slowMs: 500 } });
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	test("packets sent while get_user_info is in flight are kept and handled after admission", async () => {
		const raw = await rawSio(stack, { Cookie: "sid=slowpkt1", Origin: stack.url, "X-Frappe-Site-Name": SITE1 });
		const t0 = Date.now();
		raw.send(`40/${SITE1},`);
		raw.send(`42/${SITE1},["task_subscribe","t1"]`);
		const reply = await raw.next(10000);
		assert.match(reply, new RegExp(`^40/${SITE1.replace(/\./g, "\\.")},\\{"sid":"[^"]+","pid":"[^"]+"\\}$`));
		assert.ok(Date.now() - t0 >= 400, "the connect reply came after the slow callback");
		await H.publishRealtime(stack.redis, { site: SITE1, event: "task_progress", message: { progress: 7 }, task_id: "t1" });
		const frame = await raw.next(5000);
		assert.match(frame, new RegExp(`^42/${SITE1.replace(/\./g, "\\.")},\\["task_progress",\\{"progress":7,"task_id":"t1"\\},"[^"]+"\\]$`));
		await raw.close();
	});

	test("socket.io-client with a slow web server (500 ms) connects normally", async () => {
		const s = await stack.connect(SITE1, { sid: "slowio1" });
		assert.ok(s.connected);
		s.close();
	});
});

describe("--auth-timeout bounds the get_user_info call", () => {
	let stack;
	before(async () => {
		stack = await H.startStack({ sites: [SITE1], stub: { slowMs: 4000 }, extraArgs: ["--auth-timeout", "1000"] });
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	for (const prefix of ["hang", "slow"]) {
		test(`${prefix}* sid: Unauthorized after about 1 s, not a hang; others are not held up`, async () => {
			const t0 = Date.now();
			const pending = refusal(stack.connect(SITE1, { sid: uniq(prefix), timeoutMs: 20000 }));
			// a normal client connecting meanwhile is not blocked behind it
			const ok = await stack.connect(SITE1, { sid: uniq("sys") });
			const okAt = Date.now() - t0;
			const msg = await pending;
			const elapsed = Date.now() - t0;
			assert.match(msg, /^Unauthorized/);
			assert.ok(elapsed >= 900, `refused after ${elapsed} ms, before the timeout`);
			assert.ok(elapsed < 6000, `refused only after ${elapsed} ms (timeout 1000 ms)`);
			assert.ok(okAt < elapsed, "the normal client connected before the slow one was refused");
			ok.close();
		});
	}
});

// =============================================================================================
describe("what the callback carries and where it goes (spec 2.5)", () => {
	let redis;
	before(async () => {
		redis = await H.startRedis();
	});
	after(async () => {
		if (redis) await redis.stop();
	});

	test("cookie header with several cookies: only sid is forwarded, plus X-Frappe-Site-Name", async () => {
		const stack = await H.startStack({ sites: [SITE1], redis });
		try {
			const s = await stack.connect(SITE1, { cookie: 'full_name=Ann%20B; sid="syscook1"; system_user=yes; user_image=' });
			await expectRoomEvent(stack, s, SITE1, "user:syscook1@example.com");
			const [call] = stack.stub.callsTo(USER_INFO).filter((r) => r.identity.user === "syscook1@example.com");
			assert.equal(call.headers.cookie, "sid=syscook1");
			assert.equal(call.headers["x-frappe-site-name"], SITE1);
			assert.equal(call.method, "GET");
			s.close();
		} finally {
			await stack.stop();
		}
	});

	test("without webserver_host the callback goes to the bench's own web server, never to the Origin", async () => {
		const stub = await H.startStub({});
		const decoy = await H.startStub({});
		// webserver_host unset (null is falsy and ignored): http://127.0.0.1:<webserver_port>
		const stack = await H.startStack({ sites: [SITE1], redis, stub, config: { webserver_host: null, webserver_port: stub.port } });
		try {
			await stack.server.waitForLog(new RegExp(`callbacks: http://127\\.0\\.0\\.1:${stub.port} \\(the bench's own web server`));
			const before = stub.callsTo(USER_INFO).length;
			// an Origin naming another web server (same hostname as Host, other port): ignored
			const s = await stack.connect(SITE1, { sid: "sysorigincb", origin: decoy.url });
			assert.equal(stub.callsTo(USER_INFO).length, before + 1);
			assert.equal(decoy.requests.length, 0, "nothing went to the Origin");
			await expectRoomEvent(stack, s, SITE1, "user:sysorigincb@example.com");
			s.close();
		} finally {
			await stack.stop();
			await stub.close();
			await decoy.close();
		}
	});

	test("developer_mode does not move callbacks: the Origin's port is ignored, webserver_port is used", async () => {
		const stub = await H.startStub({});
		const stack = await H.startStack({
			sites: [SITE1],
			redis,
			stub,
			config: { webserver_host: null, webserver_port: stub.port, developer_mode: 1 },
		});
		try {
			// Origin on port 1 (nothing there): the call goes to 127.0.0.1:<webserver_port>
			const s = await stack.connect(SITE1, { sid: "sysdevcb", origin: "http://127.0.0.1:1" });
			assert.ok(s.connected);
			assert.ok(stub.callsTo(USER_INFO).some((r) => r.headers.cookie === "sid=sysdevcb"));
			s.close();
		} finally {
			await stack.stop();
			await stub.close();
		}
	});
});

// =============================================================================================
describe("clients that leave during the auth call", () => {
	let stack;
	before(async () => {
		stack = await H.startStack({ sites: [SITE1], stub: { slowMs: 800 } });
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	test("a client closing while get_user_info is in flight leaves nothing behind", async () => {
		for (const transports of [["polling", "websocket"], ["websocket"]]) {
			const raws = [];
			for (let i = 0; i < 5; i++) {
				const raw = await rawSio(stack, { Cookie: `sid=slowleave${i}`, Origin: stack.url, "X-Frappe-Site-Name": SITE1 });
				raw.send(`40/${SITE1},`);
				raw.send(`42/${SITE1},["doc_open","ToDo","LEAVE-1"]`);
				raws.push(raw);
			}
			let sock;
			const sio = H.connectClient(stack.siteUrl(SITE1), {
				sid: "slowleaveio",
				site: SITE1,
				transports,
				timeoutMs: 2500,
				onSocket: (x) => (sock = x),
			}).catch(() => null);
			await H.sleep(200);
			for (const r of raws) await r.close();
			sock.close();
			const s = await sio;
			assert.equal(s, null, "closed before the auth answer, so never connected");
			await H.sleep(1200); // the answers arrive after everyone left
		}
		await H.waitFor(async () => (await health(stack)).sessions === 0, 10000);
		// the server is fine: a normal client connects and receives
		const ok = await stack.connect(SITE1, { sid: "sysafterleave" });
		await expectRoomEvent(stack, ok, SITE1, "all");
		ok.close();
	});
});
