"use strict";
// Fault injection on the Frappe web server (the auth callback target): down, slower than
// --auth-timeout, hanging, answering garbage. Every client must get a prompt
// `Unauthorized...` connect_error (never a hang), other clients must not be held up, and
// once the clients are gone the server's open connection count (/health `connections`)
// must be back at its baseline: no connection or session leaks on the error paths.
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const H = require("./lib/harness.js");
const F = require("./lib/faults.js");

const AUTH_TIMEOUT_MS = 1000;
const CLIENTS = 5; // concurrent clients per scenario

describe("Frappe web server down, slow, hanging or answering garbage", () => {
	let stack;
	let baseline;
	before(async () => {
		stack = await H.startStack({
			stub: { slowMs: 3 * AUTH_TIMEOUT_MS },
			extraArgs: ["--auth-timeout", String(AUTH_TIMEOUT_MS), "--ping-interval", "1000", "--ping-timeout", "3000"],
		});
		baseline = (await F.health(stack.port)).connections; // counts the /health request itself
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	/** CLIENTS concurrent connects with `sid`-prefixed cookies; all must be refused. */
	async function expectRefusals(prefix, transports) {
		const t0 = Date.now();
		const results = await Promise.allSettled(
			Array.from({ length: CLIENTS }, (_, i) => stack.connect(undefined, { sid: `${prefix}${i}${Date.now()}`, transports, timeoutMs: 8000 * F.SLOW })),
		);
		const elapsed = Date.now() - t0;
		for (const r of results) {
			if (r.status === "fulfilled") {
				r.value.close();
				assert.fail(`${prefix}: a client was admitted`);
			}
			assert.match(r.reason.message, /^Unauthorized/, `${prefix}: ${r.reason.message}`);
		}
		return { message: results[0].reason.message, elapsed };
	}

	for (const transports of [["polling", "websocket"], ["websocket"]]) {
		const label = transports.join("+");

		test(`${label}: garbage (HTML) answer -> Unauthorized, connections back to baseline`, async () => {
			const { message } = await expectRefusals("garbage", transports);
			assert.match(message, /^Unauthorized: /);
			await F.waitForConnections(stack.port, baseline);
		});

		test(`${label}: slower than --auth-timeout -> Unauthorized after about the timeout, not a hang`, async () => {
			const { elapsed } = await expectRefusals("slow", transports);
			assert.ok(elapsed >= AUTH_TIMEOUT_MS * 0.9, `refused after ${elapsed} ms, before the timeout`);
			assert.ok(elapsed < 3 * AUTH_TIMEOUT_MS * F.SLOW + 2000, `refused only after ${elapsed} ms`);
			await F.waitForConnections(stack.port, baseline);
		});

		test(`${label}: hanging web server -> Unauthorized after the timeout`, async () => {
			await expectRefusals("hang", transports);
			await F.waitForConnections(stack.port, baseline);
		});

		test(`${label}: web server down -> Unauthorized, then recovers when it is back`, async () => {
			await stack.stub.stop();
			try {
				await expectRefusals("sys", transports);
				await F.waitForConnections(stack.port, baseline);
			} finally {
				await stack.stub.restart();
			}
			const s = await stack.connect(undefined, { sid: "sysback", transports });
			s.close();
			await F.waitForConnections(stack.port, baseline);
		});
	}

	test("a normal client is not held up by clients waiting on a hanging web server", async () => {
		// Timing-robust form: the normal client must be admitted before any of the hanging
		// ones is refused (they are refused only at --auth-timeout), however slow the box.
		const refusedAt = [];
		const hanging = Array.from({ length: CLIENTS }, (_, i) =>
			stack.connect(undefined, { sid: `hangq${i}`, timeoutMs: 8000 * F.SLOW }).catch((e) => {
				refusedAt.push(Date.now());
				return e;
			}),
		);
		const s = await stack.connect(undefined, { sid: "sysquick" });
		const admittedAt = Date.now();
		s.close();
		for (const r of await Promise.all(hanging)) assert.match(r.message, /^Unauthorized/);
		assert.ok(admittedAt <= Math.min(...refusedAt), "the normal client waited for the hanging callbacks");
		await F.waitForConnections(stack.port, baseline);
		assert.equal(stack.server.proc.exitCode, null);
	});
});
