"use strict";
// Frappe mode, doc_open / doc_close and the `doc_viewers` event (spec 4.2), end to end with a
// real redis-server, the Frappe web stub and socket.io-client.
//
// Covers: no emit when the only viewer is yourself; users unique in connection order (two
// users, two tabs of one user); doc_close updates the others (not the closer); disconnect
// updates the remaining viewers; the fixed Node doc_close bug (closing doc A must not make a
// later disconnect forget doc B); a denied doc_open is no viewer; viewers are per site.
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const H = require("./lib/harness.js");

const SITE1 = "site1.localhost";
const SITE2 = "site2.localhost";

let seq = 0;
const uniq = (p) => `${p}${Date.now().toString(36)}${++seq}`;

async function sync(socket) {
	const pong = H.waitForEvent(socket, "pong", 5000);
	socket.emit("ping");
	await pong;
}

const viewers = (docname, ...users) => ({ doctype: "ToDo", docname, users });

/** Live list of doc_viewers payloads received by socket. */
function watch(socket) {
	return H.collectEvents(socket, "doc_viewers");
}

async function waitCount(list, n, what, ms = 8000) {
	try {
		await H.waitFor(() => list.length >= n, ms);
	} catch {
		assert.fail(`${what}: expected ${n} doc_viewers events, got ${list.length}: ${JSON.stringify(list)}`);
	}
	await H.sleep(100);
	assert.equal(list.length, n, `${what}: more doc_viewers than expected: ${JSON.stringify(list)}`);
}

/** doc_open that produces no doc_viewers: wait until the socket really is in open_doc:<dt>/<dn>. */
async function openSilently(stack, site, socket, docname, ms = 8000) {
	socket.emit("doc_open", "ToDo", docname);
	const room = `open_doc:ToDo/${docname}`;
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

describe("doc_viewers", () => {
	let stack;
	before(async () => {
		stack = await H.startStack({ sites: [SITE1, SITE2], stub: { denyDocs: ["ToDo/PRIVATE"] } });
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	test("two users and a second tab: open, close and disconnect sequence", async () => {
		const dn = uniq("V");
		const a = await stack.connect(SITE1, { sid: "sysva" });
		const b = await stack.connect(SITE1, { sid: "sysvb" });
		const a2 = await stack.connect(SITE1, { sid: "sysva" }); // A's second tab, connected last
		const [ga, gb, ga2] = [watch(a), watch(b), watch(a2)];
		const A = "sysva@example.com";
		const B = "sysvb@example.com";

		// A alone: nothing is emitted (the only viewer is yourself)
		await openSilently(stack, SITE1, a, dn);
		await sync(a);
		assert.deepEqual(ga, []);

		// B opens: both get [A, B]
		b.emit("doc_open", "ToDo", dn);
		await waitCount(ga, 1, "A after B opened");
		await waitCount(gb, 1, "B after B opened");
		assert.deepEqual(ga[0], viewers(dn, A, B));
		assert.deepEqual(gb[0], viewers(dn, A, B));
		assert.deepEqual(Object.keys(ga[0]), ["doctype", "docname", "users"]);

		// A's second tab opens: everyone in the room gets the unique users, first seen first
		a2.emit("doc_open", "ToDo", dn);
		await waitCount(ga, 2, "A after A2 opened");
		await waitCount(gb, 2, "B after A2 opened");
		await waitCount(ga2, 1, "A2 after A2 opened");
		for (const g of [ga, gb]) assert.deepEqual(g[1], viewers(dn, A, B));
		assert.deepEqual(ga2[0], viewers(dn, A, B));

		// A2 closes: the remaining viewers are told; the closer is out of the room already
		a2.emit("doc_close", "ToDo", dn);
		await waitCount(ga, 3, "A after A2 closed");
		await waitCount(gb, 3, "B after A2 closed");
		assert.deepEqual(ga[2], viewers(dn, A, B));
		assert.deepEqual(gb[2], viewers(dn, A, B));
		await sync(a2);
		assert.equal(ga2.length, 1, "the closing tab gets no update");

		// B disconnects: A is told it is alone now
		b.close();
		await waitCount(ga, 4, "A after B left");
		assert.deepEqual(ga[3], viewers(dn, A));
		assert.equal(ga2.length, 1);

		a.close();
		a2.close();
	});

	test("users are listed in connection order, not in the order the document was opened", async () => {
		const dn = uniq("O");
		const first = await stack.connect(SITE1, { sid: "sysofirst" });
		const second = await stack.connect(SITE1, { sid: "sysosecond" });
		const g1 = watch(first);
		await openSilently(stack, SITE1, second, dn);
		first.emit("doc_open", "ToDo", dn);
		await waitCount(g1, 1, "first after it opened");
		assert.deepEqual(g1[0].users, ["sysofirst@example.com", "sysosecond@example.com"]);
		first.close();
		second.close();
	});

	test("one user, two tabs: one unique user; leaving tab alone-with-self emits nothing", async () => {
		const dn = uniq("T");
		const t1 = await stack.connect(SITE1, { sid: "systab" });
		const t2 = await stack.connect(SITE1, { sid: "systab" });
		const [g1, g2] = [watch(t1), watch(t2)];
		const U = "systab@example.com";
		await openSilently(stack, SITE1, t1, dn);
		t2.emit("doc_open", "ToDo", dn);
		await waitCount(g1, 1, "tab 1 after tab 2 opened");
		await waitCount(g2, 1, "tab 2 after it opened");
		assert.deepEqual(g1[0], viewers(dn, U));
		assert.deepEqual(g2[0], viewers(dn, U));

		// tab 2 closes: only tab 1 (same user as the closer) remains -> nothing
		t2.emit("doc_close", "ToDo", dn);
		await sync(t2);
		await H.sleep(500);
		assert.equal(g1.length, 1);

		// tab 2 opens again, then disconnects: again only the same user remains -> nothing
		t2.emit("doc_open", "ToDo", dn);
		await waitCount(g1, 2, "tab 1 after tab 2 reopened");
		t2.close();
		await H.sleep(800);
		await sync(t1);
		assert.equal(g1.length, 2, `no update expected: ${JSON.stringify(g1)}`);
		t1.close();
	});

	test("doc_close by another user updates the remaining viewer, not the closer", async () => {
		const dn = uniq("C");
		const a = await stack.connect(SITE1, { sid: "sysca" });
		const b = await stack.connect(SITE1, { sid: "syscb" });
		const [ga, gb] = [watch(a), watch(b)];
		await openSilently(stack, SITE1, a, dn);
		b.emit("doc_open", "ToDo", dn);
		await waitCount(ga, 1, "A after B opened");
		await waitCount(gb, 1, "B after B opened");
		b.emit("doc_close", "ToDo", dn);
		await waitCount(ga, 2, "A after B closed");
		assert.deepEqual(ga[1], viewers(dn, "sysca@example.com"));
		await sync(b);
		assert.equal(gb.length, 1);
		// B no longer receives what is sent to the open_doc room
		const none = H.expectNoEvent(b, "room_probe", 800);
		const got = H.waitForEvent(a, "room_probe", 5000);
		await H.emitViaRedis(stack.redis, { event: "room_probe", message: {}, room: `open_doc:ToDo/${dn}`, site: SITE1 });
		await Promise.all([got, none]);
		a.close();
		b.close();
	});

	test("after closing doc A, disconnecting still updates the viewers of doc B (Node bug fixed)", async () => {
		const docA = uniq("DA");
		const docB = uniq("DB");
		const leaver = await stack.connect(SITE1, { sid: "sysleaver" });
		const stayer = await stack.connect(SITE1, { sid: "sysstayer" });
		const g = watch(stayer);
		await openSilently(stack, SITE1, leaver, docA);
		await openSilently(stack, SITE1, leaver, docB);
		stayer.emit("doc_open", "ToDo", docB);
		await waitCount(g, 1, "stayer after it opened doc B");
		assert.deepEqual(g[0], viewers(docB, "sysleaver@example.com", "sysstayer@example.com"));

		leaver.emit("doc_close", "ToDo", docA);
		await sync(leaver);
		leaver.close();
		await waitCount(g, 2, "stayer after the leaver disconnected");
		assert.deepEqual(g[1], viewers(docB, "sysstayer@example.com"));
		stayer.close();
	});

	test("a denied doc_open (403) adds no viewer", async () => {
		const a = await stack.connect(SITE1, { sid: "sysdena" });
		const n = await stack.connect(SITE1, { sid: "noperm-viewer" });
		const [ga, gn] = [watch(a), watch(n)];
		await openSilently(stack, SITE1, a, "PRIVATE-OK");
		const calls = stack.stub.callsTo("frappe.realtime.has_permission").length;
		n.emit("doc_open", "ToDo", "PRIVATE-OK");
		await H.waitFor(() => stack.stub.callsTo("frappe.realtime.has_permission").length > calls, 8000);
		await H.sleep(800);
		assert.deepEqual(ga, []);
		assert.deepEqual(gn, []);
		// and a document the stub denies to everyone
		const b = await stack.connect(SITE1, { sid: "sysdenb" });
		const gb = watch(b);
		a.emit("doc_open", "ToDo", "PRIVATE");
		b.emit("doc_open", "ToDo", "PRIVATE");
		await H.sleep(1000);
		await sync(a);
		await sync(b);
		assert.deepEqual(ga, []);
		assert.deepEqual(gb, []);
		a.close();
		n.close();
		b.close();
	});

	test("doc_close sent while doc_open's permission check is in flight leaves no ghost viewer", async () => {
		const dn = uniq("G");
		const a = await stack.connect(SITE1, { sid: "sysghosta" });
		const b = await stack.connect(SITE1, { sid: "sysghostb" });
		const [ga, gb] = [watch(a), watch(b)];
		await openSilently(stack, SITE1, a, dn);
		stack.stub.setBehaviour({ delayMs: 700 }); // every permission answer takes 700 ms
		try {
			b.emit("doc_open", "ToDo", dn);
			b.emit("doc_close", "ToDo", dn); // the desk navigating on before the check returned
			await H.sleep(2000);
		} finally {
			stack.stub.setBehaviour({ delayMs: 0 });
		}
		await sync(a);
		// B is not in the open_doc room ...
		const none = H.expectNoEvent(b, "ghost_probe", 800);
		const got = H.waitForEvent(a, "ghost_probe", 5000);
		await H.emitViaRedis(stack.redis, { event: "ghost_probe", message: {}, room: `open_doc:ToDo/${dn}`, site: SITE1 });
		await Promise.all([got, none]);
		// ... and A was never told that B is viewing (at most that A is alone)
		for (const v of ga) assert.deepEqual(v.users, ["sysghosta@example.com"], JSON.stringify(ga));
		assert.deepEqual(gb, []);
		a.close();
		b.close();
	});

	test("a tab that disconnects while doc_open's permission check is in flight is no viewer", async () => {
		const dn = uniq("L");
		const a = await stack.connect(SITE1, { sid: "sysgonea" });
		const b = await stack.connect(SITE1, { sid: "sysgoneb" });
		const ga = watch(a);
		await openSilently(stack, SITE1, a, dn);
		stack.stub.setBehaviour({ delayMs: 700 });
		try {
			b.emit("doc_open", "ToDo", dn);
			await H.sleep(100);
			b.close();
			await H.sleep(1500);
		} finally {
			stack.stub.setBehaviour({ delayMs: 0 });
		}
		await sync(a);
		for (const v of ga) assert.deepEqual(v.users, ["sysgonea@example.com"], JSON.stringify(ga));
		// a newcomer sees only A
		const c = await stack.connect(SITE1, { sid: "sysgonec" });
		const gc = watch(c);
		c.emit("doc_open", "ToDo", dn);
		await waitCount(gc, 1, "newcomer");
		assert.deepEqual(gc[0], viewers(dn, "sysgonea@example.com", "sysgonec@example.com"));
		a.close();
		c.close();
	});

	test("viewers are per site: the same document open on another site is not counted", async () => {
		const dn = uniq("S");
		const one = await stack.connect(SITE1, { sid: "syssite" });
		const two = await stack.connect(SITE2, { sid: "syssite2" });
		const [g1, g2] = [watch(one), watch(two)];
		await openSilently(stack, SITE1, one, dn);
		await openSilently(stack, SITE2, two, dn);
		await H.sleep(300);
		assert.deepEqual(g1, []);
		assert.deepEqual(g2, []);
		// a second viewer on site2 produces an update there only
		const three = await stack.connect(SITE2, { sid: "syssite3" });
		const g3 = watch(three);
		three.emit("doc_open", "ToDo", dn);
		await waitCount(g2, 1, "site2 viewer after a second site2 viewer");
		await waitCount(g3, 1, "the second site2 viewer");
		assert.deepEqual(g2[0], viewers(dn, "syssite2@example.com", "syssite3@example.com"));
		await sync(one);
		assert.deepEqual(g1, []);
		one.close();
		two.close();
		three.close();
	});
});
