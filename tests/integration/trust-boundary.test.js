"use strict";
// Trust boundary (issue 13): credentials go only to the bench's own web server, and only the
// bench's own sites are served.
//
// An attacker web server of this test's own listens on a second loopback address (127.0.0.2).
// It answers every request as Administrator with permission granted and records what it
// receives. Each attack path is tried as a client that reaches the realtime port would try it;
// for each: the CONNECT is refused, no request carrying the socket secret, a cookie or an
// Authorization header reached the attacker, and (positive control) a normal desk client of
// the same site, through each documented topology, still connects and receives its events.
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const http = require("node:http");
const os = require("node:os");
const fs = require("node:fs");
const path = require("node:path");
const H = require("./lib/harness.js");
const { startStub } = require("../support/frappe-stub.js");

const SITE1 = "site1.localhost";
const SITE2 = "site2.localhost";
const USER_INFO = "frappe.realtime.get_user_info";
const SECRET = "the-real-socket-secret-0123456789";
const ws = { transports: ["websocket"] };

let seq = 0;
const uniq = (p) => `${p}${Date.now().toString(36)}${++seq}`;

/** The attacker's web server: Administrator for everyone, permission for everything. */
async function startAttacker(host = "127.0.0.2") {
	const received = [];
	const server = http.createServer((req, res) => {
		received.push({ method: req.method, url: req.url, headers: req.headers });
		const body = req.url.includes("get_user_info")
			? { message: { user: "Administrator", user_type: "System User", installed_apps: ["frappe"] } }
			: { message: true };
		res.writeHead(200, { "content-type": "application/json" });
		res.end(JSON.stringify(body));
	});
	await new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(0, host, resolve);
	});
	const port = server.address().port;
	return {
		host,
		port,
		origin: `http://${host}:${port}`,
		authority: `${host}:${port}`,
		received,
		/** Requests that carried a credential or the secret. */
		leaks: () => received.filter((r) => r.headers.cookie || r.headers.authorization || r.headers["x-frappe-socket-secret"]),
		close: () => new Promise((resolve) => server.close(resolve)),
	};
}

async function refusal(promise) {
	try {
		const s = await promise;
		s.close();
	} catch (e) {
		return e.message;
	}
	assert.fail("the connection was admitted but should have been refused");
}

async function expectRoomEvent(stack, socket, site, room, ms = 5000) {
	const event = uniq("ev_");
	const message = { room, n: ++seq };
	const got = H.waitForEvent(socket, event, ms);
	await H.emitViaRedis(stack.redis, { event, message, room, site });
	assert.deepEqual(await got, message);
}

/** A desk user of `site` connects as `clientOpts` say and receives an event of its user room. */
async function deskClientWorks(stack, site, clientOpts) {
	const sid = uniq("sys");
	const s = await stack.connect(site, { sid, ...clientOpts });
	await expectRoomEvent(stack, s, site, `user:${sid}@example.com`);
	await expectRoomEvent(stack, s, site, "all");
	s.close();
	// the callback carried the cookie and the real secret to the bench's web server
	const call = stack.stub.callsTo(USER_INFO).filter((r) => r.headers.cookie === `sid=${sid}`).pop();
	assert.ok(call, "the bench's web server was asked");
	assert.equal(call.headers["x-frappe-socket-secret"], SECRET);
	assert.equal(call.headers["x-frappe-site-name"], site);
	return call;
}

/** The attack credentials: what the attacker's server would accept and the real one does not. */
const attackCredentials = [
	{ name: "cookie", opts: () => ({ sid: uniq("denied-attack") }) },
	{ name: "Authorization", opts: () => ({ authorization: `token ${uniq("attackerkey")}:secret` }) },
];

// The default state of every bench after `bench new-site`: neither webserver_host nor --auth-url.
describe("default bench (no webserver_host, no --auth-url): callbacks never follow the client", () => {
	let stack;
	let attacker;
	before(async () => {
		attacker = await startAttacker();
		const stub = await H.startStub({ secret: SECRET });
		stack = await H.startStack({
			sites: [SITE1, SITE2],
			stub,
			config: { webserver_host: null, webserver_port: stub.port },
			siteConfigs: { [SITE2]: { domains: ["erp.example.com"], host_name: "https://erp2.example.org" } },
		});
		await stack.redis.command("SET", "socketio_auth_secret", SECRET);
	});
	after(async () => {
		if (stack) {
			await stack.stop();
			await stack.stub.close();
		}
		if (attacker) await attacker.close();
	});

	test("the attacker's recorder records (control for every absence check below)", async () => {
		const before = attacker.received.length;
		const r = await H.httpRequest({ host: attacker.host, port: attacker.port, path: "/probe", headers: { Cookie: "sid=x" } });
		assert.equal(r.status, 200);
		assert.equal(attacker.received.length, before + 1);
		assert.equal(attacker.leaks().length, 1);
		attacker.received.length = 0;
	});

	test("the start-up log says where callbacks go", async () => {
		await stack.server.waitForLog(new RegExp(`callbacks: http://127\\.0\\.0\\.1:${stack.stub.port} \\(the bench's own web server`));
	});

	for (const cred of attackCredentials) {
		test(`Origin and Host of the attacker, ${cred.name}: refused, nothing reaches the attacker`, async () => {
			for (const transports of [["polling", "websocket"], ["websocket"]]) {
				const msg = await refusal(
					stack.connect(SITE1, {
						...cred.opts(),
						transports,
						origin: attacker.origin,
						headers: transports.length === 1 ? { Host: attacker.authority } : {},
					}),
				);
				assert.equal(msg, "Invalid origin");
			}
			assert.deepEqual(attacker.received, []);
		});

		test(`another site's X-Frappe-Site-Name with the attacker's Origin, ${cred.name}: refused`, async () => {
			const msg = await refusal(
				stack.connect(SITE2, { ...ws, ...cred.opts(), site: SITE2, origin: attacker.origin, headers: { Host: attacker.authority } }),
			);
			assert.equal(msg, "Invalid origin");
			assert.deepEqual(attacker.received, []);
		});
	}

	test("Origin of one site, X-Frappe-Site-Name of another: refused", async () => {
		const msg = await refusal(stack.connect(SITE2, { ...ws, sid: uniq("sys"), site: SITE2, origin: `http://${SITE1}` }));
		assert.equal(msg, "Invalid origin");
	});

	test("a namespace that is not a site of the bench: refused before any callback, whatever the headers", async () => {
		const sid = uniq("admin");
		fs.mkdirSync(path.join(stack.bench.sitesDir, "assets"), { recursive: true }); // a folder, no site_config.json
		for (const site of ["nosuch.localhost", "127.0.0.2", "sites", "assets", "apps.txt", "common_site_config.json"]) {
			const msg = await refusal(
				H.connectClient(`${stack.url}/${site}`, { ...ws, sid, site, origin: `http://${site}`, headers: { Host: site } }),
			);
			assert.equal(msg, "Invalid namespace", site);
		}
		// the attacker's own host as the site, Origin and Host
		const msg = await refusal(
			H.connectClient(`${stack.url}/${attacker.host}`, { ...ws, sid, site: undefined, origin: attacker.origin, headers: { Host: attacker.authority } }),
		);
		assert.equal(msg, "Invalid namespace");
		await H.sleep(200);
		assert.equal(stack.stub.callsTo(USER_INFO).filter((r) => (r.headers.cookie || "").includes(sid)).length, 0);
		assert.deepEqual(attacker.received, []);
		assert.match(stack.server.logs(), /nosuch\.localhost is not a site of this bench/);
	});

	test("positive control: a desk client behind bench nginx (Origin = the site's URL) connects and receives", async () => {
		// nginx: X-Frappe-Site-Name <site>, Origin $scheme://$http_host, Host $host
		await deskClientWorks(stack, SITE1, { ...ws, site: SITE1, origin: `https://${SITE1}`, headers: { Host: SITE1 } });
	});

	test("positive control: a custom domain and host_name of the site connect", async () => {
		await deskClientWorks(stack, SITE2, { ...ws, site: SITE2, origin: "https://erp.example.com", headers: { Host: "erp.example.com" } });
		await deskClientWorks(stack, SITE2, { ...ws, site: SITE2, origin: "https://ERP2.example.org", headers: { Host: "erp2.example.org" } });
	});

	test("positive control: bench start (no nginx, Origin = the site on port 8000, Host on the realtime port)", async () => {
		await deskClientWorks(stack, SITE1, {
			...ws,
			site: undefined,
			origin: `http://${SITE1}:8000`,
			headers: { Host: `${SITE1}:${stack.port}` },
		});
	});

	test("positive control: the harness's loopback desk client (Origin = the address connected to)", async () => {
		await deskClientWorks(stack, SITE1, { site: SITE1 });
	});

	test("no request of this whole suite reached the attacker", () => {
		assert.deepEqual(attacker.leaks(), []);
		assert.deepEqual(attacker.received, []);
	});
});

describe("an allow-listed Origin is for CORS and the origin check only", () => {
	let stack;
	let attacker;
	before(async () => {
		attacker = await startAttacker();
		const stub = await H.startStub({ secret: SECRET });
		stack = await H.startStack({
			sites: [SITE1],
			stub,
			config: { webserver_host: null, webserver_port: stub.port, realtime_allowed_origins: [attacker.origin] },
		});
		await stack.redis.command("SET", "socketio_auth_secret", SECRET);
	});
	after(async () => {
		if (stack) {
			await stack.stop();
			await stack.stub.close();
		}
		if (attacker) await attacker.close();
	});

	for (const cred of attackCredentials) {
		test(`allow-listed attacker Origin and Host, ${cred.name}: the callback goes to the bench, the CONNECT is refused`, async () => {
			const opts = cred.opts();
			const msg = await refusal(stack.connect(SITE1, { ...ws, ...opts, origin: attacker.origin, headers: { Host: attacker.authority } }));
			assert.match(msg, /^Unauthorized/);
			assert.deepEqual(attacker.received, []);
			// it was the bench's web server that judged (and refused) the credential
			const seen = stack.stub.requests.filter(
				(r) => (opts.sid && r.headers.cookie === `sid=${opts.sid}`) || (opts.authorization && r.headers.authorization === opts.authorization),
			);
			assert.ok(seen.length > 0, "the bench's web server was asked");
		});
	}

	test("positive control: a SPA on the allow-listed origin with a real session connects and receives", async () => {
		await deskClientWorks(stack, SITE1, { ...ws, site: SITE1, origin: attacker.origin });
		assert.deepEqual(attacker.received, []);
	});
});

describe("documented topologies keep working with the attacker next door", () => {
	const stacks = [];
	let attacker;
	before(async () => {
		attacker = await startAttacker();
	});
	after(async () => {
		for (const s of stacks) {
			await s.stop();
			await s.stub.close();
		}
		if (attacker) await attacker.close();
	});

	async function stackWith(stubHost, config, extra = {}) {
		const stub = await startStub({ host: stubHost, secret: SECRET });
		const opts = { sites: [SITE1, SITE2], stub, config: config(stub), ...extra };
		if (extra.args) opts.args = (bench) => extra.args(bench, stub);
		const stack = await H.startStack(opts);
		stacks.push(stack);
		await stack.redis.command("SET", "socketio_auth_secret", SECRET);
		return stack;
	}

	test("frappe_docker: webserver_host names the web container (here 127.0.0.3)", async () => {
		const stack = await stackWith("127.0.0.3", (stub) => ({ webserver_host: "127.0.0.3", webserver_port: stub.port }));
		await stack.server.waitForLog(/callbacks: http:\/\/127\.0\.0\.3:\d+ \(webserver_host\)/);
		// frappe_docker's nginx: Origin = the site name, Host = whatever the browser used (an IP)
		await deskClientWorks(stack, SITE1, { ...ws, site: SITE1, origin: `http://${SITE1}`, headers: { Host: "10.1.2.3:8080" } });
		assert.equal(await refusal(stack.connect(SITE1, { ...ws, sid: uniq("denied"), origin: attacker.origin, headers: { Host: attacker.authority } })), "Invalid origin");
		assert.deepEqual(attacker.received, []);
	});

	test("--auth-url overrides everything", async () => {
		// webserver_host points nowhere: --auth-url wins over it
		const stack = await stackWith("127.0.0.3", () => ({ webserver_host: "127.0.0.9", webserver_port: 1 }), {
			args: (bench, stub) => ["--no-gui", "--bench", bench.dir, "--host", "127.0.0.1", "--port", "0", "--auth-url", `${stub.url}/`],
		});
		await stack.server.waitForLog(new RegExp(`callbacks: http://127\\.0\\.0\\.3:${stack.stub.port} \\(--auth-url\\)`));
		await deskClientWorks(stack, SITE1, { ...ws, site: SITE1, origin: `https://${SITE1}`, headers: { Host: SITE1 } });
		assert.equal(await refusal(stack.connect(SITE1, { ...ws, sid: uniq("denied"), origin: attacker.origin, headers: { Host: attacker.authority } })), "Invalid origin");
		assert.deepEqual(attacker.received, []);
	});

	test("port-based multitenancy: the site's nginx_port on the server's own name", async () => {
		const stack = await stackWith("127.0.0.1", (stub) => ({ webserver_host: null, webserver_port: stub.port }), {
			siteConfigs: { [SITE2]: { nginx_port: 8002 } },
		});
		// nginx on :8002 sends X-Frappe-Site-Name site2 literally, Origin http://<server>:8002
		await deskClientWorks(stack, SITE2, { ...ws, site: SITE2, origin: "http://bench.example.net:8002", headers: { Host: "bench.example.net" } });
		// the same server name on a port that is not the site's
		assert.equal(
			await refusal(stack.connect(SITE2, { ...ws, sid: uniq("sys"), site: SITE2, origin: "http://bench.example.net:8003", headers: { Host: "bench.example.net" } })),
			"Invalid origin",
		);
		assert.deepEqual(attacker.received, []);
	});

	test("bench start with default_site, browsing http://localhost:8000", async () => {
		const stack = await stackWith("127.0.0.1", (stub) => ({ webserver_host: null, webserver_port: stub.port, developer_mode: 1, default_site: SITE1 }));
		await deskClientWorks(stack, SITE1, { ...ws, site: undefined, origin: "http://localhost:8000", headers: { Host: `localhost:${stack.port}` } });
		assert.deepEqual(attacker.received, []);
	});

	test("a site made while the server runs (bench new-site) is served without a restart", async () => {
		const stack = stacks[stacks.length - 1];
		const site = "late.localhost";
		assert.equal(await refusal(stack.connect(site, { ...ws, sid: uniq("sys"), site, origin: `https://${site}`, headers: { Host: site } })), "Invalid namespace");
		stack.bench.writeSiteConfig(site, {});
		await deskClientWorks(stack, site, { ...ws, site, origin: `https://${site}`, headers: { Host: site } });
	});
});

describe("dev auth admits only local pages", () => {
	let redis;
	let server;
	let port;
	before(async () => {
		redis = await H.startRedis();
		const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "rt-devauth-"));
		server = await H.startServer(["--no-gui", "--auth", "dev", "--port", "0", "--redis", redis.url], { cwd, env: { FRAPPE_BENCH_ROOT: "" } });
		port = server.port;
		await H.waitForSubscriber(redis, "events", 10000);
	});
	after(async () => {
		if (server) await server.stop();
		if (redis) await redis.stop();
	});

	const url = () => `http://127.0.0.1:${port}/${SITE1}`;

	test("a page from a foreign Origin is refused", async () => {
		for (const origin of ["http://evil.example", "https://evil.example:8443", "http://192.0.2.1", "null"]) {
			const msg = await refusal(H.connectClient(url(), { origin, site: undefined }));
			assert.equal(msg, "Invalid origin", origin);
		}
		assert.match(server.logs(), /dev auth: refused a page from http:\/\/evil\.example/);
	});

	test("a namespace that is not the demo site is refused", async () => {
		const msg = await refusal(H.connectClient(`http://127.0.0.1:${port}/${SITE2}`, { site: SITE2, origin: `http://localhost:${port}` }));
		assert.equal(msg, "Invalid namespace");
	});

	test("positive control: local pages and non-browser clients connect as Administrator and receive", async () => {
		for (const origin of [`http://localhost:5173`, `http://127.0.0.1:${port}`, `http://${SITE1}:8000`, null]) {
			const s = await H.connectClient(url(), { origin, site: undefined });
			const event = uniq("dev_");
			const got = H.waitForEvent(s, event, 5000);
			await H.emitViaRedis(redis, { event, message: { origin }, room: "user:Administrator", site: SITE1 });
			assert.deepEqual(await got, { origin });
			s.close();
		}
	});

	test("dev auth is refused with a Redis that is not on this machine", async () => {
		const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "rt-devauth-"));
		const p = await H.startServer(["--no-gui", "--auth", "dev", "--port", "0", "--redis", "redis://:hunter2@192.0.2.10:6379"], { cwd, env: { FRAPPE_BENCH_ROOT: "" } }).then(
			(s) => (s.stop(), null),
			(e) => e,
		);
		assert.ok(p, "the server started");
		assert.match(p.logs, /--auth dev needs a Redis on this machine/);
		assert.doesNotMatch(p.logs, /hunter2/);
	});
});

describe("the public port tells strangers nothing", () => {
	let stack;
	before(async () => {
		stack = await H.startStack({ sites: [SITE1, SITE2] });
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	test("/health from a proxy (X-Forwarded-For) or another address answers status only", async () => {
		for (const headers of [{ "X-Forwarded-For": "203.0.113.9" }, { Forwarded: "for=203.0.113.9" }, { "X-Real-IP": "203.0.113.9" }]) {
			const r = await H.httpRequest({ port: stack.port, path: "/health", headers });
			assert.equal(r.status, 200);
			assert.deepEqual(JSON.parse(r.text), { status: "ok" });
		}
	});

	test("positive control: on loopback, /health has sites and counters", async () => {
		const r = await H.httpRequest({ port: stack.port, path: "/health" });
		const h = JSON.parse(r.text);
		assert.equal(h.status, "ok");
		assert.deepEqual(h.sites, [SITE1, SITE2]);
		assert.equal(typeof h.sessions, "number");
		assert.ok(h.redis && h.events);
	});

});

describe("--uds: the socket file is the owner's", () => {
	for (const [flag, mode] of [[[], 0o700], [["--uds-group"], 0o770]]) {
		test(`mode ${mode.toString(8)} ${flag.join(" ")}`, async () => {
			const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rt-uds-"));
			const sock = path.join(dir, "realtime.sock");
			const stack = await H.startStack({ sites: [SITE1], extraArgs: ["--uds", sock, ...flag] });
			try {
				const st = fs.statSync(sock);
				assert.ok(st.isSocket());
				assert.equal(st.mode & 0o777, mode, `mode ${(st.mode & 0o777).toString(8)}`);
				// positive control: the owner connects
				const r = await new Promise((resolve, reject) => {
					const req = http.get({ socketPath: sock, path: "/health" }, (res) => {
						let body = "";
						res.on("data", (d) => (body += d));
						res.on("end", () => resolve({ status: res.statusCode, body }));
					});
					req.on("error", reject);
				});
				assert.equal(r.status, 200);
			} finally {
				await stack.stop();
				fs.rmSync(dir, { recursive: true, force: true });
			}
		});
	}
});
