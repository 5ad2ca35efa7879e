"use strict";
// Fault injection from the client side: clients that vanish at the worst moment (a parked
// polling GET, between `2probe` and `5` of an upgrade, while the auth callback is in flight),
// an oversized packet, and 10,000 random or malformed frames from many connections (raw
// WebSocket and raw HTTP). Each time the server must carry on: no exit, no leaked connections
// or sessions, and a normal client still connects and receives events afterwards.
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const net = require("net");
const H = require("./lib/harness.js");
const F = require("./lib/faults.js");

const SITE = "site1.localhost";
const HEADERS = { Cookie: "sid=sys1", Origin: "http://127.0.0.1", "X-Frappe-Site-Name": SITE };

describe("clients that misbehave or vanish", () => {
	let stack;
	let baseline;
	before(async () => {
		stack = await H.startStack({
			stub: { slowMs: 1500 },
			// short heartbeats so abandoned sessions are reaped within the test
			extraArgs: ["--ping-interval", "1000", "--ping-timeout", "3000", "--auth-timeout", "5000"],
		});
		baseline = (await F.health(stack.port)).connections;
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	/** The server is alive, has no leftovers, and serves a normal client end to end. */
	async function serverStillServes() {
		assert.equal(stack.server.proc.exitCode, null, `server exited:\n${stack.server.logs()}`);
		await F.waitForConnections(stack.port, baseline);
		await H.waitFor(async () => (await F.health(stack.port)).sessions === 0, 10000 * F.SLOW, 100).catch(async () =>
			assert.fail(`sessions left behind: ${JSON.stringify(await F.health(stack.port))}`),
		);
		const s = await stack.connect(SITE, { sid: "sys1" });
		const got = H.waitForEvent(s, "still_alive", 5000 * F.SLOW);
		await H.emitViaRedis(stack.redis, { event: "still_alive", message: { ok: 1 }, room: "all", site: SITE });
		assert.deepEqual(await got, { ok: 1 });
		s.close();
		await F.waitForConnections(stack.port, baseline);
	}

	test("client disappears while its polling GET is parked", async () => {
		const sid = await F.pollingHandshake(stack.port, HEADERS);
		const tcp = await H.rawTcp(stack.port);
		tcp.write(`GET /socket.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
		await H.sleep(100); // parked: nothing to send yet
		tcp.socket.destroy();
		await serverStillServes();
	});

	test("client disappears mid-upgrade (after 2probe/3probe, before 5)", async () => {
		const sid = await F.pollingHandshake(stack.port, HEADERS);
		const { sock } = await F.rawUpgrade(stack.port, `/socket.io/?EIO=4&transport=websocket&sid=${sid}`, HEADERS);
		const probe = new Promise((resolve) => sock.once("data", resolve));
		sock.write(F.wsFrame(1, "2probe"));
		const answer = await probe;
		assert.ok(answer.includes("3probe"), `expected 3probe, got ${answer}`);
		sock.destroy();
		await serverStillServes();
	});

	test("client disappears while its auth callback is in flight (slow web server)", async () => {
		const before = stack.stub.callsTo("frappe.realtime.get_user_info").length;
		const { sock } = await F.rawUpgrade(stack.port, undefined, { ...HEADERS, Cookie: "sid=slowgone1" });
		sock.write(F.wsFrame(1, `40/${SITE},`));
		await H.waitFor(() => stack.stub.callsTo("frappe.realtime.get_user_info").length > before, 5000 * F.SLOW);
		sock.destroy(); // the answer comes 1.5 s later, for a client that is gone
		await H.sleep(2000);
		await serverStillServes();
	});

	test("a packet over 1 MB closes that connection only; others carry on", async () => {
		const other = await stack.connect(SITE, { sid: "sys2", transports: ["websocket"] });
		// WebSocket: one 1.1 MB text message
		const { sock } = await F.rawUpgrade(stack.port, undefined, HEADERS);
		sock.on("error", () => {});
		sock.write(F.wsFrame(1, `4${"x".repeat(1100 * 1024)}`));
		assert.ok(await F.closedWithin(sock, 5000 * F.SLOW), "the oversized WebSocket message did not close the connection");
		// Polling: a 1.1 MB POST body
		const sid = await F.pollingHandshake(stack.port, HEADERS);
		const r = await H.httpRequest({
			port: stack.port, method: "POST", path: `/socket.io/?EIO=4&transport=polling&sid=${sid}`,
			headers: { "Content-Type": "text/plain;charset=UTF-8" }, body: `4${"y".repeat(1100 * 1024)}`,
		}).catch((e) => ({ status: 0, error: e }));
		assert.ok(r.status === 0 || r.status >= 400, `oversized POST answered ${r.status}`);
		// the other client never noticed
		const got = H.waitForEvent(other, "after_big", 5000 * F.SLOW);
		await H.emitViaRedis(stack.redis, { event: "after_big", message: 1, room: "all", site: SITE });
		assert.equal(await got, 1);
		assert.ok(other.connected);
		other.close();
		await serverStillServes();
	});

	test("10,000 random and malformed frames from many connections", async () => {
		const rand = F.rng(Number(process.env.RT_FUZZ_SEED || 20261128));
		const eioTexts = ["2", "3", "5", "6", "1", "0", "4", "40", "41", "42", "43", "44", "45", "46", "7", "", "2probe",
			`40/${SITE},`, '42["doc_subscribe","ToDo"]', "451-[", "451-[{\"_placeholder\":true,\"num\":0}]", "4" + "[".repeat(500),
			"42/other,1[\"x\"]", "452-/x,[]", "4" + "9".repeat(40), '42["open_in_editor",{"file":"/etc/passwd"}]'];
		const textPayload = () => (rand() < 0.6 ? rand.pick(eioTexts) + rand.bytes(rand.int(20)).toString("latin1") : rand.bytes(rand.int(64)).toString("utf8"));
		// One frame: mostly well-formed frames carrying junk, some broken at the framing level.
		const frame = () => {
			const k = rand.int(10);
			if (k < 5) return F.wsFrame(1, textPayload());
			if (k < 7) return F.wsFrame(2, rand.bytes(rand.int(100)));
			if (k === 7) return F.wsFrame(rand.pick([0, 3, 8, 9, 10, 11, 15]), rand.bytes(rand.int(130)), { fin: rand() < 0.5 });
			if (k === 8) return F.wsFrame(1, textPayload(), { mask: false }); // clients must mask
			return rand.bytes(1 + rand.int(16)); // raw junk
		};
		const httpJunk = () => {
			const k = rand.int(4);
			if (k === 0) return rand.bytes(1 + rand.int(200));
			if (k === 1) return Buffer.from(`${rand.pick(["GET", "POST", "PUT", "G\0T"])} /socket.io/?EIO=${rand.pick(["4", "3", "x"])}&transport=${rand.pick(["polling", "websocket", "??"])}&sid=${rand.bytes(8).toString("hex")} HTTP/1.1\r\nHost: x\r\n${rand() < 0.5 ? "Content-Length: " + rand.pick(["-1", "99999999999", "abc", "5"]) + "\r\n" : ""}\r\n${rand.bytes(rand.int(20)).toString("latin1")}`);
			if (k === 2) return Buffer.from(`POST /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`);
			return Buffer.from(`GET / HTTP/1.1\r\n${"X-Long: " + "a".repeat(20000)}\r\n\r\n`);
		};

		const TOTAL = 10000;
		const PER_CONNECTION = 50;
		let sent = 0;
		let refusedUpgrades = 0;
		let serverClosed = 0;
		async function oneConnection(i) {
			let sock;
			if (i % 4 === 3) {
				sock = net.connect(stack.port, "127.0.0.1");
				await new Promise((res, rej) => sock.once("connect", res).once("error", rej));
			} else {
				try {
					({ sock } = await F.rawUpgrade(stack.port, undefined, HEADERS));
				} catch {
					refusedUpgrades++;
					return;
				}
			}
			sock.on("error", () => {});
			sock.on("data", () => {}); // keep reading so the server never sees a slow consumer
			const chunks = [];
			for (let n = 0; n < PER_CONNECTION; n++) chunks.push(i % 4 === 3 ? httpJunk() : frame());
			sent += PER_CONNECTION;
			// In a few writes, so the parsers also see frames split across reads.
			const all = Buffer.concat(chunks);
			for (let at = 0; at < all.length && !sock.destroyed; at += 1 + rand.int(4096)) sock.write(all.subarray(at, at + 1 + rand.int(4096)));
			if (await F.closedWithin(sock, 300)) serverClosed++;
			sock.destroy();
		}
		const CONCURRENCY = 20;
		let next = 0;
		await Promise.all(
			Array.from({ length: CONCURRENCY }, async () => {
				while (next * PER_CONNECTION < TOTAL) await oneConnection(next++);
			}),
		);
		console.log(`# ${sent} frames/requests over ${next} connections; the server closed ${serverClosed}; upgrades refused ${refusedUpgrades}`);
		assert.ok(sent >= TOTAL);
		await serverStillServes();
	});
});
