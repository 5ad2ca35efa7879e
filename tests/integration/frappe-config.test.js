"use strict";
// Frappe mode, bench configuration (spec 1.1-1.3): the server is started the way bench /
// supervisor / systemd start `node apps/frappe/socketio.js` and configured only by the bench
// files and environment; the effect of each setting is checked from the outside (listening
// port, Redis subscription, default_site, callbacks reaching the web stub).
//
// Covers: config.json + sites/common_site_config.json merged key by key with truthy values
// only (later file wins, falsy values neither set nor unset); FRAPPE_SOCKETIO_PORT /
// FRAPPE_REDIS_QUEUE / FRAPPE_SITE env overrides (empty = unset); per-site site_config.json is
// never read; starting from sites/ as the working directory without --bench; FRAPPE_BENCH_ROOT;
// a malformed config file stops the server with a non-zero exit and one line naming the file.
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const os = require("os");
const H = require("./lib/harness.js");

const SITE1 = "site1.localhost";
const SITE2 = "site2.localhost";

let seq = 0;
const uniq = (p) => `${p}${Date.now().toString(36)}${++seq}`;

const BASE_ARGS = ["--no-gui", "--host", "127.0.0.1"];

/** Environment for the child without anything that would override the bench files. */
function cleanEnv(extra = {}) {
	return {
		FRAPPE_BENCH_ROOT: undefined,
		FRAPPE_SITE: undefined,
		FRAPPE_REDIS_QUEUE: undefined,
		FRAPPE_REDIS_CACHE: undefined,
		FRAPPE_SOCKETIO_PORT: undefined,
		FRAPPE_SOCKETIO_UDS: undefined,
		...extra,
	};
}

async function health(port) {
	const r = await H.httpRequest({ port, path: "/health" });
	assert.equal(r.status, 200);
	return JSON.parse(r.text);
}

/** A System User connects to `site` the way a browser on http://127.0.0.1:<port> would. */
function connect(port, site, opts = {}) {
	return H.connectClient(`http://127.0.0.1:${port}/${site}`, { sid: uniq("sys"), ...opts });
}

/** The server is subscribed to `redis` and routes a user-room event to `socket`. */
async function expectEventVia(redis, socket, site) {
	const event = uniq("ev_");
	const got = H.waitForEvent(socket, event, 8000);
	await H.publishRealtime(redis, { site, event, message: { ok: 1 }, room: "all" });
	assert.deepEqual(await got, { ok: 1 });
}

describe("bench config files and environment", () => {
	let redis;
	let stub;
	before(async () => {
		redis = await H.startRedis();
		stub = await H.startStub({});
	});
	after(async () => {
		if (stub) await stub.close();
		if (redis) await redis.stop();
	});

	test("config.json + common_site_config.json: truthy values merge, later file wins, falsy ignored", async () => {
		const port = await H.freePort();
		const bench = H.makeBench({
			sites: [SITE1, SITE2],
			rootConfig: {
				socketio_port: port,
				redis_queue: "redis://127.0.0.1:1", // replaced by common_site_config
				default_site: SITE1,
				webserver_host: "127.0.0.1",
				webserver_port: stub.port,
			},
			config: {
				socketio_port: 0, // falsy: does not replace config.json's port
				redis_queue: redis.url, // truthy: wins
				default_site: "", // falsy: does not unset
				webserver_port: null, // falsy
				developer_mode: false,
			},
		});
		const server = await H.startServer([...BASE_ARGS, "--bench", bench.dir], { cwd: os.tmpdir(), env: cleanEnv() });
		try {
			assert.equal(server.port, port, "socketio_port from config.json");
			await H.waitForSubscriber(redis, "events", 10000);
			const h = await health(port);
			assert.equal(h.redis.state, "subscribed");
			assert.deepEqual(h.sites, [SITE1, SITE2]);
			// default_site kept: no X-Frappe-Site-Name, Host 127.0.0.1 -> site1; the callback reached
			// the stub through webserver_host/webserver_port from config.json
			const before = stub.callsTo("frappe.realtime.get_user_info").length;
			const s = await connect(port, SITE1);
			assert.ok(stub.callsTo("frappe.realtime.get_user_info").length > before);
			await expectEventVia(redis, s, SITE1);
			s.close();
		} finally {
			await server.stop();
		}
	});

	test("common_site_config.json overrides config.json for truthy values", async () => {
		const [p1, p2] = [await H.freePort(), await H.freePort()];
		const bench = H.makeBench({
			rootConfig: { socketio_port: p1 },
			config: { socketio_port: p2, redis_queue: redis.url, webserver_host: "127.0.0.1", webserver_port: stub.port },
		});
		const server = await H.startServer([...BASE_ARGS, "--bench", bench.dir], { cwd: os.tmpdir(), env: cleanEnv() });
		try {
			assert.equal(server.port, p2);
		} finally {
			await server.stop();
		}
	});

	test("FRAPPE_SOCKETIO_PORT, FRAPPE_REDIS_QUEUE and FRAPPE_SITE override the files", async () => {
		const [cfgPort, envPort] = [await H.freePort(), await H.freePort()];
		const bench = H.makeBench({
			sites: [SITE1, SITE2],
			config: {
				socketio_port: cfgPort,
				redis_queue: "redis://127.0.0.1:1",
				default_site: SITE1,
				webserver_host: "127.0.0.1",
				webserver_port: stub.port,
			},
		});
		const env = cleanEnv({ FRAPPE_SOCKETIO_PORT: String(envPort), FRAPPE_REDIS_QUEUE: redis.url, FRAPPE_SITE: SITE2 });
		const server = await H.startServer([...BASE_ARGS, "--bench", bench.dir], { cwd: os.tmpdir(), env });
		try {
			assert.equal(server.port, envPort);
			await H.waitForSubscriber(redis, "events", 10000);
			const s = await connect(envPort, SITE2); // default_site from FRAPPE_SITE
			await expectEventVia(redis, s, SITE2);
			s.close();
			const refused = await connect(envPort, SITE1).then(
				(x) => (x.close(), "admitted"),
				(e) => e.message,
			);
			assert.equal(refused, "Invalid namespace");
		} finally {
			await server.stop();
		}
	});

	test("empty environment variables do not override", async () => {
		const port = await H.freePort();
		const bench = H.makeBench({ config: { socketio_port: port, redis_queue: redis.url } });
		const env = cleanEnv({ FRAPPE_SOCKETIO_PORT: "", FRAPPE_REDIS_QUEUE: "", FRAPPE_SITE: "" });
		const server = await H.startServer([...BASE_ARGS, "--bench", bench.dir], { cwd: os.tmpdir(), env });
		try {
			assert.equal(server.port, port);
			await H.waitForSubscriber(redis, "events", 10000);
		} finally {
			await server.stop();
		}
	});

	test("per-site site_config.json is never read", async () => {
		const [port, sitePort] = [await H.freePort(), await H.freePort()];
		const bench = H.makeBench({
			sites: [SITE1],
			config: { socketio_port: port, redis_queue: redis.url, webserver_host: "127.0.0.1", webserver_port: stub.port },
			siteConfigs: { [SITE1]: { socketio_port: sitePort, redis_queue: "redis://127.0.0.1:1", developer_mode: 1 } },
		});
		const server = await H.startServer([...BASE_ARGS, "--bench", bench.dir], { cwd: os.tmpdir(), env: cleanEnv() });
		try {
			assert.equal(server.port, port);
			await H.waitForSubscriber(redis, "events", 10000);
			// developer_mode from site_config has no effect: open_in_editor is not published
			const sub = await redis.client();
			await sub.subscribe("open_in_editor");
			const s = await connect(port, SITE1, { site: SITE1 });
			s.emit("open_in_editor", { file: "x.py", line: 1, column: 1 });
			const pong = H.waitForEvent(s, "pong", 5000);
			s.emit("ping");
			await pong;
			await assert.rejects(sub.nextMessage(1000), /no pub\/sub message/);
			sub.close();
			s.close();
		} finally {
			await server.stop();
		}
	});

	test("started from sites/ with no --bench (and no FRAPPE_BENCH_ROOT): uses the bench above", async () => {
		const port = await H.freePort();
		const bench = H.makeBench({
			sites: [SITE1],
			config: { socketio_port: port, redis_queue: redis.url, webserver_host: "127.0.0.1", webserver_port: stub.port },
		});
		const server = await H.startServer(BASE_ARGS, { cwd: bench.sitesDir, env: cleanEnv() });
		try {
			assert.equal(server.port, port);
			await H.waitForSubscriber(redis, "events", 10000);
			assert.deepEqual((await health(port)).sites, [SITE1]);
			const s = await connect(port, SITE1, { site: SITE1 });
			await expectEventVia(redis, s, SITE1);
			s.close();
		} finally {
			await server.stop();
		}
	});

	test("started from the bench folder with no --bench (the Procfile / supervisor way)", async () => {
		const port = await H.freePort();
		const bench = H.makeBench({ config: { socketio_port: port, redis_queue: redis.url } });
		const server = await H.startServer(BASE_ARGS, { cwd: bench.dir, env: cleanEnv() });
		try {
			assert.equal(server.port, port);
			await H.waitForSubscriber(redis, "events", 10000);
		} finally {
			await server.stop();
		}
	});

	test("FRAPPE_BENCH_ROOT names the bench when started elsewhere", async () => {
		const port = await H.freePort();
		const bench = H.makeBench({ config: { socketio_port: port, redis_queue: redis.url } });
		const server = await H.startServer(BASE_ARGS, { cwd: os.tmpdir(), env: cleanEnv({ FRAPPE_BENCH_ROOT: bench.dir }) });
		try {
			assert.equal(server.port, port);
			await H.waitForSubscriber(redis, "events", 10000);
		} finally {
			await server.stop();
		}
	});
});

describe("redis_queue URL forms and socketio_uds", () => {
	let stub;
	before(async () => {
		stub = await H.startStub({});
	});
	after(async () => {
		if (stub) await stub.close();
	});

	test("redis_queue unix:///path: events arrive over the Unix socket", async () => {
		const bench = H.makeBench({ sites: [SITE1] });
		const sock = bench.path("redis.sock");
		const redis = await H.startRedis({ args: ["--unixsocket", sock, "--unixsocketperm", "700"] });
		try {
			bench.writeCommonConfig({ redis_queue: `unix://${sock}`, webserver_host: "127.0.0.1", webserver_port: stub.port });
			const server = await H.startServer([...BASE_ARGS, "--port", "0", "--bench", bench.dir], { cwd: os.tmpdir(), env: cleanEnv() });
			try {
				await H.waitForSubscriber(redis, "events", 10000);
				const s = await connect(server.port, SITE1, { site: SITE1 });
				await expectEventVia(redis, s, SITE1);
				s.close();
			} finally {
				await server.stop();
			}
		} finally {
			await redis.stop();
		}
	});

	test("redis_queue with a password (requirepass): subscribes, reads the secret, publishes", async () => {
		const password = "s3cr3t:with@odd/chars";
		const redis = await H.startRedis({ args: ["--requirepass", password] });
		const admin = await redis.client();
		try {
			await admin.command("AUTH", password);
			const secret = uniq("sec");
			await admin.command("SET", "socketio_auth_secret", secret);
			stub.setBehaviour({ secret });
			const bench = H.makeBench({
				sites: [SITE1],
				config: {
					redis_queue: `redis://default:${encodeURIComponent(password)}@127.0.0.1:${redis.port}`,
					webserver_host: "127.0.0.1",
					webserver_port: stub.port,
					developer_mode: 1,
				},
			});
			const server = await H.startServer([...BASE_ARGS, "--port", "0", "--bench", bench.dir], { cwd: os.tmpdir(), env: cleanEnv() });
			try {
				await H.waitFor(async () => Number((await admin.command("PUBSUB", "NUMSUB", "events"))[1]) >= 1, 10000);
				// the secret came from the password-protected Redis, or get_user_info would answer {}
				const s = await connect(server.port, SITE1, { site: SITE1 });
				const event = uniq("ev_");
				const got = H.waitForEvent(s, event, 8000);
				await admin.command("PUBLISH", "events", JSON.stringify({ event, message: { pw: 1 }, room: "all", namespace: SITE1 }));
				assert.deepEqual(await got, { pw: 1 });
				// open_in_editor goes through the same authenticated connection
				const sub = await redis.client();
				await sub.command("AUTH", password);
				await sub.subscribe("open_in_editor");
				s.emit("open_in_editor", { file: "a.py", line: 2, column: 3 });
				const m = await sub.nextMessage(5000);
				assert.deepEqual(JSON.parse(m.payload.toString("utf8")), { file: "a.py", line: 2, column: 3 });
				sub.close();
				s.close();
				// neither the password nor the shared secret is ever printed
				assert.ok(!server.logs().includes(password) && !server.logs().includes(encodeURIComponent(password)),
					`the Redis password appears in the server output:\n${server.logs().split("\n").filter((l) => l.includes(password) || l.includes(encodeURIComponent(password))).join("\n")}`);
				assert.ok(!server.logs().includes(secret), "the socketio_auth_secret appears in the server output");
			} finally {
				await server.stop();
			}
		} finally {
			stub.setBehaviour({ secret: null });
			admin.close();
			await redis.stop();
		}
	});

	test("a wrong Redis password: the server still serves clients and /health names the problem", async () => {
		const redis = await H.startRedis({ args: ["--requirepass", "right"] });
		try {
			const bench = H.makeBench({
				sites: [SITE1],
				config: { redis_queue: `redis://:wrong@127.0.0.1:${redis.port}`, webserver_host: "127.0.0.1", webserver_port: stub.port },
			});
			const server = await H.startServer([...BASE_ARGS, "--port", "0", "--bench", bench.dir], { cwd: os.tmpdir(), env: cleanEnv() });
			try {
				let h;
				await H.waitFor(async () => {
					h = await health(server.port);
					return h.redis.last_error;
				}, 10000);
				assert.notEqual(h.redis.state, "subscribed");
				assert.match(h.redis.last_error, /WRONGPASS|invalid password|NOAUTH|auth/i);
				const s = await connect(server.port, SITE1, { site: SITE1 });
				assert.ok(s.connected);
				s.close();
			} finally {
				await server.stop();
			}
		} finally {
			await redis.stop();
		}
	});

	test("socketio_uds: listens on that Unix socket instead of a port", async () => {
		const bench = H.makeBench({ sites: [SITE1] });
		const uds = bench.path("socketio.sock");
		bench.writeCommonConfig({ socketio_uds: uds, socketio_port: 9 });
		const server = await H.startServer(["--no-gui", "--bench", bench.dir, "--redis", "none"], { cwd: os.tmpdir(), env: cleanEnv() });
		try {
			assert.equal(server.port, null);
			assert.equal(server.listenAddress, uds);
			const r = await new Promise((resolve, reject) => {
				const req = require("http").request({ socketPath: uds, path: "/socket.io/?EIO=4&transport=polling" }, (res) => {
					let body = "";
					res.on("data", (d) => (body += d));
					res.on("end", () => resolve({ status: res.statusCode, body }));
				});
				req.on("error", reject);
				req.end();
			});
			assert.equal(r.status, 200);
			assert.match(r.body, /^0\{"sid":"/);
		} finally {
			await server.stop();
		}
	});
});

describe("malformed config files stop the server", () => {
	const cases = [
		["sites/common_site_config.json", '{\n "redis_queue": "redis://127.0.0.1:11000",\n'],
		["sites/common_site_config.json", "{'socketio_port': 9000}"],
		["config.json", '{"socketio_port": 9000,}'],
		["config.json", "[1, 2]"],
	];
	for (const [rel, text] of cases) {
		test(`${rel} containing ${JSON.stringify(text)}: non-zero exit, one line naming the file`, async () => {
			const bench = H.makeBench({});
			const file = bench.writeFile(rel, text);
			const err = await H.startServer([...BASE_ARGS, "--port", "0", "--bench", bench.dir], {
				cwd: os.tmpdir(),
				env: cleanEnv(),
				readyTimeoutMs: 15000,
			}).then(
				(srv) => {
					srv.stop();
					return null;
				},
				(e) => e,
			);
			assert.ok(err, "the server started with a malformed config file");
			assert.ok(err.exit, `the server did not exit: ${err.message}`);
			assert.notEqual(err.exit.code, 0);
			assert.notEqual(err.exit.code, null, `killed by ${err.exit.signal}, not exited`);
			const lines = err.logs.split("\n").filter((l) => l.trim());
			const naming = lines.filter((l) => l.includes(file));
			assert.equal(naming.length, 1, `expected one line naming ${file}, output:\n${err.logs}`);
			assert.doesNotMatch(err.logs, /listening on/);
		});
	}
});
