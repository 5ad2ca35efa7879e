"use strict";
// Cluster over sharded Pub/Sub (issue 15): two frappe-realtime nodes with
// --adapter redis-sharded and one Node socket.io 4.8 node with @socket.io/redis-adapter 8.3's
// createShardedAdapter (subscriptionMode "static") on one redis-server 7: the broadcast and
// request checks of cluster-interop.test.js (spec redis-adapter-interop.md section 5).
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const http = require("http");
const path = require("path");
const fs = require("fs");
const H = require("./lib/harness.js");

const SOURCE_DIR = process.env.RT_SOURCE_DIR || path.resolve(__dirname, "..", "..");
const SITE = "site1.localhost";
const NSP = `/${SITE}`;
const NODE_TIMEOUT = 5000; // the sharded adapter's fixed request timeout

function clusteropsApp() {
	const file = path.join(SOURCE_DIR, "tests", "fixtures", "apps", "clusterops", "realtime", "handlers.js");
	return { name: "clusterops", files: { "realtime/handlers.js": fs.readFileSync(file, "utf8") } };
}
const call = (socket, event, ...args) => socket.timeout(8000).emitWithAck(event, ...args);
let seq = 0;
const uniq = (p) => `${p}${Date.now().toString(36)}${++seq}`;

async function barrier(sockets, emit) {
	const name = uniq("barrier_");
	const got = sockets.map((s) => H.waitForEvent(s, name, 8000));
	await emit(name);
	await Promise.all(got);
}

async function startNodeServer(redis) {
	const { Server } = require("socket.io");
	const { createShardedAdapter } = require("@socket.io/redis-adapter");
	const { createClient } = require("redis");
	const pub = createClient({ url: redis.url });
	const sub = pub.duplicate();
	await Promise.all([pub.connect(), sub.connect()]);
	const httpServer = http.createServer();
	const io = new Server(httpServer, { adapter: createShardedAdapter(pub, sub, { subscriptionMode: "static" }) });
	const nsp = io.of(NSP);
	const serverSide = [];
	nsp.on("server_hello", (...args) => serverSide.push(args));
	nsp.on("connection", (socket) => {
		socket.on("join", (room, ack) => {
			socket.join(room);
			ack(true);
		});
	});
	await new Promise((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
	const port = httpServer.address().port;
	return {
		io,
		nsp,
		serverSide,
		connect: () => H.connectClient(`http://127.0.0.1:${port}${NSP}`, { transports: ["websocket"] }),
		async close() {
			io.close();
			await Promise.allSettled([pub.quit(), sub.quit()]);
		},
	};
}

describe("sharded cluster: our nodes and a Node createShardedAdapter node on Redis 7", () => {
	let redis, stub, ours1, ours2, node;
	let a, a2, b, n;
	before(async () => {
		redis = await H.startRedis();
		stub = await H.startStub({ installedApps: ["frappe", "clusterops"] });
		const opts = { redis, stub, sites: [SITE], apps: ["frappe", clusteropsApp()], extraArgs: ["--adapter", "redis-sharded"] };
		ours1 = await H.startStack(opts);
		ours2 = await H.startStack(opts);
		node = await startNodeServer(redis);
		a = await ours1.connect(SITE, { sid: "sysa" });
		a2 = await ours1.connect(SITE, { sid: "sysa2" });
		b = await ours2.connect(SITE, { sid: "sysb" });
		n = await node.connect();
		await H.waitFor(async () => (await node.nsp.adapter.serverCount()) === 3, 10000);
	});
	after(async () => {
		if (node) await node.close();
		if (ours1) await ours1.stop();
		if (ours2) await ours2.stop();
		if (stub) await stub.close();
		if (redis) await redis.stop();
	});
	const nodeBarrier = (sockets) => barrier(sockets, async (name) => node.nsp.emit(name));
	const oursBarrier = (sockets) => barrier(sockets, (name) => call(a, "c_emit", { event: name }));

	test("Node -> ours: all, rooms with '#' and non-ASCII names, except, binary; once", async () => {
		const room = uniq("doc #1 Grüße ✓ ");
		await call(a, "c_join", room);
		await call(b, "c_join", room);
		const all = [a, a2, b].map((s) => H.collectEvents(s, "n_all"));
		const inRoom = [a, a2, b].map((s) => H.collectEvents(s, "n_room"));
		const exc = [a, b].map((s) => H.collectEvents(s, "n_exc"));
		node.nsp.emit("n_all", "hello");
		node.nsp.to(room).emit("n_room", room);
		node.nsp.to(room).except(b.id).emit("n_exc", 1);
		const bin = H.waitForEvent(b, "n_bin", 8000, { all: true });
		node.nsp.emit("n_bin", Buffer.from([1, 2, 3]), { nested: Buffer.alloc(70000, 5) });
		const [b1, b2] = await bin;
		assert.deepEqual(Buffer.from(b1), Buffer.from([1, 2, 3]));
		assert.ok(Buffer.from(b2.nested).equals(Buffer.alloc(70000, 5)));
		await nodeBarrier([a, a2, b]);
		assert.deepEqual(all, [["hello"], ["hello"], ["hello"]]);
		assert.deepEqual(inRoom, [[room], [], [room]]);
		assert.deepEqual(exc, [[1], []]);
	});

	test("ours -> Node and ours -> ours: all, rooms, except, binary; once", async () => {
		const room = uniq("r#ë ");
		await new Promise((resolve) => n.emit("join", room, resolve));
		await call(b, "c_join", room);
		const all = [a, a2, b, n].map((s) => H.collectEvents(s, "o_all"));
		const inRoom = [a, a2, b, n].map((s) => H.collectEvents(s, "o_room"));
		const exc = [b, n].map((s) => H.collectEvents(s, "o_exc"));
		await call(a, "c_emit", { event: "o_all" }, "x");
		await call(a, "c_emit", { event: "o_room", rooms: [room] }, "y");
		await call(a, "c_emit", { event: "o_exc", rooms: [room], except: [n.id] }, 2);
		const bin = H.waitForEvent(n, "o_bin", 8000);
		await call(a, "c_emit", { event: "o_bin" }, Buffer.from([9, 8]));
		assert.deepEqual(Buffer.from(await bin), Buffer.from([9, 8]));
		await oursBarrier([a, a2, b, n]);
		assert.deepEqual(all, [["x"], ["x"], ["x"], ["x"]]);
		assert.deepEqual(inRoom, [[], [], ["y"], ["y"]]);
		assert.deepEqual(exc, [[2], []]);
	});

	test("socketsJoin / socketsLeave / disconnectSockets both ways", async () => {
		const room = uniq("joined#");
		node.nsp.in(b.id).socketsJoin(room);
		await H.waitFor(async () => (await call(b, "c_rooms")).includes(room), 8000);
		node.nsp.in(b.id).socketsLeave(room);
		await H.waitFor(async () => !(await call(b, "c_rooms")).includes(room), 8000);
		const mine = uniq("ours-joined ");
		await call(a, "c_sockets_join", { rooms: [n.id, b.id], room: mine });
		await H.waitFor(() => node.nsp.sockets.get(n.id).rooms.has(mine), 8000);
		await H.waitFor(async () => (await call(b, "c_rooms")).includes(mine), 8000);

		const victim = await ours2.connect(SITE, { sid: "sysvictim" });
		const kick = uniq("kick");
		await call(victim, "c_join", kick);
		const gone = H.waitForEvent(victim, "disconnect", 8000);
		node.nsp.in(kick).disconnectSockets(true);
		assert.equal(await gone, "transport close");
		const n2 = await node.connect();
		const kick2 = uniq("kick-node");
		await new Promise((resolve) => n2.emit("join", kick2, resolve));
		const gone2 = H.waitForEvent(n2, "disconnect", 8000);
		await call(a, "c_disconnect", { rooms: [kick2] });
		assert.equal(await gone2, "io server disconnect");
	});

	test("fetchSockets both ways and serverCount, before the timeout", async () => {
		const room = uniq("fetch ");
		await new Promise((resolve) => n.emit("join", room, resolve));
		await call(a, "c_join", room);
		await call(b, "c_join", room);
		const t0 = Date.now();
		const sockets = await node.nsp.in(room).fetchSockets();
		assert.ok(Date.now() - t0 < NODE_TIMEOUT - 1000, "answered, not timed out");
		assert.deepEqual(sockets.map((s) => s.id).sort(), [a.id, b.id, n.id].sort());
		assert.equal(sockets.find((s) => s.id === b.id).data.user, "sysb@example.com");
		const t1 = Date.now();
		const list = await call(a, "c_fetch", { rooms: [room] });
		assert.ok(!list.error, list.error);
		assert.ok(Date.now() - t1 < 3000);
		assert.deepEqual(list.map((s) => s.id).sort(), [a.id, b.id, n.id].sort());
		assert.equal(await node.nsp.adapter.serverCount(), 3);
	});

	test("Node emitWithAck collects the acks of our clients", async () => {
		for (const [s, name] of [[a, "a"], [a2, "a2"], [b, "b"], [n, "n"]]) s.on("ask", (x, ack) => ack(`${name}:${x}`));
		const t0 = Date.now();
		const answers = await node.nsp.timeout(3000).emitWithAck("ask", 7);
		assert.ok(Date.now() - t0 < 3000);
		assert.deepEqual(answers.sort(), ["a2:7", "a:7", "b:7", "n:7"]);
	});

	test("our emitWithAck / timeout().emit(cb) collect the acks of clients of every node", async () => {
		for (const [s, name] of [[a, "a"], [a2, "a2"], [b, "b"], [n, "n"]]) s.on("o_ask", (x, ack) => ack(`${name}:${x}`));
		const t0 = Date.now();
		const all = await call(a, "c_emit_ack", { event: "o_ask", timeout: 3000 }, 5);
		assert.equal(all.error, undefined, all.error);
		assert.ok(Date.now() - t0 < 3000, "complete once every node's clients answered");
		assert.deepEqual(all.responses.sort(), ["a2:5", "a:5", "b:5", "n:5"]);
		// binary ack arguments (BROADCAST_ACK in msgpack), callback form
		for (const [s, byte] of [[b, 1], [n, 2]]) s.on("o_askbin", (ack) => ack(Buffer.from([byte])));
		a.on("o_askbin", (ack) => ack(Buffer.from([3])));
		const bin = await call(a2, "c_emit_ack", { event: "o_askbin", except: [a2.id], timeout: 3000, form: "cb" });
		assert.equal(bin.error, undefined, bin.error);
		assert.deepEqual(bin.responses.map((x) => Buffer.from(x)[0]).sort(), [1, 2, 3]);
	});

	test("our serverSideEmitWithAck says it is not supported in the sharded mode", async () => {
		const res = await call(a, "c_server_side_emit_ack", ["server_ask", 1]);
		assert.equal(res.error, "serverSideEmitWithAck is not supported with --adapter redis-sharded");
		assert.deepEqual(res.responses, []);
	});

	test("serverSideEmit both ways", async () => {
		const mark = ours1.server.mark();
		node.nsp.serverSideEmit("node_hello", 42);
		await ours1.server.waitForLog(/server-side event "node_hello" from node \S+ on \/site1\.localhost/, 8000, { since: mark });
		const before = node.serverSide.length;
		await call(a, "c_server_side_emit", ["server_hello", { from: "ours" }]);
		await H.waitFor(() => node.serverSide.length > before, 8000);
		assert.deepEqual(node.serverSide[node.serverSide.length - 1], [{ from: "ours" }]);
		const health = JSON.parse((await H.httpRequest({ port: ours1.port, path: "/health" })).text).cluster;
		assert.equal(health.adapter, "redis-sharded");
		assert.equal(health.linked, true);
		assert.equal(health.requestTimeouts, 0);
	});
});
