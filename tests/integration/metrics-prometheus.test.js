"use strict";
// Prometheus /metrics (--metrics-port): off by default, on its own 127.0.0.1 listener, and the
// numbers follow real traffic: sockets per site and transport, rooms, events in and out,
// auth calls, Redis state and dropped messages.
const { test, describe, before, after } = require("node:test");
const assert = require("node:assert/strict");
const H = require("./lib/harness.js");

const SITE = "site1.localhost";
const METRICS_RE = /Prometheus metrics on: http:\/\/127\.0\.0\.1:(\d+)\/metrics/;

// {name: [{labels: {...}, value}]} from the text format; checks every line parses.
function parse(text) {
	const series = {};
	const types = {};
	for (const line of text.split("\n")) {
		if (!line) continue;
		if (line.startsWith("# TYPE ")) {
			const [, , name, type] = line.split(" ");
			types[name] = type;
			continue;
		}
		if (line.startsWith("#")) continue;
		const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
		assert.ok(m, `not a sample line: ${line}`);
		const labels = {};
		if (m[2]) for (const [, k, v] of m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
		(series[m[1]] ||= []).push({ labels, value: Number(m[3]) });
	}
	return { series, types };
}

function value(parsed, name, labels = {}) {
	const list = parsed.series[name] || [];
	const hit = list.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
	return hit ? hit.value : undefined;
}

async function scrape(port) {
	const r = await H.httpRequest({ port, path: "/metrics" });
	assert.equal(r.status, 200);
	assert.match(r.headers["content-type"], /^text\/plain; version=0\.0\.4/);
	return parse(r.text);
}

describe("metrics", () => {
	let stack;
	let metricsPort;
	before(async () => {
		stack = await H.startStack({ sites: [SITE], extraArgs: ["--metrics-port", "0"] });
		metricsPort = Number((await stack.server.waitForLog(METRICS_RE, 5000))[1]);
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	test("series follow connections, events, auth and Redis", async () => {
		const before = await scrape(metricsPort);
		assert.equal(before.types.frappe_realtime_events_out_total, "counter");
		assert.equal(before.types.frappe_realtime_sockets, "gauge");
		assert.equal(value(before, "frappe_realtime_redis_up"), 1);
		assert.equal(value(before, "frappe_realtime_redis_state", { state: "subscribed" }), 1);
		assert.equal(value(before, "frappe_realtime_build_info"), 1);

		const ws = await stack.connect(SITE, { sid: "sysmetrics1", transports: ["websocket"] });
		const poll = await stack.connect(SITE, { sid: "sysmetrics2", transports: ["polling"] });
		await assert.rejects(stack.connect(SITE, { sid: "deniedmetrics" }));

		const got = Promise.all([H.waitForEvent(ws, "m_evt"), H.waitForEvent(poll, "m_evt")]);
		await stack.publish({ event: "m_evt", message: { n: 1 } });
		await got;
		// events in: ping -> pong
		const pong = H.waitForEvent(ws, "pong");
		ws.emit("ping");
		await pong;
		await H.publishRaw(stack.redis, "{not json");

		let after;
		await H.waitFor(async () => {
			after = await scrape(metricsPort);
			return (after.series.frappe_realtime_redis_events_dropped_total || []).length > 0;
		}, 5000);
		assert.equal(value(after, "frappe_realtime_sockets", { site: SITE, transport: "websocket" }), 1);
		assert.equal(value(after, "frappe_realtime_sockets", { site: SITE, transport: "polling" }), 1);
		assert.ok(value(after, "frappe_realtime_rooms", { site: SITE }) >= 3, "user:, all and website rooms");
		assert.equal(value(after, "frappe_realtime_sessions"), 2);
		const delta = (name, labels) => value(after, name, labels) - (value(before, name, labels) || 0);
		assert.equal(delta("frappe_realtime_socket_connects_total"), 2);
		assert.ok(delta("frappe_realtime_connect_errors_total") >= 1);
		assert.ok(delta("frappe_realtime_events_out_total") >= 3, "two m_evt + pong");
		assert.ok(delta("frappe_realtime_events_in_total") >= 1, "ping");
		assert.equal(delta("frappe_realtime_auth_requests_total", { result: "ok" }), 2);
		assert.ok(delta("frappe_realtime_auth_requests_total", { result: "failed" }) >= 1);
		assert.ok(value(after, "frappe_realtime_auth_latency_seconds", { quantile: "0.5" }) > 0);
		assert.ok(delta("frappe_realtime_redis_messages_total") >= 2);
		assert.ok(delta("frappe_realtime_redis_events_routed_total") >= 1);
		const dropped = after.series.frappe_realtime_redis_events_dropped_total.reduce((a, s) => a + s.value, 0);
		assert.ok(dropped >= 1);

		ws.close();
		poll.close();
		await H.waitFor(async () => value(await scrape(metricsPort), "frappe_realtime_socket_disconnects_total") - (value(before, "frappe_realtime_socket_disconnects_total") || 0) === 2, 5000);
	});

	test("Redis down shows as redis_up 0 and counts a reconnect when it is back", async () => {
		const before = await scrape(metricsPort);
		await stack.redis.stop();
		await H.waitFor(async () => value(await scrape(metricsPort), "frappe_realtime_redis_up") === 0, 10000);
		await stack.redis.restart();
		await H.waitFor(async () => value(await scrape(metricsPort), "frappe_realtime_redis_up") === 1, 15000);
		const after = await scrape(metricsPort);
		assert.ok(value(after, "frappe_realtime_redis_reconnects_total") > value(before, "frappe_realtime_redis_reconnects_total"));
	});

	test("only /metrics is served, and not on the socket.io port", async () => {
		assert.equal((await H.httpRequest({ port: metricsPort, path: "/" })).status, 404);
		assert.equal((await H.httpRequest({ port: metricsPort, path: "/metrics", method: "POST", body: "x" })).status, 405);
		assert.equal((await H.httpRequest({ port: stack.port, path: "/metrics" })).status, 404);
	});
});

test("no metrics listener without --metrics-port", async () => {
	const stack = await H.startStack({ sites: [SITE] });
	try {
		assert.doesNotMatch(stack.server.logs(), /Prometheus metrics on/);
	} finally {
		await stack.stop();
	}
});

test("--io-threads spreads connections over the I/O threads, and /metrics shows each one", async () => {
	const stack = await H.startStack({ sites: [SITE], extraArgs: ["--metrics-port", "0", "--io-threads", "3"] });
	const clients = [];
	try {
		assert.match(stack.server.logs(), /I\/O threads: 3 \(the engine thread and 2 shard threads/);
		const metricsPort = Number((await stack.server.waitForLog(METRICS_RE, 5000))[1]);
		for (let i = 0; i < 6; i++) clients.push(await stack.connect(SITE, { sid: `sysio${i}`, transports: ["websocket"] }));
		// Every client works, wherever its socket lives: one event reaches all six.
		const got = Promise.all(clients.map((c) => H.waitForEvent(c, "io_evt")));
		await stack.publish({ event: "io_evt", message: { n: 1 } });
		await got;
		const m = await scrape(metricsPort);
		const perThread = [0, 1, 2].map((t) => value(m, "frappe_realtime_io_thread_connections", { thread: String(t) }));
		assert.deepEqual(perThread, [2, 2, 2], `round robin over three threads: ${perThread}`);
		assert.equal(value(m, "frappe_realtime_http_connections"), 6);
	} finally {
		for (const c of clients) c.close();
		await stack.stop();
	}
});
