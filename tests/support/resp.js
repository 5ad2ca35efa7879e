"use strict";
// Minimal raw RESP2 client over a net socket (no npm redis package), for the tests:
// PUBLISH with exact bytes, SUBSCRIBE and capture exact payload bytes, PING, GET/SET,
// PUBSUB NUMSUB, CLIENT KILL, ...
//
//   const c = await RespClient.connect(6379)            // or "redis://127.0.0.1:6379/0",
//                                                      // {host, port}, a startRedis() handle,
//                                                      // "unix:///path" or {path}
//   await c.command("PING")                            // -> "PONG"
//   await c.command("PUBLISH", "events", payload)      // -> receiver count (number)
//   await c.subscribe("events", (channel, buf) => ...) // buf: Buffer, the exact payload bytes
//   const next = c.nextMessage(2000)                   // promise of {channel, payload: Buffer}
//   c.close()
//
// Replies: simple string -> string, integer -> number, bulk -> Buffer (null when nil),
// array -> Array, error -> the promise rejects with an Error whose .redisError is the text.
// commandText() is command() with bulk replies decoded as UTF-8.
const net = require("net");

function parseTarget(target) {
	if (target && typeof target === "object" && typeof target.path === "string") return { path: target.path, db: Number(target.db || 0) };
	if (typeof target === "string" && target.startsWith("unix://")) return { path: target.slice("unix://".length), db: 0 };
	if (target && typeof target === "object") {
		if (typeof target.url === "string" && target.port === undefined) return parseTarget(target.url);
		return { host: target.host || "127.0.0.1", port: Number(target.port), db: Number(target.db || 0) };
	}
	if (typeof target === "number" || /^\d+$/.test(String(target))) {
		return { host: "127.0.0.1", port: Number(target), db: 0 };
	}
	const u = new URL(String(target));
	if (u.protocol !== "redis:") throw new Error(`unsupported redis URL: ${target}`);
	const db = u.pathname && u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
	return { host: u.hostname || "127.0.0.1", port: Number(u.port || 6379), db };
}

function encodeCommand(args) {
	const parts = [Buffer.from(`*${args.length}\r\n`)];
	for (const a of args) {
		const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a), "utf8");
		parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from("\r\n"));
	}
	return Buffer.concat(parts);
}

// Returns [value, nextOffset] or undefined when the buffer holds an incomplete reply.
function parseReply(buf, off) {
	if (off >= buf.length) return undefined;
	const eol = buf.indexOf("\r\n", off);
	if (eol === -1) return undefined;
	const type = String.fromCharCode(buf[off]);
	const line = buf.toString("utf8", off + 1, eol);
	const after = eol + 2;
	switch (type) {
		case "+":
			return [line, after];
		case "-": {
			const e = new Error(`redis error: ${line}`);
			e.redisError = line;
			return [e, after];
		}
		case ":":
			return [Number(line), after];
		case "$": {
			const len = Number(line);
			if (len < 0) return [null, after];
			if (buf.length < after + len + 2) return undefined;
			return [buf.subarray(after, after + len), after + len + 2];
		}
		case "*": {
			const n = Number(line);
			if (n < 0) return [null, after];
			const arr = [];
			let pos = after;
			for (let i = 0; i < n; i++) {
				const r = parseReply(buf, pos);
				if (!r) return undefined;
				arr.push(r[0]);
				pos = r[1];
			}
			return [arr, pos];
		}
		default:
			throw new Error(`RESP protocol error: unexpected byte ${JSON.stringify(type)}`);
	}
}

function asText(v) {
	if (Buffer.isBuffer(v)) return v.toString("utf8");
	if (Array.isArray(v)) return v.map(asText);
	return v;
}

class RespClient {
	constructor(socket) {
		this.socket = socket;
		this.buffer = Buffer.alloc(0);
		this.pending = [];
		this.listeners = new Map(); // channel -> [fn]
		this.messages = []; // queued {channel, payload} for nextMessage()
		this.waiters = [];
		this.closed = false;
		socket.on("data", (d) => this._onData(d));
		socket.on("error", (err) => this._fail(err));
		socket.on("close", () => this._fail(new Error("redis connection closed")));
	}

	static connect(target, { timeoutMs = 5000 } = {}) {
		const { host, port, path, db } = parseTarget(target);
		return new Promise((resolve, reject) => {
			const socket = path ? net.connect({ path }) : net.connect({ host, port });
			if (!path) socket.setNoDelay(true);
			const timer = setTimeout(() => {
				socket.destroy();
				reject(new Error(`redis connect to ${host}:${port} timed out`));
			}, timeoutMs);
			socket.once("error", (err) => {
				clearTimeout(timer);
				reject(err);
			});
			socket.once("connect", async () => {
				clearTimeout(timer);
				const client = new RespClient(socket);
				try {
					if (db) await client.command("SELECT", db);
					resolve(client);
				} catch (e) {
					client.close();
					reject(e);
				}
			});
		});
	}

	_onData(d) {
		this.buffer = this.buffer.length ? Buffer.concat([this.buffer, d]) : d;
		let off = 0;
		for (;;) {
			let r;
			try {
				r = parseReply(this.buffer, off);
			} catch (e) {
				this._fail(e);
				this.socket.destroy();
				return;
			}
			if (!r) break;
			off = r[1];
			this._dispatch(r[0]);
		}
		this.buffer = off >= this.buffer.length ? Buffer.alloc(0) : Buffer.from(this.buffer.subarray(off));
	}

	_dispatch(value) {
		if (Array.isArray(value) && value.length >= 3 && Buffer.isBuffer(value[0])) {
			const kind = value[0].toString();
			if (kind === "message" || kind === "pmessage") {
				const channel = value[kind === "message" ? 1 : 2].toString();
				const payload = value[kind === "message" ? 2 : 3];
				for (const fn of this.listeners.get(channel) || []) fn(channel, payload);
				const w = this.waiters.shift();
				if (w) w.resolve({ channel, payload });
				else this.messages.push({ channel, payload });
				return;
			}
		}
		const p = this.pending.shift();
		if (!p) return;
		if (value instanceof Error) p.reject(value);
		else p.resolve(value);
	}

	_fail(err) {
		if (this.closed) return;
		this.closed = true;
		for (const p of this.pending.splice(0)) p.reject(err);
		for (const w of this.waiters.splice(0)) w.reject(err);
	}

	/** Sends one command; resolves with the decoded reply (bulk strings as Buffer). */
	command(...args) {
		if (this.closed) return Promise.reject(new Error("redis connection closed"));
		return new Promise((resolve, reject) => {
			this.pending.push({ resolve, reject });
			this.socket.write(encodeCommand(args));
		});
	}

	/** command() with Buffers decoded as UTF-8 strings. */
	async commandText(...args) {
		return asText(await this.command(...args));
	}

	/** Writes raw bytes (for protocol abuse tests); no reply is awaited. */
	writeRaw(bytes) {
		this.socket.write(bytes);
	}

	/** SUBSCRIBE channel; onMessage(channel, payloadBuffer) is optional. */
	async subscribe(channel, onMessage) {
		if (onMessage) {
			if (!this.listeners.has(channel)) this.listeners.set(channel, []);
			this.listeners.get(channel).push(onMessage);
		}
		return this.command("SUBSCRIBE", channel);
	}

	/** Next pub/sub message (queued ones first): {channel, payload: Buffer}. */
	nextMessage(timeoutMs = 2000) {
		if (this.messages.length) return Promise.resolve(this.messages.shift());
		return new Promise((resolve, reject) => {
			const w = {
				resolve: (m) => {
					clearTimeout(timer);
					resolve(m);
				},
				reject: (e) => {
					clearTimeout(timer);
					reject(e);
				},
			};
			const timer = setTimeout(() => {
				const i = this.waiters.indexOf(w);
				if (i !== -1) this.waiters.splice(i, 1);
				reject(new Error(`no pub/sub message within ${timeoutMs} ms`));
			}, timeoutMs);
			this.waiters.push(w);
		});
	}

	close() {
		this._fail(new Error("redis connection closed by client"));
		this.socket.destroy();
	}
}

/** One-shot helper: connect, run one command, close. Bulk replies come back as strings. */
async function redisCommand(target, ...args) {
	const c = await RespClient.connect(target);
	try {
		return await c.commandText(...args);
	} finally {
		c.close();
	}
}

module.exports = { RespClient, redisCommand, encodeCommand, parseReply, parseTarget };
