"use strict";
// Helpers for the Node integration tests (tests/integration/*.test.js).
//
// Environment (set by tests/integration/CMakeLists.txt):
//   RT_BINARY        path of frappe-realtime        (fallback: <repo>/build/app/frappe-realtime)
//   RT_REDIS_SERVER  path of redis-server           (fallback: redis-server in PATH)
//   RT_SOURCE_DIR    repo root                      (fallback: derived from this file)
//   NODE_PATH        <build>/node/node_modules      (socket.io-client, ws)
//   RT_KEEP_TMP=1    keep temp bench folders; RT_HARNESS_DEBUG=1 echo child output to stderr
//
// Everything binds 127.0.0.1 only. Every child process started here is killed when the test
// process exits, and under node:test an `after()` hook also closes clients, stubs and
// children, so a forgotten handle cannot hang the test file.
//
// API (all ms arguments are timeouts):
//   freePort() -> Promise<number>
//   startRedis({port?, args?: string[]}) -> Promise<{port, host, url, proc, pid, logs(),
//       command(...args), client(), stop(), restart(), kill(signal='SIGKILL')}>
//   waitForSubscriber(redis, channel='events', ms=10000)   PUBSUB NUMSUB channel >= 1
//   makeBench({sites=['site1.localhost'], config={}, rootConfig?, apps=['frappe'],
//              siteConfigs={}}) -> {dir, sitesDir, appsDir, path(...p), writeCommonConfig(obj),
//              writeRootConfig(obj), writeSiteConfig(site, obj), writeFile(rel, text), remove()}
//       apps entries: "name" or {name, handlers?: "<js source of realtime/handlers.js>",
//                     files?: {"rel/path": "content"}}
//   startServer(args=[], {env, cwd, readyTimeoutMs=20000, binary}) -> Promise<{port, proc, pid,
//       logs(), lines(), mark(), waitForLog(regex, ms=5000, {since}), exited, kill(sig),
//       stop(ms=5000)}>     rejects (err.logs) when the process exits before the ready line
//   startStub(opts) -> the frappe-stub handle (tests/support/frappe-stub.js)
//   startStack({sites, config, stub, redis, args, extraArgs, env, ...}) -> Promise<{redis, stub,
//       bench, server, port, url, siteUrl(site), connect(site, opts), publish(opts), stop()}>
//       redis + stub + bench (redis_queue, webserver_host/port -> stub) + server, ready and
//       subscribed to `events`
//   connectClient(url, opts) -> Promise<Socket>           url: "http://127.0.0.1:P/<site>"
//       opts (harness keys): sid, cookie, authorization, origin (default: the URL's origin;
//       null/false = no Origin header), site (X-Frappe-Site-Name), headers (extra, e.g. Host),
//       timeoutMs (10000), onSocket(socket) (called before connecting: attach listeners for
//       events that may arrive together with CONNECT); everything else goes to io()
//       (defaults forceNew: true, reconnection: false, timeout: 10000).
//       Rejects with the connect_error Error; err.socket is the (closed) socket.
//   waitForEvent(socket, name, ms=5000, {all=false}) -> first argument (all: args array)
//   expectNoEvent(socket, name, ms=500) -> resolves if `name` did not arrive within ms
//   collectEvents(socket, name) -> live array of first arguments
//   httpRequest({port, host='127.0.0.1', method='GET', path='/', headers={}, body, timeoutMs})
//       -> {status, headers, body: Buffer, text}     (fresh agent, no keep-alive)
//   rawWebSocket(url, headers={}, {timeoutMs, protocols}) -> Promise<{ws, send(data),
//       next(ms=2000) (string for text frames, Buffer for binary), messages, closed, close()}>
//       rejects on a non-101 answer with err.status, err.headers, err.body
//   rawTcp(port, {host}) -> Promise<{socket, write(data), read(ms), readUntilClose(ms), close()}>
//   sleep(ms), waitFor(fn, ms=5000, interval=25), cleanup()
//   publishRealtime, publishProgress, emitViaRedis, publishRaw, createPublisher, asJson,
//   buildRealtime, RespClient, redisCommand: re-exported from tests/support.
const fs = require("fs");
const os = require("os");
const path = require("path");
const net = require("net");
const http = require("http");
const { spawn } = require("child_process");

const SOURCE_DIR = process.env.RT_SOURCE_DIR || path.resolve(__dirname, "..", "..", "..");
const SUPPORT_DIR = path.join(SOURCE_DIR, "tests", "support");
const support = (name) => require(path.join(SUPPORT_DIR, name));
const { RespClient, redisCommand } = support("resp.js");
const publish = support("publish.js");
const { startStub: startStubRaw } = support("frappe-stub.js");

const DEBUG = !!process.env.RT_HARNESS_DEBUG;

// ---------------------------------------------------------------------------------------
// Resource tracking and cleanup
const children = new Set(); // ChildProcess
const tempDirs = new Set();
const closers = new Set(); // async () => void (clients, stubs)

function killAllChildrenSync() {
	for (const c of children) {
		try {
			if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
		} catch {
			/* already gone */
		}
	}
}

function removeTempDirsSync() {
	if (process.env.RT_KEEP_TMP) return;
	for (const d of tempDirs) {
		try {
			fs.rmSync(d, { recursive: true, force: true });
		} catch {
			/* ignore */
		}
	}
}

process.on("exit", () => {
	killAllChildrenSync();
	removeTempDirsSync();
});
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
	process.once(sig, () => {
		killAllChildrenSync();
		removeTempDirsSync();
		process.exit(128 + (os.constants.signals[sig] || 1));
	});
}

/** Closes every client/stub, stops every child (SIGTERM, then SIGKILL). Idempotent. */
async function cleanup() {
	for (const fn of [...closers]) {
		closers.delete(fn);
		try {
			await fn();
		} catch {
			/* best effort */
		}
	}
	await Promise.all(
		[...children].map(
			(c) =>
				new Promise((resolve) => {
					if (c.exitCode !== null || c.signalCode !== null) return resolve();
					const t = setTimeout(() => {
						try {
							c.kill("SIGKILL");
						} catch {
							/* gone */
						}
					}, 3000);
					c.once("exit", () => {
						clearTimeout(t);
						resolve();
					});
					try {
						c.kill("SIGTERM");
					} catch {
						resolve();
					}
				}),
		),
	);
}

// Under the node:test runner, run cleanup() after all tests of the file.
if (process.env.NODE_TEST_CONTEXT || /\.test\.[cm]?js$/.test((require.main && require.main.filename) || "")) {
	try {
		require("node:test").after(cleanup);
	} catch {
		/* not inside a test file */
	}
}

// ---------------------------------------------------------------------------------------
// Small utilities
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(fn, ms = 5000, interval = 25) {
	const deadline = Date.now() + ms;
	let lastErr;
	for (;;) {
		try {
			const v = await fn();
			if (v) return v;
		} catch (e) {
			lastErr = e;
		}
		if (Date.now() >= deadline) {
			const e = new Error(`waitFor: condition not met within ${ms} ms${lastErr ? ` (last error: ${lastErr.message})` : ""}`);
			throw e;
		}
		await sleep(interval);
	}
}

function withTimeout(promise, ms, what) {
	let t;
	return Promise.race([
		promise,
		new Promise((_, reject) => {
			t = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
		}),
	]).finally(() => clearTimeout(t));
}

function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.unref();
		s.once("error", reject);
		s.listen(0, "127.0.0.1", () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

// Line collector for a child's stdout/stderr.
function collectLines(proc, label) {
	const lines = []; // {stream, text, time}
	const waiters = new Set();
	for (const stream of ["stdout", "stderr"]) {
		let partial = "";
		proc[stream].setEncoding("utf8");
		proc[stream].on("data", (chunk) => {
			partial += chunk;
			let i;
			while ((i = partial.indexOf("\n")) !== -1) {
				push(stream, partial.slice(0, i).replace(/\r$/, ""));
				partial = partial.slice(i + 1);
			}
		});
		proc[stream].on("end", () => {
			if (partial) push(stream, partial);
			partial = "";
		});
	}
	function push(stream, text) {
		const entry = { stream, text, time: Date.now() };
		lines.push(entry);
		if (DEBUG) process.stderr.write(`[${label}:${stream}] ${text}\n`);
		for (const w of [...waiters]) w(entry, lines.length - 1);
	}
	return { lines, waiters };
}

function trackChild(proc) {
	children.add(proc);
	proc.once("exit", () => children.delete(proc));
	return proc;
}

// ---------------------------------------------------------------------------------------
// Redis
function redisBinary() {
	return process.env.RT_REDIS_SERVER || "redis-server";
}

async function spawnRedisOnce(port, extraArgs) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rt-redis-"));
	tempDirs.add(dir);
	const args = [
		"--port", String(port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--daemonize", "no",
		"--dir", dir,
		"--logfile", "",
		...extraArgs,
	];
	const proc = trackChild(spawn(redisBinary(), args, { stdio: ["ignore", "pipe", "pipe"] }));
	const col = collectLines(proc, `redis:${port}`);
	const logs = () => col.lines.map((l) => l.text).join("\n");
	let exited = null;
	const exitP = new Promise((resolve) => {
		proc.once("error", (err) => {
			exited = { error: err };
			resolve(exited);
		});
		proc.once("exit", (code, signal) => {
			exited = { code, signal };
			resolve(exited);
		});
	});
	const deadline = Date.now() + 10000;
	for (;;) {
		if (exited) {
			const e = new Error(
				`redis-server (${redisBinary()}) exited before answering PING on port ${port}: ` +
					`${exited.error ? exited.error.message : `code ${exited.code} signal ${exited.signal}`}\n${logs()}`,
			);
			e.logs = logs();
			throw e;
		}
		try {
			const pong = await redisCommand(port, "PING");
			if (pong === "PONG") break;
		} catch (e) {
			// --requirepass: the server is up, it just wants AUTH first
			if (e && /^NOAUTH/.test(e.redisError || "")) break;
		}
		if (Date.now() > deadline) {
			proc.kill("SIGKILL");
			throw new Error(`redis-server on port ${port} did not answer PING within 10 s\n${logs()}`);
		}
		await sleep(30);
	}
	proc.unref();
	for (const s of [proc.stdout, proc.stderr]) if (s && s.unref) s.unref();
	return { proc, logs, exitP };
}

/**
 * Starts a throw-away redis-server on 127.0.0.1 (no persistence).
 * stop(): SIGTERM and wait; restart(): start again on the same port; kill(): SIGKILL (crash).
 */
async function startRedis({ port, args = [] } = {}) {
	let current;
	let chosen = port;
	for (let attempt = 0; ; attempt++) {
		const p = chosen || (await freePort());
		try {
			current = await spawnRedisOnce(p, args);
			chosen = p;
			break;
		} catch (e) {
			if (port || attempt >= 4) throw e; // explicit port, or repeated failure
		}
	}
	const handle = {
		host: "127.0.0.1",
		port: chosen,
		url: `redis://127.0.0.1:${chosen}`,
		get proc() {
			return current.proc;
		},
		get pid() {
			return current.proc.pid;
		},
		logs: () => current.logs(),
		command: (...a) => redisCommand(chosen, ...a),
		client: () => RespClient.connect(chosen),
		get running() {
			return current.proc.exitCode === null && current.proc.signalCode === null;
		},
		async stop() {
			if (handle.running) {
				current.proc.kill("SIGTERM");
				const t = setTimeout(() => handle.running && current.proc.kill("SIGKILL"), 5000);
				await current.exitP;
				clearTimeout(t);
			}
		},
		async kill(signal = "SIGKILL") {
			if (handle.running) {
				current.proc.kill(signal);
				await current.exitP;
			}
		},
		async restart() {
			await handle.stop();
			// the old listening socket is gone once the process exited; retry briefly anyway
			let lastErr;
			for (let i = 0; i < 20; i++) {
				try {
					current = await spawnRedisOnce(chosen, args);
					return handle;
				} catch (e) {
					lastErr = e;
					await sleep(100);
				}
			}
			throw lastErr;
		},
	};
	return handle;
}

/** Waits until PUBSUB NUMSUB <channel> >= 1 (e.g. the server subscribed to `events`). */
async function waitForSubscriber(redis, channel = "events", ms = 10000) {
	return waitFor(async () => {
		const r = await redisCommand(redis, "PUBSUB", "NUMSUB", channel);
		return Number(r[1]) >= 1;
	}, ms, 50);
}

// ---------------------------------------------------------------------------------------
// Bench folder
function writeJson(file, obj) {
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.writeFileSync(file, JSON.stringify(obj, null, 1) + "\n");
}

/** Creates a temp bench: sites/<site>/site_config.json, sites/common_site_config.json,
 *  sites/apps.txt, apps/<app>/, logs/, optionally config.json. Removed at exit. */
function makeBench({ sites = ["site1.localhost"], config = {}, rootConfig, apps = ["frappe"], siteConfigs = {} } = {}) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rt-bench-"));
	tempDirs.add(dir);
	const sitesDir = path.join(dir, "sites");
	const appsDir = path.join(dir, "apps");
	fs.mkdirSync(sitesDir, { recursive: true });
	fs.mkdirSync(appsDir, { recursive: true });
	fs.mkdirSync(path.join(dir, "logs"), { recursive: true });
	const bench = {
		dir,
		sitesDir,
		appsDir,
		path: (...p) => path.join(dir, ...p),
		writeCommonConfig: (obj) => writeJson(path.join(sitesDir, "common_site_config.json"), obj),
		writeRootConfig: (obj) => writeJson(path.join(dir, "config.json"), obj),
		writeSiteConfig: (site, obj) => writeJson(path.join(sitesDir, site, "site_config.json"), obj),
		writeFile: (rel, text) => {
			const f = path.join(dir, rel);
			fs.mkdirSync(path.dirname(f), { recursive: true });
			fs.writeFileSync(f, text);
			return f;
		},
		remove: () => {
			fs.rmSync(dir, { recursive: true, force: true });
			tempDirs.delete(dir);
		},
	};
	bench.writeCommonConfig(config);
	if (rootConfig !== undefined) bench.writeRootConfig(rootConfig);
	for (const site of sites) bench.writeSiteConfig(site, siteConfigs[site] || {});
	const appNames = [];
	for (const a of apps) {
		const app = typeof a === "string" ? { name: a } : a;
		appNames.push(app.name);
		fs.mkdirSync(path.join(appsDir, app.name), { recursive: true });
		if (app.handlers !== undefined) bench.writeFile(path.join("apps", app.name, "realtime", "handlers.js"), app.handlers);
		for (const [rel, text] of Object.entries(app.files || {})) bench.writeFile(path.join("apps", app.name, rel), text);
	}
	fs.writeFileSync(path.join(sitesDir, "apps.txt"), appNames.join("\n") + (appNames.length ? "\n" : ""));
	return bench;
}

// ---------------------------------------------------------------------------------------
// The server under test
function serverBinary(explicit) {
	const b = explicit || process.env.RT_BINARY;
	if (b) return b;
	const fallback = path.join(SOURCE_DIR, "build", "app", "frappe-realtime");
	if (fs.existsSync(fallback)) return fallback;
	throw new Error("RT_BINARY is not set and build/app/frappe-realtime does not exist");
}

const READY_RE = /Realtime service listening on: (\S+)/;

/**
 * Spawns RT_BINARY with args; resolves once a stdout/stderr line matches
 * /Realtime service listening on: (\d+)/ (port = that number, or null for a socket path).
 */
function startServer(args = [], { env = {}, cwd, readyTimeoutMs = 20000, binary } = {}) {
	const bin = serverBinary(binary);
	// RT_SERVER_EXTRA_ARGS (space-separated) reruns a suite under another engine
	// setting, e.g. "--io-threads=4" to put sockets on I/O shard threads.
	args = [...args, ...(process.env.RT_SERVER_EXTRA_ARGS || "").split(/\s+/).filter(Boolean)];
	const proc = trackChild(
		spawn(bin, args, {
			cwd,
			env: { ...process.env, QT_QPA_PLATFORM: process.env.QT_QPA_PLATFORM || "offscreen", ...env },
			stdio: ["ignore", "pipe", "pipe"],
		}),
	);
	const col = collectLines(proc, "server");
	const logs = () => col.lines.map((l) => l.text).join("\n");
	let exitInfo = null;
	const exited = new Promise((resolve) => {
		proc.once("error", (err) => {
			exitInfo = { code: null, signal: null, error: err };
			resolve(exitInfo);
		});
		proc.once("exit", (code, signal) => {
			exitInfo = { code, signal };
			resolve(exitInfo);
		});
	});

	function waitForLog(regex, ms = 5000, { since = 0 } = {}) {
		for (let i = since; i < col.lines.length; i++) {
			const m = regex.exec(col.lines[i].text);
			if (m) return Promise.resolve(m);
		}
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				col.waiters.delete(onLine);
				const e = new Error(`waitForLog(${regex}) timed out after ${ms} ms; log so far:\n${logs()}`);
				e.logs = logs();
				reject(e);
			}, ms);
			function onLine(entry) {
				const m = regex.exec(entry.text);
				if (m) {
					clearTimeout(timer);
					col.waiters.delete(onLine);
					resolve(m);
				}
			}
			col.waiters.add(onLine);
		});
	}

	const handle = {
		port: null,
		proc,
		pid: proc.pid,
		logs,
		lines: () => col.lines.map((l) => ({ ...l })),
		mark: () => col.lines.length,
		waitForLog,
		exited,
		kill: (signal = "SIGKILL") => {
			if (!exitInfo) proc.kill(signal);
			return exited;
		},
		async stop(ms = 5000) {
			if (exitInfo) return exitInfo;
			proc.kill("SIGTERM");
			let forced = false;
			const t = setTimeout(() => {
				forced = true;
				if (!exitInfo) proc.kill("SIGKILL");
			}, ms);
			const info = await exited;
			clearTimeout(t);
			return { ...info, forced };
		},
	};

	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			col.waiters.delete(onLine);
			proc.kill("SIGKILL");
			const e = new Error(`server did not print the ready line within ${readyTimeoutMs} ms; log:\n${logs()}`);
			e.logs = logs();
			reject(e);
		}, readyTimeoutMs);
		function onLine(entry) {
			const m = READY_RE.exec(entry.text);
			if (!m) return;
			clearTimeout(timer);
			col.waiters.delete(onLine);
			handle.port = /^\d+$/.test(m[1]) ? Number(m[1]) : null;
			handle.listenAddress = m[1];
			handle.url = handle.port ? `http://127.0.0.1:${handle.port}` : null;
			// do not keep the test process alive because of the child alone
			proc.unref();
			for (const s of [proc.stdout, proc.stderr]) if (s && s.unref) s.unref();
			resolve(handle);
		}
		col.waiters.add(onLine);
		exited.then((info) => {
			if (handle.port !== null || handle.listenAddress) return;
			clearTimeout(timer);
			col.waiters.delete(onLine);
			// give the stream readers a moment to flush the last lines
			setTimeout(() => {
				const how = info.error ? info.error.message : `code ${info.code}, signal ${info.signal}`;
				const e = new Error(`server exited before it was ready (${how}); log:\n${logs()}`);
				e.logs = logs();
				e.exit = info;
				reject(e);
			}, 50);
		});
	});
}

// ---------------------------------------------------------------------------------------
// Frappe stub (module form), tracked for cleanup
async function startStub(opts = {}) {
	const stub = await startStubRaw(opts);
	closers.add(() => stub.close());
	return stub;
}

// ---------------------------------------------------------------------------------------
// Everything at once: redis + stub + bench + server

/**
 * Starts redis-server, the Frappe stub and frappe-realtime on a fresh bench whose
 * common_site_config points at both (redis_queue, webserver_host/webserver_port), then waits
 * until the server subscribed to `events` (waitForRedis). Each piece can be reused or tuned:
 *   {sites, config (merged over the defaults), rootConfig, apps, siteConfigs,
 *    stub: stub options | an existing stub handle, redis: an existing handle,
 *    args (default ['--no-gui', '--bench', <dir>, '--host', '127.0.0.1', '--port', '0'], or a
 *    function (bench) => args), extraArgs (appended to the default), env, cwd, binary,
 *    waitForRedis = true, readyTimeoutMs}
 * Resolves with {redis, stub, bench, server, port, url, siteUrl(site), connect(site, opts),
 *   publish(opts) (publishRealtime with site defaulting to sites[0]), stop()}.
 * connect(site, opts) = connectClient(siteUrl(site), {site, ...opts}): X-Frappe-Site-Name is
 *   the site (as behind bench nginx) and Origin is the server's own origin.
 */
async function startStack(opts = {}) {
	const sites = opts.sites || ["site1.localhost"];
	const redis = opts.redis || (await startRedis());
	const stub = opts.stub && typeof opts.stub.setBehaviour === "function" ? opts.stub : await startStub(opts.stub || {});
	const config = {
		redis_queue: redis.url,
		webserver_host: "127.0.0.1",
		webserver_port: stub.port,
		...(opts.config || {}),
	};
	const bench = makeBench({ sites, config, rootConfig: opts.rootConfig, apps: opts.apps, siteConfigs: opts.siteConfigs });
	const args =
		typeof opts.args === "function"
			? opts.args(bench)
			: opts.args || ["--no-gui", "--bench", bench.dir, "--host", "127.0.0.1", "--port", "0", ...(opts.extraArgs || [])];
	const server = await startServer(args, { env: opts.env, cwd: opts.cwd || bench.dir, readyTimeoutMs: opts.readyTimeoutMs, binary: opts.binary });
	if (opts.waitForRedis !== false) {
		try {
			await waitForSubscriber(redis, "events", 10000);
		} catch (e) {
			e.message += `\nserver log:\n${server.logs()}`;
			throw e;
		}
	}
	const siteUrl = (site = sites[0]) => `http://127.0.0.1:${server.port}/${site}`;
	return {
		redis,
		stub,
		bench,
		server,
		port: server.port,
		url: `http://127.0.0.1:${server.port}`,
		siteUrl,
		connect: (site = sites[0], copts = {}) => connectClient(siteUrl(site), { site, ...copts }),
		publish: (popts = {}) => publish.publishRealtime(redis, { site: sites[0], ...popts }),
		async stop() {
			await server.stop();
			if (!opts.stub || typeof opts.stub.setBehaviour !== "function") await stub.close();
			if (!opts.redis) await redis.stop();
		},
	};
}

// ---------------------------------------------------------------------------------------
// socket.io-client helpers
function sioClient() {
	return require("socket.io-client");
}

const HARNESS_KEYS = ["sid", "cookie", "authorization", "origin", "site", "headers", "timeoutMs", "onSocket"];

/** io(url, opts) that resolves on `connect` and rejects on `connect_error` (err.socket kept). */
function connectClient(url, opts = {}) {
	const { io } = sioClient();
	const extraHeaders = { ...(opts.extraHeaders || {}) };
	const u = new URL(url);
	const origin = opts.origin === undefined ? u.origin : opts.origin;
	if (origin) extraHeaders.Origin = origin;
	if (opts.sid !== undefined) extraHeaders.Cookie = `sid=${opts.sid}`;
	if (opts.cookie !== undefined) extraHeaders.Cookie = opts.cookie;
	if (opts.authorization !== undefined) extraHeaders.Authorization = opts.authorization;
	if (opts.site !== undefined) extraHeaders["X-Frappe-Site-Name"] = opts.site;
	Object.assign(extraHeaders, opts.headers || {});
	const ioOpts = { forceNew: true, reconnection: false, timeout: 10000 };
	for (const [k, v] of Object.entries(opts)) if (!HARNESS_KEYS.includes(k) && k !== "extraHeaders") ioOpts[k] = v;
	ioOpts.extraHeaders = extraHeaders;
	const socket = io(url, ioOpts);
	closers.add(async () => socket.close());
	// Listeners attached here see events that arrive in the same packet batch as CONNECT.
	if (opts.onSocket) opts.onSocket(socket);
	const timeoutMs = opts.timeoutMs || 10000;
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			cleanupListeners();
			const e = new Error(`connectClient(${url}): neither connect nor connect_error within ${timeoutMs} ms`);
			e.socket = socket;
			socket.close();
			reject(e);
		}, timeoutMs);
		function onConnect() {
			cleanupListeners();
			resolve(socket);
		}
		function onError(err) {
			cleanupListeners();
			const e = err instanceof Error ? err : new Error(String(err && err.message ? err.message : err));
			e.socket = socket;
			if (!socket.io.opts.reconnection) socket.close();
			reject(e);
		}
		function cleanupListeners() {
			clearTimeout(timer);
			socket.off("connect", onConnect);
			socket.off("connect_error", onError);
		}
		socket.on("connect", onConnect);
		socket.on("connect_error", onError);
	});
}

function waitForEvent(socket, name, ms = 5000, { all = false } = {}) {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			socket.off(name, handler);
			reject(new Error(`event "${name}" not received within ${ms} ms`));
		}, ms);
		function handler(...args) {
			clearTimeout(timer);
			socket.off(name, handler);
			resolve(all ? args : args[0]);
		}
		socket.on(name, handler);
	});
}

function expectNoEvent(socket, name, ms = 500) {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			socket.off(name, handler);
			resolve();
		}, ms);
		function handler(...args) {
			clearTimeout(timer);
			socket.off(name, handler);
			const e = new Error(`unexpected event "${name}": ${JSON.stringify(args)}`);
			e.args = args;
			reject(e);
		}
		socket.on(name, handler);
	});
}

function collectEvents(socket, name) {
	const got = [];
	socket.on(name, (a) => got.push(a));
	return got;
}

// ---------------------------------------------------------------------------------------
// Raw protocol helpers
function httpRequest({ port, host = "127.0.0.1", method = "GET", path: p = "/", headers = {}, body, timeoutMs = 10000 } = {}) {
	return new Promise((resolve, reject) => {
		const agent = new http.Agent({ keepAlive: false });
		const payload = body === undefined || body === null ? null : Buffer.isBuffer(body) ? body : Buffer.from(String(body));
		const hdrs = { ...headers };
		if (payload && !Object.keys(hdrs).some((k) => k.toLowerCase() === "content-length")) {
			hdrs["Content-Length"] = payload.length;
		}
		const req = http.request({ host, port, method, path: p, headers: hdrs, agent }, (res) => {
			const chunks = [];
			res.on("data", (c) => chunks.push(c));
			res.on("end", () => {
				clearTimeout(timer);
				agent.destroy();
				const buf = Buffer.concat(chunks);
				resolve({ status: res.statusCode, headers: res.headers, rawHeaders: res.rawHeaders, body: buf, text: buf.toString("utf8") });
			});
			res.on("error", fail);
		});
		const timer = setTimeout(() => {
			req.destroy(new Error(`httpRequest ${method} ${p}: no complete answer within ${timeoutMs} ms`));
		}, timeoutMs);
		function fail(e) {
			clearTimeout(timer);
			agent.destroy();
			reject(e);
		}
		req.on("error", fail);
		if (payload) req.write(payload);
		req.end();
	});
}

function rawWebSocket(url, headers = {}, { timeoutMs = 10000, protocols } = {}) {
	const WebSocket = require("ws");
	const wsUrl = url.replace(/^http(s?):/, "ws$1:");
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(wsUrl, protocols, { headers, handshakeTimeout: timeoutMs, perMessageDeflate: false });
		const messages = [];
		const waiters = [];
		let closeInfo = null;
		let settled = false;
		const closed = new Promise((res) => {
			ws.on("close", (code, reason) => {
				closeInfo = { code, reason: reason.toString() };
				for (const w of waiters.splice(0)) w.reject(Object.assign(new Error(`websocket closed (${code})`), closeInfo));
				res(closeInfo);
			});
		});
		ws.on("message", (data, isBinary) => {
			const msg = isBinary ? Buffer.from(data) : data.toString("utf8");
			const w = waiters.shift();
			if (w) w.resolve(msg);
			else messages.push(msg);
		});
		ws.on("unexpected-response", (req, res) => {
			const chunks = [];
			res.on("data", (c) => chunks.push(c));
			res.on("end", () => {
				settled = true;
				const body = Buffer.concat(chunks).toString("utf8");
				const e = new Error(`websocket upgrade refused: HTTP ${res.statusCode} ${body}`);
				e.status = res.statusCode;
				e.headers = res.headers;
				e.body = body;
				req.destroy();
				reject(e);
			});
		});
		ws.on("error", (err) => {
			if (!settled) {
				settled = true;
				reject(err);
			}
		});
		ws.on("open", () => {
			settled = true;
			const handle = {
				ws,
				messages,
				closed,
				get closeInfo() {
					return closeInfo;
				},
				send: (data) => ws.send(data),
				next(ms = 2000) {
					if (messages.length) return Promise.resolve(messages.shift());
					if (closeInfo) return Promise.reject(Object.assign(new Error(`websocket closed (${closeInfo.code})`), closeInfo));
					return new Promise((res, rej) => {
						const w = {
							resolve: (m) => {
								clearTimeout(t);
								res(m);
							},
							reject: (e) => {
								clearTimeout(t);
								rej(e);
							},
						};
						const t = setTimeout(() => {
							const i = waiters.indexOf(w);
							if (i !== -1) waiters.splice(i, 1);
							rej(new Error(`no websocket message within ${ms} ms`));
						}, ms);
						waiters.push(w);
					});
				},
				close: (code, reason) => {
					if (!closeInfo) ws.close(code, reason);
					return closed;
				},
			};
			closers.add(async () => ws.terminate());
			resolve(handle);
		});
	});
}

function rawTcp(port, { host = "127.0.0.1" } = {}) {
	return new Promise((resolve, reject) => {
		const socket = net.connect({ host, port });
		const chunks = [];
		const waiters = [];
		let ended = false;
		const endP = new Promise((res) => socket.on("close", () => {
			ended = true;
			for (const w of waiters.splice(0)) w(null);
			res();
		}));
		socket.on("data", (d) => {
			const w = waiters.shift();
			if (w) w(d);
			else chunks.push(d);
		});
		socket.once("error", (e) => {
			if (!socket.connecting) return;
			reject(e);
		});
		socket.on("error", () => {});
		socket.once("connect", () => {
			closers.add(async () => socket.destroy());
			resolve({
				socket,
				write: (data) => socket.write(data),
				/** next chunk (Buffer), or null once the peer closed */
				read(ms = 2000) {
					if (chunks.length) return Promise.resolve(chunks.shift());
					if (ended) return Promise.resolve(null);
					return new Promise((res, rej) => {
						const w = (d) => {
							clearTimeout(t);
							res(d);
						};
						const t = setTimeout(() => {
							const i = waiters.indexOf(w);
							if (i !== -1) waiters.splice(i, 1);
							rej(new Error(`rawTcp.read: no data within ${ms} ms`));
						}, ms);
						waiters.push(w);
					});
				},
				/** all bytes until the peer closes */
				async readUntilClose(ms = 5000) {
					await withTimeout(endP, ms, "rawTcp.readUntilClose");
					return Buffer.concat(chunks.splice(0));
				},
				close: () => socket.destroy(),
			});
		});
	});
}

module.exports = {
	SOURCE_DIR,
	SUPPORT_DIR,
	freePort,
	startRedis,
	waitForSubscriber,
	makeBench,
	startServer,
	startStub,
	startStack,
	connectClient,
	waitForEvent,
	expectNoEvent,
	collectEvents,
	httpRequest,
	rawWebSocket,
	rawTcp,
	sleep,
	waitFor,
	cleanup,
	// tests/support re-exports
	asJson: publish.asJson,
	pyFloat: publish.pyFloat,
	buildRealtime: publish.buildRealtime,
	publishRealtime: publish.publishRealtime,
	publishProgress: publish.publishProgress,
	emitViaRedis: publish.emitViaRedis,
	publishRaw: publish.publishRaw,
	createPublisher: publish.createPublisher,
	RespClient,
	redisCommand,
};
