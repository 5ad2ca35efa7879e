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

// The unit is hardened (issue 13) and systemd accepts it. Where systemd-analyze exists it
// verifies an instance of the template (ExecStart pointed at the unpacked binary, since the
// package is not installed) and rates its exposure; where it does not, the directives are
// still checked as text and the test says so.
function checkUnitHardening(unit, binary, tmp) {
	for (const directive of [
		/^ProtectHome=read-only$/m,
		/^ReadWritePaths=%f$/m,
		/^ProtectSystem=strict$/m,
		/^PrivateDevices=yes$/m,
		/^ProtectKernelTunables=yes$/m,
		/^ProtectKernelModules=yes$/m,
		/^ProtectKernelLogs=yes$/m,
		/^RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6$/m,
		/^CapabilityBoundingSet=$/m,
		/^SystemCallFilter=@system-service$/m,
		/^UMask=0027$/m,
		/^LimitNOFILE=\d+$/m,
		/^NoNewPrivileges=yes$/m,
	])
		assert.match(unit, directive);
	if (!have("systemd-analyze")) {
		console.log("# systemd-analyze not installed: unit directives checked as text only, not verified");
		return;
	}
	const dir = path.join(tmp, "units");
	fs.mkdirSync(dir);
	fs.writeFileSync(path.join(dir, "frappe-realtime@.service"), unit.replace(/^ExecStart=\/usr\/bin\/frappe-realtime/m, `ExecStart=${binary}`));
	const instance = "frappe-realtime@home-frappe-frappe\\x2dbench.service";
	const env = { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:` };
	const verify = spawnSync("systemd-analyze", ["verify", "--man=no", instance], { env, encoding: "utf8" });
	assert.equal(verify.status, 0, `systemd-analyze verify:\n${verify.stdout}\n${verify.stderr}`);
	assert.equal(verify.stderr.trim(), "", "no warnings");
	fs.copyFileSync(path.join(dir, "frappe-realtime@.service"), path.join(dir, "frappe-realtime@bench.service"));
	const security = spawnSync("systemd-analyze", ["security", "--offline=true", "--no-pager", path.join(dir, "frappe-realtime@bench.service")], { env, encoding: "utf8" });
	const score = /Overall exposure level for \S+: ([\d.]+)/.exec(security.stdout);
	if (score) assert.ok(Number(score[1]) <= 3, `exposure ${score[1]} (systemd-analyze security):\n${security.stdout}`);
	else console.log(`# systemd-analyze security --offline not available: ${security.stderr.trim()}`);
}

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
		checkUnitHardening(unit, file("usr/bin/frappe-realtime"), out);
		assert.match(fs.readFileSync(file("usr/share/applications/frappe-realtime.desktop"), "utf8"), /^Exec=frappe-realtime$/m);
		assert.match(fs.readFileSync(file("usr/share/doc/frappe-realtime/copyright"), "utf8"), /GPL-3\.0-or-later/);
		assert.match(fs.readFileSync(file("usr/share/doc/frappe-realtime/examples/Procfile"), "utf8"), /^socketio: .*frappe-realtime --no-gui --bench \.$/m);
	} finally {
		if (!process.env.RT_KEEP_TMP) fs.rmSync(out, { recursive: true, force: true });
	}
});
