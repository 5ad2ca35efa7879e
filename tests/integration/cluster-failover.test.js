"use strict";
// Cluster (issue 15) with our nodes only: doc_viewers lists the viewers of every node (Node's
// Frappe server lists its own node's only), Redis going away and coming back, and a node
// killed without costing the others anything.
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const path = require("path");
const fs = require("fs");
const H = require("./lib/harness.js");

const SOURCE_DIR = process.env.RT_SOURCE_DIR || path.resolve(__dirname, "..", "..");
const SITE = "site1.localhost";
const NSP = `/${SITE}`;

function clusteropsApp() {
	const file = path.join(SOURCE_DIR, "tests", "fixtures", "apps", "clusterops", "realtime", "handlers.js");
	return { name: "clusterops", files: { "realtime/handlers.js": fs.readFileSync(file, "utf8") } };
}

const call = (socket, event, ...args) => socket.timeout(8000).emitWithAck(event, ...args);
let seq = 0;
const uniq = (p) => `${p}${Date.now().toString(36)}${++seq}`;

async function numSub(redis, channel) {
	const reply = await redis.command("PUBSUB", "NUMSUB", channel);
	return Number(reply[1]);
}

/** doc_open that produces no doc_viewers: wait until the socket really is in the room. */
async function openDoc(redis, socket, docname) {
	socket.emit("doc_open", "ToDo", docname);
	const room = `open_doc:ToDo/${docname}`;
	const event = uniq("probe_");
	const got = H.waitForEvent(socket, event, 8000);
	const publish = () => H.emitViaRedis(redis, { event, message: {}, room, site: SITE }).catch(() => {});
	publish();
	const timer = setInterval(publish, 200);
	try {
		await got;
	} finally {
		clearInterval(timer);
	}
}

describe("cluster of our nodes: doc_viewers, Redis restart, a node killed", () => {
	let redis, stub, ours1, ours2;
	before(async () => {
		redis = await H.startRedis();
		stub = await H.startStub({ installedApps: ["frappe", "clusterops"] });
		const opts = { redis, stub, sites: [SITE], apps: ["frappe", clusteropsApp()], extraArgs: ["--adapter", "redis"] };
		ours1 = await H.startStack(opts);
		ours2 = await H.startStack(opts);
	});
	after(async () => {
		if (ours1) await ours1.stop();
		if (ours2) await ours2.stop();
		if (stub) await stub.close();
		if (redis) await redis.stop();
	});

	test("doc_viewers lists the viewers of both nodes, and a viewer leaving the other node", async () => {
		const dn = uniq("CV");
		const a = await ours1.connect(SITE, { sid: "sysca" });
		const a2 = await ours1.connect(SITE, { sid: "syscc" }); // on ours1 but not viewing
		const seenA = H.collectEvents(a, "doc_viewers");
		const seenA2 = H.collectEvents(a2, "doc_viewers");
		await openDoc(redis, a, dn); // alone: nothing is emitted
		const b = await ours2.connect(SITE, { sid: "syscb" }); // the only socket of the site on ours2
		const seenB = H.collectEvents(b, "doc_viewers");
		b.emit("doc_open", "ToDo", dn);
		const both = { doctype: "ToDo", docname: dn, users: ["sysca@example.com", "syscb@example.com"] };
		await H.waitFor(() => seenA.length === 1 && seenB.length === 1, 8000).catch((e) => {
			throw new Error(`${e.message}: a got ${JSON.stringify(seenA)}, b got ${JSON.stringify(seenB)}`);
		});
		assert.deepEqual(seenA, [both], "the viewer on the other node sees both");
		assert.deepEqual(seenB, [both]);
		// B leaves: ours2 has no socket of the site any more, ours1's viewer still hears it.
		b.close();
		await H.waitFor(() => seenA.length === 2, 8000).catch((e) => {
			throw new Error(`${e.message}: a got ${JSON.stringify(seenA)}`);
		});
		assert.deepEqual(seenA[1], { doctype: "ToDo", docname: dn, users: ["sysca@example.com"] });
		assert.deepEqual(seenA2, [], "not in the room");
		a.close();
		a2.close();
	});

	test("Redis restarting: the nodes resubscribe and broadcasts flow again", async () => {
		const a = await ours1.connect(SITE, { sid: "sysra" });
		const b = await ours2.connect(SITE, { sid: "sysrb" });
		await H.waitFor(async () => (await numSub(redis, `socket.io-request#${NSP}#`)) === 2, 8000);
		const mark = ours1.server.mark();
		await redis.stop();
		// A broadcast while Redis is gone: delivered locally, its publish fails with a logged reason.
		const local = H.waitForEvent(a, "during_outage", 8000);
		await call(a, "c_emit", { event: "during_outage" }, 1);
		await local;
		await ours1.server.waitForLog(/cluster: publish failed/, 8000, { since: mark });
		await redis.restart();
		await H.waitFor(async () => (await numSub(redis, `socket.io-request#${NSP}#`)) === 2, 15000);
		const got = H.collectEvents(b, "after_restart");
		// The pattern subscription comes back with the same connect: poll until it delivers.
		await H.waitFor(async () => {
			await call(a, "c_emit", { event: "after_restart" }, 2);
			return got.length > 0;
		}, 15000, 200);
		assert.equal(got[0], 2);
		a.close();
		b.close();
	});

	test("a node killed: the other node's requests do not wait for it, its clients resume elsewhere", async () => {
		const a = await ours1.connect(SITE, { sid: "syska" });
		const b = await ours2.connect(SITE, { sid: "syskb" });
		const room = uniq("survivors");
		await call(a, "c_join", room);
		await call(b, "c_join", room);
		let list = await call(b, "c_fetch", { rooms: [room] });
		assert.deepEqual(list.map((s) => s.id).sort(), [a.id, b.id].sort(), "positive control: both nodes answer");
		const down = H.waitForEvent(a, "disconnect", 8000);
		ours1.server.kill("SIGKILL");
		await down;
		await H.waitFor(async () => (await numSub(redis, `socket.io-request#${NSP}#`)) === 1, 8000);
		const t0 = Date.now();
		list = await call(b, "c_fetch", { rooms: [room] });
		assert.ok(Date.now() - t0 < 2000, "no wait for the dead node's answer");
		assert.deepEqual(list.map((s) => s.id), [b.id]);
		// The client comes back through another node (a sticky proxy would send it there) and
		// gets its rooms back through the normal flow.
		const back = await ours2.connect(SITE, { sid: "syska" });
		await call(back, "c_join", room);
		const got = H.waitForEvent(back, "welcome_back", 8000);
		await call(b, "c_emit", { event: "welcome_back", rooms: [room] }, "hi");
		assert.equal(await got, "hi");
		ours1 = null; // killed
	});

	test("a wrong adapter setting stops the start with a clear message", async () => {
		const bench = H.makeBench({ sites: [SITE], config: { redis_queue: redis.url, realtime_adapter: "redis-cluster" } });
		const fromBench = await H.startServer(["--no-gui", "--bench", bench.dir, "--host", "127.0.0.1", "--port", "0"]).then(
			() => assert.fail("started"),
			(e) => e,
		);
		assert.match(fromBench.logs || fromBench.message, /expected local, redis or redis-sharded, got 'redis-cluster'/);
		const fromCli = await H.startServer(["--no-gui", "--bench", bench.dir, "--port", "0", "--adapter", "bogus"]).then(
			() => assert.fail("started"),
			(e) => e,
		);
		assert.match(fromCli.logs || fromCli.message, /--adapter: expected local, redis or redis-sharded, got 'bogus'/);
		const noRedis = await H.startServer(["--no-gui", "--bench", bench.dir, "--host", "127.0.0.1", "--port", "0", "--adapter", "redis", "--redis", "none"]).then(
			() => assert.fail("started"),
			(e) => e,
		);
		assert.match(noRedis.logs || noRedis.message, /--adapter redis needs a Redis server/);
	});
});
