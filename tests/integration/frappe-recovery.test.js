"use strict";
// Connection-state recovery (issue 16, spec connection-state-recovery.md): the real
// socket.io-client 4.8 against the real server, redis-server and the Frappe stub, with a TCP
// proxy between client and server to drop or silence the network under the client.
//
// Covers: a WebSocket drop and a silent polling network (ping timeout) while events are
// published: same id, socket.recovered, every missed event once and in order (before
// `connect`), rooms and Frappe identity back; and where we do better than socket.io: auth runs
// again before anything is replayed (logged out -> fresh session, refused -> connect_error,
// nothing replayed); a pid works once (a second presenter gets a fresh session, the holder is
// closed); quiet sites (count and time) and clients that never received an event recover;
// a buffer overflow and an expired window fail whole (fresh session, no partial backlog);
// doc_viewers without left/joined flicker (and a corrected list after the grace); app
// handlers see socket.recovered and no pid; the pid is never logged, nor in /metrics or
// /health; /metrics counts recoveries per site with the failure reasons; with recovery off
// the wire is as before, and clients that never present a pid see only socket.io's offset.
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const H = require("./lib/harness.js");
const { startBlipProxy } = require("./lib/blipproxy.js");

const SITE = "site1.localhost";
const METRICS_RE = /Prometheus metrics on: http:\/\/127\.0\.0\.1:(\d+)\/metrics/;
const FAST_PING = ["--ping-interval", "400", "--ping-timeout", "300"];

let seq = 0;
const uniq = (p) => `${p}${Date.now().toString(36)}${++seq}`;

// An app whose connection hook reports what it sees (socket.io's socket.recovered).
const HOOK_APP = {
	name: "recoveryhook",
	handlers: `module.exports = function (socket) {
		// A binary broadcast to a room (the packet kept with its attachment).
		socket.on("bin_to", (room, data) => socket.nsp.to(room).emit("bin", Buffer.from(data), "tail"));
		if (!String(socket.user).startsWith("syshook")) return;
		socket.emit("app_hello", { recovered: socket.recovered, auth: socket.handshake.auth,
			rooms: Array.from(socket.rooms), id: socket.id, user: socket.user,
			user_type: socket.user_type, installed_apps: socket.installed_apps });
	};`,
};

/** A desk on SITE through the proxy; socket.log lists every event (name, args) and "<connect>". */
async function desk(proxy, sid, opts = {}) {
	const log = [];
	const socket = await H.connectClient(`${proxy.url}/${SITE}`, {
		site: SITE,
		sid,
		onSocket: (s) => {
			s.onAny((name, ...args) => log.push({ name, args }));
			s.on("connect", () => log.push({ name: "<connect>" }));
		},
		...opts,
	});
	socket.log = log;
	socket.named = (name) => log.filter((e) => e.name === name);
	return socket;
}

async function reconnect(socket, ms = 10000) {
	const back = H.waitForEvent(socket, "connect", ms);
	socket.connect();
	await back;
}

async function healthSessions(stack) {
	const r = await H.httpRequest({ port: stack.port, path: "/health" });
	return JSON.parse(r.text).sessions;
}

/** Drops the network under `socket` and waits until both ends noticed. */
async function dropUnder(stack, proxy, socket, how = "drop") {
	// Sessions of earlier tests may still be closing: count only once the
	// number is steady, or their departure would pass for this socket's.
	let before = await healthSessions(stack);
	await H.waitFor(async () => {
		await H.sleep(150);
		const now = await healthSessions(stack);
		const steady = now === before;
		before = now;
		return steady;
	}, 5000, 0);
	const gone = H.waitForEvent(socket, "disconnect", 10000);
	if (how === "drop") proxy.drop();
	else proxy.blackhole();
	await gone;
	await H.waitFor(async () => (await healthSessions(stack)) <= before - 1, 10000, 50);
	if (how !== "drop") proxy.heal();
}

const publish = (stack, room, event, message) => H.emitViaRedis(stack.redis, { event, message, room, site: SITE });

/** Every message published before this one has been routed once the witness gets it. */
async function barrier(stack, witness) {
	const event = uniq("barrier_");
	const got = H.waitForEvent(witness, event, 5000);
	await publish(stack, "user:syswitness@example.com", event, {});
	await got;
}

/** Waits until `socket` is in `room` (a join may wait for a permission answer). */
async function inRoom(stack, socket, room) {
	const event = uniq("probe_");
	const got = H.waitForEvent(socket, event, 8000);
	const timer = setInterval(() => publish(stack, room, event, {}).catch(() => {}), 100);
	try {
		await got;
	} finally {
		clearInterval(timer);
	}
}

async function scrape(port) {
	return (await H.httpRequest({ port, path: "/metrics" })).text;
}

function metric(text, name, labels) {
	const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
	for (const line of text.split("\n")) {
		if (!line.startsWith(name + "{")) continue;
		if (want.every((l) => line.includes(l))) return Number(line.split(" ").pop());
	}
	return 0;
}

function isOffset(v) {
	return typeof v === "string" && v.length > 0;
}

describe("connection-state recovery", () => {
	let stack;
	let proxy;
	let witness;
	let metricsPort;
	const pids = new Set(); // every pid handed out: none may show up in logs or metrics
	before(async () => {
		stack = await H.startStack({
			sites: [SITE],
			config: { realtime_recovery_viewer_grace_ms: 2000 },
			apps: ["frappe", HOOK_APP],
			stub: { installedApps: ["frappe", HOOK_APP.name] },
			extraArgs: [...FAST_PING, "--metrics-port", "0", "--log-level", "debug"],
		});
		metricsPort = Number((await stack.server.waitForLog(METRICS_RE, 5000))[1]);
		proxy = await startBlipProxy(stack.port);
		witness = await stack.connect(SITE, { sid: "syswitness" });
	});
	after(async () => {
		if (proxy) await proxy.close();
		if (stack) await stack.stop();
	});

	test("a WebSocket drop: same id, recovered, every missed event once and in order", async () => {
		const a = await desk(proxy, "sysdrop");
		await H.waitFor(() => a.io.engine.transport.name === "websocket", 5000);
		pids.add(a._pid);
		assert.ok(a._pid, "the CONNECT reply carries a pid");
		assert.equal(a.recovered, false);
		a.emit("doctype_subscribe", "ToDo");
		await inRoom(stack, a, "doctype:ToDo");
		const id = a.id;

		await dropUnder(stack, proxy, a);
		const sent = [];
		for (let i = 1; i <= 6; i++) {
			const room = ["user:sysdrop@example.com", "all", "doctype:ToDo"][i % 3];
			await publish(stack, room, "missed", { i });
			sent.push(i);
		}
		await publish(stack, "doctype:Other", "notforme", {});
		await barrier(stack, witness);
		const mark = a.log.length;

		await reconnect(a);
		assert.equal(a.id, id, "same socket id");
		assert.equal(a.recovered, true);
		const after = a.log.slice(mark);
		const connectAt = after.findIndex((e) => e.name === "<connect>");
		const missed = after.filter((e) => e.name === "missed");
		assert.deepEqual(missed.map((e) => e.args[0].i), sent, "each missed event once, in order");
		assert.ok(missed.every((e) => after.indexOf(e) < connectAt), "replayed before connect");
		assert.ok(missed.every((e) => isOffset(e.args[e.args.length - 1])), "with their offsets");
		assert.equal(after.filter((e) => e.name === "notforme").length, 0);

		// Rooms and identity are back: the doctype room works, and a new subscription is
		// checked with the same credentials.
		const live = H.waitForEvent(a, "list_update", 5000);
		await publish(stack, "doctype:ToDo", "list_update", { n: 7 });
		assert.deepEqual(await live, { n: 7 });
		a.emit("doctype_subscribe", "Note");
		await inRoom(stack, a, "doctype:Note");
		a.close();
	});

	test("a silent polling network (ping timeout) recovers the same way", async () => {
		const a = await desk(proxy, "syspoll", { transports: ["polling"] });
		pids.add(a._pid);
		const first = H.waitForEvent(a, "poll_ev", 5000);
		await publish(stack, "user:syspoll@example.com", "poll_ev", { i: 0 });
		await first;
		const id = a.id;
		await dropUnder(stack, proxy, a, "blackhole");
		for (let i = 1; i <= 3; i++) await publish(stack, "user:syspoll@example.com", "poll_ev", { i });
		await barrier(stack, witness);
		await reconnect(a);
		assert.equal(a.id, id);
		assert.equal(a.recovered, true);
		assert.deepEqual(a.named("poll_ev").map((e) => e.args[0].i), [0, 1, 2, 3]);
		a.close();
	});

	test("auth runs again first: a logged-out desk gets a fresh session and nothing replayed", async () => {
		stack.stub.setBehaviour({ sessions: { syslogout: { user: "lo@example.com", user_type: "System User" } } });
		const a = await desk(proxy, "syslogout");
		pids.add(a._pid);
		const id = a.id;
		const loRoom = H.collectEvents(witness, "secret_news");
		await dropUnder(stack, proxy, a);
		// Logged out meanwhile: Frappe resumes the sid as Guest.
		stack.stub.setBehaviour({ sessions: { syslogout: { user: "Guest", user_type: "Website User" } } });
		await publish(stack, "user:lo@example.com", "secret_news", { for: "lo" });
		await publish(stack, "all", "secret_news", { for: "all" });
		await barrier(stack, witness);
		assert.equal(loRoom.length, 1, "positive control: the witness (in all) got its copy");
		await reconnect(a);
		assert.notEqual(a.id, id, "a fresh socket");
		assert.equal(a.recovered, false);
		assert.equal(a.named("secret_news").length, 0, "nothing of the old session replayed");
		// It is a Guest now: the old user's room no longer reaches it, the Guest room does.
		const guest = H.waitForEvent(a, "guest_news", 5000);
		await publish(stack, "user:lo@example.com", "secret_news", { for: "lo" });
		await publish(stack, "user:Guest", "guest_news", {});
		await guest;
		assert.equal(a.named("secret_news").length, 0);
		a.close();
	});

	test("auth refused on reconnect: connect_error and nothing replayed before it", async () => {
		const a = await desk(proxy, "sysrevoke");
		pids.add(a._pid);
		await dropUnder(stack, proxy, a);
		await publish(stack, "user:sysrevoke@example.com", "revoked_news", {});
		await barrier(stack, witness);
		a.io.opts.extraHeaders.Cookie = "sid=deniedrevoke"; // the web server now says 403
		const refused = H.waitForEvent(a, "connect_error", 10000);
		a.connect();
		const err = await refused;
		assert.match(String(err && err.message), /.+/);
		assert.equal(a.connected, false);
		assert.equal(a.named("revoked_news").length, 0, "no event of the old session before the refusal");
		a.close();
	});

	test("a pid works once: a second presenter gets a fresh session and the holder is closed", async () => {
		const a = await desk(proxy, "systwice");
		pids.add(a._pid);
		const first = H.waitForEvent(a, "twice_ev", 5000);
		await publish(stack, "user:systwice@example.com", "twice_ev", { i: 1 });
		await first;
		const id = a.id;
		await dropUnder(stack, proxy, a);
		await reconnect(a);
		assert.equal(a.recovered, true);
		assert.equal(a.id, id);

		// Someone presents the same pid and offset (same cookie, even) while a holds it.
		const kicked = H.waitForEvent(a, "disconnect", 10000);
		const c = await desk(proxy, "systwice", { auth: { pid: a._pid, offset: a._lastOffset } });
		assert.notEqual(c.id, id, "the second presenter gets a fresh session");
		await kicked;
		// Neither side keeps the session: a's own reconnect is fresh too.
		await reconnect(a);
		assert.equal(a.recovered, false);
		assert.notEqual(a.id, id);
		a.close();
		c.close();
		assert.ok(metric(await scrape(metricsPort), "frappe_realtime_recoveries_total", { site: SITE, reason: "pid presented twice" }) >= 1);
	});

	test("a client that never received an event recovers (pid without offset)", async () => {
		const a = await desk(proxy, "sysnoevent");
		pids.add(a._pid);
		const id = a.id;
		await dropUnder(stack, proxy, a);
		assert.equal(a._lastOffset, undefined, "it sends a pid and no offset");
		await publish(stack, "user:sysnoevent@example.com", "first_ev", { i: 1 });
		await barrier(stack, witness);
		await reconnect(a);
		assert.equal(a.recovered, true);
		assert.equal(a.id, id);
		assert.deepEqual(a.named("first_ev").map((e) => e.args[0]), [{ i: 1 }]);
		a.close();
	});

	test("doc_viewers: no left/joined flicker for a socket that recovers", async () => {
		const dn = uniq("R");
		const a = await desk(proxy, "sysviewa");
		const b = await stack.connect(SITE, { sid: "sysviewb" });
		pids.add(a._pid);
		const seenByB = H.collectEvents(b, "doc_viewers");
		const both = { doctype: "ToDo", docname: dn, users: ["sysviewa@example.com", "sysviewb@example.com"] };
		a.emit("doc_open", "ToDo", dn);
		await inRoom(stack, a, `open_doc:ToDo/${dn}`);
		const joinedB = H.waitForEvent(b, "doc_viewers", 5000);
		b.emit("doc_open", "ToDo", dn);
		assert.deepEqual(await joinedB, both);
		seenByB.length = 0;

		await dropUnder(stack, proxy, a);
		await reconnect(a);
		assert.equal(a.recovered, true);
		await H.sleep(2500); // past the viewer grace: nothing may come late either
		assert.deepEqual(seenByB, [], "b saw neither 'a left' nor 'a joined'");
		// Positive control: a really leaves now, and b is told.
		const left = H.waitForEvent(b, "doc_viewers", 5000);
		a.emit("doc_close", "ToDo", dn);
		assert.deepEqual(await left, { doctype: "ToDo", docname: dn, users: ["sysviewb@example.com"] });
		a.close();
		b.close();
	});

	test("doc_viewers: back after the grace, the other viewers get a corrected list", async () => {
		const dn = uniq("G");
		const a = await desk(proxy, "sysgracea");
		const b = await stack.connect(SITE, { sid: "sysgraceb" });
		pids.add(a._pid);
		const seenByB = H.collectEvents(b, "doc_viewers");
		a.emit("doc_open", "ToDo", dn);
		await inRoom(stack, a, `open_doc:ToDo/${dn}`);
		const joined = H.waitForEvent(b, "doc_viewers", 5000);
		b.emit("doc_open", "ToDo", dn);
		await joined;
		seenByB.length = 0;
		await dropUnder(stack, proxy, a);
		await H.waitFor(() => seenByB.length === 1, 6000);
		assert.deepEqual(seenByB[0].users, ["sysgraceb@example.com"], "told a left after the grace");
		await reconnect(a);
		assert.equal(a.recovered, true);
		await H.waitFor(() => seenByB.length === 2, 5000);
		assert.deepEqual(seenByB[1].users, ["sysgracea@example.com", "sysgraceb@example.com"], "corrected");
		a.close();
		b.close();
	});

	test("app handlers see socket.recovered, the old rooms, and no pid in handshake.auth", async () => {
		const a = await desk(proxy, "syshook");
		pids.add(a._pid);
		await H.waitFor(() => a.named("app_hello").length === 1, 5000);
		assert.equal(a.named("app_hello")[0].args[0].recovered, false);
		a.emit("task_subscribe", "T-hook");
		await inRoom(stack, a, "task_progress:T-hook");
		await dropUnder(stack, proxy, a);
		await reconnect(a);
		await H.waitFor(() => a.named("app_hello").length === 2, 5000);
		const hello = a.named("app_hello")[1].args[0];
		assert.equal(hello.recovered, true);
		// The Frappe identity is back with it, as the first connection had it.
		const first = a.named("app_hello")[0].args[0];
		assert.equal(hello.id, first.id);
		assert.equal(hello.user, "syshook@example.com");
		assert.equal(hello.user_type, first.user_type);
		assert.deepEqual(hello.installed_apps, first.installed_apps);
		assert.ok(hello.rooms.includes("task_progress:T-hook"), JSON.stringify(hello.rooms));
		assert.deepEqual(hello.auth, {}, "pid and offset are not handed to app code");
		a.close();
	});

	test("a missed binary event is replayed with its attachment and its offset", async () => {
		const a = await desk(proxy, "sysbina");
		const b = await stack.connect(SITE, { sid: "sysbinb" });
		pids.add(a._pid);
		const id = a.id;
		await dropUnder(stack, proxy, a);
		b.emit("bin_to", "user:sysbina@example.com", Buffer.from([1, 2, 3]));
		b.emit("bin_to", "user:sysbinb@example.com", Buffer.from([4])); // b's own: routed after a's
		await H.waitForEvent(b, "bin", 5000);
		await reconnect(a);
		assert.equal(a.recovered, true);
		assert.equal(a.id, id);
		const bins = a.named("bin");
		assert.equal(bins.length, 1);
		const [bytes, tail, offset] = bins[0].args;
		assert.ok(Buffer.isBuffer(bytes));
		assert.deepEqual([...bytes], [1, 2, 3]);
		assert.equal(tail, "tail");
		assert.ok(isOffset(offset) && offset !== "tail");
		a.close();
		b.close();
	});

	test("the pid never shows in logs, /metrics or /health; /metrics counts recoveries per site", async () => {
		assert.ok(pids.size >= 5);
		const logs = stack.server.logs();
		const text = await scrape(metricsPort);
		const health = (await H.httpRequest({ port: stack.port, path: "/health" })).text;
		for (const pid of pids) {
			assert.ok(!logs.includes(pid), "a pid in the server log");
			assert.ok(!text.includes(pid) && !health.includes(pid), "a pid in /metrics or /health");
		}
		assert.ok(metric(text, "frappe_realtime_recoveries_total", { site: SITE, result: "recovered" }) >= 7);
		assert.ok(metric(text, "frappe_realtime_recoveries_total", { site: SITE, reason: "different user" }) >= 1);
		assert.ok(metric(text, "frappe_realtime_recoveries_total", { site: SITE, reason: "refused by auth" }) >= 1);
		assert.ok(metric(text, "frappe_realtime_recovery_replayed_events_total", { site: SITE }) >= 10);
		assert.match(logs, /recovered its session: \d+ missed events replayed/);
	});
});

describe("connection-state recovery: bounds, quiet sites and the window", () => {
	let stack;
	let proxy;
	let witness;
	let metricsPort;
	before(async () => {
		stack = await H.startStack({
			sites: [SITE],
			config: { realtime_recovery_max_events: 10, realtime_recovery_window_ms: 1500 },
			extraArgs: [...FAST_PING, "--metrics-port", "0"],
		});
		metricsPort = Number((await stack.server.waitForLog(METRICS_RE, 5000))[1]);
		proxy = await startBlipProxy(stack.port);
		witness = await stack.connect(SITE, { sid: "syswitness" });
		witness.emit("doctype_subscribe", "Busy");
		await inRoom(stack, witness, "doctype:Busy");
	});
	after(async () => {
		if (proxy) await proxy.close();
		if (stack) await stack.stop();
	});

	test("quiet site: its last event fell out of the buffer, yet nothing it needed did", async () => {
		const a = await desk(proxy, "sysquiet");
		const got = H.waitForEvent(a, "quiet_ev", 5000);
		await publish(stack, "user:sysquiet@example.com", "quiet_ev", { i: 1 });
		await got;
		// 30 events for another room push its last offset out of the 10-event buffer.
		for (let i = 0; i < 30; i++) await publish(stack, "doctype:Busy", "list_update", { i });
		await barrier(stack, witness);
		const id = a.id;
		await dropUnder(stack, proxy, a);
		await publish(stack, "user:sysquiet@example.com", "quiet_ev", { i: 2 });
		await barrier(stack, witness);
		await reconnect(a);
		assert.equal(a.recovered, true, "socket.io would give a fresh session here");
		assert.equal(a.id, id);
		assert.deepEqual(a.named("quiet_ev").map((e) => e.args[0].i), [1, 2]);
		a.close();
	});

	test("quiet site: its last event is older than the window", async () => {
		const a = await desk(proxy, "sysold");
		const got = H.waitForEvent(a, "old_ev", 5000);
		await publish(stack, "user:sysold@example.com", "old_ev", {});
		await got;
		await H.sleep(2500); // the 1.5 s window: the event itself is gone from the buffer
		const id = a.id;
		await dropUnder(stack, proxy, a);
		await reconnect(a);
		assert.equal(a.recovered, true);
		assert.equal(a.id, id);
		a.close();
	});

	test("buffer overflow: recovery fails whole, never a partial backlog", async () => {
		const a = await desk(proxy, "sysflood");
		const id = a.id;
		const w = H.collectEvents(witness, "flood");
		await dropUnder(stack, proxy, a);
		for (let i = 0; i < 25; i++) await publish(stack, "all", "flood", { i });
		await barrier(stack, witness);
		assert.equal(w.length, 25, "positive control: all 25 were published to a room it was in");
		await reconnect(a);
		assert.equal(a.recovered, false);
		assert.notEqual(a.id, id);
		assert.equal(a.named("flood").length, 0, "no partial replay");
		const text = await scrape(metricsPort);
		assert.ok(metric(text, "frappe_realtime_recoveries_total", { site: SITE, reason: "missed events no longer buffered" }) >= 1);
		a.close();
	});

	test("an expired window gives a fresh session", async () => {
		const a = await desk(proxy, "sysexpire");
		const id = a.id;
		await dropUnder(stack, proxy, a);
		await publish(stack, "user:sysexpire@example.com", "late_ev", {});
		await H.sleep(2200);
		await reconnect(a);
		assert.equal(a.recovered, false);
		assert.notEqual(a.id, id);
		assert.equal(a.named("late_ev").length, 0);
		const text = await scrape(metricsPort);
		assert.ok(metric(text, "frappe_realtime_recoveries_total", { site: SITE, reason: "session expired" }) >= 1);
		a.close();
	});
});

describe("connection-state recovery: the wire, on and off", () => {
	async function rawDesk(stack, sid) {
		const c = await H.rawWebSocket(`${stack.url}/socket.io/?EIO=4&transport=websocket`, {
			Cookie: `sid=${sid}`,
			Origin: stack.url,
			"X-Frappe-Site-Name": SITE,
		});
		assert.match(await c.next(5000), /^0\{/);
		c.send(`40/${SITE},`);
		return { c, reply: await c.next(5000) };
	}
	const esc = SITE.replace(/\./g, "\\.");

	test("on: pid in the CONNECT reply, offset last on events; a plain (data) handler sees no difference", async () => {
		const stack = await H.startStack({ sites: [SITE] });
		try {
			const { c, reply } = await rawDesk(stack, "syswire");
			assert.match(reply, new RegExp(`^40/${esc},\\{"sid":"[\\w-]{20}","pid":"[\\w-]+"\\}$`));
			await publish(stack, "user:syswire@example.com", "wire_ev", { a: 1 });
			const frame = await c.next(5000);
			assert.match(frame, new RegExp(`^42/${esc},\\["wire_ev",\\{"a":1\\},"[^"]+"\\]$`));
			await c.close();
			const plain = await stack.connect(SITE, { sid: "sysplain" });
			const data = H.waitForEvent(plain, "plain_ev", 5000);
			await publish(stack, "user:sysplain@example.com", "plain_ev", { b: 2 });
			assert.deepEqual(await data, { b: 2 });
			plain.close();
		} finally {
			await stack.stop();
		}
	});

	test("off (--recovery-window 0): no pid, no offsets, a reconnect is a fresh session", async () => {
		const stack = await H.startStack({ sites: [SITE], extraArgs: [...FAST_PING, "--recovery-window", "0"] });
		const proxy = await startBlipProxy(stack.port);
		try {
			const { c, reply } = await rawDesk(stack, "sysoff");
			assert.match(reply, new RegExp(`^40/${esc},\\{"sid":"[\\w-]{20}"\\}$`));
			await publish(stack, "user:sysoff@example.com", "off_ev", { a: 1 });
			assert.equal(await c.next(5000), `42/${SITE},["off_ev",{"a":1}]`);
			await c.close();
			const a = await desk(proxy, "sysoff2");
			assert.equal(a._pid, undefined);
			const id = a.id;
			await dropUnder(stack, proxy, a);
			await reconnect(a);
			assert.ok(!a.recovered);
			assert.notEqual(a.id, id);
			a.close();
		} finally {
			await proxy.close();
			await stack.stop();
		}
	});
});
