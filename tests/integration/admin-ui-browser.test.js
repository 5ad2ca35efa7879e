"use strict";
// The stock socket.io Admin UI (npm @socket.io/admin-ui 0.5.1, its static build in ui/dist,
// served from 127.0.0.1 by a small static server) in Debian's headless chromium, driven with
// playwright-core, against our server with --admin in development mode. The test logs in
// through the UI's own login modal and checks what a user would look at: the dashboard lists
// our server and the sockets count of the site namespace, and a socket's page lists its rooms.
// Screenshots are kept in the build tree (<build>/test-artifacts/, or RT_ARTIFACT_DIR).
//
// Needs /usr/bin/chromium (scripts/install-deps.sh installs it); without it the test fails,
// it does not skip.
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const http = require("node:http");
const os = require("node:os");
const path = require("node:path");
const H = require("./lib/harness.js");

const SITE = "site1.localhost";
const HASH = "$2b$10$heqvAkYMez.Va6Et2uXInOnkCT6/uQj1brkrbyG3LpopDklcq7ZOS"; // "changeit"
const CHROMIUM = process.env.RT_CHROMIUM || "/usr/bin/chromium";
// Next to the binary's build tree (RT_BINARY is <build>/app/frappe-realtime).
const ARTIFACTS =
	process.env.RT_ARTIFACT_DIR ||
	(process.env.RT_BINARY ? path.join(path.dirname(process.env.RT_BINARY), "..", "test-artifacts") : path.join(process.env.RT_SOURCE_DIR || ".", "build", "test-artifacts"));
const CHROMIUM_FLAGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
];

const TYPES = {
	".html": "text/html; charset=utf-8",
	".js": "text/javascript",
	".css": "text/css",
	".png": "image/png",
	".svg": "image/svg+xml",
	".map": "application/json",
};

/** Serves `root` on 127.0.0.1:<free port>; resolves {url, close}. */
function serveStatic(root) {
	const server = http.createServer((req, res) => {
		const rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
		const file = path.join(root, rel === "/" ? "index.html" : rel);
		if (!file.startsWith(root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
			res.writeHead(404).end("not found");
			return;
		}
		res.writeHead(200, { "Content-Type": TYPES[path.extname(file)] || "application/octet-stream" });
		fs.createReadStream(file).pipe(res);
	});
	return new Promise((resolve) => {
		server.listen(0, "127.0.0.1", () => {
			resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) });
		});
	});
}

after(() => H.cleanup());

describe("stock Admin UI in headless chromium", () => {
	let stack, ui, context, page;
	const clients = [];
	before(async () => {
		assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} missing: run scripts/install-deps.sh`);
		stack = await H.startStack({
			extraArgs: ["--admin", "--admin-password-hash", HASH, "--admin-mode", "development", "--admin-read-write", "--admin-server-id", "cpp-node-ui"],
		});
		for (let i = 0; i < 3; i++) clients.push(await stack.connect(SITE, { sid: `sysUiUser${i}`, transports: ["websocket"] }));
		const dist = path.join(path.dirname(require.resolve("@socket.io/admin-ui/package.json")), "ui", "dist");
		ui = await serveStatic(dist);
		const { chromium } = require("playwright-core");
		const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rt-chromium-"));
		context = await chromium.launchPersistentContext(userDataDir, {
			executablePath: CHROMIUM,
			headless: true,
			args: CHROMIUM_FLAGS,
			viewport: { width: 1400, height: 900 },
		});
		// No network beyond loopback: the UI's web fonts and icon CSS (Google Fonts, jsDelivr) are refused.
		await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
		page = context.pages()[0] || (await context.newPage());
		fs.mkdirSync(ARTIFACTS, { recursive: true });
	});
	after(async () => {
		if (context) await context.close();
		if (ui) await ui.close();
		for (const c of clients) c.close();
		if (stack) await stack.stop();
	});

	test("log in through the modal; the dashboard shows our server and the site's sockets count", async () => {
		await page.goto(ui.url + "/");
		await page.getByLabel("Server URL").fill(stack.url);
		await page.getByLabel("Username").fill("admin");
		await page.getByLabel("Password").fill("changeit");
		await page.getByRole("button", { name: "Connect" }).click();
		// Connected: the status shows it and the modal is gone.
		await page.getByText("connected", { exact: true }).first().waitFor({ timeout: 15000 });
		// The dashboard's namespaces card: the site namespace with its 3 sockets.
		const nsRow = page.locator("tr", { hasText: "/" + SITE });
		await nsRow.first().waitFor({ timeout: 15000 });
		await H.waitFor(async () => /\b3\b/.test(await nsRow.first().innerText()), 10000, 200);
		// The login dialog fades out; wait until it is gone so the screenshot shows the dashboard.
		await page.locator(".v-dialog--active").waitFor({ state: "detached", timeout: 10000 });
		await page.screenshot({ path: path.join(ARTIFACTS, "admin-ui-dashboard.png") });

		await page.goto(ui.url + "/#/servers/");
		await page.getByText("cpp-node-ui").first().waitFor({ timeout: 10000 });
	});

	test("a socket's page lists its rooms", async () => {
		const target = clients[0];
		await page.goto(`${ui.url}/#/n/${encodeURIComponent("/" + SITE)}/sockets/${target.id}`);
		await page.getByText(target.id).first().waitFor({ timeout: 10000 });
		for (const room of ["all", "user:sysUiUser0@example.com"]) await page.getByText(room, { exact: true }).first().waitFor({ timeout: 10000 });
		await page.screenshot({ path: path.join(ARTIFACTS, "admin-ui-socket.png"), fullPage: true });
	});
});
