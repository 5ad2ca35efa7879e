"use strict";
// Fault injection: redis-server (redis_queue) killed with SIGKILL and restarted on the same port
// 10 times while events are published continuously. The server must survive every outage,
// resubscribe to `events` each time, keep its socket.io clients connected (Redis is not their
// transport), and deliver what is published after each restart.
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const H = require("./lib/harness.js");

const SLOW = process.env.RT_SLOW_BUILD ? 3 : 1; // sanitizer builds are slower
const CYCLES = 10;
const CLIENTS = 5;

describe("redis-server killed and restarted under load", () => {
	let stack;
	let clients = [];
	const disconnects = [];

	before(async () => {
		stack = await H.startStack();
		for (let i = 0; i < CLIENTS; i++) {
			const s = await stack.connect(undefined, { sid: `sys${i}` });
			s.on("disconnect", (reason) => disconnects.push(reason));
			clients.push(s);
		}
	});
	after(async () => {
		for (const s of clients) s.close();
		if (stack) await stack.stop();
	});

	test(`${CYCLES} SIGKILL/restart cycles: server stays up, resubscribes, clients keep getting events`, async () => {
		// Steady background load: an event to room "all" every few ms (publishes during an
		// outage fail and are simply skipped).
		let publishing = true;
		let published = 0; // PUBLISH accepted by redis
		let heard = 0; // ... with the server subscribed (receiver count >= 1): must be delivered
		const ticks = clients.map((s) => H.collectEvents(s, "tick"));
		const loop = (async () => {
			let pub = null; // one connection, reopened after each outage
			while (publishing) {
				try {
					pub = pub || (await stack.redis.client());
					const payload = JSON.stringify({ event: "tick", message: { n: published }, room: "all", namespace: "site1.localhost" });
					const receivers = Number(await pub.command("PUBLISH", "events", payload));
					published++;
					if (receivers > 0) heard++;
				} catch {
					// redis down right now
					if (pub) pub.close();
					pub = null;
					await H.sleep(20);
				}
				await H.sleep(5);
			}
			if (pub) pub.close();
		})();

		const resubscribeMs = [];
		try {
			for (let cycle = 1; cycle <= CYCLES; cycle++) {
				await stack.redis.kill("SIGKILL");
				await H.sleep(100 + 50 * cycle); // vary the outage length a little
				await stack.redis.restart();
				const t0 = Date.now();
				await H.waitForSubscriber(stack.redis, "events", 15000 * SLOW);
				resubscribeMs.push(Date.now() - t0);

				assert.equal(stack.server.proc.exitCode, null, `server exited in cycle ${cycle}:\n${stack.server.logs()}`);
				// An event published now reaches every client.
				const event = `after_restart_${cycle}`;
				const got = clients.map((s) => H.waitForEvent(s, event, 5000 * SLOW));
				await H.emitViaRedis(stack.redis, { event, message: { cycle }, room: "all", site: "site1.localhost" });
				for (const m of await Promise.all(got)) assert.deepEqual(m, { cycle });
				for (const s of clients) assert.ok(s.connected, `a client was disconnected in cycle ${cycle}`);
			}
		} finally {
			publishing = false;
			await loop;
		}
		assert.deepEqual(disconnects, [], "no client may lose its connection because Redis went away");
		// The load really ran, and every tick the server was subscribed for reached every
		// client (ticks published while it was resubscribing are lost: Redis pub/sub).
		assert.ok(heard > 0, "no tick was published while the server was subscribed");
		await H.waitFor(() => ticks.every((t) => t.length >= heard), 5000 * SLOW).catch(() => {});
		for (const t of ticks) assert.equal(t.length, heard, `a client received ${t.length} of ${heard} ticks`);
		console.log(`# published ${published} ticks (${heard} with the server subscribed); received per client: ${ticks.map((t) => t.length).join(", ")}; ` +
			`resubscribe after restart (ms): ${resubscribeMs.join(", ")}`);
		// /health still answers and reports Redis connected again
		const health = JSON.parse((await H.httpRequest({ port: stack.port, path: "/health" })).text);
		assert.equal(health.status, "ok");
	});
});
