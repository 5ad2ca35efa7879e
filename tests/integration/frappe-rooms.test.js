"use strict";
// Frappe mode, rooms and core client events (spec 3, 4, 4.1), end to end with a real
// redis-server, the Frappe web stub and socket.io-client (desk defaults: polling, then upgrade).
//
// Covers: rooms joined on connect (user:<user>, website, and all only for System Users);
// ping -> pong; doctype/doc/task subscribe and unsubscribe, progress_subscribe; permission
// checks through has_permission (query sent, 403/404/noperm -> no join); legacy mode
// (--permission-api legacy: can_subscribe_doctype / can_subscribe_doc, judged by status);
// open_in_editor is published on Redis only with developer_mode.
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const H = require("./lib/harness.js");

const SITE = "site1.localhost";
const HAS_PERMISSION = "frappe.realtime.has_permission";

let seq = 0;
const uniq = (p) => `${p}${Date.now().toString(36)}${++seq}`;

/** ping -> pong round trip: everything the client sent before has been handled. */
async function sync(socket) {
	const pong = H.waitForEvent(socket, "pong", 5000);
	socket.emit("ping");
	await pong;
}

async function publishTo(stack, room, event, message) {
	return H.emitViaRedis(stack.redis, { event, message, room, site: SITE });
}

async function expectRoomEvent(stack, socket, room, ms = 5000) {
	const event = uniq("ev_");
	const message = { room };
	const got = H.waitForEvent(socket, event, ms);
	await publishTo(stack, room, event, message);
	assert.deepEqual(await got, message);
}

async function expectNoRoomEvent(stack, socket, room, ms = 800) {
	const event = uniq("ev_");
	const none = H.expectNoEvent(socket, event, ms);
	await Promise.all([none, publishTo(stack, room, event, { room })]);
}

/**
 * For joins that wait on a permission callback: publish to `room` every 200 ms until the
 * socket receives it (or ms passes).
 */
async function eventuallyInRoom(stack, socket, room, ms = 8000) {
	const event = uniq("ev_");
	const got = H.waitForEvent(socket, event, ms);
	const publish = () => publishTo(stack, room, event, { room }).catch(() => {});
	publish();
	const timer = setInterval(publish, 200);
	try {
		assert.deepEqual(await got, { room });
	} finally {
		clearInterval(timer);
	}
}

/** Waits until the stub saw n more calls to method than `before`, then lets the answer land. */
async function permissionAnswered(stub, method, before, n = 1) {
	await H.waitFor(() => stub.callsTo(method).length >= before + n, 8000);
	await H.sleep(300);
}

// =============================================================================================
describe("rooms joined on connect", () => {
	let stack;
	before(async () => {
		stack = await H.startStack({ sites: [SITE] });
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	test("System User: user:<user>, website and all", async () => {
		const s = await stack.connect(SITE, { sid: "sysroom1" });
		await expectRoomEvent(stack, s, "user:sysroom1@example.com");
		await expectRoomEvent(stack, s, "website");
		await expectRoomEvent(stack, s, "all");
		await expectNoRoomEvent(stack, s, "user:sysroom2@example.com");
		s.close();
	});

	test("Administrator: user:Administrator", async () => {
		const s = await stack.connect(SITE, { sid: "admin1" });
		await expectRoomEvent(stack, s, "user:Administrator");
		await expectRoomEvent(stack, s, "all");
		s.close();
	});

	test("Website User: user:<user> and website, no all", async () => {
		const s = await stack.connect(SITE, { sid: "webroom1" });
		await expectRoomEvent(stack, s, "user:webroom1@example.com");
		await expectRoomEvent(stack, s, "website");
		await expectNoRoomEvent(stack, s, "all");
		s.close();
	});

	test("Guest (sid Guest, or an unknown/expired sid): user:Guest and website, no all", async () => {
		for (const sid of ["Guest", "0123456789abcdef0123"]) {
			const s = await stack.connect(SITE, { sid });
			await expectRoomEvent(stack, s, "user:Guest");
			await expectRoomEvent(stack, s, "website");
			await expectNoRoomEvent(stack, s, "all");
			s.close();
		}
	});

	test("ping -> pong to the caller only", async () => {
		const a = await stack.connect(SITE, { sid: "sysping1" });
		const b = await stack.connect(SITE, { sid: "sysping2" });
		const noPongForB = H.expectNoEvent(b, "pong", 800);
		const pong = H.waitForEvent(a, "pong", 5000, { all: true });
		a.emit("ping");
		const [args] = await Promise.all([pong, noPongForB]);
		assert.deepEqual(args, [], "pong carries no payload");
		a.close();
		b.close();
	});
});

// =============================================================================================
describe("client events: subscribe / unsubscribe (has_permission)", () => {
	let stack;
	before(async () => {
		stack = await H.startStack({
			sites: [SITE],
			stub: { denyDoctypes: ["Salary Slip"], denyDocs: ["ToDo/SECRET"], missingDocs: ["ToDo/GONE"] },
		});
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	test("doctype_subscribe asks has_permission(doctype, name='') and joins doctype:<dt>", async () => {
		const s = await stack.connect(SITE, { sid: "sysdt1" });
		stack.stub.reset();
		s.emit("doctype_subscribe", "ToDo");
		await eventuallyInRoom(stack, s, "doctype:ToDo");
		const calls = stack.stub.callsTo(HAS_PERMISSION);
		assert.equal(calls.length, 1);
		assert.deepEqual(calls[0].query, { doctype: "ToDo", name: "" });
		assert.equal(calls[0].headers.cookie, "sid=sysdt1");
		// list_update as the web side publishes it
		const got = H.waitForEvent(s, "list_update", 5000);
		await stack.publish({ event: "list_update", message: { doctype: "ToDo", name: "TD-9", user: "x@example.com" } });
		assert.deepEqual(await got, { doctype: "ToDo", name: "TD-9", user: "x@example.com" });

		s.emit("doctype_unsubscribe", "ToDo");
		await sync(s);
		await expectNoRoomEvent(stack, s, "doctype:ToDo");
		s.close();
	});

	test("doc_subscribe asks has_permission(doctype, name) and joins doc:<dt>/<dn>", async () => {
		const s = await stack.connect(SITE, { sid: "sysdoc1" });
		stack.stub.reset();
		s.emit("doc_subscribe", "ToDo", "TD 1/x");
		await eventuallyInRoom(stack, s, "doc:ToDo/TD 1/x");
		assert.deepEqual(stack.stub.callsTo(HAS_PERMISSION).map((r) => r.query), [{ doctype: "ToDo", name: "TD 1/x" }]);
		const got = H.waitForEvent(s, "doc_update", 5000);
		const message = { modified: "2024-01-01 00:00:00", doctype: "ToDo", name: "TD 1/x" };
		await stack.publish({ event: "doc_update", message, doctype: "ToDo", docname: "TD 1/x" });
		assert.deepEqual(await got, message);

		s.emit("doc_unsubscribe", "ToDo", "TD 1/x");
		await sync(s);
		await expectNoRoomEvent(stack, s, "doc:ToDo/TD 1/x");
		s.close();
	});

	test("task_subscribe / progress_subscribe join task_progress:<id> without a permission call", async () => {
		const s = await stack.connect(SITE, { sid: "webtask1" });
		stack.stub.reset();
		s.emit("task_subscribe", "job-1");
		s.emit("progress_subscribe", "job-2");
		await sync(s);
		assert.equal(stack.stub.callsTo(HAS_PERMISSION).length, 0);
		const got = H.waitForEvent(s, "task_progress", 5000);
		await stack.publish({ event: "task_progress", message: { progress: [1, 4] }, task_id: "job-1" });
		assert.deepEqual(await got, { progress: [1, 4], task_id: "job-1" });
		const prog = H.waitForEvent(s, "progress", 5000);
		await H.publishProgress(stack.redis, { site: SITE, percent: 50, title: "Import", task_id: "job-2" });
		assert.deepEqual(await prog, { percent: 50, title: "Import", description: null, task_id: "job-2" });

		s.emit("task_unsubscribe", "job-1");
		await sync(s);
		await expectNoRoomEvent(stack, s, "task_progress:job-1");
		await expectRoomEvent(stack, s, "task_progress:job-2");
		s.close();
	});

	test("unsubscribe from a room never joined is harmless", async () => {
		const s = await stack.connect(SITE, { sid: "sysunsub" });
		s.emit("doctype_unsubscribe", "Nope");
		s.emit("doc_unsubscribe", "Nope", "X");
		s.emit("task_unsubscribe", "nope");
		await sync(s);
		assert.ok(s.connected);
		await expectRoomEvent(stack, s, "all");
		s.close();
	});

	test("permission denied (noperm* user) -> no join, the socket stays connected", async () => {
		const s = await stack.connect(SITE, { sid: "noperm1" });
		const before = stack.stub.callsTo(HAS_PERMISSION).length;
		s.emit("doctype_subscribe", "ToDo");
		s.emit("doc_subscribe", "ToDo", "TD-1");
		await permissionAnswered(stack.stub, HAS_PERMISSION, before, 2);
		await expectNoRoomEvent(stack, s, "doctype:ToDo");
		await expectNoRoomEvent(stack, s, "doc:ToDo/TD-1");
		assert.ok(s.connected);
		await expectRoomEvent(stack, s, "all"); // still a working System User socket
		s.close();
	});

	test("403 for one doctype / document and 404 for a missing document -> no join; others still join", async () => {
		const s = await stack.connect(SITE, { sid: "sysdeny1" });
		s.emit("doctype_subscribe", "Salary Slip");
		s.emit("doc_subscribe", "ToDo", "SECRET");
		s.emit("doc_subscribe", "ToDo", "GONE");
		s.emit("doc_subscribe", "ToDo", "OPEN");
		await eventuallyInRoom(stack, s, "doc:ToDo/OPEN");
		await H.sleep(200);
		await expectNoRoomEvent(stack, s, "doctype:Salary Slip");
		await expectNoRoomEvent(stack, s, "doc:ToDo/SECRET");
		await expectNoRoomEvent(stack, s, "doc:ToDo/GONE");
		s.close();
	});

	test("Guest is refused by has_permission (403) and joins nothing", async () => {
		const s = await stack.connect(SITE, { sid: "Guest" });
		const before = stack.stub.callsTo(HAS_PERMISSION).length;
		s.emit("doctype_subscribe", "ToDo");
		await permissionAnswered(stack.stub, HAS_PERMISSION, before, 1);
		await expectNoRoomEvent(stack, s, "doctype:ToDo");
		s.close();
	});

	test("doc_subscribe and doc_open for the same document at once: both rooms joined", async () => {
		const s = await stack.connect(SITE, { sid: "sysboth1" });
		s.emit("doc_subscribe", "ToDo", "BOTH-1");
		s.emit("doc_open", "ToDo", "BOTH-1");
		await eventuallyInRoom(stack, s, "doc:ToDo/BOTH-1");
		await eventuallyInRoom(stack, s, "open_doc:ToDo/BOTH-1");
		s.close();
	});

	test("unsubscribe sent before the permission answer arrived wins (no late join)", async () => {
		const s = await stack.connect(SITE, { sid: "sysrace1" });
		stack.stub.setBehaviour({ delayMs: 700 });
		try {
			s.emit("doc_subscribe", "ToDo", "RACE-1");
			s.emit("doc_unsubscribe", "ToDo", "RACE-1");
			s.emit("doctype_subscribe", "Note");
			s.emit("doctype_unsubscribe", "Note");
			s.emit("doc_subscribe", "ToDo", "RACE-2"); // control: not unsubscribed
			await H.sleep(1800);
		} finally {
			stack.stub.setBehaviour({ delayMs: 0 });
		}
		await eventuallyInRoom(stack, s, "doc:ToDo/RACE-2");
		await expectNoRoomEvent(stack, s, "doc:ToDo/RACE-1");
		await expectNoRoomEvent(stack, s, "doctype:Note");
		s.close();
	});

	test("arguments are turned into room names like JavaScript strings", async () => {
		const s = await stack.connect(SITE, { sid: "sysargs1" });
		stack.stub.reset();
		s.emit("task_subscribe", 42);
		s.emit("task_subscribe");
		s.emit("doc_subscribe", "ToDo", 7);
		// String(number) of JavaScript, not C's printf
		const numbers = [0.00001, 1e-7, 1e21, 1e20, 12345678901234567890, -2.5, true];
		for (const n of numbers) s.emit("task_subscribe", n);
		await sync(s);
		await expectRoomEvent(stack, s, "task_progress:42");
		await expectRoomEvent(stack, s, "task_progress:undefined");
		for (const n of numbers) await expectRoomEvent(stack, s, `task_progress:${String(n)}`);
		await eventuallyInRoom(stack, s, "doc:ToDo/7");
		assert.deepEqual(stack.stub.callsTo(HAS_PERMISSION).map((r) => r.query), [{ doctype: "ToDo", name: "7" }]);
		// odd payloads do not hurt the connection
		s.emit("doc_open", { a: 1 }, [1, 2]);
		s.emit("doctype_subscribe", null);
		s.emit("open_in_editor");
		await sync(s);
		assert.ok(s.connected);
		s.close();
	});

	test("after the upgrade to websocket the subscriptions keep working", async () => {
		const s = await stack.connect(SITE, { sid: "sysupg1" });
		s.emit("task_subscribe", "upg");
		await H.waitFor(() => s.io.engine.transport.name === "websocket", 10000);
		await sync(s);
		await expectRoomEvent(stack, s, "task_progress:upg");
		await expectRoomEvent(stack, s, "all");
		s.close();
	});

	test("rooms are per socket: a second tab of the same user does not share subscriptions", async () => {
		const a = await stack.connect(SITE, { sid: "systabs1" });
		const b = await stack.connect(SITE, { sid: "systabs1" });
		a.emit("doc_subscribe", "Note", "N-1");
		await eventuallyInRoom(stack, a, "doc:Note/N-1");
		await expectNoRoomEvent(stack, b, "doc:Note/N-1");
		a.close();
		b.close();
	});
});

// =============================================================================================
describe("--permission-api legacy (v15 can_subscribe_*)", () => {
	let stack;
	before(async () => {
		stack = await H.startStack({
			sites: [SITE],
			stub: { denyDoctypes: ["Salary Slip"], denyDocs: ["ToDo/SECRET"] },
			extraArgs: ["--permission-api", "legacy"],
		});
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	test("doctype_subscribe calls can_subscribe_doctype with sid and doctype", async () => {
		const s = await stack.connect(SITE, { sid: "syslg1" });
		stack.stub.reset();
		s.emit("doctype_subscribe", "ToDo");
		await eventuallyInRoom(stack, s, "doctype:ToDo");
		const calls = stack.stub.callsTo("frappe.realtime.can_subscribe_doctype");
		assert.equal(calls.length, 1);
		assert.deepEqual(calls[0].query, { sid: "syslg1", doctype: "ToDo" });
		assert.equal(stack.stub.callsTo(HAS_PERMISSION).length, 0, "has_permission is not used in legacy mode");
		s.close();
	});

	test("doc_subscribe and doc_open call can_subscribe_doc with sid, doctype and docname", async () => {
		const s = await stack.connect(SITE, { sid: "syslg2" });
		stack.stub.reset();
		s.emit("doc_subscribe", "ToDo", "TD-2");
		await eventuallyInRoom(stack, s, "doc:ToDo/TD-2");
		s.emit("doc_open", "ToDo", "TD-3");
		await eventuallyInRoom(stack, s, "open_doc:ToDo/TD-3");
		const calls = stack.stub.callsTo("frappe.realtime.can_subscribe_doc").map((r) => r.query);
		assert.deepEqual(calls, [
			{ sid: "syslg2", doctype: "ToDo", docname: "TD-2" },
			{ sid: "syslg2", doctype: "ToDo", docname: "TD-3" },
		]);
		assert.equal(stack.stub.callsTo(HAS_PERMISSION).length, 0);
		s.close();
	});

	test("403 from can_subscribe_* -> no join", async () => {
		const s = await stack.connect(SITE, { sid: "syslg3" });
		s.emit("doctype_subscribe", "Salary Slip");
		s.emit("doc_subscribe", "ToDo", "SECRET");
		s.emit("doc_subscribe", "ToDo", "FINE");
		await eventuallyInRoom(stack, s, "doc:ToDo/FINE");
		await H.sleep(200);
		await expectNoRoomEvent(stack, s, "doctype:Salary Slip");
		await expectNoRoomEvent(stack, s, "doc:ToDo/SECRET");
		s.close();
	});

	test("a token client sends Authorization instead of ?sid=", async () => {
		const s = await stack.connect(SITE, { authorization: "token syslgtok:x" });
		stack.stub.reset();
		s.emit("doctype_subscribe", "Note");
		await eventuallyInRoom(stack, s, "doctype:Note");
		const [call] = stack.stub.callsTo("frappe.realtime.can_subscribe_doctype");
		assert.deepEqual(call.query, { doctype: "Note" });
		assert.equal(call.headers.authorization, "token syslgtok:x");
		s.close();
	});
});

// =============================================================================================
describe("open_in_editor", () => {
	let devStack;
	let prodStack;
	before(async () => {
		devStack = await H.startStack({ sites: [SITE], config: { developer_mode: 1 } });
		prodStack = await H.startStack({ sites: [SITE], redis: devStack.redis });
	});
	after(async () => {
		if (prodStack) await prodStack.stop();
		if (devStack) await devStack.stop();
	});

	async function subscriber(redis) {
		const c = await redis.client();
		await c.subscribe("open_in_editor");
		return c;
	}

	test("with developer_mode the data is published on Redis channel open_in_editor", async () => {
		const sub = await subscriber(devStack.redis);
		try {
			const s = await devStack.connect(SITE, { sid: "sysdev1" });
			const data = { file: "apps/frappe/frappe/__init__.py", line: 42, column: 7 };
			s.emit("open_in_editor", data);
			const m = await sub.nextMessage(5000);
			assert.equal(m.channel, "open_in_editor");
			assert.deepEqual(JSON.parse(m.payload.toString("utf8")), data);
			s.close();
		} finally {
			sub.close();
		}
	});

	test("without developer_mode nothing is published", async () => {
		const sub = await subscriber(prodStack.redis);
		try {
			const s = await prodStack.connect(SITE, { sid: "sysprod1" });
			s.emit("open_in_editor", { file: "x.py", line: 1, column: 1 });
			await sync(s);
			await assert.rejects(sub.nextMessage(1000), /no pub\/sub message/);
			s.close();
		} finally {
			sub.close();
		}
	});
});
