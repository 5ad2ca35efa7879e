"use strict";
// Frappe mode, Redis outages (spec 5.2 "reconnect/resubscribe forever", 6, 12): redis-server is
// stopped, killed and restarted under a running server with socket.io-client clients attached.
//
// Covers: clients stay connected through the outage and get events again after the resubscribe;
// /health shows the Redis state (disconnected while down, subscribed again after) and counts
// reconnects; new clients can still authenticate while Redis is down; after the restart the
// socketio_auth_secret key and open_in_editor use the new Redis connection; a server started
// while Redis is down comes up and subscribes once Redis appears.
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const H = require("./lib/harness.js");

const SITE = "site1.localhost";

let seq = 0;
const uniq = (p) => `${p}${Date.now().toString(36)}${++seq}`;

async function health(stack) {
	const r = await H.httpRequest({ port: stack.port, path: "/health" });
	assert.equal(r.status, 200);
	return JSON.parse(r.text);
}

async function redisState(stack) {
	return (await health(stack)).redis.state;
}

async function expectUserEvent(stack, socket, user, ms = 8000) {
	const event = uniq("ev_");
	const message = { n: ++seq };
	const got = H.waitForEvent(socket, event, ms);
	await H.publishRealtime(stack.redis, { site: SITE, event, message, user });
	assert.deepEqual(await got, message);
}

function watchDisconnects(socket) {
	const reasons = [];
	socket.on("disconnect", (r) => reasons.push(r));
	return reasons;
}

describe("Redis restarted under a running server", () => {
	let stack;
	before(async () => {
		stack = await H.startStack({ sites: [SITE], config: { developer_mode: 1 } });
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	test("/health reports the subscription", async () => {
		const h = await health(stack);
		assert.equal(h.status, "ok");
		assert.equal(h.redis.state, "subscribed");
	});

	test("graceful restart: clients stay connected, /health follows, events flow again", async () => {
		const a = await stack.connect(SITE, { sid: "sysrr1" });
		const b = await stack.connect(SITE, { sid: "webrr1", transports: ["websocket"] });
		const drops = [watchDisconnects(a), watchDisconnects(b)];
		await expectUserEvent(stack, a, "sysrr1@example.com");
		const reconnectsBefore = (await health(stack)).redis.reconnects || 0;

		await stack.redis.stop();
		await H.waitFor(async () => (await redisState(stack)) !== "subscribed", 10000);
		const down = await health(stack);
		assert.match(down.redis.state, /^(disconnected|connecting)$/);
		assert.equal(down.status, "ok", "/health still answers while Redis is down");

		await stack.redis.restart();
		await H.waitForSubscriber(stack.redis, "events", 20000);
		await H.waitFor(async () => (await redisState(stack)) === "subscribed", 10000);

		await expectUserEvent(stack, a, "sysrr1@example.com");
		await expectUserEvent(stack, b, "webrr1@example.com");
		assert.ok(a.connected && b.connected);
		assert.deepEqual(drops, [[], []], "no client was disconnected by the Redis outage");
		const h = await health(stack);
		assert.ok(h.redis.reconnects > reconnectsBefore, JSON.stringify(h.redis));
		a.close();
		b.close();
	});

	test("crash (SIGKILL) and restart: same result", async () => {
		const a = await stack.connect(SITE, { sid: "sysrr2" });
		const drops = watchDisconnects(a);
		await stack.redis.kill("SIGKILL");
		await H.waitFor(async () => (await redisState(stack)) !== "subscribed", 10000);
		await H.sleep(500);
		await stack.redis.restart();
		await H.waitForSubscriber(stack.redis, "events", 20000);
		await expectUserEvent(stack, a, "sysrr2@example.com");
		assert.deepEqual(drops, []);
		a.close();
	});

	test("new clients can connect while Redis is down", async () => {
		await stack.redis.stop();
		try {
			await H.waitFor(async () => (await redisState(stack)) !== "subscribed", 10000);
			const s = await stack.connect(SITE, { sid: "sysrrdown", timeoutMs: 15000 });
			assert.ok(s.connected);
			s.close();
		} finally {
			await stack.redis.restart();
			await H.waitForSubscriber(stack.redis, "events", 20000);
		}
	});

	test("after a restart the secret and open_in_editor use the new Redis", async () => {
		// The restarted Redis is empty: the web side (stub) wants a secret the server must read
		// from it.
		const secret = uniq("sec");
		stack.stub.setBehaviour({ secret });
		try {
			await stack.redis.command("SET", "socketio_auth_secret", secret);
			const s = await stack.connect(SITE, { sid: "sysrrsec" });
			assert.ok(s.connected);
			const sub = await stack.redis.client();
			await sub.subscribe("open_in_editor");
			const data = { file: "apps/frappe/frappe/app.py", line: 3, column: 1 };
			s.emit("open_in_editor", data);
			const m = await sub.nextMessage(8000);
			assert.deepEqual(JSON.parse(m.payload.toString("utf8")), data);
			sub.close();
			s.close();
		} finally {
			stack.stub.setBehaviour({ secret: null });
		}
	});
});

describe("server started while Redis is down", () => {
	test("comes up, reports disconnected, subscribes when Redis appears", async () => {
		const redis = await H.startRedis();
		await redis.stop();
		const stack = await H.startStack({ sites: [SITE], redis, waitForRedis: false });
		try {
			assert.notEqual(await redisState(stack), "subscribed");
			const s = await stack.connect(SITE, { sid: "sysearly", timeoutMs: 15000 });
			await redis.restart();
			await H.waitForSubscriber(redis, "events", 30000);
			await H.waitFor(async () => (await redisState(stack)) === "subscribed", 10000);
			await expectUserEvent(stack, s, "sysearly@example.com");
			s.close();
		} finally {
			await stack.stop();
			await redis.stop();
		}
	});
});
