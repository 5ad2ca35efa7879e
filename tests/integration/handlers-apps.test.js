"use strict";
// Custom app handlers (spec 7): apps/<app>/realtime/handlers.js files run unmodified inside
// the server, end to end with socket.io-client, the Frappe web stub and redis-server.
// The apps are the fixtures of tests/fixtures/apps (shapes of helpdesk and suite, plus broken
// and runaway ones).
//
// Covers: helpdesk-like ticket viewers (has_permission, nsp.adapter.rooms, nsp.sockets) and
// typing indicators (socket.to(room).emit skips the sender); several apps answering one event;
// a suite-like async listener validating a guest through frappe_request; POST frappe_request
// on the caller's behalf; acks in both directions; Node's key order and number format in
// what handlers send; binary arguments; handlers only for
// installed apps; the Node log lines for a syntax error and a throwing setup; a throwing and a
// runaway listener are logged and contained while every other app keeps working; a handler
// cannot require files outside its app folder.
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("fs");
const path = require("path");
const H = require("./lib/harness.js");

const SOURCE_DIR = process.env.RT_SOURCE_DIR || path.resolve(__dirname, "..", "..");
const FIXTURES = path.join(SOURCE_DIR, "tests", "fixtures", "apps");
const SITE = "site1.localhost";
const APPS = ["deskhelp", "meetsuite", "thrower", "spinner", "broken_syntax", "broken_setup", "sandboxed"];


function fixtureApp(name) {
	const root = path.join(FIXTURES, name);
	const files = {};
	const walk = (dir) => {
		for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
			const full = path.join(dir, entry.name);
			if (entry.isDirectory()) walk(full);
			else files[path.relative(root, full)] = fs.readFileSync(full, "utf8");
		}
	};
	walk(root);
	return { name, files };
}

const ack = (socket, event, ...args) => socket.timeout(5000).emitWithAck(event, ...args);

describe("app handlers.js", () => {
	let stack;
	before(async () => {
		stack = await H.startStack({
			sites: [SITE],
			apps: ["frappe", ...APPS.map(fixtureApp)],
			stub: { installedApps: ["frappe", ...APPS], denyDocs: ["HD Ticket/SECRET"] },
		});
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	test("load failures are logged with Node's texts and do not stop the other apps", async () => {
		const c = await stack.connect(SITE, { sid: "sysload" });
		const syntaxPath = path.join(stack.bench.appsDir, "broken_syntax", "realtime", "handlers.js");
		await stack.server.waitForLog(new RegExp(`failed to load event handlers from ${syntaxPath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
		await stack.server.waitForLog(/failed to setup event handlers from broken_setup/);
		await stack.server.waitForLog(/cannot set up for sysload@example.com/);
		const me = await ack(c, "whoami");
		assert.equal(me.user, "sysload@example.com");
		c.close();
	});

	test("helpdesk-like viewers and typing indicators", async () => {
		const a = await stack.connect(SITE, { sid: "sysagent1" });
		const b = await stack.connect(SITE, { sid: "sysagent2" });
		const ticket = `T${Date.now()}`;

		const firstA = H.waitForEvent(a, "ticket_viewers");
		a.emit("view_ticket", ticket);
		assert.deepEqual(await firstA, { ticket_id: ticket, users: JSON.stringify(["sysagent1@example.com"]), total_viewers: 1 });

		const bothA = H.waitForEvent(a, "ticket_viewers");
		const bothB = H.waitForEvent(b, "ticket_viewers");
		b.emit("view_ticket", ticket);
		const expected = { ticket_id: ticket, users: JSON.stringify(["sysagent1@example.com", "sysagent2@example.com"]), total_viewers: 2 };
		assert.deepEqual(await bothA, expected);
		assert.deepEqual(await bothB, expected);

		const typing = H.waitForEvent(b, "ticket_typing");
		const notSelf = H.expectNoEvent(a, "ticket_typing", 500);
		a.emit("ticket_typing", ticket);
		assert.deepEqual(await typing, { ticket_id: ticket, user: "sysagent1@example.com" });
		await notSelf;

		// Denied by the web server: no join, no viewers event.
		const none = H.expectNoEvent(a, "ticket_viewers", 800);
		a.emit("view_ticket", "SECRET");
		await none;

		// B goes away: its 'disconnect' listener runs, and A alone is left in the room.
		const mark = stack.server.mark();
		b.close();
		await stack.server.waitForLog(/\[deskhelp\] viewer sysagent2@example.com left: client namespace disconnect/, 5000, { since: mark });
		const left = H.waitForEvent(a, "ticket_viewers");
		a.emit("ticket_get_viewers", ticket);
		assert.deepEqual(await left, { ticket_id: ticket, users: JSON.stringify(["sysagent1@example.com"]), total_viewers: 1 });
		a.close();
	});

	test("several apps listen to ping, next to frappe's own pong", async () => {
		const c = await stack.connect(SITE, { sid: "sysping" });
		const pongs = H.collectEvents(c, "pong");
		const thrower = H.waitForEvent(c, "thrower_pong");
		c.emit("ping");
		await thrower;
		await H.waitFor(() => pongs.length >= 2); // frappe core + deskhelp
		c.close();
	});

	test("suite-like async listener validates a guest through frappe_request", async () => {
		const c = await stack.connect(SITE, { sid: "sysguest" });
		const got = H.waitForEvent(c, "guest_subscribed");
		c.emit("guest_subscribe", "guest_0123456789");
		const r = await got;
		assert.equal(r.room, "guest:guest_0123456789");
		assert.ok(r.rooms.includes("guest:guest_0123456789"));
		assert.ok(r.rooms.includes("user:sysguest@example.com"));
		const call = stack.stub.callsTo("suite.meet.validate_guest").at(-1);
		assert.ok(call, "the web server was asked");
		assert.equal(call.method, "GET");
		assert.equal(call.query.guest_id, "guest_0123456789");
		c.close();
	});

	test("frappe_request POST speaks for the socket's user", async () => {
		const c = await stack.connect(SITE, { sid: "syspost" });
		const r = await ack(c, "post_note", "hello");
		assert.equal(r.ok, true);
		assert.equal(r.status, 200);
		assert.equal(r.echoed.method, "suite.meet.save_note");
		assert.equal(r.echoed.http_method, "POST");
		assert.deepEqual(r.echoed.args, { note: "hello" });
		assert.equal(r.echoed.user, "syspost@example.com");
		c.close();
	});

	test("has_permission resolves only when granted", async () => {
		const c = await stack.connect(SITE, { sid: "sysperm" });
		assert.deepEqual(await ack(c, "can_read", "HD Ticket", "OPEN-1"), { granted: true });
		assert.deepEqual(await ack(c, "can_read", "HD Ticket", "SECRET"), { granted: false, timed_out: true });
		c.close();
	});

	test("acks both ways and the socket's identity", async () => {
		const c = await stack.connect(SITE, { sid: "sysack" });
		const me = await ack(c, "whoami");
		assert.equal(me.user, "sysack@example.com");
		assert.equal(me.user_type, "System User");
		assert.equal(me.site_name, SITE);
		assert.equal(me.nsp, `/${SITE}`);
		assert.equal(me.connected, true);
		assert.equal(me.has_sid, true);
		assert.deepEqual(me.installed_apps, ["frappe", ...APPS]);
		assert.match(me.url, /^http:\/\/127\.0\.0\.1:\d+\/api\/method\/ping\?a=b\+c$/);

		c.on("question", (q, answer) => answer(`yes to ${q}`));
		const answered = H.waitForEvent(c, "client_answered");
		c.emit("ask_client", "ready?");
		assert.deepEqual(await answered, { question: "ready?", answer: "yes to ready?" });
		c.close();
	});

	test("emits, room broadcasts and acks keep the handler's key order and number format", async () => {
		const c = await stack.connect(SITE, { sid: "sysshape" });
		const raw = []; // Socket.IO text of every packet, as it came off the wire
		c.io.engine.on("packet", (p) => {
			if (p.type === "message" && typeof p.data === "string") raw.push(p.data);
		});
		const shapedRoom = H.waitForEvent(c, "shaped_room");
		const acked = await ack(c, "shape");
		await shapedRoom;
		// What JSON.stringify wrote in the handler, as Node would send it.
		const shaped = '{"2":"two","10":"ten","zeta":1,"alpha":1e-7,"mid":[0.5,1e+21,0]}';
		const seen = raw.join("\n");
		assert.deepEqual(Object.keys(acked), ["2", "10", "zeta", "alpha", "mid"]);
		assert.ok(raw.includes(`2/${SITE},["shaped",${shaped}]`), seen);
		assert.ok(raw.includes(`2/${SITE},["shaped_room",${shaped}]`), seen);
		assert.ok(raw.some((t) => /^3\/[^,]+,\d+\[/.test(t) && t.endsWith(`[${shaped}]`)), seen);
		c.close();
	});

	test("binary arguments arrive as Buffers and go back as binary", async () => {
		const c = await stack.connect(SITE, { sid: "sysbin" });
		// emitWithAck keeps only the first ack argument; this ack has two.
		const [info, bytes] = await new Promise((resolve, reject) =>
			c.timeout(5000).emit("binary_echo", Buffer.from([104, 105, 0, 255]), (err, ...args) => (err ? reject(err) : resolve(args))),
		);
		assert.deepEqual(info, { size: 4, b64: Buffer.from([104, 105, 0, 255]).toString("base64") });
		assert.ok(Buffer.isBuffer(bytes));
		assert.equal(bytes.subarray(0, 7).toString(), "pong:hi");
		c.close();
	});

	test("a throwing listener is logged with app and event; the others keep working", async () => {
		const c = await stack.connect(SITE, { sid: "sysboom" });
		const mark = stack.server.mark();
		c.emit("boom");
		await stack.server.waitForLog(/error in event handler of thrower for event 'boom': TypeError/, 5000, { since: mark });
		c.emit("async_boom");
		await stack.server.waitForLog(/error in event handler of thrower for event 'async_boom': Error: rejected later/, 5000, { since: mark });
		assert.equal((await ack(c, "whoami")).user, "sysboom@example.com");
		c.close();
	});

	test("a runaway listener is interrupted after the budget; the server stays responsive", async () => {
		const c = await stack.connect(SITE, { sid: "sysspin" });
		const other = await stack.connect(SITE, { sid: "sysother" });
		const mark = stack.server.mark();
		c.emit("spin");
		const started = Date.now();
		assert.equal((await ack(other, "whoami")).user, "sysother@example.com");
		assert.ok(Date.now() - started < 4000, "answered after the interrupt, not never");
		await stack.server.waitForLog(/runaway script in handlers of spinner \(event 'spin'\) interrupted after 1000 ms/, 5000, { since: mark });
		const alive = H.waitForEvent(c, "spinner_alive");
		c.emit("alive");
		await alive;
		c.close();
		other.close();
	});

	test("a handler cannot reach outside its app folder", async () => {
		const c = await stack.connect(SITE, { sid: "syssandbox" });
		const results = Object.fromEntries((await ack(c, "probe")).map((r) => [r.what, r]));
		assert.equal(results.inside.value, "inside");
		for (const what of ["outside", "absolute", "fs", "npm", "redis"]) assert.equal(results[what].ok, false, what);
		assert.match(results.outside.error, /outside the app folder/);
		assert.match(results.redis.error, /not supported/);
		c.close();
	});

	test("apps not installed on the site get no events", async () => {
		stack.stub.setBehaviour({ installedApps: ["frappe", "thrower"] });
		try {
			const c = await stack.connect(SITE, { sid: "sysfew" });
			const none = H.expectNoEvent(c, "ticket_viewers", 600);
			c.emit("view_ticket", "T-none");
			await none;
			const thrower = H.waitForEvent(c, "thrower_pong");
			c.emit("ping");
			await thrower;
			c.close();
		} finally {
			stack.stub.setBehaviour({ installedApps: ["frappe", ...APPS] });
		}
	});
});
