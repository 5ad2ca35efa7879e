"use strict";
// Security properties (issue 7, spec 2.2-2.4, 11): no cross-site delivery (also through
// Node's ghost-socket path), the Origin allow-list from common_site_config.json
// (realtime_allowed_origins), open_in_editor only with developer_mode, and no session ids or
// Authorization secrets in the server log, even at debug level.
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const H = require("./lib/harness.js");
const F = require("./lib/faults.js");

const SITE_A = "site1.localhost";
const SITE_B = "site2.localhost";

describe("no cross-site delivery", () => {
	let stack;
	before(async () => {
		stack = await H.startStack({ sites: [SITE_A, SITE_B] });
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	/** Publishes to the same room names in both sites; returns what arrived on `socket`. */
	async function publishEverywhere(event) {
		for (const site of [SITE_A, SITE_B])
			for (const room of ["all", "website", "user:sys1@example.com", "doctype:ToDo", "doc:ToDo/TD-1"])
				await H.emitViaRedis(stack.redis, { event, message: { site, room }, room, site });
		// and a broadcast without a room (every socket of every site: Frappe's build_event)
		await H.emitViaRedis(stack.redis, { event, message: { site: "*" }, room: null, site: null });
	}

	test("a site A client gets site A events only, for the same room names", async () => {
		const a = await stack.connect(SITE_A, { sid: "sys1" });
		a.emit("doctype_subscribe", "ToDo");
		a.emit("doc_subscribe", "ToDo", "TD-1");
		await H.sleep(300);
		const got = H.collectEvents(a, "probe_a");
		await publishEverywhere("probe_a");
		await H.waitFor(() => got.length >= 6, 5000 * F.SLOW);
		await H.sleep(300);
		assert.ok(got.every((m) => m.site === SITE_A || m.site === "*"), JSON.stringify(got));
		assert.equal(got.filter((m) => m.site === SITE_A).length, 5);
		a.close();
	});

	test("site A credentials cannot connect to /siteB (Invalid namespace), whatever the transport", async () => {
		for (const transports of [["polling", "websocket"], ["websocket"]]) {
			// headers say site A, the namespace asks for site B
			const err = await H.connectClient(`${stack.url}/${SITE_B}`, { sid: "sys1", site: SITE_A, transports }).then(
				(s) => (s.close(), null),
				(e) => e,
			);
			assert.ok(err, "admitted to another site's namespace");
			assert.equal(err.message, "Invalid namespace");
		}
	});

	test("ghost-socket path: a raw client that ignores Invalid namespace gets no site B events", async () => {
		const { sock } = await F.rawUpgrade(stack.port, undefined, {
			Cookie: "sid=sys1", Origin: stack.url, "X-Frappe-Site-Name": SITE_A,
		});
		let received = "";
		sock.on("data", (d) => {
			received += d.toString("latin1");
			if (/\x89|\x81\x012/.test(d.toString("latin1"))) sock.write(F.wsFrame(1, "3")); // answer pings
		});
		sock.on("error", () => {});
		sock.write(F.wsFrame(1, `40/${SITE_B},`));
		await H.waitFor(() => received.includes(`44/${SITE_B},{"message":"Invalid namespace"}`), 5000 * F.SLOW);
		// carry on as if admitted: subscribe in site B and wait for its events
		sock.write(F.wsFrame(1, `42/${SITE_B},["doctype_subscribe","ToDo"]`));
		sock.write(F.wsFrame(1, `42/${SITE_B},["task_subscribe","t1"]`));
		await H.sleep(300);
		received = "";
		for (const room of ["all", "website", "user:sys1@example.com", "doctype:ToDo", "task_progress:t1"])
			await H.emitViaRedis(stack.redis, { event: "ghost_probe", message: { room }, room, site: SITE_B });
		await H.sleep(800);
		assert.ok(!received.includes("ghost_probe"), `site B event reached the refused client: ${JSON.stringify(received)}`);
		sock.destroy();
	});
});

describe("origin allow-list (realtime_allowed_origins)", () => {
	const stacks = [];
	after(async () => {
		for (const s of stacks) await s.stop();
	});

	test("default: an Origin that does not match the Host is refused", async () => {
		const stack = await H.startStack();
		stacks.push(stack);
		const err = await stack.connect(undefined, { sid: "sys1", origin: "https://app.example.com" }).then(
			(s) => (s.close(), null),
			(e) => e,
		);
		assert.equal(err && err.message, "Invalid origin");
	});

	test("listed origins are accepted, others still refused", async () => {
		const stack = await H.startStack({ config: { realtime_allowed_origins: ["https://app.example.com"] } });
		stacks.push(stack);
		const s = await stack.connect(undefined, { sid: "sys1", origin: "https://app.example.com" });
		assert.ok(s.connected);
		s.close();
		const err = await stack.connect(undefined, { sid: "sys1", origin: "https://evil.example.com" }).then(
			(x) => (x.close(), null),
			(e) => e,
		);
		assert.equal(err && err.message, "Invalid origin");
	});
});

describe("open_in_editor only with developer_mode", () => {
	const stacks = [];
	after(async () => {
		for (const s of stacks) await s.stop();
	});

	async function editorMessages(developerMode) {
		const stack = await H.startStack({ config: { developer_mode: developerMode } });
		stacks.push(stack);
		const sub = await stack.redis.client();
		const got = [];
		await sub.subscribe("open_in_editor", (_channel, buf) => got.push(buf.toString()));
		const s = await stack.connect(undefined, { sid: "sys1" });
		s.emit("open_in_editor", { file: "apps/frappe/frappe/__init__.py", line: 1 });
		await H.sleep(800);
		s.close();
		sub.close();
		return { got, stack };
	}

	test("developer_mode off: nothing is published, and the refusal is logged", async () => {
		const { got, stack } = await editorMessages(0);
		assert.deepEqual(got, []);
		assert.match(stack.server.logs(), /ignored open_in_editor .*developer_mode is off/);
	});

	test("developer_mode on: the request reaches the open_in_editor channel", async () => {
		const { got } = await editorMessages(1);
		assert.equal(got.length, 1);
		assert.deepEqual(JSON.parse(got[0]), { file: "apps/frappe/frappe/__init__.py", line: 1 });
	});
});

describe("credentials never reach the log", () => {
	let stack;
	after(async () => {
		if (stack) await stack.stop();
	});

	test("Frappe sid (cookie, query) and Authorization secrets are masked, even at debug level", async () => {
		const sid = "9f3a7c1e5d2b4a6c8e0f1a3b5c7d9e1f";
		const apiSecret = "s3cr3tv4lu3xyz0987654321";
		const bearer = "beareronly0123456789abcdef";
		// explicit identities, so no user name is derived from a secret
		const sessions = {
			[sid]: { user: "alice@example.com", user_type: "System User" },
			[bearer]: { user: "bob@example.com", user_type: "System User" },
		};
		stack = await H.startStack({ stub: { sessions }, extraArgs: ["--log-level", "debug"] });
		const a = await stack.connect(undefined, { sid });
		const b = await stack.connect(undefined, { authorization: `token sysapikey:${apiSecret}` });
		const c = await stack.connect(undefined, { authorization: `Bearer ${bearer}` });
		// a refused one too: error paths log the most
		await stack.connect(undefined, { sid: `denied${sid}` }).catch(() => {});
		await stack.connect(undefined, { sid: `garbage${sid}` }).catch(() => {});
		a.emit("doc_subscribe", "ToDo", "TD-1");
		await H.sleep(500);
		for (const s of [a, b, c]) s.close();
		await H.sleep(300);
		const log = stack.server.logs();
		assert.ok(log.length > 0);
		for (const secret of [sid, apiSecret, bearer])
			assert.ok(!log.includes(secret), `the log contains ${secret}:\n${log.split("\n").filter((l) => l.includes(secret)).join("\n")}`);
	});
});
