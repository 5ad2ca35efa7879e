"use strict";
// The Debian package as a user gets it: `cpack -G DEB` in the build folder gives a .deb whose
// control data names the package, its shared-library Depends and Recommends redis-server;
// unpacked (dpkg -x, no root needed) it holds the binary, which runs and prints its version,
// the desktop entry and icon, the systemd template, the env file, the man page and the copyright.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("fs");
const os = require("os");
const path = require("path");
const zlib = require("zlib");
const { execFileSync, spawnSync } = require("child_process");

const binary = process.env.RT_BINARY || path.resolve(__dirname, "..", "..", "build", "app", "frappe-realtime");
const buildDir = path.resolve(path.dirname(binary), "..");
const have = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

const skip =
	!fs.existsSync(path.join(buildDir, "CPackConfig.cmake")) ? "no CPackConfig.cmake in the build folder" :
	!have("cpack") || !have("dpkg-deb") ? "cpack or dpkg-deb not installed" : false;

test("cpack -G DEB builds an installable package with the binary, unit, man page and license", { skip, timeout: 240000 }, () => {
	const out = fs.mkdtempSync(path.join(os.tmpdir(), "rt-deb-"));
	try {
		const run = spawnSync("cpack", ["-G", "DEB", "-B", out], { cwd: buildDir, encoding: "utf8", timeout: 200000 });
		assert.equal(run.status, 0, `cpack failed:\n${run.stdout}\n${run.stderr}`);
		const debs = fs.readdirSync(out).filter((f) => f.endsWith(".deb"));
		assert.equal(debs.length, 1, `one .deb expected in ${fs.readdirSync(out)}`);
		const deb = path.join(out, debs[0]);
		assert.match(debs[0], /^frappe-realtime_\d+\.\d+\.\d+_[a-z0-9]+\.deb$/);

		const field = (name) => execFileSync("dpkg-deb", ["-f", deb, name], { encoding: "utf8" }).trim();
		assert.equal(field("Package"), "frappe-realtime");
		assert.match(field("Depends"), /libqt6core6/);
		assert.match(field("Depends"), /libhiredis/);
		assert.match(field("Recommends"), /redis-server/);
		assert.match(execFileSync("dpkg-deb", ["-I", deb], { encoding: "utf8" }), /conffiles/);

		const root = path.join(out, "root");
		execFileSync("dpkg-deb", ["-x", deb, root]);
		const file = (p) => path.join(root, p);
		for (const p of [
			"usr/bin/frappe-realtime",
			"usr/share/applications/frappe-realtime.desktop",
			"usr/share/icons/hicolor/scalable/apps/frappe-realtime.svg",
			"usr/lib/systemd/system/frappe-realtime@.service",
			"etc/default/frappe-realtime",
			"usr/share/man/man1/frappe-realtime.1.gz",
			"usr/share/doc/frappe-realtime/copyright",
			"usr/share/doc/frappe-realtime/examples/Procfile",
		])
			assert.ok(fs.existsSync(file(p)), `${p} in the package`);

		const version = execFileSync(file("usr/bin/frappe-realtime"), ["--version"], { encoding: "utf8" });
		assert.match(version, /^frappe-realtime \d+\.\d+\.\d+/);

		const man = zlib.gunzipSync(fs.readFileSync(file("usr/share/man/man1/frappe-realtime.1.gz"))).toString();
		assert.match(man, /^\.TH FRAPPE\\-REALTIME 1/);
		assert.match(man, /\\-\\-metrics\\-port/, "options come from --help");
		assert.match(man, /\\-\\-auth/);

		const unit = fs.readFileSync(file("usr/lib/systemd/system/frappe-realtime@.service"), "utf8");
		assert.match(unit, /^ExecStart=\/usr\/bin\/frappe-realtime --no-gui --bench %f/m);
		assert.match(fs.readFileSync(file("usr/share/applications/frappe-realtime.desktop"), "utf8"), /^Exec=frappe-realtime$/m);
		assert.match(fs.readFileSync(file("usr/share/doc/frappe-realtime/copyright"), "utf8"), /GPL-3\.0-or-later/);
		assert.match(fs.readFileSync(file("usr/share/doc/frappe-realtime/examples/Procfile"), "utf8"), /^socketio: .*frappe-realtime --no-gui --bench \.$/m);
	} finally {
		if (!process.env.RT_KEEP_TMP) fs.rmSync(out, { recursive: true, force: true });
	}
});
