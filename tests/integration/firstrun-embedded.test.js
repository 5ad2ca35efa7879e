"use strict";
// First run on a machine with no bench and no Redis running: the binary starts its own
// redis-server, serves the demo site site1.localhost, admits a loopback client with
// --auth dev, delivers an event published through that Redis, and leaves no redis-server
// behind when it is stopped (SIGTERM) or killed (SIGKILL).
const { test, describe } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("fs");
const os = require("os");
const path = require("path");
const H = require("./lib/harness.js");

// A Unix socket in a private folder: nobody else on the machine reaches it (issue 13).
const EMBEDDED_RE = /redis: embedded redis-server at unix:\/\/(\S+) \(pid (\d+)/;

function emptyDir() {
	return fs.mkdtempSync(path.join(os.tmpdir(), "rt-firstrun-"));
}

// Like a fresh shell: nothing points at a bench or a Redis (the harness spawns with
// process.env underneath the per-test env).
for (const k of ["FRAPPE_BENCH_ROOT", "FRAPPE_REDIS_QUEUE", "FRAPPE_SITE", "FRAPPE_SOCKETIO_PORT"]) delete process.env[k];

function alive(pid) {
	try {
		process.kill(pid, 0);
	} catch (e) {
		return e.code === "EPERM";
	}
	// A zombie still answers kill(0); it is gone for every practical purpose.
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
		return !/^\d+ \(.*\) Z /.test(stat);
	} catch {
		return false;
	}
}

async function startFirstRun(extraArgs = []) {
	const cwd = emptyDir();
	const server = await H.startServer(["--no-gui", "--auth", "dev", "--port", "0", "--host", "127.0.0.1", ...extraArgs], { cwd });
	const m = await server.waitForLog(EMBEDDED_RE, 5000);
	// redisTarget: a RespClient target for that socket
	return { server, cwd, redisTarget: { path: m[1] }, redisSocket: m[1], redisPid: Number(m[2]) };
}

describe("first run: no bench, no Redis, --auth dev", () => {
	test("an event published through the embedded Redis reaches the dev user; SIGTERM leaves no redis-server", async () => {
		const { server, cwd, redisTarget, redisPid } = await startFirstRun();
		try {
			const logs = server.logs();
			assert.match(logs, /mode: standalone/);
			assert.match(logs, /DEV AUTH/);
			assert.ok(alive(redisPid), "embedded redis-server is running");
			await H.waitForSubscriber(redisTarget, "events", 10000);

			const socket = await H.connectClient(`${server.url}/site1.localhost`);
			const received = H.waitForEvent(socket, "firstrun_hello", 5000);
			await H.publishRealtime(redisTarget, {
				site: "site1.localhost",
				event: "firstrun_hello",
				message: { text: "hi" },
				user: "Administrator",
			});
			assert.deepEqual(await received, { text: "hi" });

			const health = await H.httpRequest({ port: server.port, path: "/health" });
			assert.equal(health.status, 200);
			assert.equal(JSON.parse(health.text).redis.state, "subscribed");
			socket.close();
		} finally {
			const info = await server.stop(8000);
			assert.equal(info.forced, false, "stopped by SIGTERM, not SIGKILL");
			assert.equal(info.code, 0, `exit code 0 after SIGTERM; log:\n${server.logs()}`);
			await H.waitFor(() => !alive(redisPid), 3000);
			assert.deepEqual(fs.readdirSync(cwd), [], "nothing written to the working folder");
			fs.rmSync(cwd, { recursive: true, force: true });
		}
	});

	test("SIGTERM disconnects connected clients promptly and exits with 0", async () => {
		const { server } = await startFirstRun();
		const ws = await H.connectClient(`${server.url}/site1.localhost`, { transports: ["websocket"] });
		const poll = await H.connectClient(`${server.url}/site1.localhost`, { transports: ["polling"] });
		const gone = Promise.all([H.waitForEvent(ws, "disconnect", 5000), H.waitForEvent(poll, "disconnect", 5000)]);
		const started = Date.now();
		const info = await server.stop(8000);
		await gone;
		assert.equal(info.code, 0);
		assert.equal(info.forced, false);
		assert.ok(Date.now() - started < 5000, "shutdown took under 5 s");
	});

	test("SIGKILL of the server takes the embedded redis-server with it", async () => {
		const { server, redisPid } = await startFirstRun();
		assert.ok(alive(redisPid));
		server.proc.ref(); // the harness unrefs it; keep the loop alive until the exit event
		await server.kill("SIGKILL");
		await H.waitFor(() => !alive(redisPid), 5000);
	});

	test("the demo site is the default site and a Node-style client sees its user rooms", async () => {
		const { server, redisTarget } = await startFirstRun(["--dev-user", "dev@example.com"]);
		await H.waitForSubscriber(redisTarget, "events", 10000);
		const socket = await H.connectClient(`${server.url}/site1.localhost`);
		const got = H.waitForEvent(socket, "to_all", 5000);
		// System Users join `all`: a publish without user or room goes there.
		await H.publishRealtime(redisTarget, { site: "site1.localhost", event: "to_all", message: 1 });
		assert.equal(await got, 1);
		const mine = H.waitForEvent(socket, "to_me", 5000);
		await H.publishRealtime(redisTarget, { site: "site1.localhost", event: "to_me", message: "x", user: "dev@example.com" });
		assert.equal(await mine, "x");
		await server.stop();
	});

	test("the embedded Redis is private: a 0700 Unix socket, no TCP port; the README's redis-cli example works", async () => {
		const { server, redisTarget, redisSocket } = await startFirstRun();
		try {
			const st = fs.statSync(redisSocket);
			assert.ok(st.isSocket());
			assert.equal(st.mode & 0o077, 0, `socket mode ${(st.mode & 0o777).toString(8)}`);
			assert.equal(fs.statSync(path.dirname(redisSocket)).mode & 0o077, 0, "its folder is the user's only");
			const port = await H.redisCommand(redisTarget, "CONFIG", "GET", "port");
			assert.equal(String(port[1]), "0", "no TCP listener");
			// The log tells the user how to publish; the README shows the same command.
			const hint = await server.waitForLog(/publish to it with: redis-cli -s (\S+) PUBLISH events/);
			assert.equal(hint[1], redisSocket);
			await H.waitForSubscriber(redisTarget, "events", 10000);
			const socket = await H.connectClient(`${server.url}/site1.localhost`);
			const got = H.waitForEvent(socket, "hello", 5000);
			const readme = fs.readFileSync(path.join(process.env.RT_SOURCE_DIR || path.resolve(__dirname, "../.."), "README.md"), "utf8");
			const example = /redis-cli -s \S+ PUBLISH events '([^']+)'/.exec(readme);
			assert.ok(example, "the README has the redis-cli example");
			const { execFileSync } = require("child_process");
			execFileSync("redis-cli", ["-s", redisSocket, "PUBLISH", "events", example[1]]);
			assert.deepEqual(await got, { text: "hi" });
			socket.close();
		} finally {
			await server.stop();
		}
	});

	test("another namespace than the demo site is refused", async () => {
		const { server } = await startFirstRun();
		await assert.rejects(H.connectClient(`${server.url}/other.localhost`), /Invalid namespace/);
		await server.stop();
	});

	test("--redis none runs without any Redis", async () => {
		const server = await H.startServer(["--no-gui", "--auth", "dev", "--port", "0", "--redis", "none"], {
			cwd: emptyDir(),
		});
		assert.doesNotMatch(server.logs(), /embedded redis-server/);
		const health = JSON.parse((await H.httpRequest({ port: server.port, path: "/health" })).text);
		assert.equal(health.redis.state, "not configured");
		await server.stop();
	});
});

describe("dev auth is refused where it would be unsafe (exit code 2)", () => {
	async function exitOf(args, opts) {
		await assert.rejects(H.startServer(args, opts), (e) => {
			assert.equal(e.exit.code, 2, e.logs);
			return true;
		});
	}

	test("with a bench given by --bench", async () => {
		const bench = H.makeBench();
		await exitOf(["--no-gui", "--auth", "dev", "--port", "0", "--bench", bench.dir], { cwd: emptyDir() });
	});

	test("with a bench found in the working folder", async () => {
		const bench = H.makeBench();
		await exitOf(["--no-gui", "--auth", "dev", "--port", "0"], { cwd: bench.dir });
	});

	test("with a non-loopback --host", async () => {
		await exitOf(["--no-gui", "--auth", "dev", "--port", "0", "--host", "0.0.0.0"], { cwd: emptyDir() });
	});

	test("an unknown --auth mode is a usage error", async () => {
		await exitOf(["--no-gui", "--auth", "magic"], { cwd: emptyDir() });
	});
});

describe("exit codes", () => {
	test("port in use is a runtime failure (1) and leaves no embedded redis-server", async () => {
		const first = await H.startServer(["--no-gui", "--auth", "dev", "--port", "0", "--redis", "none"], { cwd: emptyDir() });
		const second = H.startServer(["--no-gui", "--auth", "dev", "--port", String(first.port)], { cwd: emptyDir() });
		let logs = "";
		await assert.rejects(second, (e) => {
			logs = e.logs;
			assert.equal(e.exit.code, 1, e.logs);
			return true;
		});
		const m = EMBEDDED_RE.exec(logs);
		assert.ok(m, logs);
		await H.waitFor(() => !alive(Number(m[2])), 3000);
		await first.stop();
	});
});
