"use strict";
// The socket.io Admin UI protocol (@socket.io/admin-ui 0.5.1, spec admin-ui-protocol.md) on
// --admin, driven with the real socket.io-client exactly as the UI's App.vue connects
// (forceNew, no reconnection, withCredentials, polling then websocket, auth in the CONNECT
// payload), against a full stack (redis-server, Frappe web stub, a bench).
//
// Covers: session before CONNECT, config/all_sockets/server_stats/socket_connected/room_joined/
// event_received/event_sent/socket_disconnected/room_left payload shapes and order; join, leave
// and _disconnect reaching a real site client; session resume; wrong password, unknown session;
// read-only refusing commands; production mode sending no socket mirror; the failed-login limit;
// $2a$/$2b$/$2y$ hashes; unusable settings refused at start; no-auth on loopback; redaction of
// cookies/Authorization in everything an admin receives; the admin namespace never reaching the
// Frappe auth callback; CORS for the hosted UI's origin.
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const H = require("./lib/harness.js");

const SITE = "site1.localhost";
// The Admin UI README's example hash of "changeit" (made by bcryptjs, spec §3.2).
const HASH_2B = "$2b$10$heqvAkYMez.Va6Et2uXInOnkCT6/uQj1brkrbyG3LpopDklcq7ZOS";
const HASH_2A = "$2a$" + HASH_2B.slice(4);
const HASH_2Y = "$2y$" + HASH_2B.slice(4);
const PASSWORD = "changeit";
const COOKIE_SECRET = "sysCookieSecret0042";
const TOKEN_SECRET = "TokenSecretValue0042";

const SERIALIZED_SOCKET_KEYS = ["clientId", "data", "handshake", "id", "nsp", "rooms", "transport"];
const HANDSHAKE_KEYS = ["address", "headers", "issued", "query", "secure", "time", "url", "xdomain"];
const STATS_KEYS = ["aggregatedEvents", "clientsCount", "hostname", "namespaces", "pid", "pollingClientsCount", "serverId", "uptime"];
const ISO_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * Connects like the Admin UI. Resolves {socket, frames, events, sessionId, connectError}.
 * `frames` are the raw Engine.IO message payloads received (leading "4" included), so the
 * order of `session` and CONNECT can be checked; `events` every [name, ...args] in order.
 */
function adminConnect(url, auth, { namespace = "/admin", transports = ["polling", "websocket"] } = {}) {
	const { io } = require("socket.io-client");
	const socket = io(url + namespace, { forceNew: true, reconnection: false, withCredentials: true, transports, auth });
	const frames = [];
	const events = [];
	socket.io.on("open", () => {
		socket.io.engine.on("packet", (p) => {
			if (p.type === "message" && typeof p.data === "string") frames.push("4" + p.data);
		});
	});
	socket.onAny((...args) => events.push(args));
	return new Promise((resolve) => {
		const timer = setTimeout(() => resolve({ socket, frames, events, connectError: new Error("timeout") }), 10000);
		socket.on("connect", () => {
			clearTimeout(timer);
			resolve({ socket, frames, events });
		});
		socket.on("connect_error", (err) => {
			clearTimeout(timer);
			socket.close();
			resolve({ socket, frames, events, connectError: err });
		});
	});
}

function waitForAdminEvent(admin, name, predicate = () => true, ms = 6000) {
	const found = admin.events.find((e) => e[0] === name && predicate(...e.slice(1)));
	if (found) return Promise.resolve(found.slice(1));
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			admin.socket.offAny(handler);
			reject(new Error(`admin event ${name} not received within ${ms} ms; got ${JSON.stringify(admin.events.map((e) => e[0]))}`));
		}, ms);
		function handler(ev, ...args) {
			if (ev !== name || !predicate(...args)) return;
			clearTimeout(timer);
			admin.socket.offAny(handler);
			resolve(args);
		}
		admin.socket.onAny(handler);
	});
}

function assertSerializedSocket(s) {
	assert.deepEqual(Object.keys(s).sort(), SERIALIZED_SOCKET_KEYS, JSON.stringify(s));
	assert.match(s.id, /^[A-Za-z0-9_-]{20}$/);
	assert.equal(s.clientId.length, 12);
	assert.ok(["polling", "websocket"].includes(s.transport));
	assert.equal(typeof s.nsp, "string");
	assert.equal(typeof s.data, "object");
	assert.deepEqual(Object.keys(s.handshake).sort(), HANDSHAKE_KEYS);
	assert.equal(typeof s.handshake.issued, "number");
	assert.match(s.handshake.time, /^[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d{4} \d\d:\d\d:\d\d GMT\+0000 \(Coordinated Universal Time\)$/);
	assert.equal(s.handshake.query.EIO, "4");
	assert.ok(s.handshake.url.startsWith("/socket.io/?"));
	assert.ok(Array.isArray(s.rooms));
	assert.equal(s.rooms[0], s.id, "own room first");
	assert.equal(s.handshake.auth, undefined, "handshake.auth is never sent");
}

function assertServerStats(stats, serverId) {
	assert.deepEqual(Object.keys(stats).sort(), STATS_KEYS);
	assert.equal(stats.serverId, serverId);
	assert.equal(typeof stats.hostname, "string");
	assert.ok(Number.isInteger(stats.pid) && stats.pid > 0);
	assert.ok(typeof stats.uptime === "number" && stats.uptime >= 0);
	assert.ok(Number.isInteger(stats.clientsCount));
	assert.ok(Number.isInteger(stats.pollingClientsCount));
	for (const n of stats.namespaces) {
		assert.deepEqual(Object.keys(n).sort(), ["name", "socketsCount"]);
		assert.ok(Number.isInteger(n.socketsCount));
	}
	for (const a of stats.aggregatedEvents) {
		assert.ok(["rawConnection", "rawDisconnection", "packetsIn", "packetsOut", "bytesIn", "bytesOut"].includes(a.type), a.type);
		assert.equal(a.timestamp % 1000, 0);
		assert.ok(a.count > 0);
		if (a.type === "rawDisconnection") assert.equal(typeof a.subType, "string");
		else assert.equal(a.subType, undefined);
	}
}

function siteClient(stack, extra = {}) {
	return stack.connect(SITE, {
		cookie: `sid=${COOKIE_SECRET}; system_user=yes`,
		authorization: `token sysKey:${TOKEN_SECRET}`,
		transports: ["polling", "websocket"],
		...extra,
	});
}

async function sync(socket) {
	const pong = H.waitForEvent(socket, "pong", 5000);
	socket.emit("ping");
	await pong;
}

function assertNoSecrets(admin) {
	const everything = JSON.stringify(admin.frames) + JSON.stringify(admin.events);
	// Never more than the first 4 characters of a secret.
	assert.ok(!everything.includes(COOKIE_SECRET.slice(0, 5)), "cookie value reached an admin client");
	assert.ok(!everything.includes("sysKey:"), "Authorization value reached an admin client");
	assert.ok(!everything.includes(TOKEN_SECRET.slice(0, 5)), "Authorization value reached an admin client");
}

after(() => H.cleanup());

describe("development mode, read-write (the full protocol)", () => {
	let stack;
	const SERVER_ID = "cpp-node-1";
	before(async () => {
		stack = await H.startStack({
			extraArgs: ["--admin", "--admin-password-hash", HASH_2B, "--admin-mode", "development", "--admin-read-write", "--admin-server-id", SERVER_ID],
		});
	});
	after(async () => stack && stack.stop());

	let admin;
	test("login: session before CONNECT, then config, all_sockets and server_stats", async () => {
		admin = await adminConnect(stack.url, { username: "admin", password: PASSWORD });
		assert.equal(admin.connectError, undefined, String(admin.connectError));
		const sessionIdx = admin.frames.findIndex((f) => f.startsWith('42/admin,["session"'));
		const connectIdx = admin.frames.findIndex((f) => f.startsWith("40/admin,"));
		assert.ok(sessionIdx >= 0 && sessionIdx < connectIdx, `session must precede CONNECT: ${admin.frames.join("\n")}`);
		const [sessionId] = await waitForAdminEvent(admin, "session");
		assert.match(sessionId, /^[0-9a-f]{16}$/);
		admin.sessionId = sessionId;

		const [config] = await waitForAdminEvent(admin, "config");
		assert.deepEqual(config, { supportedFeatures: ["JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS", "ALL_EVENTS"] });
		const [sockets] = await waitForAdminEvent(admin, "all_sockets");
		const own = sockets.find((s) => s.id === admin.socket.id);
		assert.ok(own, "all_sockets lists the admin socket itself");
		assert.equal(own.nsp, "/admin");
		for (const s of sockets) assertSerializedSocket(s);
		// Node's order: room_joined (own room), CONNECT, socket_connected, config, all_sockets.
		const names = admin.events.map((e) => e[0]);
		assert.ok(names.indexOf("socket_connected") < names.indexOf("config"), names.join());
		assert.ok(names.indexOf("config") < names.indexOf("all_sockets"), names.join());
		const [stats] = await waitForAdminEvent(admin, "server_stats");
		assertServerStats(stats, SERVER_ID);
		assert.ok(stats.namespaces.some((n) => n.name === "/admin" && n.socketsCount === 1), JSON.stringify(stats.namespaces));
		assert.ok(stats.namespaces.some((n) => n.name === "/" + SITE), "configured sites are listed");
	});

	let client;
	test("a site client: socket_connected (credentials masked), room_joined, events both ways", async () => {
		client = await siteClient(stack);
		const [serialized, at] = await waitForAdminEvent(admin, "socket_connected", (s) => s.id === client.id);
		assertSerializedSocket(serialized);
		assert.match(at, ISO_RE);
		assert.equal(serialized.nsp, "/" + SITE);
		// The project's one masker (common/credentialmask): names stay, values show at most 4 characters.
		assert.match(serialized.handshake.headers.cookie, /^sid=\S{0,4}…; system_user=…$/);
		assert.match(serialized.handshake.headers.authorization, /^token \S{0,4}…$/);
		assert.deepEqual(serialized.data, { user: "sysKey@example.com", user_type: "System User", site: SITE });
		const [nsp, room, id, when] = await waitForAdminEvent(admin, "room_joined", (n, r, i) => i === client.id && r === "all");
		assert.equal(nsp, "/" + SITE);
		assert.equal(room, "all");
		assert.equal(id, client.id);
		assert.match(when, ISO_RE);

		await sync(client);
		const received = await waitForAdminEvent(admin, "event_received", (n, i) => i === client.id);
		assert.deepEqual(received.slice(0, 3), ["/" + SITE, client.id, ["ping"]]);
		assert.match(received[3], ISO_RE);
		const sent = await waitForAdminEvent(admin, "event_sent", (n, i, args) => i === client.id && args[0] === "pong");
		assert.deepEqual(sent.slice(0, 2), ["/" + SITE, client.id]);
	});

	test("server_stats counts the client and aggregates engine traffic", async () => {
		const [stats] = await waitForAdminEvent(admin, "server_stats", (s) => s.namespaces.some((n) => n.name === "/" + SITE && n.socketsCount === 1) && s.aggregatedEvents.length > 0);
		assertServerStats(stats, "cpp-node-1");
		assert.ok(stats.clientsCount >= 2, `clientsCount ${stats.clientsCount}`);
		const types = new Set(stats.aggregatedEvents.map((a) => a.type));
		for (const t of ["packetsIn", "bytesIn", "packetsOut", "bytesOut"]) assert.ok(types.has(t), `${t} in ${JSON.stringify(stats.aggregatedEvents)}`);
	});

	test("join and leave reach the client's rooms (a Redis publish proves it)", async () => {
		const room = "admin_room_" + Date.now();
		admin.socket.emit("join", "/" + SITE, room, client.id);
		await waitForAdminEvent(admin, "room_joined", (n, r, i) => r === room && i === client.id);
		const got = H.waitForEvent(client, "to_admin_room", 5000);
		await stack.publish({ event: "to_admin_room", message: { ok: 1 }, room });
		assert.deepEqual(await got, { ok: 1 });

		admin.socket.emit("leave", "/" + SITE, room, client.id);
		await waitForAdminEvent(admin, "room_left", (n, r, i) => r === room && i === client.id);
		// Absence, with a positive control in the same publish round: "all" still reaches it.
		const none = H.expectNoEvent(client, "to_admin_room", 800);
		const control = H.waitForEvent(client, "to_all", 5000);
		await stack.publish({ event: "to_admin_room", message: { ok: 2 }, room });
		await stack.publish({ event: "to_all", message: { ok: 3 }, room: "all" });
		await none;
		assert.deepEqual(await control, { ok: 3 });
	});

	test("a second admin resumes with its session id: no new session event, redaction holds", async () => {
		const second = await adminConnect(stack.url, { sessionId: admin.sessionId });
		assert.equal(second.connectError, undefined, String(second.connectError));
		const [sockets] = await waitForAdminEvent(second, "all_sockets");
		const site = sockets.find((s) => s.id === client.id);
		assert.ok(site, "all_sockets lists the site client");
		assert.ok(site.rooms.includes("all"));
		assert.ok(!second.events.some((e) => e[0] === "session"), "no new session on resume");
		assertNoSecrets(second);
		second.socket.close();
	});

	test("_disconnect reaches the client; socket_disconnected comes before room_left", async () => {
		const clientId = client.id; // socket.io-client forgets it on disconnect
		const gone = H.waitForEvent(client, "disconnect", 5000);
		const mark = admin.events.length;
		admin.socket.emit("_disconnect", "/" + SITE, false, clientId);
		assert.equal(await gone, "io server disconnect");
		const [nsp, id, reason, at] = await waitForAdminEvent(admin, "socket_disconnected", (n, i) => i === clientId);
		assert.deepEqual([nsp, id, reason], ["/" + SITE, clientId, "server namespace disconnect"]);
		assert.match(at, ISO_RE);
		await waitForAdminEvent(admin, "room_left", (n, r, i) => i === clientId && r === clientId);
		const after = admin.events.slice(mark).filter((e) => e.includes(clientId) || (e[3] === clientId));
		const firstLeft = after.findIndex((e) => e[0] === "room_left");
		const disc = after.findIndex((e) => e[0] === "socket_disconnected");
		assert.ok(disc >= 0 && disc < firstLeft, after.map((e) => e[0]).join());
	});

	test("nothing secret reached the admin client", () => assertNoSecrets(admin));

	test("wrong password, unknown session id: invalid credentials", async () => {
		const wrong = await adminConnect(stack.url, { username: "admin", password: "not-it" });
		assert.equal(wrong.connectError && wrong.connectError.message, "invalid credentials");
		const unknown = await adminConnect(stack.url, { sessionId: "0123456789abcdef" });
		assert.equal(unknown.connectError && unknown.connectError.message, "invalid credentials");
		const wrongUser = await adminConnect(stack.url, { username: "root", password: PASSWORD });
		assert.equal(wrongUser.connectError && wrongUser.connectError.message, "invalid credentials");
	});

	test("the admin namespace never reaches the Frappe auth callback", async () => {
		stack.stub.reset();
		const other = await adminConnect(stack.url, { sessionId: admin.sessionId }, { transports: ["websocket"] });
		assert.equal(other.connectError, undefined);
		await waitForAdminEvent(other, "config");
		assert.equal(stack.stub.requests.length, 0, JSON.stringify(stack.stub.requests));
		other.socket.close();
		// Positive control: a site connect does call back.
		const c = await siteClient(stack);
		await H.waitFor(() => stack.stub.requests.length > 0, 5000);
		c.close();
	});

	test("CORS for the hosted Admin UI (polling preflight)", async () => {
		const res = await H.httpRequest({
			port: stack.port,
			method: "OPTIONS",
			path: "/socket.io/?EIO=4&transport=polling",
			headers: { Origin: "https://admin.socket.io", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
		});
		assert.equal(res.status, 204);
		assert.equal(res.headers["access-control-allow-origin"], "https://admin.socket.io");
		assert.equal(res.headers["access-control-allow-credentials"], "true");
	});
});

describe("defaults: production mode, read-only ($2y$ hash)", () => {
	let stack;
	before(async () => {
		stack = await H.startStack({ extraArgs: ["--admin", "--admin-password-hash", HASH_2Y] });
	});
	after(async () => stack && stack.stop());

	test("config announces no commands; no socket mirror; commands are refused", async () => {
		const admin = await adminConnect(stack.url, { username: "admin", password: PASSWORD });
		assert.equal(admin.connectError, undefined, String(admin.connectError));
		const [config] = await waitForAdminEvent(admin, "config");
		assert.deepEqual(config, { supportedFeatures: ["AGGREGATED_EVENTS"] });

		const client = await siteClient(stack);
		await sync(client);
		// Positive control for the absences below: server_stats sees the client.
		await waitForAdminEvent(admin, "server_stats", (s) => s.namespaces.some((n) => n.name === "/" + SITE && n.socketsCount === 1));
		for (const ev of ["all_sockets", "socket_connected", "room_joined", "event_received", "event_sent"])
			assert.ok(!admin.events.some((e) => e[0] === ev), `${ev} sent in production mode`);

		const mark = stack.server.mark();
		const none = H.expectNoEvent(client, "disconnect", 1000);
		admin.socket.emit("_disconnect", "/" + SITE, false, client.id);
		await stack.server.waitForLog(/admin: refused _disconnect/, 5000, { since: mark });
		await none;
		await sync(client); // still connected and served
		client.close();
		admin.socket.close();
	});

	test("failed logins are limited per address", async () => {
		for (let i = 0; i < 5; i++) {
			const r = await adminConnect(stack.url, { username: "admin", password: "wrong" + i });
			assert.equal(r.connectError && r.connectError.message, "invalid credentials");
		}
		const locked = await adminConnect(stack.url, { username: "admin", password: PASSWORD });
		assert.match(locked.connectError && locked.connectError.message, /too many failed logins/);
	});
});

describe("hash formats and start-up checks", () => {
	test("$2a$ hashes verify", async () => {
		const stack = await H.startStack({ extraArgs: ["--admin", "--admin-password-hash", HASH_2A] });
		try {
			const ok = await adminConnect(stack.url, { username: "admin", password: PASSWORD });
			assert.equal(ok.connectError, undefined);
			ok.socket.close();
			const bad = await adminConnect(stack.url, { username: "admin", password: "changeit2" });
			assert.equal(bad.connectError && bad.connectError.message, "invalid credentials");
		} finally {
			await stack.stop();
		}
	});

	test("the bench key realtime_admin turns it on; the command line wins over it", async () => {
		const stack = await H.startStack({
			config: { realtime_admin: { enabled: true, username: "benchadmin", password_hash: HASH_2B, mode: "development", server_id: "from-bench" } },
			extraArgs: ["--admin-server-id", "from-cli"],
		});
		try {
			const ok = await adminConnect(stack.url, { username: "benchadmin", password: PASSWORD });
			assert.equal(ok.connectError, undefined, String(ok.connectError));
			const [config] = await waitForAdminEvent(ok, "config");
			assert.deepEqual(config.supportedFeatures, ["AGGREGATED_EVENTS", "ALL_EVENTS"]); // development, read-only
			const [stats] = await waitForAdminEvent(ok, "server_stats");
			assert.equal(stats.serverId, "from-cli");
			ok.socket.close();
		} finally {
			await stack.stop();
		}
	});

	test("--admin-hash-password makes a hash the server accepts", async () => {
		const { execFileSync } = require("node:child_process");
		const hash = execFileSync(process.env.RT_BINARY || "build/app/frappe-realtime", ["--admin-hash-password"], { input: "s3cret pass\n" }).toString().trim();
		assert.match(hash, /^\$2b\$10\$[./A-Za-z0-9]{53}$/);
		const stack = await H.startStack({ extraArgs: ["--admin", "--admin-user", "ops", "--admin-password-hash", hash] });
		try {
			const ok = await adminConnect(stack.url, { username: "ops", password: "s3cret pass" });
			assert.equal(ok.connectError, undefined);
			ok.socket.close();
		} finally {
			await stack.stop();
		}
	});

	test("a plaintext password, or no-auth off loopback, is refused at start", async () => {
		await assert.rejects(H.startServer(["--no-gui", "--redis", "none", "--host", "127.0.0.1", "--port", "0", "--admin", "--admin-password-hash", "changeit"]), /not a bcrypt hash/);
		await assert.rejects(H.startServer(["--no-gui", "--redis", "none", "--host", "0.0.0.0", "--port", "0", "--admin", "--admin-no-auth"]), /loopback/);
		await assert.rejects(H.startServer(["--no-gui", "--redis", "none", "--host", "127.0.0.1", "--port", "0", "--admin"]), /--admin-password-hash/);
	});

	test("--admin-no-auth on loopback admits a direct local client, not a proxied one", async () => {
		const server = await H.startServer(["--no-gui", "--redis", "none", "--host", "127.0.0.1", "--port", "0", "--admin", "--admin-no-auth"]);
		try {
			const ok = await adminConnect(server.url, {});
			assert.equal(ok.connectError, undefined);
			ok.socket.close();
			const { io } = require("socket.io-client");
			const proxied = io(server.url + "/admin", { forceNew: true, reconnection: false, transports: ["polling"], extraHeaders: { "X-Forwarded-For": "203.0.113.9" } });
			const err = await new Promise((resolve) => {
				proxied.on("connect", () => resolve(null));
				proxied.on("connect_error", resolve);
			});
			proxied.close();
			assert.match(err && err.message, /loopback only/);
		} finally {
			await server.stop();
		}
	});
});
