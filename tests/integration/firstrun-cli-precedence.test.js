"use strict";
// The command line wins over the bench: a limit given as --max-connections replaces the
// bench's realtime_max_connections, and without the flag the bench's value applies.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const H = require("./lib/harness.js");

async function statusWithOneConnectionHeld(args) {
	const bench = H.makeBench({ config: { redis_queue: "redis://127.0.0.1:1", realtime_max_connections: 1 } });
	const server = await H.startServer(["--no-gui", "--host", "127.0.0.1", "--port", "0", "--bench", bench.dir, ...args], { cwd: bench.dir });
	const held = await H.rawTcp(server.port);
	try {
		await H.sleep(100); // the server has accepted the held connection
		return (await H.httpRequest({ port: server.port, path: "/health" })).status;
	} finally {
		held.close();
		await server.stop();
	}
}

test("bench realtime_max_connections applies without the flag", async () => {
	assert.equal(await statusWithOneConnectionHeld([]), 503);
});

test("--max-connections overrides the bench's realtime_max_connections", async () => {
	assert.equal(await statusWithOneConnectionHeld(["--max-connections", "5"]), 200);
});
