"use strict";
// Bounded resources (issue 14): each attack runs with 50 hostile clients at once while 20
// ordinary desk clients keep working on the same server (real redis-server, the Frappe stub).
// Checked for every attack: the server's RSS stays under RSS_BOUND_MB, every desk client keeps
// receiving its events (a broadcast to room "all" and an event for its own document room),
// and at the end no log line starts with text a client chose. Per attack:
//   polling   sessions that never GET: cut off by bytes during a flood (slow consumer, same
//             log line as WebSocket readers) or closed after pingInterval + pingTimeout
//   names     namespace, room and event names over the maximum length: refused, logged
//             truncated and escaped (CR/LF in them cannot forge a log line)
//   input     bytes pipelined behind a parked long-poll GET, and packets sent while the
//             CONNECT is being authorised: both capped, the client closed with a reason
//   time      silent TCP connections, half-sent request heads, idle keep-alive after /health:
//             closed by the (short, configured) timeouts
//   perm      a flood of permission checks (the stub answers them in 200 ms): capped per
//             socket, logged once per socket, and a new user's CONNECT still takes < 2 s
// Short timeouts are configured so that the whole file runs in well under a minute.
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const net = require("net");
const WebSocket = require("ws");
const H = require("./lib/harness.js");
const F = require("./lib/faults.js");

const SITE = "site1.localhost";
const HOSTILE = 50;
const DESK = 20;
// The bound this test holds the server to, whatever the attack (README, "Bounded resources").
// ASan builds keep freed memory in quarantine, hence their larger allowance.
const RSS_BOUND_MB = process.env.RT_SLOW_BUILD ? 600 : 200;
const HEAD_TIMEOUT_MS = 1500;
const KEEPALIVE_TIMEOUT_MS = 1500;
const PING_INTERVAL_MS = 1000;
const PING_TIMEOUT_MS = 1000;
const MAX_PAYLOAD = 200000;
const MAX_OUTBOUND = 1024 * 1024;
const MAX_CHECKS = 32;

const siteHeaders = (sid) => ({ Cookie: `sid=${sid}`, Origin: "http://127.0.0.1", "X-Frappe-Site-Name": SITE });
const mb = (kib) => (kib / 1024).toFixed(1);

/** A hostile raw Engine.IO WebSocket client; answers pings unless told not to. */
function hostileWs(port, sid, { pong = true } = {}) {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, {
			headers: siteHeaders(sid),
			perMessageDeflate: false,
		});
		const messages = [];
		const listeners = new Set();
		const closed = new Promise((res) => ws.on("close", (code) => res(code)));
		ws.on("error", () => {});
		ws.on("message", (data) => {
			const text = data.toString();
			if (text === "2" && pong) ws.send("3");
			messages.push(text);
			for (const l of listeners) l(text);
		});
		ws.on("open", () =>
			resolve({
				ws,
				messages,
				closed,
				isOpen: () => ws.readyState === WebSocket.OPEN,
				send: (t) => ws.readyState === WebSocket.OPEN && ws.send(t),
				waitFor(re, ms = 5000 * F.SLOW) {
					const hit = messages.find((m) => re.test(m));
					if (hit) return Promise.resolve(hit);
					return new Promise((res, rej) => {
						const t = setTimeout(() => {
							listeners.delete(l);
							rej(new Error(`no message matching ${re} within ${ms} ms (got ${messages.slice(-3).join(" | ").slice(0, 300)})`));
						}, ms);
						const l = (m) => {
							if (!re.test(m)) return;
							clearTimeout(t);
							listeners.delete(l);
							res(m);
						};
						listeners.add(l);
					});
				},
				close: () => ws.terminate(),
			}),
		);
		ws.on("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
	});
}

/** A hostile client admitted to SITE over WebSocket. */
async function admittedWs(port, sid, opts) {
	const c = await hostileWs(port, sid, opts);
	c.send(`40/${SITE},`);
	await c.waitFor(new RegExp(`^40/${SITE.replace(/\./g, "\\.")},\\{"sid"`));
	return c;
}

const pollPath = (sid) => `/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`;
const post = (port, sid, body) =>
	H.httpRequest({ port, method: "POST", path: pollPath(sid), body, headers: { "Content-Type": "text/plain;charset=UTF-8", ...siteHeaders("x") } });

describe("bounded resources: 50 hostile clients per attack, 20 desk clients working", () => {
	let stack;
	let pid;
	const desks = [];
	const received = []; // per desk client: last tick seen on room "all" and on its doc room
	let tick = 0;
	const rssFigures = [];
	let sampler = null;
	let peakKiB = 0;

	before(async () => {
		stack = await H.startStack({
			stub: { slowMs: 1500 },
			config: {
				realtime_request_head_timeout_ms: HEAD_TIMEOUT_MS,
				realtime_keep_alive_timeout_ms: KEEPALIVE_TIMEOUT_MS,
				realtime_max_outbound_bytes: MAX_OUTBOUND,
				realtime_max_permission_checks_per_socket: MAX_CHECKS,
			},
			extraArgs: ["--ping-interval", String(PING_INTERVAL_MS), "--ping-timeout", String(PING_TIMEOUT_MS), "--max-payload", String(MAX_PAYLOAD)],
		});
		pid = stack.server.pid;
		for (let i = 0; i < DESK; i++) {
			const desk = await stack.connect(SITE, { sid: `sysdesk${i}` });
			const seen = { all: -1, doc: -1 };
			desk.on("tick", (m) => (seen.all = Math.max(seen.all, m.n)));
			desk.on("doc_tick", (m) => (seen.doc = Math.max(seen.doc, m.n)));
			desk.emit("doc_subscribe", "ToDo", `desk-${i}`);
			desks.push(desk);
			received.push(seen);
		}
		// The doc rooms are joined once the stub granted the checks.
		await assertDesksReceive("setup");
	});

	after(async () => {
		if (sampler) clearInterval(sampler);
		for (const d of desks) d.close();
		if (rssFigures.length) {
			console.log("# RSS per attack (MB): " + rssFigures.map((f) => `${f.name}: before ${mb(f.before)}, peak ${mb(f.peak)}, after ${mb(f.after)}`).join("; "));
		}
		if (stack) await stack.stop();
	});

	/** Publishes a tick to room "all" and one to each desk client's doc room; all must arrive. */
	async function assertDesksReceive(when) {
		const n = ++tick;
		await H.emitViaRedis(stack.redis, { event: "tick", message: { n }, room: "all", site: SITE });
		for (let i = 0; i < DESK; i++)
			await H.emitViaRedis(stack.redis, { event: "doc_tick", message: { n }, room: `doc:ToDo/desk-${i}`, site: SITE });
		try {
			await H.waitFor(() => received.every((r) => r.all >= n && r.doc >= n), 10000 * F.SLOW, 50);
		} catch {
			const behind = received.map((r, i) => (r.all >= n && r.doc >= n ? null : `desk${i} all=${r.all} doc=${r.doc}`)).filter(Boolean);
			assert.fail(`${when}: desk clients missed tick ${n}: ${behind.join(", ")}`);
		}
		for (const d of desks) assert.ok(d.connected, `${when}: a desk client was disconnected`);
	}

	/** Runs one attack while sampling RSS; desk clients must keep receiving during and after it. */
	async function underAttack(name, attack) {
		const before = F.rssKiB(pid);
		peakKiB = before;
		sampler = setInterval(() => (peakKiB = Math.max(peakKiB, F.rssKiB(pid))), 50);
		const during = (async () => {
			// Ticks keep flowing while the attack runs.
			await H.sleep(300);
			await assertDesksReceive(`${name} (during)`);
		})();
		await attack();
		await during;
		await assertDesksReceive(`${name} (after)`);
		clearInterval(sampler);
		sampler = null;
		await H.sleep(1500); // the released memory is given back about a second after a cut-off
		const after = F.rssKiB(pid);
		peakKiB = Math.max(peakKiB, after);
		rssFigures.push({ name, before, peak: peakKiB, after });
		console.log(`# ${name}: RSS before ${mb(before)} MB, peak ${mb(peakKiB)} MB, after ${mb(after)} MB`);
		assert.ok(peakKiB < RSS_BOUND_MB * 1024, `${name}: RSS peaked at ${mb(peakKiB)} MB (bound ${RSS_BOUND_MB} MB)`);
	}

	const countLog = (re) => stack.server.lines().filter((l) => re.test(l.text)).length;

	test("polling sessions that stop polling: cut off by bytes during a flood, closed after pingInterval + pingTimeout", async () => {
		await underAttack("polling", async () => {
			// Admitted (one GET fetches the CONNECT answer), then never polls again.
			const open = async (i) => {
				const sid = await F.pollingHandshake(stack.port, siteHeaders(`syspoll${i}`));
				const r = await post(stack.port, sid, `40/${SITE},`);
				assert.equal(r.status, 200, r.text);
				const got = await H.httpRequest({ port: stack.port, path: pollPath(sid), headers: siteHeaders("x") });
				assert.match(got.text, /40\/site1\.localhost,\{"sid"/);
				return sid;
			};
			const sessions = [];
			// It keeps answering the pings it never fetched, as a hostile client would.
			const ponger = setInterval(() => {
				for (const sid of sessions) post(stack.port, sid, "3").catch(() => {});
			}, 300);
			const gone = async (sid) => (await post(stack.port, sid, "3")).status === 400;
			const allGone = (sids, why) =>
				H.waitFor(async () => (await Promise.all(sids.map(gone))).every(Boolean), 10000 * F.SLOW, 200).catch(() =>
					assert.fail(`${why}: some hostile polling sessions are still open`),
				);
			try {
				// (a) 30 x 100 KB to room "all": 3 MB for each session that never fetches it, 1 MiB allowed.
				const flooded = await Promise.all(Array.from({ length: HOSTILE }, (_, i) => open(i)));
				sessions.push(...flooded);
				const payload = "p".repeat(100 * 1024);
				for (let i = 0; i < 30; i++) await H.emitViaRedis(stack.redis, { event: "flood", message: { i, payload }, room: "all", site: SITE });
				await H.waitFor(() => countLog(/disconnecting slow consumer .*bytes unsent \(limit 1048576\)/) >= HOSTILE, 10000 * F.SLOW, 50).catch(() =>
					assert.fail(`only ${countLog(/disconnecting slow consumer/)} slow consumers cut off`),
				);
				await allGone(flooded, "flood");
				// (b) no flood: closed pingInterval + pingTimeout after their last GET.
				const mark = stack.server.mark();
				const silent = await Promise.all(Array.from({ length: HOSTILE }, (_, i) => open(HOSTILE + i)));
				sessions.push(...silent);
				// Positive control: alive before that time is up.
				for (const sid of silent) assert.equal((await post(stack.port, sid, "3")).status, 200);
				await allGone(silent, "not polling");
				const timedOut = stack.server.lines().slice(mark).filter((l) => /closing polling session .*: no GET for \d+ ms \(pingInterval \+ pingTimeout\)/.test(l.text)).length;
				assert.equal(timedOut, HOSTILE, "each silent session was closed for not polling");
			} finally {
				clearInterval(ponger);
			}
		});
	});

	test("names over the maximum length are refused; logged truncated and escaped", async () => {
		await underAttack("names", async () => {
			const clients = await Promise.all(Array.from({ length: HOSTILE }, (_, i) => admittedWs(stack.port, `sysname${i}`)));
			const longNsp = `/\r\nFORGED-nsp ${"n".repeat(4000)}`;
			const longRoom = `\nFORGED-room ${"r".repeat(8 * 1024)}`;
			await Promise.all(
				clients.map(async (c) => {
					c.send(`40${longNsp},`);
					await c.waitFor(/^44\/\r\nFORGED-nsp n+,\{"message":"Namespace name too long"\}$/);
					for (let k = 0; k < 20; k++) c.send(`42/${SITE},${JSON.stringify(["task_subscribe", longRoom + k])}`);
				}),
			);
			// Each refused join is logged, cut and escaped; a room name that fits is still joined.
			await H.waitFor(() => countLog(/not joining room task_progress:\\nFORGED-room r+\.\.\. \(\d+ characters\) : name longer than 1024/) >= HOSTILE * 20, 10000 * F.SLOW, 50).catch(() =>
				assert.fail(`refused joins logged: ${countLog(/not joining room \\nFORGED-room/)}`),
			);
			// Positive control: a room name that fits is joined and receives its events.
			await Promise.all(
				clients.map(async (c, i) => {
					c.send(`42/${SITE},${JSON.stringify(["task_subscribe", `fits-${i}`])}`);
					// Published until it arrives: the join is processed after the refused ones.
					await H.waitFor(async () => {
						await H.emitViaRedis(stack.redis, { event: "fits", message: { i }, room: `task_progress:fits-${i}`, site: SITE });
						return c.messages.some((m) => m.startsWith(`42/${SITE},["fits",`));
					}, 10000 * F.SLOW, 200).catch(() => assert.fail(`hostile client ${i} never got an event of the room that fits`));
				}),
			);
			// An event name over the limit closes the session.
			for (const c of clients) c.send(`42/${SITE},${JSON.stringify([`\nFORGED-event ${"e".repeat(2000)}`])}`);
			const closed = await Promise.all(clients.map((c) => Promise.race([c.closed.then(() => true), H.sleep(5000 * F.SLOW).then(() => false)])));
			assert.equal(closed.filter(Boolean).length, HOSTILE, "every client that sent a long event name was closed");
			assert.ok(countLog(/closing session .*: event name \\nFORGED-event e+\.\.\. \(\d+ characters\) longer than 1024/) >= HOSTILE);
		});
	});

	test("input while a response is pending, and packets sent during the auth call, are capped", async () => {
		await underAttack("input", async () => {
			const aheadLimit = 16384 + MAX_PAYLOAD;
			// (a) a parked long-poll GET, then a flood pipelined behind it on the same connection
			const pipelined = async (i) => {
				const sid = await F.pollingHandshake(stack.port, siteHeaders(`sysinput${i}`));
				const tcp = net.connect(stack.port, "127.0.0.1");
				tcp.on("error", () => {});
				await new Promise((r) => tcp.once("connect", r));
				const closed = F.closedWithin(tcp, 10000 * F.SLOW);
				tcp.write(`GET ${pollPath(sid)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
				const chunk = Buffer.alloc(64 * 1024, "a");
				for (let sent = 0; sent <= aheadLimit + 64 * 1024 && !tcp.destroyed; sent += chunk.length) tcp.write(chunk);
				tcp.resume();
				return closed;
			};
			// (b) packets sent while the CONNECT waits for get_user_info (slow* identities: 1.5 s)
			const backlog = async (i) => {
				const c = await hostileWs(stack.port, `slowbacklog${i}`);
				c.send(`40/${SITE},`);
				const packet = `42/${SITE},${JSON.stringify(["ping", "b".repeat(10000)])}`;
				for (let k = 0; k < 30; k++) c.send(packet); // 300 KB > maxPayload
				const code = await Promise.race([c.closed, H.sleep(10000 * F.SLOW).then(() => "open")]);
				return code !== "open";
			};
			const results = await Promise.all([
				...Array.from({ length: HOSTILE / 2 }, (_, i) => pipelined(i)),
				...Array.from({ length: HOSTILE / 2 }, (_, i) => backlog(i)),
			]);
			assert.equal(results.filter(Boolean).length, HOSTILE, "every hostile connection was closed");
			assert.ok(countLog(new RegExp(`bytes sent ahead while a request is in progress \\(limit ${aheadLimit}, `)) >= HOSTILE / 2);
			assert.ok(countLog(new RegExp(`more than ${MAX_PAYLOAD} bytes sent while its CONNECT was being authorised`)) >= HOSTILE / 2);
		});
	});

	test("silent connections, half-sent heads and idle keep-alive connections are closed by the timeouts", async () => {
		await underAttack("time", async () => {
			const connect = () =>
				new Promise((res) => {
					const s = net.connect(stack.port, "127.0.0.1");
					s.on("error", () => {});
					s.once("connect", () => res(s));
				});
			const silent = await Promise.all(Array.from({ length: HOSTILE }, connect));
			const half = await Promise.all(Array.from({ length: HOSTILE }, connect));
			for (const s of half) s.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
			const idle = await Promise.all(Array.from({ length: HOSTILE }, connect));
			const answered = await Promise.all(
				idle.map(
					(s) =>
						new Promise((res) => {
							let buf = "";
							s.on("data", (d) => {
								buf += d.toString();
								if (buf.includes("\r\n\r\n") && /"ok"|\{/.test(buf)) res(buf);
							});
							s.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
						}),
				),
			);
			for (const a of answered) assert.match(a, /^HTTP\/1\.1 200 /);
			const started = Date.now();
			// Positive control: they are all still open well before the timeouts.
			await H.sleep(HEAD_TIMEOUT_MS / 3);
			for (const s of [...silent, ...half, ...idle]) assert.ok(!s.destroyed && !s.readableEnded, "closed before its timeout");
			for (const s of [...silent, ...half, ...idle]) s.resume();
			const closed = await Promise.all([...silent, ...half, ...idle].map((s) => F.closedWithin(s, HEAD_TIMEOUT_MS + 5000 * F.SLOW)));
			assert.equal(closed.filter(Boolean).length, 3 * HOSTILE, "every silent, half-sent and idle connection was closed");
			assert.ok(Date.now() - started >= HEAD_TIMEOUT_MS / 3);
			assert.ok(countLog(/closing .*: no request within 1500 ms \(request head timeout\)/) >= HOSTILE);
			assert.ok(countLog(/closing .*: request incomplete after 1500 ms/) >= HOSTILE);
		});
	});

	test("a permission-check flood is capped per socket and a new user's CONNECT takes under 2 s", async () => {
		stack.stub.setBehaviour({ permissionDelayMs: 200 });
		try {
			await underAttack("perm", async () => {
				const clients = await Promise.all(Array.from({ length: HOSTILE }, (_, i) => admittedWs(stack.port, `sysperm${i}`)));
				const checksBefore = stack.stub.callsTo("frappe.realtime.has_permission").length;
				for (const [i, c] of clients.entries())
					for (let k = 0; k < 200; k++) c.send(`42/${SITE},${JSON.stringify(["doc_subscribe", "ToDo", `flood-${i}-${k}`])}`);
				// The flood is under way: the stub is answering checks 200 ms each.
				await H.waitFor(() => stack.stub.callsTo("frappe.realtime.has_permission").length > checksBefore + 50, 10000 * F.SLOW, 20);
				const started = Date.now();
				const newcomer = await stack.connect(SITE, { sid: "sysnewcomer" });
				const connectMs = Date.now() - started;
				console.log(`# CONNECT of a new user during the permission flood: ${connectMs} ms`);
				assert.ok(connectMs < 2000, `CONNECT took ${connectMs} ms`);
				newcomer.close();
				// Logged once per socket, however many checks it sent over the cap.
				await H.waitFor(() => countLog(/has 32 permission checks waiting; further ones are denied/) >= HOSTILE, 5000 * F.SLOW, 50);
				assert.equal(countLog(/has 32 permission checks waiting; further ones are denied/), HOSTILE);
				// The admitted checks drain; of the 200 per socket only MAX_CHECKS reached the web server.
				const asked = () => stack.stub.callsTo("frappe.realtime.has_permission").length - checksBefore;
				await H.waitFor(() => asked() >= HOSTILE * MAX_CHECKS, 30000 * F.SLOW, 100);
				await H.sleep(500); // (an absence check: the arrivals above are its positive control)
				assert.equal(asked(), HOSTILE * MAX_CHECKS, "checks over the per-socket cap were not sent");
				for (const c of clients) c.close();
			});
		} finally {
			stack.stub.setBehaviour({ permissionDelayMs: 0 });
		}
	});

	test("no log line starts with text a client chose", () => {
		const lines = stack.server.lines().map((l) => l.text);
		// Positive control: the forged text did reach the log, escaped inside a line.
		assert.ok(lines.some((l) => l.includes("\\nFORGED-room")), "the hostile room names were logged");
		const forged = lines.filter((l) => /^\s*FORGED/.test(l) || /^[^0-9]/.test(l) && l.includes("FORGED"));
		assert.deepEqual(forged.slice(0, 3), [], `${forged.length} log lines start with client text`);
	});
});

describe("bounded resources: the settings are read from the bench", () => {
	let stack;
	after(async () => {
		if (stack) await stack.stop();
	});

	/** Publishes to `room` until `socket` got `event` (the join is asynchronous). */
	async function receivesIn(socket, room, event) {
		let got = false;
		socket.once(event, () => (got = true));
		await H.waitFor(async () => {
			await H.emitViaRedis(stack.redis, { event, message: 1, room, site: SITE });
			return got;
		}, 5000 * F.SLOW, 100);
	}

	test("realtime_max_name_length and realtime_permission_cache_ttl", async () => {
		stack = await H.startStack({ config: { realtime_max_name_length: 40, realtime_permission_cache_ttl: 60 } });
		const client = await stack.connect(SITE, { sid: "syscache" });
		// A room name of 41 characters is refused, one of 40 is joined.
		client.emit("task_subscribe", "t".repeat(41 - "task_progress:".length));
		await stack.server.waitForLog(/not joining room task_progress:t+ : name longer than 40 characters \(max name length\)/, 5000 * F.SLOW);
		client.emit("task_subscribe", "f".repeat(40 - "task_progress:".length));
		await receivesIn(client, `task_progress:${"f".repeat(40 - "task_progress:".length)}`, "fits");
		// The same check twice, one after the other: the second answer comes from the cache.
		const checks = () => stack.stub.callsTo("frappe.realtime.has_permission").filter((r) => r.query.name === "CACHED-1").length;
		client.emit("doc_subscribe", "ToDo", "CACHED-1");
		await receivesIn(client, "doc:ToDo/CACHED-1", "first");
		client.emit("doc_unsubscribe", "ToDo", "CACHED-1");
		client.emit("doc_subscribe", "ToDo", "CACHED-1");
		await receivesIn(client, "doc:ToDo/CACHED-1", "second"); // joined again, from the cached answer
		assert.equal(checks(), 1, "the web server was asked once");
		client.close();
	});
});
