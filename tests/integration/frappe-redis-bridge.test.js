"use strict";
// Frappe mode, the Redis `events` bridge (spec 5.1-5.4), end to end: messages are published
// byte for byte as frappe.realtime.publish_realtime / publish_progress would (room rules of
// spec 5.3, frappe.as_json formatting) into a real redis-server; clients are socket.io-client.
//
// Covers: user, doc, doctype, task, website and all rooms; list_update / docinfo_update room
// overrides; msgprint's session-user default and the task-room precedence; publish_progress
// (user, doc, task); the no-room broadcast reaching every socket of every site; no leak between
// sites for room messages (same room name on site1 and site2); malformed messages (bad JSON,
// NaN, not an object, room without namespace, missing event) are skipped, counted in /health
// events.drop_reasons, and delivery goes on.
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const H = require("./lib/harness.js");

const SITE1 = "site1.localhost";
const SITE2 = "site2.localhost";

let seq = 0;
const uniq = (p) => `${p}${Date.now().toString(36)}${++seq}`;

async function health(stack) {
	const r = await H.httpRequest({ port: stack.port, path: "/health" });
	assert.equal(r.status, 200);
	return JSON.parse(r.text);
}

async function sync(socket) {
	const pong = H.waitForEvent(socket, "pong", 5000);
	socket.emit("ping");
	await pong;
}

/** Subscribes via a permission-checked event and waits until the room delivers. */
async function joinChecked(stack, socket, site, emitArgs, room, ms = 8000) {
	socket.emit(...emitArgs);
	const event = uniq("probe_");
	const got = H.waitForEvent(socket, event, ms);
	const publish = () => H.emitViaRedis(stack.redis, { event, message: {}, room, site }).catch(() => {});
	publish();
	const timer = setInterval(publish, 200);
	try {
		await got;
	} finally {
		clearInterval(timer);
	}
}

/**
 * Publishes with `publish` and checks which of the named sockets got `event`:
 * expected = names that must receive `message`, all others must receive nothing.
 */
async function deliveredTo(clients, event, publish, expectedNames, message, quietMs = 700) {
	const got = {};
	for (const [name, s] of Object.entries(clients)) {
		got[name] = [];
		s.on(event, (m) => got[name].push(m));
	}
	await publish();
	await H.waitFor(() => expectedNames.every((n) => got[n].length >= 1), 6000).catch(() => {});
	await H.sleep(quietMs);
	for (const [name, s] of Object.entries(clients)) s.off(event);
	const receivers = Object.keys(got).filter((n) => got[n].length > 0).sort();
	assert.deepEqual(receivers, [...expectedNames].sort(), `receivers of ${event}: ${JSON.stringify(got)}`);
	for (const n of expectedNames) {
		assert.equal(got[n].length, 1, `${n} got ${event} ${got[n].length} times`);
		if (message !== undefined) assert.deepEqual(got[n][0], message);
	}
	return got;
}

// =============================================================================================
describe("publish_realtime room rules, two sites", () => {
	let stack;
	let c; // named clients
	before(async () => {
		stack = await H.startStack({ sites: [SITE1, SITE2] });
		c = {
			sys1: await stack.connect(SITE1, { sid: "sysone" }),
			sys1b: await stack.connect(SITE1, { sid: "systwo" }),
			web1: await stack.connect(SITE1, { sid: "webone" }),
			guest1: await stack.connect(SITE1, { sid: "Guest" }),
			// the same user name on the other site
			sys2: await stack.connect(SITE2, { sid: "sysone" }),
			web2: await stack.connect(SITE2, { sid: "webone" }),
		};
		// doc / doctype / task subscriptions on both sites, identical room names
		for (const [name, site] of [
			["sys1", SITE1],
			["sys2", SITE2],
		]) {
			await joinChecked(stack, c[name], site, ["doc_subscribe", "ToDo", "TD-1"], "doc:ToDo/TD-1");
			await joinChecked(stack, c[name], site, ["doctype_subscribe", "ToDo"], "doctype:ToDo");
			c[name].emit("task_subscribe", "job-1");
			await sync(c[name]);
		}
		c.web1.emit("task_subscribe", "job-1");
		await sync(c.web1);
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	const pub = (opts) => () => H.publishRealtime(stack.redis, { site: SITE1, ...opts });

	test("user=... -> user:<user> on that site only", async () => {
		const message = { n: 1, text: "h\u00e9llo \u2713" };
		await deliveredTo(c, "notification", pub({ event: "notification", message, user: "sysone@example.com" }), ["sys1"], message);
		await deliveredTo(c, "notification", pub({ event: "notification", message, user: "sysone@example.com", site: SITE2 }), ["sys2"], message);
	});

	test("msgprint without user -> the session user's room", async () => {
		await deliveredTo(
			c,
			"msgprint",
			pub({ event: "msgprint", message: "Saved", sessionUser: "webone@example.com" }),
			["web1"],
			"Saved",
		);
	});

	test("doctype+docname -> doc:<dt>/<dn> (doc_update)", async () => {
		const message = { doctype: "ToDo", name: "TD-1", modified: "2024-05-01 10:00:00.000001" };
		await deliveredTo(c, "doc_update", pub({ event: "doc_update", message, doctype: "ToDo", docname: "TD-1" }), ["sys1"], message);
	});

	test("list_update -> doctype:<dt> from the message, overriding any room given", async () => {
		const message = { doctype: "ToDo", name: "TD-7", user: "sysone@example.com" };
		await deliveredTo(c, "list_update", pub({ event: "list_update", message, room: "website" }), ["sys1"], message);
	});

	test("docinfo_update -> doc:<dt>/<dn>, overriding room and task", async () => {
		const message = { doc: { name: "c1", content: "x" }, key: "comments", action: "add" };
		await deliveredTo(
			c,
			"docinfo_update",
			pub({ event: "docinfo_update", message, doctype: "ToDo", docname: "TD-1", room: "website", task_id: "job-1" }),
			["sys1"],
			message,
		);
	});

	test("task_id -> task_progress:<id>, task_id added to the message; even msgprint goes there", async () => {
		await deliveredTo(
			c,
			"task_progress",
			pub({ event: "task_progress", message: { progress: [2, 3] }, task_id: "job-1" }),
			["sys1", "web1"],
			{ progress: [2, 3], task_id: "job-1" },
		);
		await deliveredTo(
			c,
			"msgprint",
			pub({ event: "msgprint", message: { message: "done" }, task_id: "job-1", sessionUser: "systwo@example.com" }),
			["sys1", "web1"],
			{ message: "done", task_id: "job-1" },
		);
	});

	test("no room, user, doc or task -> all: System Users of that site only", async () => {
		await deliveredTo(c, "global", pub({}), ["sys1", "sys1b"], {});
		await deliveredTo(c, "eva", pub({ event: "eva", message: { a: [] }, doctype: "ToDo" }), ["sys1", "sys1b"], { a: [] });
		await deliveredTo(c, "eva", pub({ event: "eva", message: { a: [] }, site: SITE2 }), ["sys2"], { a: [] });
	});

	test("explicit room website -> every socket of that site incl. Guest and Website Users", async () => {
		await deliveredTo(c, "web_ev", pub({ event: "web_ev", message: { w: 1 }, room: "website" }), ["sys1", "sys1b", "web1", "guest1"], { w: 1 });
		await deliveredTo(c, "web_ev", pub({ event: "web_ev", message: { w: 2 }, room: "website", site: SITE2 }), ["sys2", "web2"], { w: 2 });
	});

	test("publish_progress: user room by default, doc room with doctype+docname, task room with task_id", async () => {
		const prog = (opts) => () => H.publishProgress(stack.redis, { site: SITE1, ...opts });
		await deliveredTo(c, "progress", prog({ percent: 25, title: "Import", sessionUser: "systwo@example.com" }), ["sys1b"], {
			percent: 25,
			title: "Import",
			description: null,
		});
		await deliveredTo(c, "progress", prog({ percent: 50, doctype: "ToDo", docname: "TD-1", description: "half" }), ["sys1"], {
			percent: 50,
			title: null,
			description: "half",
		});
		await deliveredTo(c, "progress", prog({ percent: 99.5, task_id: "job-1", doctype: "ToDo", docname: "TD-1" }), ["sys1", "web1"], {
			percent: 99.5,
			title: null,
			description: null,
			task_id: "job-1",
		});
	});

	test("same room name on two sites: a message for site1 never reaches site2 and vice versa", async () => {
		for (const [site, who] of [
			[SITE1, "sys1"],
			[SITE2, "sys2"],
		]) {
			for (const room of ["doc:ToDo/TD-1", "doctype:ToDo", "task_progress:job-1", "user:sysone@example.com"]) {
				const expected = room.startsWith("task_progress") && site === SITE1 ? [who, "web1"] : [who];
				await deliveredTo(
					c,
					"leak_check",
					() => H.emitViaRedis(stack.redis, { event: "leak_check", message: { site, room }, room, site }),
					expected,
					{ site, room },
					300,
				);
			}
		}
	});

	test("a list of rooms (socket.io to([...])) reaches the members of any of them, once", async () => {
		await deliveredTo(
			c,
			"multi_room",
			() =>
				H.emitViaRedis(stack.redis, {
					event: "multi_room",
					message: { m: 1 },
					room: ["user:webone@example.com", "doc:ToDo/TD-1", "user:sysone@example.com"],
					site: SITE1,
				}),
			["sys1", "web1"],
			{ m: 1 },
		);
	});

	test("a message for a site nobody is connected to is dropped quietly", async () => {
		await deliveredTo(c, "ghost_site", pub({ event: "ghost_site", site: "nosuchsite.localhost" }), [], undefined, 500);
		assert.ok(Object.values(c).every((s) => s.connected));
	});

	test("no room (build_event) -> every socket of every site, whatever namespace says", async () => {
		const message = { success: true, changed_files: ["a.js"], live_reload: true };
		const everyone = Object.keys(c);
		await deliveredTo(
			c,
			"build_event",
			() => H.emitViaRedis(stack.redis, { event: "build_event", message, room: null, noNamespace: true }),
			everyone,
			message,
		);
		await deliveredTo(
			c,
			"build_event",
			() => H.emitViaRedis(stack.redis, { event: "build_event", message, room: null, site: SITE2 }),
			everyone,
			message,
		);
		// the esbuild watcher's own shape: no room key at all
		await deliveredTo(
			c,
			"build_event",
			() => H.publishRaw(stack.redis, JSON.stringify({ event: "build_event", message })),
			everyone,
			message,
		);
	});

	test("/health counts the routed events", async () => {
		const h = await health(stack);
		assert.equal(h.redis.state, "subscribed");
		assert.ok(h.events.routed > 10, JSON.stringify(h.events));
	});
});

// =============================================================================================
describe("fan-out", () => {
	let stack;
	before(async () => {
		stack = await H.startStack({ sites: [SITE1, SITE2] });
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	test("a burst of 3000 pipelined messages arrives complete and in order", async () => {
		const s = await stack.connect(SITE1, { sid: "sysburst", transports: ["websocket"] });
		const got = H.collectEvents(s, "burst");
		const pubr = await H.createPublisher(stack.redis);
		const N = 3000;
		try {
			const sent = [];
			for (let n = 0; n < N; n++) {
				const text = n % 100 === 0 ? "x".repeat(20000) : "\u00e9\u2713";
				sent.push(pubr.publishRealtime({ site: SITE1, event: "burst", message: { n, text }, user: "sysburst@example.com" }));
			}
			await Promise.all(sent);
		} finally {
			pubr.close();
		}
		await H.waitFor(() => got.length >= N, 30000).catch(() => {});
		assert.equal(got.length, N);
		assert.ok(got.every((m, i) => m.n === i), "out of order");
		s.close();
	});

	test("60 clients on two sites, mixed transports: each message reaches exactly its room, in order", async () => {
		const clients = [];
		for (let i = 0; i < 60; i++) {
			const site = i % 2 ? SITE2 : SITE1;
			const opts = { sid: `${i % 3 === 0 ? "web" : "sys"}fan${i}` };
			if (i % 4 === 0) opts.transports = ["websocket"];
			clients.push({ site, i, web: i % 3 === 0, s: await stack.connect(site, opts) });
		}
		const seen = clients.map((c) => H.collectEvents(c.s, "fan"));
		const pubr = await H.createPublisher(stack.redis);
		try {
			for (let n = 0; n < 20; n++) {
				await pubr.publishRealtime({ site: SITE1, event: "fan", message: { n, to: "all1" } });
				await pubr.publishRealtime({ site: SITE2, event: "fan", message: { n, to: "web2" }, room: "website" });
			}
		} finally {
			pubr.close();
		}
		const expected = clients.map((c) => {
			const out = [];
			for (let n = 0; n < 20; n++) {
				if (c.site === SITE1 && !c.web) out.push({ n, to: "all1" });
				if (c.site === SITE2) out.push({ n, to: "web2" });
			}
			return out;
		});
		await H.waitFor(() => seen.every((got, k) => got.length >= expected[k].length), 15000).catch(() => {});
		await H.sleep(300);
		for (let k = 0; k < clients.length; k++) {
			assert.deepEqual(seen[k], expected[k], `client ${k} (${clients[k].site}, ${clients[k].web ? "web" : "sys"})`);
		}
		for (const c of clients) c.s.close();
	});
});

// =============================================================================================
describe("malformed Redis messages are skipped and counted", () => {
	let stack;
	let sock;
	before(async () => {
		stack = await H.startStack({ sites: [SITE1] });
		sock = await stack.connect(SITE1, { sid: "sysmal" });
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	const valid = (n) =>
		H.emitViaRedis(stack.redis, { event: "still_here", message: { n }, room: "all", site: SITE1 });

	test("bad messages: nothing delivered, each reason counted in /health, delivery continues", async () => {
		const before = (await health(stack)).events;
		const got = H.collectEvents(sock, "still_here");
		const bad = [
			"this is not json",
			'{"event": "x", "message": {}, "room": "all", "namespace": "site1.localhost"', // truncated
			'{\n "event": "nan_ev",\n "message": {\n  "v": NaN\n },\n "namespace": "site1.localhost",\n "room": "all"\n}',
			'{"event": "inf_ev", "message": {"v": -Infinity}, "namespace": "site1.localhost", "room": "all"}',
			'["event", "x"]',
			'"just a string"',
			JSON.stringify({ event: "no_ns", message: {}, room: "all" }),
			JSON.stringify({ message: { a: 1 }, room: "all", namespace: SITE1 }),
			JSON.stringify({ event: "", message: {}, room: "all", namespace: SITE1 }),
		];
		const seen = [];
		for (const ev of ["x", "nan_ev", "inf_ev", "no_ns"]) sock.on(ev, (m) => seen.push([ev, m]));
		await valid(1);
		for (const payload of bad) await H.publishRaw(stack.redis, payload);
		await valid(2);
		await H.waitFor(() => got.length === 2, 8000);
		assert.deepEqual(got, [{ n: 1 }, { n: 2 }]);
		await H.sleep(300);
		assert.deepEqual(seen, [], "no malformed message may be delivered");
		assert.ok(sock.connected);

		let after;
		await H.waitFor(async () => {
			after = (await health(stack)).events;
			return after.dropped - before.dropped >= bad.length;
		}, 5000).catch(() => {});
		assert.equal(after.dropped - before.dropped, bad.length, JSON.stringify(after));
		const delta = {};
		for (const [k, v] of Object.entries(after.drop_reasons)) {
			const d = v - ((before.drop_reasons || {})[k] || 0);
			if (d) delta[k] = d;
		}
		const count = (re) => Object.entries(delta).filter(([k]) => re.test(k)).reduce((a, [, v]) => a + v, 0);
		assert.equal(count(/^malformed JSON/), 2, JSON.stringify(delta));
		assert.equal(count(/NaN or Infinity/), 2, JSON.stringify(delta));
		assert.equal(count(/^not a JSON object$/), 2, JSON.stringify(delta));
		assert.equal(count(/^room without namespace$/), 1, JSON.stringify(delta));
		assert.equal(count(/^missing event name$/), 2, JSON.stringify(delta));
		assert.equal(after.routed - before.routed, 2, "the two valid messages were routed");
	});

	test("reserved socket.io event names are not sent (the client would drop the connection)", async () => {
		// socket.io-client rejects these packets as "invalid payload" and closes the
		// connection; Node's server throws instead of emitting them.
		const reserved = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];
		const before = (await health(stack)).events;
		const drops = [];
		sock.on("disconnect", (r) => drops.push(r));
		for (const event of reserved) {
			await H.emitViaRedis(stack.redis, { event, message: {}, room: "all", site: SITE1 });
			await H.emitViaRedis(stack.redis, { event, message: {}, room: null, noNamespace: true });
		}
		const got = H.waitForEvent(sock, "after_reserved", 5000);
		await H.emitViaRedis(stack.redis, { event: "after_reserved", message: { ok: true }, room: "all", site: SITE1 });
		assert.deepEqual(await got, { ok: true });
		await H.sleep(300);
		assert.deepEqual(drops, [], "the client was disconnected");
		assert.ok(sock.connected);
		const after = (await health(stack)).events;
		const key = Object.keys(after.drop_reasons).find((k) => /reserved/.test(k));
		assert.ok(key, JSON.stringify(after.drop_reasons));
		assert.equal(after.drop_reasons[key] - ((before.drop_reasons || {})[key] || 0), reserved.length * 2);
	});

	test("a valid message that is not from publish_realtime (compact, unsorted keys) is delivered", async () => {
		const got = H.waitForEvent(sock, "third_party", 5000);
		await H.publishRaw(stack.redis, '{"room":"all","namespace":"site1.localhost","event":"third_party","message":[1,"two",{"z":null}]}');
		assert.deepEqual(await got, [1, "two", { z: null }]);
	});

	test("third-party payloads keep Node's key order (insertion order, integer keys first)", async () => {
		// Node relays JSON.stringify(JSON.parse(message)); a QJsonObject round trip would sort keys.
		const message = '{"zeta": 1, "alpha": {"b": 2.0, "a": [1E3, -0, 1e21]}, "10": "ten", "2": "two", ' +
			'"dup": 1, "mid": true, "dup": 2, "esc": "\\u00e9\\/"}';
		const got = H.waitForEvent(sock, "ordered", 5000);
		await H.publishRaw(stack.redis, `{"event": "ordered", "room": "all", "namespace": "${SITE1}", "message": ${message}}`);
		const received = await got;
		assert.equal(JSON.stringify(received), JSON.stringify(JSON.parse(message)));
		assert.deepEqual(Object.keys(received), ["2", "10", "zeta", "alpha", "dup", "mid", "esc"]);
	});

	test("a message without `message` is delivered with null", async () => {
		const got = H.waitForEvent(sock, "no_payload", 5000, { all: true });
		await H.publishRaw(stack.redis, JSON.stringify({ event: "no_payload", room: "all", namespace: SITE1 }));
		// null, then the connection-state recovery offset socket.io appends
		const args = await got;
		assert.equal(args.length, 2);
		assert.equal(args[0], null);
		assert.equal(typeof args[1], "string");
	});

	test("every JSON type survives the trip as the single event argument", async () => {
		const values = [
			"text \u00e9\u2713 \ud83d\ude00 \"quoted\" \\ /",
			0,
			-12.5,
			1e21,
			true,
			false,
			null,
			[],
			{},
			[1, [2, [3, { deep: { deeper: [null, false, ""] } }]]],
			{ "key with spaces": 1, "\u00fcml\u00e4ut": "v", "": "empty key" },
		];
		const got = H.collectEvents(sock, "typed");
		for (const message of values) {
			await H.emitViaRedis(stack.redis, { event: "typed", message, room: "all", site: SITE1 });
		}
		await H.waitFor(() => got.length === values.length, 8000);
		assert.deepEqual(got, values);
	});

	test("a large message (500 kB) is delivered intact", async () => {
		const big = { blob: "x".repeat(500 * 1024), list: Array.from({ length: 100 }, (_, i) => i) };
		const got = H.waitForEvent(sock, "big_one", 10000);
		await H.publishRealtime(stack.redis, { site: SITE1, event: "big_one", message: big, user: "sysmal@example.com" });
		assert.deepEqual(await got, big);
	});
});
