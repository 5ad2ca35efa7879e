"use strict";
// Small helpers shared by the fault-*, limits-* and security-* integration tests: /health,
// raw Engine.IO handshakes, hand-built WebSocket frames, a seeded random generator (failures
// must be reproducible) and the server's RSS.
const fs = require("fs");
const net = require("net");
const crypto = require("crypto");
const assert = require("node:assert/strict");
const H = require("./harness.js");

// Sanitizer builds (scripts/sanitizer-test.sh sets RT_SLOW_BUILD) run 2-3x slower.
const SLOW = process.env.RT_SLOW_BUILD ? 3 : 1;

async function health(port) {
	const r = await H.httpRequest({ port, path: "/health" });
	assert.equal(r.status, 200, `/health answered ${r.status}: ${r.text}`);
	return JSON.parse(r.text);
}

/** Waits until /health reports `connections` <= want (the /health request itself counts). */
async function waitForConnections(port, want, ms = 10000 * SLOW) {
	let last;
	try {
		await H.waitFor(async () => {
			last = await health(port);
			return last.connections <= want;
		}, ms, 100);
	} catch {
		assert.fail(`open connections did not return to ${want}: /health says ${JSON.stringify(last)}`);
	}
	return last;
}

/** Engine.IO polling handshake; returns the sid. */
async function pollingHandshake(port, headers = {}) {
	const r = await H.httpRequest({ port, path: "/socket.io/?EIO=4&transport=polling", headers });
	assert.equal(r.status, 200, r.text);
	const m = /^0(\{.*\})/.exec(r.text);
	assert.ok(m, `not an OPEN packet: ${r.text}`);
	return JSON.parse(m[1]).sid;
}

/** One client-to-server WebSocket frame (masked unless mask === false). */
function wsFrame(opcode, payload, { fin = true, mask = true, maskKey } = {}) {
	const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
	const n = data.length;
	let head;
	if (n < 126) head = Buffer.from([(fin ? 0x80 : 0) | opcode, (mask ? 0x80 : 0) | n]);
	else if (n < 65536) {
		head = Buffer.alloc(4);
		head[0] = (fin ? 0x80 : 0) | opcode;
		head[1] = (mask ? 0x80 : 0) | 126;
		head.writeUInt16BE(n, 2);
	} else {
		head = Buffer.alloc(10);
		head[0] = (fin ? 0x80 : 0) | opcode;
		head[1] = (mask ? 0x80 : 0) | 127;
		head.writeBigUInt64BE(BigInt(n), 2);
	}
	if (!mask) return Buffer.concat([head, data]);
	const key = maskKey || crypto.randomBytes(4);
	const body = Buffer.alloc(n);
	for (let i = 0; i < n; i++) body[i] = data[i] ^ key[i & 3];
	return Buffer.concat([head, key, body]);
}

/** A raw TCP connection that has completed a WebSocket upgrade to `path`. */
function rawUpgrade(port, path = "/socket.io/?EIO=4&transport=websocket", headers = {}) {
	return new Promise((resolve, reject) => {
		const sock = net.connect(port, "127.0.0.1");
		let buf = Buffer.alloc(0);
		const timer = setTimeout(() => {
			sock.destroy();
			reject(new Error("no 101 within 10 s"));
		}, 10000 * SLOW);
		sock.on("error", (e) => {
			clearTimeout(timer);
			reject(e);
		});
		sock.on("data", function onData(d) {
			buf = Buffer.concat([buf, d]);
			const end = buf.indexOf("\r\n\r\n");
			if (end < 0) return;
			clearTimeout(timer);
			sock.removeListener("data", onData);
			const head = buf.subarray(0, end).toString();
			if (!head.startsWith("HTTP/1.1 101")) {
				sock.destroy();
				return reject(new Error(`upgrade refused: ${head.split("\r\n")[0]}`));
			}
			resolve({ sock, rest: buf.subarray(end + 4) });
		});
		const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
		sock.write(
			`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
				`Sec-WebSocket-Key: ${crypto.randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
		);
	});
}

/** Resolves when the socket is closed by the peer (true) or after ms (false). */
function closedWithin(sock, ms) {
	if (sock.destroyed || sock.readableEnded) return Promise.resolve(true);
	return new Promise((resolve) => {
		const t = setTimeout(() => resolve(false), ms);
		const done = () => {
			clearTimeout(t);
			resolve(true);
		};
		sock.once("close", done);
		sock.once("end", done);
	});
}

/** mulberry32: a tiny seeded PRNG, so a failing random run can be replayed. */
function rng(seed) {
	let a = seed >>> 0;
	const next = () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	next.int = (n) => Math.floor(next() * n);
	next.pick = (arr) => arr[next.int(arr.length)];
	next.bytes = (n) => Buffer.from(Array.from({ length: n }, () => next.int(256)));
	return next;
}

/** Resident set size of a process in KiB (Linux /proc). */
function rssKiB(pid) {
	const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
	return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}

module.exports = { SLOW, health, waitForConnections, pollingHandshake, wsFrame, rawUpgrade, closedWithin, rng, rssKiB };
