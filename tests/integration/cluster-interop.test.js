"use strict";
// Cluster (issue 15): two frappe-realtime nodes with --adapter redis and one Node socket.io 4.8
// node with @socket.io/redis-adapter 8.3 on one real redis-server, socket.io-client clients on
// each (spec redis-adapter-interop.md section 9). Our nodes act through the `clusterops` test
// app (tests/fixtures/apps/clusterops), whose events call the namespace's socket.io API.
//
// Covers: Node -> ours and ours -> Node broadcasts (all, rooms, except, binary, non-ASCII and
// '#' in room names, payloads over 64 KiB); ours -> ours; no double delivery of a node's own
// broadcast; socketsJoin / socketsLeave / disconnectSockets both ways; Node's fetchSockets,
// allRooms and serverCount including our nodes, answered before requestsTimeout;
// fetchSockets from our node including Node's and the other node's sockets; Node's
// emitWithAck collecting the acks of our clients; our nodes' emitWithAck / timeout().emit(cb)
// collecting the acks of Node's and the other node's clients; serverSideEmit both ways; the emitter.
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const http = require("http");
const path = require("path");
const fs = require("fs");
const H = require("./lib/harness.js");

const SOURCE_DIR = process.env.RT_SOURCE_DIR || path.resolve(__dirname, "..", "..");
const SITE = "site1.localhost";
const NSP = `/${SITE}`;
const REQUESTS_TIMEOUT = 3000; // Node's requestsTimeout: an answer after this is a failure

function clusteropsApp() {
	const file = path.join(SOURCE_DIR, "tests", "fixtures", "apps", "clusterops", "realtime", "handlers.js");
	return { name: "clusterops", files: { "realtime/handlers.js": fs.readFileSync(file, "utf8") } };
}

const call = (socket, event, ...args) => socket.timeout(8000).emitWithAck(event, ...args);

let seq = 0;
const uniq = (p) => `${p}${Date.now().toString(36)}${++seq}`;

/** Resolves with the next `name` event's arguments; counts later ones in .extra. */
function nextEvent(socket, name, ms = 8000) {
	return H.waitForEvent(socket, name, ms, { all: true });
}

/**
 * Sends a marker broadcast to everyone from `emit` and waits until every socket in `sockets`
 * got it: Redis delivers one publisher's messages in order, so whatever an earlier broadcast
 * of the same node would have brought has arrived by then.
 */
async function barrier(sockets, emit) {
	const name = uniq("barrier_");
	const got = sockets.map((s) => H.waitForEvent(s, name, 8000));
	await emit(name);
	await Promise.all(got);
}

async function startNodeServer(redis) {
	const { Server } = require("socket.io");
	const { createAdapter } = require("@socket.io/redis-adapter");
	const { createClient } = require("redis");
	const pub = createClient({ url: redis.url });
	const sub = pub.duplicate();
	await Promise.all([pub.connect(), sub.connect()]);
	const httpServer = http.createServer();
	const io = new Server(httpServer, { adapter: createAdapter(pub, sub, { requestsTimeout: REQUESTS_TIMEOUT }) });
	const nsp = io.of(NSP);
	const serverSide = [];
	nsp.on("server_hello", (...args) => serverSide.push(args));
	nsp.on("server_ask", (x, cb) => cb(`node:${x}`));
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
		port,
		serverSide,
		connect: () => H.connectClient(`http://127.0.0.1:${port}${NSP}`, { transports: ["websocket"] }),
		async close() {
			io.close();
			await Promise.allSettled([pub.quit(), sub.quit()]);
		},
	};
}

describe("cluster: our nodes and a Node socket.io node on one Redis", () => {
	let redis, stub, ours1, ours2, node;
	let a, a2, b, n; // clients: a, a2 on ours1; b on ours2; n on the Node node

	before(async () => {
		redis = await H.startRedis();
		stub = await H.startStub({ installedApps: ["frappe", "clusterops"] });
		const opts = { redis, stub, sites: [SITE], apps: ["frappe", clusteropsApp()], extraArgs: ["--adapter", "redis"] };
		ours1 = await H.startStack(opts);
		ours2 = await H.startStack({ ...opts, extraArgs: [...opts.extraArgs, "--metrics-port", "0"] });
		node = await startNodeServer(redis);
		a = await ours1.connect(SITE, { sid: "sysa" });
		a2 = await ours1.connect(SITE, { sid: "sysa2" });
		b = await ours2.connect(SITE, { sid: "sysb" });
		n = await node.connect();
		// Each of our nodes subscribes to the namespace's request channel once its first
		// socket is there: three servers answer from now on.
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

	test("Node -> ours: io.emit reaches every client of our nodes once", async () => {
		const got = [a, a2, b].map((s) => H.collectEvents(s, "n_all"));
		node.nsp.emit("n_all", "hello", { n: 1, s: "ünïcode ✓" });
		await H.waitFor(() => got.every((g) => g.length >= 1), 8000);
		await nodeBarrier([a, a2, b]);
		for (const g of got) assert.deepEqual(g, ["hello"]);
	});

	test("Node -> ours: rooms with '#' and non-ASCII names, except, and a positive control", async () => {
		const room = uniq("doc #1 Grüße ✓ ");
		await call(a, "c_join", room);
		await call(b, "c_join", room);
		const inRoom = [a, b].map((s) => H.collectEvents(s, "n_room"));
		const outside = H.collectEvents(a2, "n_room");
		node.nsp.to(room).emit("n_room", room);
		await H.waitFor(() => inRoom.every((g) => g.length === 1), 8000);
		// except: b's socket id is a room of its own
		const exc = [a, b].map((s) => H.collectEvents(s, "n_except"));
		node.nsp.to(room).except(b.id).emit("n_except", 1);
		await nodeBarrier([a, a2, b]);
		assert.deepEqual(inRoom, [[room], [room]]);
		assert.deepEqual(outside, [], "a2 is not in the room");
		assert.deepEqual(exc, [[1], []]);
	});

	test("Node -> ours: binary payloads and payloads over 64 KiB", async () => {
		const big = "x".repeat(70 * 1024);
		const blob = Buffer.alloc(70000, 7);
		const p = nextEvent(a, "n_bin");
		node.nsp.emit("n_bin", Buffer.from([1, 2, 3]), { nested: Buffer.from("hi"), big }, blob);
		const [bin, obj, bigBlob] = await p;
		assert.deepEqual(Buffer.from(bin), Buffer.from([1, 2, 3]));
		assert.deepEqual(Buffer.from(obj.nested), Buffer.from("hi"));
		assert.equal(obj.big, big);
		assert.ok(Buffer.from(bigBlob).equals(blob));
	});

	test("ours -> Node and ours -> ours: broadcasts with rooms, except, binary, big payloads, once", async () => {
		const room = uniq("r#ë ");
		await new Promise((resolve) => n.emit("join", room, resolve));
		await call(b, "c_join", room);
		// all
		const all = [a, a2, b, n].map((s) => H.collectEvents(s, "o_all"));
		await call(a, "c_emit", { event: "o_all" }, "from-ours", { k: "ß" });
		await H.waitFor(() => all.every((g) => g.length >= 1), 8000);
		// room, except, binary, big
		const big = "y".repeat(70 * 1024);
		const roomEv = [a, a2, b, n].map((s) => H.collectEvents(s, "o_room"));
		await call(a, "c_emit", { event: "o_room", rooms: [room] }, big);
		const exc = [b, n].map((s) => H.collectEvents(s, "o_exc"));
		await call(a, "c_emit", { event: "o_exc", rooms: [room], except: [n.id] }, 2);
		const binP = nextEvent(n, "o_bin");
		const binB = nextEvent(b, "o_bin");
		await call(a, "c_emit", { event: "o_bin" }, Buffer.from([0, 255, 9]), { blob: Buffer.alloc(70000, 3) });
		const [[nb, nobj], [bb]] = await Promise.all([binP, binB]);
		assert.deepEqual(Buffer.from(nb), Buffer.from([0, 255, 9]));
		assert.ok(Buffer.from(nobj.blob).equals(Buffer.alloc(70000, 3)));
		assert.deepEqual(Buffer.from(bb), Buffer.from([0, 255, 9]));
		await oursBarrier([a, a2, b, n]);
		for (const g of all) assert.deepEqual(g, ["from-ours"], "each client once, the sender's node included");
		assert.deepEqual(roomEv.map((g) => g.length), [0, 0, 1, 1]);
		assert.equal(roomEv[3][0], big);
		assert.deepEqual(exc, [[2], []]);
	});

	test("socket.broadcast from our node skips only the sender, cluster-wide", async () => {
		const got = [a, a2, b, n].map((s) => H.collectEvents(s, "o_bc"));
		await call(a, "c_broadcast", "o_bc", 5);
		await oursBarrier([a, a2, b, n]);
		assert.deepEqual(got, [[], [5], [5], [5]]);
	});

	test("Node socketsJoin / socketsLeave / disconnectSockets act on our sockets", async () => {
		const room = uniq("joined#");
		node.nsp.in(b.id).socketsJoin(room);
		await H.waitFor(async () => (await call(b, "c_rooms")).includes(room), 8000);
		const got = H.collectEvents(b, "n_joined");
		node.nsp.to(room).emit("n_joined", 1);
		await H.waitFor(() => got.length === 1, 8000);
		node.nsp.in(b.id).socketsLeave(room);
		await H.waitFor(async () => !(await call(b, "c_rooms")).includes(room), 8000);

		const kick = uniq("kick");
		const victim = await ours2.connect(SITE, { sid: "sysvictim" });
		await call(victim, "c_join", kick);
		const gone = H.waitForEvent(victim, "disconnect", 8000);
		node.nsp.in(kick).disconnectSockets(true);
		assert.equal(await gone, "transport close");
		assert.ok(b.connected, "the others stay");
	});

	test("our socketsJoin / socketsLeave / disconnectSockets act on Node's and our sockets", async () => {
		const room = uniq("ours-joined ");
		await call(a, "c_sockets_join", { rooms: [n.id, b.id, a2.id], room });
		const nodeSocket = node.nsp.sockets.get(n.id);
		await H.waitFor(() => nodeSocket.rooms.has(room), 8000);
		await H.waitFor(async () => (await call(b, "c_rooms")).includes(room), 8000);
		assert.ok((await call(a2, "c_rooms")).includes(room), "applied on the issuing node too");
		await call(a, "c_sockets_leave", { rooms: [room], room });
		await H.waitFor(() => !nodeSocket.rooms.has(room), 8000);
		await H.waitFor(async () => !(await call(b, "c_rooms")).includes(room), 8000);
		assert.ok(!(await call(a2, "c_rooms")).includes(room));

		const n2 = await node.connect();
		const kick = uniq("kick-node");
		await new Promise((resolve) => n2.emit("join", kick, resolve));
		const gone = H.waitForEvent(n2, "disconnect", 8000);
		await call(a, "c_disconnect", { rooms: [kick], close: false });
		assert.equal(await gone, "io server disconnect");
		assert.ok(n.connected);
	});

	test("Node fetchSockets, allRooms and serverCount include our nodes, before requestsTimeout", async () => {
		const room = uniq("fetch ");
		await call(a, "c_join", room);
		await call(b, "c_join", room);
		const t0 = Date.now();
		const sockets = await node.nsp.in(room).fetchSockets();
		assert.ok(Date.now() - t0 < REQUESTS_TIMEOUT, "answered, not timed out");
		assert.deepEqual(sockets.map((s) => s.id).sort(), [a.id, b.id].sort());
		const remoteB = sockets.find((s) => s.id === b.id);
		assert.ok(remoteB.rooms.has(room) && remoteB.rooms.has(b.id));
		assert.equal(remoteB.data.user, "sysb@example.com");
		assert.equal(remoteB.handshake.headers["x-frappe-site-name"], SITE);

		const all = await node.nsp.fetchSockets();
		for (const s of [a, a2, b, n]) assert.ok(all.some((x) => x.id === s.id), `fetchSockets has ${s.id}`);

		const t1 = Date.now();
		const rooms = await node.nsp.adapter.allRooms();
		assert.ok(Date.now() - t1 < REQUESTS_TIMEOUT);
		assert.ok(rooms.has(room) && rooms.has(a.id) && rooms.has(b.id));
		assert.equal(await node.nsp.adapter.serverCount(), 3);
	});

	test("fetchSockets from our node includes Node's and the other node's sockets", async () => {
		const room = uniq("ofetch");
		await new Promise((resolve) => n.emit("join", room, resolve));
		await call(b, "c_join", room);
		await call(a, "c_join", room);
		const t0 = Date.now();
		const list = await call(a, "c_fetch", { rooms: [room] });
		assert.ok(!list.error, list.error);
		assert.ok(Date.now() - t0 < 5000);
		assert.deepEqual(list.map((s) => s.id).sort(), [a.id, b.id, n.id].sort());
		assert.ok(list.find((s) => s.id === n.id).rooms.includes(room));
		assert.equal(list.find((s) => s.id === b.id).data.user, "sysb@example.com");
	});

	test("Node emitWithAck collects the acks of our clients", async () => {
		for (const [s, name] of [[a, "a"], [a2, "a2"], [b, "b"], [n, "n"]]) s.on("ask", (x, ack) => ack(`${name}:${x}`));
		const t0 = Date.now();
		const answers = await node.nsp.timeout(REQUESTS_TIMEOUT).emitWithAck("ask", 7);
		assert.ok(Date.now() - t0 < REQUESTS_TIMEOUT);
		assert.deepEqual(answers.sort(), ["a2:7", "a:7", "b:7", "n:7"]);
		// binary ack arguments survive (BROADCAST_ACK is msgpack)
		b.on("askbin", (ack) => ack(Buffer.from([4, 5])));
		const room = uniq("ackroom");
		await call(b, "c_join", room);
		const bin = await node.nsp.to(room).timeout(REQUESTS_TIMEOUT).emitWithAck("askbin");
		assert.deepEqual(bin.map((x) => Buffer.from(x)), [Buffer.from([4, 5])]);
	});

	test("our emitWithAck / timeout().emit(cb) collect the acks of clients of every node", async () => {
		for (const [s, name] of [[a, "a"], [a2, "a2"], [b, "b"], [n, "n"]]) s.on("o_ask", (x, ack) => ack(`${name}:${x}`));
		const t0 = Date.now();
		const all = await call(a2, "c_emit_ack", { event: "o_ask", timeout: REQUESTS_TIMEOUT }, 5);
		assert.equal(all.error, undefined, all.error);
		assert.ok(Date.now() - t0 < REQUESTS_TIMEOUT, "complete once every node's clients answered");
		assert.deepEqual(all.responses.sort(), ["a2:5", "a:5", "b:5", "n:5"]);

		// callback form, one room across the Node node and our other node, binary ack arguments
		const room = uniq("oackroom");
		await new Promise((resolve) => n.emit("join", room, resolve));
		await call(b, "c_join", room);
		for (const [s, byte] of [[b, 1], [n, 2], [a, 3]]) s.on("o_askbin", (ack) => ack(Buffer.from([byte, 9])));
		const bin = await call(a, "c_emit_ack", { event: "o_askbin", rooms: [room], timeout: REQUESTS_TIMEOUT, form: "cb" });
		assert.equal(bin.error, undefined, bin.error);
		assert.deepEqual(bin.responses.map((x) => Buffer.from(x)[0]).sort(), [1, 2], "b and n answered, a is not in the room");

		// a client that never answers: the timeout ends it with socket.io's error and the answers that came
		b.on("o_silent", () => {});
		n.on("o_silent", (ack) => ack("n"));
		const t1 = Date.now();
		const partial = await call(a, "c_emit_ack", { event: "o_silent", rooms: [room], timeout: 1000 });
		assert.equal(partial.error, "operation has timed out");
		assert.deepEqual(partial.responses, ["n"]);
		assert.ok(Date.now() - t1 >= 900);
	});

	test("serverSideEmit: Node -> ours is logged, ours -> Node reaches its listener", async () => {
		const mark1 = ours1.server.mark();
		const mark2 = ours2.server.mark();
		node.nsp.serverSideEmit("node_hello", 42);
		await ours1.server.waitForLog(/server-side event "node_hello" from node \S+ on \/site1\.localhost/, 8000, { since: mark1 });
		await ours2.server.waitForLog(/server-side event "node_hello"/, 8000, { since: mark2 });
		const before = node.serverSide.length;
		await call(a, "c_server_side_emit", ["server_hello", { from: "ours" }]);
		await H.waitFor(() => node.serverSide.length > before, 8000);
		assert.deepEqual(node.serverSide[node.serverSide.length - 1], [{ from: "ours" }]);
	});

	test("/health shows the node's cluster link and traffic", async () => {
		const res = await H.httpRequest({ port: ours1.port, path: "/health" });
		const cluster = JSON.parse(res.text).cluster;
		assert.equal(cluster.adapter, "redis");
		assert.equal(cluster.linked, true);
		assert.match(cluster.uid, /^[A-Za-z0-9_-]{20}$/);
		assert.deepEqual(cluster.namespaces, [NSP]);
		assert.ok(cluster.broadcastsOut > 0 && cluster.broadcastsIn > 0 && cluster.requestsIn > 0);
		assert.equal(cluster.requestTimeouts, 0);
		const single = await H.httpRequest({ port: ours1.port, path: "/health" });
		assert.ok(JSON.parse(single.text).cluster.responsesOut > 0);
		// the nodes seen on the channels (the monitor's Cluster tab): the other node of ours and Node's
		// (a node is seen once it publishes: make ours2 broadcast, then Node)
		await call(b, "c_emit", { event: uniq("seen_") });
		node.nsp.emit(uniq("seen_"));
		const other = JSON.parse((await H.httpRequest({ port: ours2.port, path: "/health" })).text).cluster;
		const expected = [other.uid, node.nsp.adapter.uid].sort();
		let nodes = [];
		await H.waitFor(async () => {
			nodes = JSON.parse((await H.httpRequest({ port: ours1.port, path: "/health" })).text).cluster.nodes;
			return nodes.length === 2;
		}, 8000);
		assert.deepEqual(nodes.map((x) => x.uid).sort(), expected);
		assert.ok(nodes.every((x) => x.messagesIn > 0 && x.lastSeenMs <= Date.now()));
	});

	test("our serverSideEmitWithAck gets Node's answer; our other node has no listener", async () => {
		// Node's listener answers; ours2 has no server-side listeners (as a Node node without
		// one, it does not answer), so the request ends at requestsTimeout (5 s) with Node's text.
		const t0 = Date.now();
		const res = await call(a, "c_server_side_emit_ack", ["server_ask", 3]);
		assert.equal(res.error, "timeout reached: only 1 responses received out of 2");
		assert.deepEqual(res.responses, ["node:3"]);
		assert.ok(Date.now() - t0 >= 4500);
	});

	test("Frappe events: each node delivers to its own clients, once, never through the cluster", async () => {
		const event = uniq("frappe_ev");
		const got = [a, a2, b, n].map((s) => H.collectEvents(s, event));
		const before = JSON.parse((await H.httpRequest({ port: ours1.port, path: "/health" })).text).cluster.broadcastsOut;
		await H.emitViaRedis(redis, { event, message: { v: 1 }, room: "", site: SITE });
		await H.waitFor(() => got[0].length && got[1].length && got[2].length, 8000);
		await oursBarrier([a, a2, b, n]);
		assert.deepEqual(got.map((g) => g.length), [1, 1, 1, 0], "once on each of our clients; Node's node does not read `events`");
		const after = JSON.parse((await H.httpRequest({ port: ours1.port, path: "/health" })).text).cluster.broadcastsOut;
		assert.equal(after - before, 1, "only the barrier was published to the cluster");
	});

	test("/metrics has the cluster's link and traffic", async () => {
		const port = Number((await ours2.server.waitForLog(/Prometheus metrics on: http:\/\/127\.0\.0\.1:(\d+)\/metrics/, 5000))[1]);
		const text = (await H.httpRequest({ port, path: "/metrics" })).text;
		assert.match(text, /^frappe_realtime_cluster_up\{node="[A-Za-z0-9_-]{20}"\} 1$/m);
		const inbound = Number(/^frappe_realtime_cluster_broadcasts_total\{direction="in"\} (\d+)$/m.exec(text)[1]);
		assert.ok(inbound > 0, text);
		assert.match(text, /^frappe_realtime_cluster_request_timeouts_total 0$/m);
	});

	test("@socket.io/redis-emitter reaches our clients; an unknown namespace is ignored", async () => {
		const { Emitter } = require("@socket.io/redis-emitter");
		const { createClient } = require("redis");
		const client = createClient({ url: redis.url });
		await client.connect();
		try {
			const emitter = new Emitter(client).of(NSP);
			const room = uniq("emitroom");
			await call(b, "c_join", room);
			const got = nextEvent(b, "from_emitter");
			emitter.to(room).emit("from_emitter", { x: 1 });
			// Recovery is on by default: like socket.io, a broadcast from the
			// emitter reaches our clients with its recovery offset as last argument.
			const [payload, offset, ...rest] = await got;
			assert.deepEqual(payload, { x: 1 });
			assert.match(offset, /^[A-Za-z0-9_-]+\.\d+$/);
			assert.deepEqual(rest, []);
			new Emitter(client).of("/no-such-site").emit("nowhere", 1);
			const all = [a, b].map((s) => nextEvent(s, "emit_all"));
			emitter.emit("emit_all", "z");
			for (const args of await Promise.all(all)) {
				assert.equal(args[0], "z");
				assert.match(args[1], /^[A-Za-z0-9_-]+\.\d+$/);
			}
			// emitter socketsJoin (no uid in the request)
			const joined = uniq("emjoin");
			emitter.in(b.id).socketsJoin(joined);
			await H.waitFor(async () => (await call(b, "c_rooms")).includes(joined), 8000);
		} finally {
			await client.quit();
		}
		assert.ok(ours1.server.proc.exitCode === null && ours2.server.proc.exitCode === null);
	});
});
