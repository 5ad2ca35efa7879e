"use strict";
// Hot reload of apps/<app>/realtime/handlers.js (no restart): a changed file is loaded again
// for new connections, with the log line `reloaded event handlers from <path>`; connections
// made before keep the handlers they were set up with. A reload that breaks the file is
// logged as a load failure, leaves that app without handlers for new connections and does not
// affect other apps; fixing the file brings it back. Files the handler requires are watched too.
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("fs");
const path = require("path");
const H = require("./lib/harness.js");

const SOURCE_DIR = process.env.RT_SOURCE_DIR || path.resolve(__dirname, "..", "..");
const SITE = "site1.localhost";


const handlers = (reply) => `
const { suffix } = require("./suffix");
module.exports = (socket) => {
	socket.on("version", (ack) => ack("${reply}" + suffix));
};
`;
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("handlers.js hot reload", () => {
	let stack;
	let file;
	let helper;
	before(async () => {
		stack = await H.startStack({
			sites: [SITE],
			apps: [
				"frappe",
				{ name: "liveapp", handlers: handlers("v1"), files: { "realtime/suffix.js": 'module.exports = { suffix: "" };\n' } },
				{ name: "steady", handlers: 'module.exports = (socket) => socket.on("steady", (ack) => ack("ok"));\n' },
			],
			stub: { installedApps: ["frappe", "liveapp", "steady"] },
		});
		file = path.join(stack.bench.appsDir, "liveapp", "realtime", "handlers.js");
		helper = path.join(stack.bench.appsDir, "liveapp", "realtime", "suffix.js");
	});
	after(async () => {
		if (stack) await stack.stop();
	});

	const version = (c) => c.timeout(5000).emitWithAck("version");

	test("a rewritten file serves new connections; old ones keep theirs", async () => {
		const old = await stack.connect(SITE, { sid: "sysold" });
		assert.equal(await version(old), "v1");

		const mark = stack.server.mark();
		fs.writeFileSync(file, handlers("v2"));
		await stack.server.waitForLog(new RegExp(`reloaded event handlers from ${escape(file)}`), 8000, { since: mark });

		const fresh = await stack.connect(SITE, { sid: "sysnew" });
		assert.equal(await version(fresh), "v2");
		assert.equal(await version(old), "v1");
		old.close();
		fresh.close();
	});

	test("a change to a required file reloads the app", async () => {
		const mark = stack.server.mark();
		fs.writeFileSync(helper, 'module.exports = { suffix: "+helper" };\n');
		await stack.server.waitForLog(new RegExp(`reloaded event handlers from ${escape(file)}`), 8000, { since: mark });
		const c = await stack.connect(SITE, { sid: "syshelper" });
		assert.equal(await version(c), "v2+helper");
		c.close();
	});

	test("a broken rewrite is logged and contained; fixing it brings the app back", async () => {
		let mark = stack.server.mark();
		// Replace by rename, as editors do.
		fs.writeFileSync(file + ".tmp", "module.exports = (socket) => { socket.on(\n");
		fs.renameSync(file + ".tmp", file);
		await stack.server.waitForLog(new RegExp(`failed to load event handlers from ${escape(file)}`), 8000, { since: mark });

		const c = await stack.connect(SITE, { sid: "sysbroken" });
		await assert.rejects(c.timeout(700).emitWithAck("version"));
		assert.equal(await c.timeout(5000).emitWithAck("steady"), "ok");
		c.close();

		mark = stack.server.mark();
		fs.writeFileSync(file, handlers("v3"));
		await stack.server.waitForLog(new RegExp(`reloaded event handlers from ${escape(file)}`), 8000, { since: mark });
		const d = await stack.connect(SITE, { sid: "sysfixed" });
		assert.equal(await version(d), "v3+helper");
		d.close();
	});
});
