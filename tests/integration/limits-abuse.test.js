"use strict";
// Abuse limits (issue 7), configured through common_site_config.json keys (the CLI flags are
// separate): total and per-address connections (503 naming the limit), HTTP header size (431),
// rooms per socket (further joins refused with a log line), and the per-client outbound buffer
// (clients that never read are cut off with a logged reason; the server's RSS stays bounded).
const { describe, test, after } = require("node:test");
const assert = require("node:assert/strict");
const net = require("net");
const { spawnSync } = require("child_process");
const H = require("./lib/harness.js");
const F = require("./lib/faults.js");

const SITE = "site1.localhost";
const HEADERS = { Cookie: "sid=sys1", Origin: "http://127.0.0.1", "X-Frappe-Site-Name": SITE };

/** Opens n idle TCP connections that the server has accepted (it answers nothing yet). */
async function openIdle(port, n) {
	const socks = [];
	for (let i = 0; i < n; i++) {
		const s = net.connect(port, "127.0.0.1");
		s.on("error", () => {});
		await new Promise((res) => s.once("connect", res));
		socks.push(s);
	}
	await H.sleep(200); // let the server's accept loop adopt them
	return socks;
}

/** A raw WebSocket client admitted to SITE (so in room "all"), with its CONNECT answered. */
async function admittedRawClient(stack, sid) {
	const { sock } = await F.rawUpgrade(stack.port, undefined, { ...HEADERS, Cookie: `sid=${sid}` });
	sock.on("error", () => {});
	const admitted = new Promise((res) => {
		let buf = "";
		sock.on("data", function onData(d) {
			buf += d.toString("latin1");
			if (buf.includes(`40/${SITE},{"sid"`)) {
				sock.removeListener("data", onData);
				res();
			}
		});
	});
	sock.write(F.wsFrame(1, `40/${SITE},`));
	await admitted;
	return sock;
}

/** Raw HTTP exchange on a new connection; resolves with the whole answer as text. */
async function rawAnswer(port, request = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") {
	const tcp = await H.rawTcp(port);
	tcp.write(request);
	const answer = await tcp.readUntilClose(5000 * F.SLOW);
	tcp.close();
	return answer.toString();
}

describe("connection limits", () => {
	const stacks = [];
	after(async () => {
		for (const s of stacks) await s.stop();
	});

	test("realtime_max_connections: the connection over the limit gets 503 naming the limit", async () => {
		const stack = await H.startStack({ config: { realtime_max_connections: 5 } });
		stacks.push(stack);
		const idle = await openIdle(stack.port, 5);
		const refused = await rawAnswer(stack.port);
		assert.match(refused, /^HTTP\/1\.1 503 /);
		assert.match(refused, /max connections reached/);
		await stack.server.waitForLog(/refusing connection from .*max connections reached/, 5000);
		for (const s of idle) s.destroy();
		// capacity comes back once they are gone
		await H.waitFor(async () => /^HTTP\/1\.1 200 /.test(await rawAnswer(stack.port)), 5000 * F.SLOW, 100);
	});

	test("realtime_max_connections_per_ip: one address cannot take more than its share", async () => {
		const stack = await H.startStack({ config: { realtime_max_connections_per_ip: 3 } });
		stacks.push(stack);
		const idle = await openIdle(stack.port, 3);
		const refused = await rawAnswer(stack.port);
		assert.match(refused, /^HTTP\/1\.1 503 /);
		assert.match(refused, /max connections per address reached/);
		await stack.server.waitForLog(/max connections per address reached/, 5000);
		idle[0].destroy();
		await H.waitFor(async () => /^HTTP\/1\.1 200 /.test(await rawAnswer(stack.port)), 5000 * F.SLOW, 100);
		for (const s of idle) s.destroy();
	});

	// Not under the sanitizers: their runtimes need descriptors of their own for
	// checks (UBSan's vptr check probes memory through a pipe), and with none left
	// they report and stall inside a correct program.
	const sanitized = !!process.env.RT_SLOW_BUILD;
	test("out of file descriptors: accepting pauses with a log line naming it, and resumes once some close", { skip: sanitized && "sanitizer build" }, async (t) => {
		// The server raises its soft fd limit to the hard one; a wrapper lowers both first.
		const fs = require("fs");
		const os = require("os");
		const path = require("path");
		const wrapper = path.join(os.tmpdir(), `rt-fdlimit-${process.pid}.sh`);
		fs.writeFileSync(wrapper, `#!/bin/sh\nulimit -n 48\nexec "${process.env.RT_BINARY}" "$@"\n`, { mode: 0o755 });
		t.after(() => fs.rmSync(wrapper, { force: true }));
		const stack = await H.startStack({ binary: wrapper });
		stacks.push(stack);
		// More than the server can hold: the rest wait in the kernel's backlog.
		const socks = [];
		for (let i = 0; i < 60; i++) {
			const s = net.connect(stack.port, "127.0.0.1");
			s.on("error", () => {});
			socks.push(s);
		}
		await stack.server.waitForLog(/cannot accept connections: Too many open files \(open connections: \d+\); retrying in 100 ms/, 10000);
		for (const s of socks) s.destroy();
		// Descriptors come back, the backlog drains, and the server answers again.
		await H.waitFor(async () => /^HTTP\/1\.1 200 /.test(await rawAnswer(stack.port).catch(() => "")), 10000 * F.SLOW, 200);
		const client = await stack.connect(SITE, { sid: "sys1" });
		client.close();
	});

	test("realtime_max_http_header_bytes: a larger request head gets 431 and the server carries on", async () => {
		const stack = await H.startStack({ config: { realtime_max_http_header_bytes: 2048 } });
		stacks.push(stack);
		const big = await rawAnswer(stack.port, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(4000)}\r\n\r\n`);
		assert.match(big, /^HTTP\/1\.1 431 /);
		assert.match(big, /request head larger than 2048 bytes/);
		const ok = await rawAnswer(stack.port, `GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Small: ${"a".repeat(1000)}\r\n\r\n`);
		assert.match(ok, /^HTTP\/1\.1 200 /);
	});
});

describe("rooms per socket", () => {
	let stack;
	after(async () => {
		if (stack) await stack.stop();
	});

	test("realtime_max_rooms_per_socket: joins past the limit are refused with a log line", async () => {
		stack = await H.startStack({ config: { realtime_max_rooms_per_socket: 8 } });
		const s = await stack.connect(SITE, { sid: "sys1" });
		// on connect: its own id room, user:<user>, website, all = 4; room for 4 more
		for (let i = 0; i < 10; i++) s.emit("task_subscribe", `t${i}`);
		await stack.server.waitForLog(/not joining room task_progress:t4 .*max rooms per socket/, 5000 * F.SLOW);
		const delivered = async (task) => {
			const ev = `progress_${task}`;
			const got = H.waitForEvent(s, ev, 1500 * F.SLOW).then(() => true, () => false);
			await H.emitViaRedis(stack.redis, { event: ev, message: {}, room: `task_progress:${task}`, site: SITE });
			return got;
		};
		assert.equal(await delivered("t3"), true, "a room within the limit works");
		assert.equal(await delivered("t5"), false, "a refused room gets nothing");
		// leaving one makes room for another
		s.emit("task_unsubscribe", "t0");
		s.emit("task_subscribe", "t9");
		await H.sleep(200);
		assert.equal(await delivered("t9"), true);
		assert.ok(s.connected, "refused joins do not disconnect the socket");
		s.close();
	});
});

describe("per-client outbound buffer", () => {
	let stack;
	after(async () => {
		if (stack) await stack.stop();
	});

	test("100 clients that never read are disconnected with a logged reason; RSS stays bounded", async () => {
		stack = await H.startStack();
		const pid = stack.server.pid;
		const rssStart = F.rssKiB(pid);
		// 100 raw WebSocket clients admitted to the site (in room "all"), then they stop reading.
		const stalled = [];
		for (let i = 0; i < 100; i++) {
			const sock = await admittedRawClient(stack, `sys${i}`);
			sock.pause(); // never read again: the kernel buffers fill, then the server's queue
			stalled.push(sock);
		}
		// A bystander: a website user (not in room "all", so not flooded) must stay connected.
		const bystander = await stack.connect(SITE, { sid: "webbystander", transports: ["websocket"] });
		const rssConnected = F.rssKiB(pid);

		// ~40 MB per client in 100 KB events: far past kernel buffers + the 8 MiB limit.
		const payload = "z".repeat(100 * 1024);
		const pub = await stack.redis.client();
		let peak = rssConnected;
		const EVENTS = 400;
		for (let i = 0; i < EVENTS; i++) {
			await pub.command("PUBLISH", "events", JSON.stringify({ event: "flood", message: { i, payload }, room: "all", namespace: SITE }));
			if (i % 20 === 0) {
				peak = Math.max(peak, F.rssKiB(pid));
				await H.sleep(10);
			}
		}
		await pub.close?.();
		const logged = () => (stack.server.logs().match(/disconnecting slow consumer/g) || []).length;
		await H.waitFor(() => logged() >= 100, 30000 * F.SLOW, 200).catch(() =>
			assert.fail(`only ${logged()} slow-consumer disconnects logged`),
		);
		const closed = await Promise.all(stalled.map((s) => {
			s.resume(); // drain what the kernel holds so the close is seen
			return F.closedWithin(s, 20000 * F.SLOW);
		}));
		assert.equal(closed.filter(Boolean).length, 100, `every stalled client was disconnected (${closed.filter(Boolean).length} closed, ${logged()} logged)`);
		await H.sleep(500);
		peak = Math.max(peak, F.rssKiB(pid));
		const rssEnd = F.rssKiB(pid);
		const mb = (k) => (k / 1024).toFixed(1);
		console.log(`# server RSS: start ${mb(rssStart)} MB, 100 stalled clients connected ${mb(rssConnected)} MB, ` +
			`peak during ${EVENTS} x 100 KB events ${mb(peak)} MB, after disconnects ${mb(rssEnd)} MB`);
		// Without the limit every stalled client would hold ~40 MB (4 GB total). The queued
		// bytes are shared between recipients, so the bound is generous but meaningful.
		// (ASan builds keep freed memory in quarantine, hence their larger allowance.)
		const boundMB = process.env.RT_SLOW_BUILD ? 1200 : 600;
		assert.ok(peak - rssStart < boundMB * 1024, `RSS grew by ${mb(peak - rssStart)} MB`);
		// the bystander was not cut off, and the server still serves new clients
		assert.ok(bystander.connected, "a client that was not flooded must stay connected");
		const fresh = await stack.connect(SITE, { sid: "sysfresh" });
		const got = [H.waitForEvent(bystander, "after_flood", 5000 * F.SLOW), H.waitForEvent(fresh, "after_flood", 5000 * F.SLOW)];
		await H.emitViaRedis(stack.redis, { event: "after_flood", message: 1, room: "website", site: SITE });
		assert.deepEqual(await Promise.all(got), [1, 1]);
		bystander.close();
		fresh.close();
	});
});

describe("outbound buffer limit is configurable", () => {
	const stacks = [];
	after(async () => {
		for (const s of stacks) await s.stop();
	});

	/** One admitted raw WebSocket client that stops reading; floods room "all" until it is cut off. */
	async function stallAndFlood(stack) {
		const sock = await admittedRawClient(stack, "sys1");
		sock.pause();
		const payload = "q".repeat(100 * 1024);
		const pub = await stack.redis.client();
		// Loopback kernel buffers hold several MB; 300 x 100 KB gets well past them.
		for (let i = 0; i < 300 && !/disconnecting slow consumer/.test(stack.server.logs()); i++) {
			await pub.command("PUBLISH", "events", JSON.stringify({ event: "flood", message: { i, payload }, room: "all", namespace: SITE }));
			if (i % 10 === 9) await H.sleep(5);
		}
		await pub.close?.();
		await stack.server.waitForLog(/disconnecting slow consumer/, 20000 * F.SLOW);
		sock.resume();
		assert.ok(await F.closedWithin(sock, 20000 * F.SLOW), "the stalled client was disconnected");
		return stack.server.logs().match(/disconnecting slow consumer .*\(limit (\d+)\)/)[1];
	}

	test("realtime_max_outbound_bytes sets the limit named in the log", async () => {
		const stack = await H.startStack({ config: { realtime_max_outbound_bytes: 262144 } });
		stacks.push(stack);
		assert.equal(await stallAndFlood(stack), "262144");
	});

	test("--max-outbound-buffer wins over the bench key", async () => {
		const stack = await H.startStack({
			config: { realtime_max_outbound_bytes: 262144 },
			extraArgs: ["--max-outbound-buffer", "300000"],
		});
		stacks.push(stack);
		assert.equal(await stallAndFlood(stack), "300000");
	});

	test("--max-outbound-buffer below 64 KiB is refused at start-up with a clear message", async () => {
		const r = spawnSync(process.env.RT_BINARY, ["--no-gui", "--max-outbound-buffer", "1000"], { encoding: "utf8", timeout: 10000 });
		assert.equal(r.status, 2);
		assert.match(r.stderr, /max-outbound-buffer/);
	});
});

describe("namespaces per connection", () => {
	let server;
	after(async () => {
		if (server) await server.stop();
	});

	test("--max-namespaces 1: a second namespace on the same connection gets Too many namespaces", async () => {
		// The protocol test application has two namespaces (/ and /custom); a Frappe client
		// can only ever join its own site's, so the limit matters for apps and abuse.
		server = await H.startServer(["--no-gui", "--protocol-test-server", "--host", "127.0.0.1", "--port", "0", "--max-namespaces", "1"]);
		const { Manager } = require("socket.io-client");
		const manager = new Manager(`http://127.0.0.1:${server.port}`, { reconnection: false, transports: ["websocket"] });
		const connectOrError = (s) =>
			new Promise((resolve) => {
				s.once("connect", () => resolve("connected"));
				s.once("connect_error", (e) => resolve(e.message));
			});
		const root = manager.socket("/");
		assert.equal(await connectOrError(root), "connected");
		const custom = manager.socket("/custom");
		assert.equal(await connectOrError(custom), "Too many namespaces");
		await server.waitForLog(/refusing namespace \/custom .*max namespaces per connection/, 5000);
		assert.ok(root.connected, "the first namespace keeps working");
		root.close();
		custom.close();
		manager.engine && manager.engine.close();
	});
});
