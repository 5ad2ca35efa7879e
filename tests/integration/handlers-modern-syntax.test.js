"use strict";
// App handlers written with syntax Qt 6.4's JavaScript engine rejects as written (object rest
// in parameters, declarations and for-of heads, class fields with static and private members
// and a static block, `for await`, optional catch bindings, `??=`/`||=`, numeric separators)
// load and run, end to end with socket.io-client, the Frappe web stub and redis-server. The app
// is tests/fixtures/apps/agentsync, shaped like frappe/press-agent-manager's handlers: it
// forwards job progress to the web server as a JSON POST on the caller's behalf (cookie sid or
// Authorization header, URL from frappe/realtime/utils get_url) and reports the answer back.
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("fs");
const path = require("path");
const H = require("./lib/harness.js");

const SOURCE_DIR = process.env.RT_SOURCE_DIR || path.resolve(__dirname, "..", "..");
const FIXTURES = path.join(SOURCE_DIR, "tests", "fixtures", "apps");
const SITE = "site1.localhost";
const APP = "agentsync";
const UNLOWERABLE = "unlowerable";

function fixtureApp(name) {
	const root = path.join(FIXTURES, name);
	const files = {};
	const walk = (dir) => {
		for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
			const full = path.join(dir, entry.name);
			if (entry.isDirectory()) walk(full);
			else files[path.relative(root, full)] = fs.readFileSync(full, "utf8");
		}
	};
	walk(root);
	return { name, files };
}

describe("handlers.js with modern syntax", () => {
	let stack;
	before(async () => {
		stack = await H.startStack({
			sites: [SITE],
			apps: ["frappe", fixtureApp(APP), fixtureApp(UNLOWERABLE)],
			stub: { installedApps: ["frappe", UNLOWERABLE, APP] },
		});
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	test("the app loads and a listener POSTs JSON to the web server as the socket's user", async () => {
		const c = await stack.connect(SITE, { sid: "sysagent" });
		const synced = H.waitForEvent(c, "remote_job.sync_job_synced");
		c.emit("remote_job.sync_job", { job_id: "JOB-1", data: { status: "Running" }, attempt: 2 });
		const reply = await synced;
		const handlers = path.join(stack.bench.appsDir, APP, "realtime", "handlers.js");
		assert.ok(stack.server.logs().includes(`loaded event handlers from ${handlers}`));
		assert.doesNotMatch(stack.server.logs(), /failed to (load|setup) event handlers (from|of) .*agentsync/);
		assert.deepEqual(reply, {
			job_id: "JOB-1",
			status: 200,
			posted_by: "sysagent@example.com",
			http_method: "POST",
			args: { job_id: "JOB-1", data: { status: "Running" }, extra: { attempt: 2 }, meta: {} },
			count: 1,
			outbox_ok: true,
		});
		const call = stack.stub.callsTo("agentsync.remote_job.sync_job").at(-1);
		assert.ok(call, "the web server was asked");
		assert.equal(call.method, "POST");
		assert.equal(call.headers["content-type"], "application/json");
		assert.equal(call.headers.cookie, "sid=sysagent");
		assert.deepEqual(JSON.parse(call.body), { job_id: "JOB-1", data: { status: "Running" }, extra: { attempt: 2 }, meta: {} });
		c.close();
	});

	test("an Authorization header is passed on instead of the cookie", async () => {
		const c = await stack.connect(SITE, { authorization: "token sysapi:secret" });
		const synced = H.waitForEvent(c, "remote_job.sync_step_synced");
		c.emit("remote_job.sync_step", { job_id: "JOB-2", data: { step: "Build" } });
		const reply = await synced;
		assert.equal(reply.status, 200);
		assert.equal(reply.posted_by, "sysapi@example.com");
		const call = stack.stub.callsTo("agentsync.remote_job.sync_step").at(-1);
		assert.equal(call.headers.authorization, "token sysapi:secret");
		assert.equal(call.headers.cookie, undefined);
		c.close();
	});

	test("for await posts several steps in order, rest patterns split each one", async () => {
		const c = await stack.connect(SITE, { sid: "syssteps" });
		const each = H.collectEvents(c, "remote_job.sync_step_synced");
		const done = H.waitForEvent(c, "remote_job.steps_synced");
		const before = stack.stub.callsTo("agentsync.remote_job.sync_step").length;
		c.emit("remote_job.sync_steps", {
			job_id: "JOB-3",
			priority: "high",
			steps: [
				{ data: { n: 1 }, step: "clone" },
				{ data: { n: 2 }, step: "build" },
			],
		});
		const summary = await done;
		assert.deepEqual(summary, { job_id: "JOB-3", replies: [{ n: 1 }, { n: 2 }], sent: summary.sent });
		assert.ok(summary.sent >= 2);
		const calls = stack.stub.callsTo("agentsync.remote_job.sync_step").slice(before).map((r) => JSON.parse(r.body));
		assert.deepEqual(calls, [
			{ job_id: "JOB-3", data: { n: 1 }, extra: { priority: "high" }, meta: { step: "clone" } },
			{ job_id: "JOB-3", data: { n: 2 }, extra: { priority: "high" }, meta: { step: "build" } },
		]);
		assert.deepEqual(each.map((r) => r.count), [1, 2]);
		c.close();
	});

	test("syntax that cannot be lowered fails to load with its line, like a syntax error", async () => {
		const c = await stack.connect(SITE, { sid: "sysgen" });
		const file = path.join(stack.bench.appsDir, UNLOWERABLE, "realtime", "handlers.js");
		const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
		await stack.server.waitForLog(new RegExp(`failed to load event handlers from ${escaped}`));
		await stack.server.waitForLog(
			new RegExp(`SyntaxError: logical assignment lowering: the target must be a name or a member chain without calls at line 8 \\(${escaped}:8\\)`),
		);
		// The app after it still runs.
		const synced = H.waitForEvent(c, "remote_job.sync_job_synced");
		c.emit("remote_job.sync_job", { job_id: "JOB-4" });
		assert.equal((await synced).status, 200);
		c.close();
	});
});
