"use strict";
// Self-test of the test harness: tests/support/frappe-stub.js, tests/support/publish.js
// (+ pyjson.js, resp.js) and tests/integration/lib/harness.js. Needs node_modules (ws,
// socket.io-client) on NODE_PATH and redis-server (RT_REDIS_SERVER or PATH); it does not
// need the frappe-realtime binary (startServer / startStack run a stand-in child process).
//
// The expected strings below were generated once with CPython 3.11:
//   json.dumps(obj, indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=True,
//              default=str)
// and, for the room rules, with a Python transcription of publish_realtime /
// publish_progress (spec 5.3 / 5.4) feeding that same dumps. CI does not need python3.
const test = require("node:test");
const { describe, before, after } = test;
const assert = require("node:assert/strict");
const path = require("path");
const fs = require("fs");
const http = require("http");
const { spawn } = require("child_process");

const H = require("./lib/harness.js");
const { asJson, pyDumps, pyFloat } = require(path.join(H.SUPPORT_DIR, "pyjson.js"));
const pub = require(path.join(H.SUPPORT_DIR, "publish.js"));
const STUB_JS = path.join(H.SUPPORT_DIR, "frappe-stub.js");
const PUBLISH_JS = path.join(H.SUPPORT_DIR, "publish.js");

// --- expected strings from Python -----------------------------------------------------------
const PY_AS_JSON = {
	realtime: "{\n \"event\": \"msgprint\",\n \"message\": {\n  \"a\": [\n   1,\n   2,\n   {\n    \"x\": false,\n    \"y\": true,\n    \"z\": null\n   }\n  ],\n  \"b\": 1\n },\n \"namespace\": \"site1.localhost\",\n \"room\": \"user:Administrator\"\n}",
	empties: "{\n \"a\": [],\n \"b\": {},\n \"c\": \"\",\n \"d\": [\n  []\n ],\n \"e\": [\n  {}\n ],\n \"f\": {\n  \"g\": {}\n }\n}",
	unicode: "{\n \"ctrl\": \"\\u0000\\u0001\\u001f\\u007f\\t\\n\\r\\b\\f\\\"\\\\/\",\n \"key \\u00fcn\\u00efcode\": 1,\n \"text\": \"h\\u00e9llo w\\u00f6rld \\u2014 \\u2713 \\ud83d\\ude00 \\u4e2d\\u6587\"\n}",
	numbers: "{\n \"big\": 1.5e+16,\n \"bigint\": 12345678901234567890,\n \"e300\": 1e+300,\n \"f\": 0.5,\n \"float_int\": 3.0,\n \"i\": 0,\n \"inf\": Infinity,\n \"nan\": NaN,\n \"neg\": -5,\n \"negzero\": -0.0,\n \"ninf\": -Infinity,\n \"pi\": 3.14159,\n \"small\": 1e-05,\n \"third\": 0.3333333333333333\n}",
	order: "{\n \"\": 10,\n \"10\": 4,\n \"9\": 5,\n \"B\": 1,\n \"Z\": 6,\n \"_\": 3,\n \"a\": 2,\n \"a \": 12,\n \"aa\": 11,\n \"\\u00e9\": 7,\n \"\\ue000\": 9,\n \"\\ud83d\\ude00\": 8\n}",
	nested: "[\n {\n  \"doc\": {\n   \"items\": [\n    {\n     \"qty\": 1,\n     \"rate\": 10.5\n    },\n    {\n     \"qty\": 2,\n     \"rate\": 0.1\n    }\n   ],\n   \"modified\": \"2024-01-02 03:04:05.123000\",\n   \"name\": \"TODO-0001\"\n  }\n },\n \"x\",\n null,\n [],\n {}\n]",
	top_list_empty: "[]",
	top_dict_empty: "{}",
	top_str: "\"x\\u00e9\"",
	top_null: "null",
	progress: "{\n \"event\": \"progress\",\n \"message\": {\n  \"description\": null,\n  \"percent\": 42,\n  \"task_id\": \"t1\",\n  \"title\": null\n },\n \"namespace\": \"s\",\n \"room\": \"task_progress:t1\"\n}",
};

const PY_REALTIME = {
	default_global: "{\n \"event\": \"global\",\n \"message\": {},\n \"namespace\": \"site1.localhost\",\n \"room\": \"all\"\n}",
	none_event_task: "{\n \"event\": \"task_progress\",\n \"message\": {\n  \"task_id\": \"t1\"\n },\n \"namespace\": \"site1.localhost\",\n \"room\": \"task_progress:t1\"\n}",
	msgprint_session_user: "{\n \"event\": \"msgprint\",\n \"message\": \"Hello \\u00e9\",\n \"namespace\": \"site1.localhost\",\n \"room\": \"user:sys1@example.com\"\n}",
	msgprint_explicit_user: "{\n \"event\": \"msgprint\",\n \"message\": {\n  \"message\": \"hi\",\n  \"title\": \"T\"\n },\n \"namespace\": \"site1.localhost\",\n \"room\": \"user:web1@example.com\"\n}",
	msgprint_task_wins: "{\n \"event\": \"msgprint\",\n \"message\": {\n  \"message\": \"hi\",\n  \"task_id\": \"job-9\"\n },\n \"namespace\": \"site1.localhost\",\n \"room\": \"task_progress:job-9\"\n}",
	list_update_from_message: "{\n \"event\": \"list_update\",\n \"message\": {\n  \"doctype\": \"ToDo\",\n  \"name\": \"TD-1\",\n  \"user\": \"a@b\"\n },\n \"namespace\": \"site1.localhost\",\n \"room\": \"doctype:ToDo\"\n}",
	list_update_doctype_param: "{\n \"event\": \"list_update\",\n \"message\": {\n  \"doctype\": \"ToDo\"\n },\n \"namespace\": \"site1.localhost\",\n \"room\": \"doctype:Note\"\n}",
	docinfo_update_overrides_room: "{\n \"event\": \"docinfo_update\",\n \"message\": {\n  \"action\": \"add\",\n  \"doc\": {\n   \"name\": \"c1\"\n  },\n  \"key\": \"comments\"\n },\n \"namespace\": \"site1.localhost\",\n \"room\": \"doc:ToDo/TD-1\"\n}",
	task_user: "{\n \"event\": \"custom\",\n \"message\": {\n  \"task_id\": \"t3\",\n  \"x\": 1\n },\n \"namespace\": \"site1.localhost\",\n \"room\": \"task_progress:t3\"\n}",
	task_keeps_message_task_id: "{\n \"event\": \"custom\",\n \"message\": {\n  \"task_id\": \"other\"\n },\n \"namespace\": \"site1.localhost\",\n \"room\": \"task_progress:t4\"\n}",
	user_only: "{\n \"event\": \"notification\",\n \"message\": {\n  \"n\": 1\n },\n \"namespace\": \"site1.localhost\",\n \"room\": \"user:sys2@example.com\"\n}",
	doc_room: "{\n \"event\": \"doc_update\",\n \"message\": {\n  \"doctype\": \"ToDo\",\n  \"modified\": \"2024-01-01 00:00:00\",\n  \"name\": \"TD 1/x\"\n },\n \"namespace\": \"site1.localhost\",\n \"room\": \"doc:ToDo/TD 1/x\"\n}",
	doc_room_numeric_name: "{\n \"event\": \"doc_update\",\n \"message\": {},\n \"namespace\": \"site1.localhost\",\n \"room\": \"doc:ToDo/5\"\n}",
	doctype_only_all: "{\n \"event\": \"eva\",\n \"message\": {},\n \"namespace\": \"site1.localhost\",\n \"room\": \"all\"\n}",
	explicit_room: "{\n \"event\": \"website_ev\",\n \"message\": {\n  \"a\": []\n },\n \"namespace\": \"site1.localhost\",\n \"room\": \"website\"\n}",
	empty_room_falls_back: "{\n \"event\": \"e\",\n \"message\": {},\n \"namespace\": \"site1.localhost\",\n \"room\": \"user:u1@x\"\n}",
	progress_user: "{\n \"event\": \"progress\",\n \"message\": {\n  \"description\": null,\n  \"percent\": 50,\n  \"title\": \"Importing\"\n },\n \"namespace\": \"site1.localhost\",\n \"room\": \"user:sys1@example.com\"\n}",
	progress_doc: "{\n \"event\": \"progress\",\n \"message\": {\n  \"description\": \"step 1\",\n  \"percent\": 10,\n  \"title\": null\n },\n \"namespace\": \"site1.localhost\",\n \"room\": \"doc:Data Import/DI-1\"\n}",
	progress_task: "{\n \"event\": \"progress\",\n \"message\": {\n  \"description\": null,\n  \"percent\": 99.5,\n  \"task_id\": \"t9\",\n  \"title\": null\n },\n \"namespace\": \"site1.localhost\",\n \"room\": \"task_progress:t9\"\n}",
};

const AS_JSON_INPUTS = {
	realtime: { event: "msgprint", message: { b: 1, a: [1, 2, { z: null, y: true, x: false }] }, room: "user:Administrator", namespace: "site1.localhost" },
	empties: { a: [], b: {}, c: "", d: [[]], e: [{}], f: { g: {} } },
	unicode: { text: "h\u00e9llo w\u00f6rld \u2014 \u2713 \u{1F600} \u4e2d\u6587", ctrl: "\x00\x01\x1f\x7f\t\n\r\b\f\"\\/", "key \u00fcn\u00efcode": 1 },
	numbers: {
		i: 0, neg: -5, f: 0.5, small: 1e-5, big: pyFloat(1.5e16), bigint: 12345678901234567890n, float_int: pyFloat(3),
		third: 1 / 3, nan: NaN, inf: Infinity, ninf: -Infinity, negzero: pyFloat(-0), e300: pyFloat(1e300), pi: 3.14159,
	},
	order: { B: 1, a: 2, _: 3, 10: 4, 9: 5, Z: 6, "\u00e9": 7, "\u{1F600}": 8, "\ue000": 9, "": 10, aa: 11, "a ": 12 },
	nested: [
		{ doc: { name: "TODO-0001", items: [{ qty: 1, rate: 10.5 }, { qty: 2, rate: 0.1 }], modified: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 123)) } },
		"x", null, [], {},
	],
	top_list_empty: [],
	top_dict_empty: {},
	top_str: "x\u00e9",
	top_null: null,
	progress: { event: "progress", message: { percent: 42, title: null, description: null, task_id: "t1" }, room: "task_progress:t1", namespace: "s" },
};

const SITE = "site1.localhost";
const REALTIME_INPUTS = {
	default_global: {},
	none_event_task: { task_id: "t1" },
	msgprint_session_user: { event: "msgprint", message: "Hello \u00e9", sessionUser: "sys1@example.com" },
	msgprint_explicit_user: { event: "msgprint", message: { message: "hi", title: "T" }, user: "web1@example.com" },
	msgprint_task_wins: { event: "msgprint", message: { message: "hi" }, task_id: "job-9", sessionUser: "sys1@example.com" },
	list_update_from_message: { event: "list_update", message: { doctype: "ToDo", name: "TD-1", user: "a@b" }, room: "ignored" },
	list_update_doctype_param: { event: "list_update", message: { doctype: "ToDo" }, doctype: "Note" },
	docinfo_update_overrides_room: {
		event: "docinfo_update", message: { key: "comments", action: "add", doc: { name: "c1" } }, doctype: "ToDo", docname: "TD-1", room: "website", task_id: "t2",
	},
	task_user: { event: "custom", message: { x: 1 }, task_id: "t3", user: "u@x" },
	task_keeps_message_task_id: { event: "custom", message: { task_id: "other" }, task_id: "t4" },
	user_only: { event: "notification", message: { n: 1 }, user: "sys2@example.com" },
	doc_room: { event: "doc_update", message: { modified: "2024-01-01 00:00:00", doctype: "ToDo", name: "TD 1/x" }, doctype: "ToDo", docname: "TD 1/x" },
	doc_room_numeric_name: { event: "doc_update", doctype: "ToDo", docname: 5 },
	doctype_only_all: { event: "eva", doctype: "ToDo" },
	explicit_room: { event: "website_ev", message: { a: [] }, room: "website", user: "ignored@x" },
	empty_room_falls_back: { event: "e", room: "", user: "u1@x" },
};
const PROGRESS_INPUTS = {
	progress_user: { percent: 50, title: "Importing", sessionUser: "sys1@example.com" },
	progress_doc: { percent: 10, title: null, doctype: "Data Import", docname: "DI-1", description: "step 1" },
	progress_task: { percent: 99.5, task_id: "t9", doctype: "Data Import", docname: "DI-1" },
};

// --- small helpers -------------------------------------------------------------------------
async function get(stub, p, headers = {}) {
	const r = await H.httpRequest({ port: stub.port, path: p, headers });
	let json;
	try {
		json = JSON.parse(r.text);
	} catch {
		json = undefined;
	}
	return { ...r, json };
}
const USER_INFO = "/api/method/frappe.realtime.get_user_info";
const perm = (dt, dn = "") => `/api/method/frappe.realtime.has_permission?${new URLSearchParams({ doctype: dt, name: dn })}`;
const cookie = (sid) => ({ Cookie: `sid=${sid}` });

function readFirstLine(proc, ms = 5000) {
	return new Promise((resolve, reject) => {
		let buf = "";
		const t = setTimeout(() => reject(new Error(`no first line within ${ms} ms: ${buf}`)), ms);
		proc.stdout.on("data", (d) => {
			buf += d;
			const i = buf.indexOf("\n");
			if (i !== -1) {
				clearTimeout(t);
				resolve(buf.slice(0, i));
			}
		});
		proc.once("exit", (code) => reject(new Error(`exited ${code} before printing: ${buf}`)));
	});
}

function runNode(args, ms = 10000) {
	return new Promise((resolve, reject) => {
		const p = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
		let out = "";
		let err = "";
		p.stdout.on("data", (d) => (out += d));
		p.stderr.on("data", (d) => (err += d));
		const t = setTimeout(() => {
			p.kill("SIGKILL");
			reject(new Error(`node ${args.join(" ")} timed out`));
		}, ms);
		p.on("exit", (code) => {
			clearTimeout(t);
			resolve({ code, out, err });
		});
	});
}

// ============================================================================================
describe("asJson (frappe.as_json) matches CPython json.dumps byte for byte", () => {
	for (const [name, expected] of Object.entries(PY_AS_JSON)) {
		test(name, () => {
			assert.equal(asJson(AS_JSON_INPUTS[name]), expected);
		});
	}
	test("no trailing spaces, ASCII only", () => {
		for (const name of Object.keys(PY_AS_JSON)) {
			const s = asJson(AS_JSON_INPUTS[name]);
			assert.doesNotMatch(s, / \n/);
			assert.match(s, /^[\x00-\x7e]*$/);
		}
	});
	test("pyDumps uses Python's default separators", () => {
		assert.equal(pyDumps({ b: [1, 2], a: "\u00e9" }), '{"b": [1, 2], "a": "\\u00e9"}');
		assert.equal(pyDumps({ b: 1, a: 2 }, { sortKeys: true }), '{"a": 2, "b": 1}');
	});
});

// ============================================================================================
describe("frappe-stub over HTTP", () => {
	let stub;
	before(async () => {
		stub = await H.startStub({ port: 0 });
	});
	test("url and port", () => {
		assert.ok(stub.port > 0);
		assert.equal(stub.url, `http://127.0.0.1:${stub.port}`);
	});

	test("get_user_info identities from the sid cookie", async () => {
		const cases = [
			["sys1", "sys1@example.com", "System User"],
			["user42", "user42@example.com", "System User"],
			["admin", "Administrator", "System User"],
			["web7", "web7@example.com", "Website User"],
			["Guest", "Guest", "Website User"],
			["0123456789abcdef", "Guest", "Website User"], // unknown sid: resumed as Guest
			["noperm1", "noperm1@example.com", "System User"],
		];
		for (const [sid, user, userType] of cases) {
			const r = await get(stub, USER_INFO, cookie(sid));
			assert.equal(r.status, 200, sid);
			assert.match(r.headers["content-type"], /^application\/json/);
			assert.deepEqual(r.json, { message: { user, user_type: userType, installed_apps: ["frappe"] } }, sid);
		}
	});

	test("cookie parsing: sid among other cookies, url-encoded, absent", async () => {
		let r = await get(stub, USER_INFO, { Cookie: "system_user=yes; sid=sys%2Dx; full_name=A%20B" });
		assert.equal(r.json.message.user, "sys-x@example.com");
		r = await get(stub, USER_INFO, { Cookie: "system_user=yes; user_id=x" });
		assert.equal(r.json.message.user, "Guest");
		r = await get(stub, USER_INFO);
		assert.equal(r.json.message.user, "Guest");
	});

	test("sid query parameter (v14/v15 callbacks) wins over the cookie", async () => {
		const r = await get(stub, `${USER_INFO}?sid=web3`, cookie("sys9"));
		assert.equal(r.json.message.user, "web3@example.com");
		assert.equal(r.json.message.user_type, "Website User");
	});

	test("Authorization: token, Bearer, Basic; invalid -> 401 without message", async () => {
		let r = await get(stub, USER_INFO, { Authorization: "token sys5:secret" });
		assert.deepEqual(r.json.message, { user: "sys5@example.com", user_type: "System User", installed_apps: ["frappe"] });
		r = await get(stub, USER_INFO, { Authorization: "Bearer web5", ...cookie("sys1") });
		assert.equal(r.json.message.user, "web5@example.com");
		assert.equal(r.json.message.user_type, "Website User");
		r = await get(stub, USER_INFO, { Authorization: `Basic ${Buffer.from("user6:pw").toString("base64")}` });
		assert.equal(r.json.message.user, "user6@example.com");
		for (const bad of ["token unknownkey:x", "token nocolon", "Digest abc", "Bearer Guest", "Basic !!!"]) {
			r = await get(stub, USER_INFO, { Authorization: bad });
			assert.equal(r.status, 401, bad);
			assert.equal(r.json.exc_type, "AuthenticationError", bad);
			assert.equal(r.json.message, undefined, bad);
		}
	});

	test("denied* -> 403 PermissionError envelope on every endpoint", async () => {
		for (const p of [USER_INFO, perm("ToDo", "1"), "/api/method/myapp.api.x"]) {
			const r = await get(stub, p, cookie("denied1"));
			assert.equal(r.status, 403, p);
			assert.equal(r.json.exc_type, "PermissionError");
			assert.equal(typeof r.json._server_messages, "string");
			assert.ok(Array.isArray(JSON.parse(r.json._server_messages)));
			assert.equal(r.json.message, undefined);
		}
		const r = await get(stub, USER_INFO, { Authorization: "token denied2:x" });
		assert.equal(r.status, 403);
	});

	test("has_permission: allowed, noperm, deny lists, missing doc, Guest", async () => {
		let r = await get(stub, perm("ToDo", "TD-1"), cookie("sys1"));
		assert.equal(r.status, 200);
		assert.deepEqual(r.json, { message: true });
		r = await get(stub, perm("ToDo"), cookie("web1"));
		assert.deepEqual(r.json, { message: true });

		r = await get(stub, perm("ToDo", "TD-1"), cookie("noperm1"));
		assert.equal(r.status, 403);
		assert.equal(r.json.exc_type, "PermissionError");

		stub.setBehaviour({ denyDoctypes: ["Salary Slip"], denyDocs: ["ToDo/secret", ["Note", "n 1"]], missingDocs: ["ToDo/gone"] });
		try {
			r = await get(stub, perm("Salary Slip"), cookie("sys1"));
			assert.equal(r.status, 403);
			r = await get(stub, perm("Salary Slip", "SS-1"), cookie("sys1"));
			assert.equal(r.status, 403);
			r = await get(stub, perm("ToDo", "secret"), cookie("sys1"));
			assert.equal(r.status, 403);
			r = await get(stub, perm("Note", "n 1"), cookie("sys1"));
			assert.equal(r.status, 403);
			r = await get(stub, perm("ToDo", "other"), cookie("sys1"));
			assert.equal(r.status, 200);
			r = await get(stub, perm("ToDo", "gone"), cookie("sys1"));
			assert.equal(r.status, 404);
			assert.equal(r.json.exc_type, "DoesNotExistError");
		} finally {
			stub.setBehaviour({ denyDoctypes: [], denyDocs: [], missingDocs: [] });
		}

		r = await get(stub, perm("ToDo", "x"), cookie("Guest"));
		assert.equal(r.status, 403);
		stub.setBehaviour({ allowGuest: true });
		r = await get(stub, perm("ToDo", "x"));
		assert.equal(r.status, 200);
		stub.setBehaviour({ allowGuest: false });

		r = await get(stub, "/api/method/frappe.realtime.has_permission?name=x", cookie("sys1"));
		assert.equal(r.status, 500);
		assert.equal(r.json.exc_type, "TypeError");

		// the query is recorded as sent (ptype, encoding)
		stub.reset();
		await get(stub, "/api/method/frappe.realtime.has_permission?doctype=Sales+Order&name=SO%2F1&ptype=read", cookie("sys1"));
		assert.deepEqual(stub.requests[0].query, { doctype: "Sales Order", name: "SO/1", ptype: "read" });
	});

	test("legacy can_subscribe_doc / can_subscribe_doctype (status code semantics)", async () => {
		const doc = (q) => `/api/method/frappe.realtime.can_subscribe_doc?${new URLSearchParams(q)}`;
		const dt = (q) => `/api/method/frappe.realtime.can_subscribe_doctype?${new URLSearchParams(q)}`;
		let r = await get(stub, doc({ sid: "sys1", doctype: "ToDo", docname: "1" }));
		assert.equal(r.status, 200);
		assert.deepEqual(r.json, { message: true });
		r = await get(stub, doc({ sid: "noperm1", doctype: "ToDo", docname: "1" }));
		assert.equal(r.status, 403);
		r = await get(stub, dt({ sid: "sys1", doctype: "ToDo" }));
		assert.equal(r.status, 200);
		r = await get(stub, dt({ doctype: "ToDo" }), { Authorization: "token noperm2:x" });
		assert.equal(r.status, 403);
		stub.setBehaviour({ missingDocs: ["ToDo/9"] });
		r = await get(stub, doc({ sid: "sys1", doctype: "ToDo", docname: "9" }));
		assert.equal(r.status, 404);
		stub.setBehaviour({ missingDocs: [] });
	});

	test("slow* answers after slowMs (configurable)", async () => {
		stub.setBehaviour({ slowMs: 300 });
		const t0 = Date.now();
		const r = await get(stub, USER_INFO, cookie("slow1"));
		const dt = Date.now() - t0;
		assert.equal(r.status, 200);
		assert.equal(r.json.message.user, "slow1@example.com");
		assert.ok(dt >= 280, `answered after ${dt} ms`);
		stub.setBehaviour({ slowMs: 3000 });
	});

	test("garbage* -> 200 with an HTML body", async () => {
		const r = await get(stub, USER_INFO, cookie("garbage1"));
		assert.equal(r.status, 200);
		assert.match(r.headers["content-type"], /text\/html/);
		assert.equal(r.json, undefined);
		assert.match(r.text, /^<!DOCTYPE html>/);
	});

	test("nomsg* -> {\"message\":{}} every time", async () => {
		for (let i = 0; i < 2; i++) {
			const r = await get(stub, USER_INFO, cookie("nomsg1"));
			assert.equal(r.status, 200);
			assert.equal(r.text, '{"message":{}}');
		}
	});

	test("noapps* -> first call {\"message\":{}}, then the full answer (per sid)", async () => {
		let r = await get(stub, USER_INFO, cookie("noapps1"));
		assert.equal(r.text, '{"message":{}}');
		r = await get(stub, USER_INFO, cookie("noapps1"));
		assert.deepEqual(r.json.message, { user: "noapps1@example.com", user_type: "System User", installed_apps: ["frappe"] });
		r = await get(stub, USER_INFO, cookie("noapps2"));
		assert.equal(r.text, '{"message":{}}');
	});

	test("installedApps and guestUserType are configurable", async () => {
		stub.setBehaviour({ installedApps: ["frappe", "erpnext", "helpdesk"], guestUserType: null });
		try {
			let r = await get(stub, USER_INFO, cookie("sys1"));
			assert.deepEqual(r.json.message.installed_apps, ["frappe", "erpnext", "helpdesk"]);
			r = await get(stub, USER_INFO);
			assert.equal(r.text, '{"message":{"user":"Guest","user_type":null,"installed_apps":["frappe","erpnext","helpdesk"]}}');
		} finally {
			stub.setBehaviour({ installedApps: ["frappe"], guestUserType: "Website User" });
		}
		assert.throws(() => stub.setBehaviour({ nosuchkey: 1 }), /unknown behaviour key/);
	});

	test("explicit sessions override the prefix rules", async () => {
		stub.setBehaviour({ sessions: { abc123: { user: "jane@corp.test", user_type: "System User" } } });
		const r = await get(stub, USER_INFO, cookie("abc123"));
		assert.equal(r.json.message.user, "jane@corp.test");
		stub.setBehaviour({ sessions: {} });
	});

	test("echo endpoint: POST JSON, POST form, GET query", async () => {
		let r = await H.httpRequest({
			port: stub.port,
			method: "POST",
			path: "/api/method/helpdesk.api.doc.thing?x=1",
			headers: { "Content-Type": "application/json", ...cookie("sys1") },
			body: JSON.stringify({ a: [1, 2], b: { c: "d" } }),
		});
		assert.equal(r.status, 200);
		assert.deepEqual(JSON.parse(r.text), {
			message: { method: "helpdesk.api.doc.thing", http_method: "POST", args: { a: [1, 2], b: { c: "d" } }, query: { x: "1" }, user: "sys1@example.com", user_type: "System User", site: "127.0.0.1" },
		});
		r = await H.httpRequest({
			port: stub.port,
			method: "POST",
			path: "/api/method/suite.meet.validate",
			headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: "token web2:k", "X-Frappe-Site-Name": "site1.localhost" },
			body: "guest_id=g%201&n=2",
		});
		const m = JSON.parse(r.text).message;
		assert.deepEqual(m.args, { guest_id: "g 1", n: "2" });
		assert.equal(m.user, "web2@example.com");
		assert.equal(m.site, "site1.localhost");
		r = await get(stub, "/api/method/myapp.get_thing?k=v&k2=", cookie("sys1"));
		assert.deepEqual(r.json.message.args, { k: "v", k2: "" });
		assert.equal(r.json.message.http_method, "GET");
	});

	test("nonexistent method -> 417 ValidationError; other paths -> 404 HTML", async () => {
		let r = await get(stub, "/api/method/nonexistent.module.fn", cookie("sys1"));
		assert.equal(r.status, 417);
		assert.equal(r.json.exc_type, "ValidationError");
		r = await get(stub, "/app/todo");
		assert.equal(r.status, 404);
		assert.match(r.headers["content-type"], /text\/html/);
	});

	test("secret check: string, function, async function", async () => {
		stub.setBehaviour({ secret: "s3cret" });
		try {
			let r = await get(stub, USER_INFO, cookie("sys1"));
			assert.equal(r.text, '{"message":{}}');
			r = await get(stub, USER_INFO, { ...cookie("sys1"), "X-Frappe-Socket-Secret": "wrong" });
			assert.equal(r.text, '{"message":{}}');
			r = await get(stub, USER_INFO, { ...cookie("sys1"), "X-Frappe-Socket-Secret": "s3cret" });
			assert.equal(r.json.message.user, "sys1@example.com");
			// permission checks are not gated by the secret
			r = await get(stub, perm("ToDo", "1"), cookie("sys1"));
			assert.equal(r.status, 200);

			let current = "one";
			stub.setBehaviour({ secret: () => current });
			r = await get(stub, USER_INFO, { ...cookie("sys1"), "X-Frappe-Socket-Secret": "one" });
			assert.equal(r.json.message.user, "sys1@example.com");
			current = "two";
			r = await get(stub, USER_INFO, { ...cookie("sys1"), "X-Frappe-Socket-Secret": "one" });
			assert.equal(r.text, '{"message":{}}');
			stub.setBehaviour({ secret: async () => "three" });
			r = await get(stub, USER_INFO, { ...cookie("sys1"), "X-Frappe-Socket-Secret": "three" });
			assert.equal(r.json.message.user, "sys1@example.com");
		} finally {
			stub.setBehaviour({ secret: null });
		}
	});

	test("sites filter answers Frappe's 404 for unknown sites", async () => {
		stub.setBehaviour({ sites: ["site1.localhost"] });
		try {
			let r = await get(stub, USER_INFO, { ...cookie("sys1"), "X-Frappe-Site-Name": "site1.localhost" });
			assert.equal(r.status, 200);
			r = await get(stub, USER_INFO, cookie("sys1")); // Host 127.0.0.1
			assert.equal(r.status, 404);
			assert.match(r.text, /127\.0\.0\.1 does not exist/);
		} finally {
			stub.setBehaviour({ sites: null });
		}
	});

	test("requests are recorded (method, path, query, headers) and /__requests serves them", async () => {
		stub.reset();
		await get(stub, `${perm("ToDo", "a b")}&ptype=read`, { ...cookie("sys1"), "X-Frappe-Socket-Secret": "zz" });
		assert.equal(stub.requests.length, 1);
		const rec = stub.requests[0];
		assert.equal(rec.method, "GET");
		assert.equal(rec.path, "/api/method/frappe.realtime.has_permission");
		assert.deepEqual(rec.query, { doctype: "ToDo", name: "a b", ptype: "read" });
		assert.equal(rec.headers.cookie, "sid=sys1");
		assert.equal(rec.headers["x-frappe-socket-secret"], "zz");
		assert.equal(rec.identity.user, "sys1@example.com");
		assert.equal(stub.callsTo("frappe.realtime.has_permission").length, 1);
		const r = await get(stub, "/__requests");
		assert.equal(r.json.length, 1);
		assert.equal(r.json[0].path, rec.path);
		assert.equal(stub.requests.length, 1, "/__requests itself is not recorded");
	});

	test("hang* never answers; stop() drops it; restart() serves on the same port", async () => {
		const port = stub.port;
		const hung = H.httpRequest({ port, path: USER_INFO, headers: cookie("hang1"), timeoutMs: 20000 });
		const raced = await Promise.race([hung.then(() => "answered", () => "failed"), H.sleep(400).then(() => "pending")]);
		assert.equal(raced, "pending");
		assert.ok(stub.callsTo("frappe.realtime.get_user_info").some((r) => r.identity.kind === "hang"));

		await stub.stop();
		assert.equal(stub.running, false);
		await assert.rejects(hung); // connection destroyed
		await assert.rejects(H.httpRequest({ port, path: USER_INFO, timeoutMs: 2000 }), /ECONNREFUSED/);
		await stub.restart();
		assert.equal(stub.port, port);
		const r = await get(stub, USER_INFO, cookie("sys1"));
		assert.equal(r.status, 200);
	});
});

describe("frappe-stub CLI", () => {
	test("prints the listening line first, serves, /__behaviour, exits 0 on SIGTERM", async () => {
		const proc = spawn(process.execPath, [STUB_JS, "--port", "0", "--apps", "frappe,crm", "--secret", "k"], { stdio: ["ignore", "pipe", "pipe"] });
		try {
			const line = await readFirstLine(proc);
			const m = /^frappe-stub listening on 127\.0\.0\.1:(\d+)$/.exec(line);
			assert.ok(m, line);
			const port = Number(m[1]);
			let r = await H.httpRequest({ port, path: USER_INFO, headers: { ...cookie("web1"), "X-Frappe-Socket-Secret": "k" } });
			assert.deepEqual(JSON.parse(r.text), { message: { user: "web1@example.com", user_type: "Website User", installed_apps: ["frappe", "crm"] } });
			r = await H.httpRequest({ port, method: "POST", path: "/__behaviour", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ secret: null }) });
			assert.equal(r.status, 200);
			r = await H.httpRequest({ port, path: USER_INFO, headers: cookie("sys2") });
			assert.equal(JSON.parse(r.text).message.user, "sys2@example.com");
			r = await H.httpRequest({ port, path: "/__requests" });
			const recs = JSON.parse(r.text);
			assert.equal(recs.length, 2);
			assert.equal(recs[0].headers["x-frappe-socket-secret"], "k");
		} finally {
			const code = await new Promise((resolve) => {
				proc.once("exit", (c) => resolve(c));
				proc.kill("SIGTERM");
			});
			assert.equal(code, 0);
		}
	});
});

// ============================================================================================
describe("publisher through a real redis-server", () => {
	let redis;
	let sub;
	before(async () => {
		redis = await H.startRedis();
		sub = await H.RespClient.connect(redis.port);
		await sub.subscribe("events");
	});
	after(() => sub && sub.close());

	test("buildRealtime decisions", () => {
		assert.deepEqual(pub.buildRealtime({ event: "x", user: "u", site: "s" }), { event: "x", message: {}, room: "user:u", namespace: "s" });
		assert.equal(pub.buildRealtime({ event: "x" }).namespace, null);
		assert.equal("namespace" in pub.buildRealtime({ event: "x", noNamespace: true }), false);
		assert.throws(() => pub.buildRealtime({ event: "list_update", message: {} }), /KeyError/);
		const msg = { a: 1 };
		pub.buildRealtime({ event: "x", message: msg, task_id: "t" });
		assert.deepEqual(msg, { a: 1 }, "the caller's message object is not mutated");
	});

	for (const [name, input] of Object.entries(REALTIME_INPUTS)) {
		test(`publishRealtime room rules: ${name}`, async () => {
			const n = await pub.publishRealtime(redis.port, { site: SITE, ...input });
			assert.equal(n, 1);
			const m = await sub.nextMessage(2000);
			assert.equal(m.channel, "events");
			assert.ok(m.payload.equals(Buffer.from(PY_REALTIME[name], "utf8")), `got:\n${m.payload}`);
		});
	}
	for (const [name, input] of Object.entries(PROGRESS_INPUTS)) {
		test(`publishProgress: ${name}`, async () => {
			const n = await pub.publishProgress(redis, { site: SITE, ...input });
			assert.equal(n, 1);
			const m = await sub.nextMessage(2000);
			assert.equal(m.payload.toString("utf8"), PY_REALTIME[name]);
		});
	}

	test("emitViaRedis: exact room, no rules", async () => {
		await pub.emitViaRedis(redis.url, { event: "doc_viewers", message: { users: [] }, room: "open_doc:ToDo/1", site: "s" });
		const m = await sub.nextMessage();
		assert.equal(m.payload.toString(), '{\n "event": "doc_viewers",\n "message": {\n  "users": []\n },\n "namespace": "s",\n "room": "open_doc:ToDo/1"\n}');
	});

	test("publishRaw sends arbitrary bytes; receiver count reflects subscribers", async () => {
		const raw = Buffer.from([0x7b, 0x22, 0xff, 0x00, 0x0a]); // '{"' + invalid UTF-8 + NUL + LF
		assert.equal(await pub.publishRaw(redis.port, raw), 1);
		const m = await sub.nextMessage();
		assert.ok(m.payload.equals(raw));
		assert.equal(await pub.publishRaw(redis.port, "not json"), 1);
		assert.equal((await sub.nextMessage()).payload.toString(), "not json");
		assert.equal(await pub.publishRaw(redis.port, "x", { channel: "nobody-listens" }), 0);
	});

	test("createPublisher reuses one connection", async () => {
		const p = await pub.createPublisher(redis);
		try {
			assert.equal(await p.publishRealtime({ event: "a", user: "u", site: "s" }), 1);
			assert.equal(await p.publishRaw("{}"), 1);
		} finally {
			p.close();
		}
		assert.match((await sub.nextMessage()).payload.toString(), /"room": "user:u"/);
		assert.equal((await sub.nextMessage()).payload.toString(), "{}");
	});

	test("CLI: publish and --dry-run", async () => {
		let r = await runNode([PUBLISH_JS, "--port", String(redis.port), "--site", SITE, "--event", "list_update", "--message", '{"doctype":"ToDo","name":"TD-1","user":"a@b"}', "--room", "ignored"]);
		assert.equal(r.code, 0, r.err);
		assert.equal(r.out, "1\n");
		assert.equal((await sub.nextMessage()).payload.toString(), PY_REALTIME.list_update_from_message);
		r = await runNode([PUBLISH_JS, "--dry-run", "--site", SITE, "--progress", "50", "--title", "Importing", "--session-user", "sys1@example.com"]);
		assert.equal(r.code, 0, r.err);
		assert.equal(r.out, PY_REALTIME.progress_user + "\n");
		r = await runNode([PUBLISH_JS, "--port", String(redis.port), "--raw", "{broken"]);
		assert.equal(r.out, "1\n");
		assert.equal((await sub.nextMessage()).payload.toString(), "{broken");
	});
});

// ============================================================================================
describe("harness", () => {
	test("freePort returns a bindable loopback port", async () => {
		const p = await H.freePort();
		assert.ok(p > 1024 && p < 65536);
		const s = http.createServer();
		await new Promise((r) => s.listen(p, "127.0.0.1", r));
		await new Promise((r) => s.close(r));
	});

	test("startRedis: url, command, stop, restart on the same port, kill", async () => {
		const r = await H.startRedis();
		assert.equal(r.url, `redis://127.0.0.1:${r.port}`);
		assert.equal(await r.command("PING"), "PONG");
		assert.equal(await r.command("SET", "socketio_auth_secret", "abc"), "OK");
		assert.equal(await r.command("GET", "socketio_auth_secret"), "abc");
		await r.stop();
		assert.equal(r.running, false);
		await assert.rejects(H.redisCommand(r.port, "PING"));
		await r.restart();
		assert.equal(await r.command("PING"), "PONG");
		assert.equal(await r.command("GET", "socketio_auth_secret"), null, "no persistence across restarts");
		await r.kill();
		assert.equal(r.running, false);
		await r.restart();
		assert.equal(await r.command("PING"), "PONG");
		const fixed = await H.startRedis({ port: await H.freePort() });
		assert.equal(await fixed.command("PING"), "PONG");
		await fixed.stop();
		await r.stop();
	});

	test("waitForSubscriber sees a SUBSCRIBE", async () => {
		const r = await H.startRedis();
		await assert.rejects(H.waitForSubscriber(r, "events", 200));
		const c = await r.client();
		await c.subscribe("events");
		await H.waitForSubscriber(r.port, "events", 2000);
		c.close();
		await r.stop();
	});

	test("makeBench writes the bench layout", () => {
		const b = H.makeBench({
			sites: ["site1.localhost", "site2.localhost"],
			config: { redis_queue: "redis://127.0.0.1:1", socketio_port: 9000 },
			rootConfig: { socketio_port: 9001 },
			apps: ["frappe", { name: "myapp", handlers: "module.exports = (socket) => {};\n" }],
			siteConfigs: { "site2.localhost": { db_name: "x" } },
		});
		const read = (...p) => fs.readFileSync(b.path(...p), "utf8");
		assert.deepEqual(JSON.parse(read("sites", "common_site_config.json")), { redis_queue: "redis://127.0.0.1:1", socketio_port: 9000 });
		assert.deepEqual(JSON.parse(read("config.json")), { socketio_port: 9001 });
		assert.deepEqual(JSON.parse(read("sites", "site1.localhost", "site_config.json")), {});
		assert.deepEqual(JSON.parse(read("sites", "site2.localhost", "site_config.json")), { db_name: "x" });
		assert.equal(read("sites", "apps.txt"), "frappe\nmyapp\n");
		assert.ok(fs.statSync(b.path("apps", "frappe")).isDirectory());
		assert.match(read("apps", "myapp", "realtime", "handlers.js"), /module\.exports/);
		b.writeCommonConfig({ default_site: "site1.localhost" });
		assert.deepEqual(JSON.parse(read("sites", "common_site_config.json")), { default_site: "site1.localhost" });
		const noRoot = H.makeBench();
		assert.equal(fs.existsSync(noRoot.path("config.json")), false);
		assert.ok(fs.existsSync(noRoot.path("sites", "site1.localhost", "site_config.json")));
		noRoot.remove();
		assert.equal(fs.existsSync(noRoot.dir), false);
	});

	test("startServer with a stand-in binary: ready line, logs, waitForLog, stop", async () => {
		const script = [
			"console.log('booting');",
			"console.error('Realtime service listening on: 45678');",
			"setTimeout(() => console.log('later line 7'), 100);",
			"process.on('SIGTERM', () => { console.log('bye'); process.exit(3); });",
			"setInterval(() => {}, 1000);",
		].join("\n");
		const srv = await H.startServer(["-e", script], { binary: process.execPath, env: { FOO: "bar" } });
		assert.equal(srv.port, 45678);
		assert.match(srv.logs(), /booting/);
		const m = await srv.waitForLog(/later line (\d+)/, 3000);
		assert.equal(m[1], "7");
		const mark = srv.mark();
		await assert.rejects(srv.waitForLog(/booting/, 100, { since: mark }), /timed out/);
		const info = await srv.stop();
		assert.equal(info.code, 3);
		assert.match(srv.logs(), /bye/);
	});

	test("startServer rejects with the log when the process exits first", async () => {
		await assert.rejects(
			H.startServer(["-e", "console.error('cannot bind: address in use'); process.exit(2)"], { binary: process.execPath }),
			(e) => /exited before it was ready/.test(e.message) && /cannot bind/.test(e.logs),
		);
		await assert.rejects(H.startServer([], { binary: "/nonexistent/frappe-realtime" }), /exited before it was ready|ENOENT/);
	});

	test("httpRequest returns status, headers and the body as a Buffer", async () => {
		const stub = await H.startStub();
		const r = await H.httpRequest({ port: stub.port, path: USER_INFO, headers: cookie("sys1") });
		assert.equal(r.status, 200);
		assert.ok(Buffer.isBuffer(r.body));
		assert.equal(r.headers["content-length"], String(r.body.length));
		await stub.close();
	});

	test("rawWebSocket: messages in order, binary frames, refused upgrade", async () => {
		const { WebSocketServer } = require("ws");
		const server = http.createServer((req, res) => {
			res.writeHead(400, { "Content-Type": "application/json" });
			res.end('{"code":3,"message":"Bad request"}');
		});
		const wss = new WebSocketServer({ noServer: true });
		let seenHeaders;
		server.on("upgrade", (req, socket, head) => {
			if (!req.url.startsWith("/socket.io/")) {
				socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 11\r\n\r\nBad request");
				return;
			}
			seenHeaders = req.headers;
			wss.handleUpgrade(req, socket, head, (ws) => {
				ws.send("0{\"sid\":\"x\"}");
				ws.send(Buffer.from([1, 2, 3]));
				ws.on("message", (d) => ws.send(`echo:${d}`));
			});
		});
		await new Promise((r) => server.listen(0, "127.0.0.1", r));
		const port = server.address().port;
		try {
			const c = await H.rawWebSocket(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, { Cookie: "sid=sys1", Origin: "http://site1.localhost" });
			assert.equal(seenHeaders.cookie, "sid=sys1");
			assert.equal(seenHeaders.origin, "http://site1.localhost");
			assert.equal(await c.next(), '0{"sid":"x"}');
			assert.deepEqual([...(await c.next())], [1, 2, 3]);
			c.send("40/site1,");
			assert.equal(await c.next(), "echo:40/site1,");
			await assert.rejects(c.next(100), /no websocket message/);
			await c.close();
			await assert.rejects(H.rawWebSocket(`ws://127.0.0.1:${port}/other`), (e) => e.status === 400 && e.body === "Bad request");
		} finally {
			wss.close();
			server.closeAllConnections();
			await new Promise((r) => server.close(r));
		}
	});

	test("rawTcp: write a raw request, read until close", async () => {
		const stub = await H.startStub();
		const t = await H.rawTcp(stub.port);
		t.write(`GET ${USER_INFO} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: sid=web1\r\nConnection: close\r\n\r\n`);
		const all = (await t.readUntilClose(3000)).toString();
		assert.match(all, /^HTTP\/1\.1 200 OK\r\n/);
		assert.match(all, /"user":"web1@example.com"/);
		await stub.close();
	});

	// A minimal Engine.IO v4 polling server, enough to drive socket.io-client through
	// connectClient / waitForEvent / expectNoEvent without the real binary.
	async function fakeSioServer({ reject: rejectMsg } = {}) {
		const seen = [];
		const sessions = new Map();
		const flush = (s) => {
			if (s.parked && s.queue.length) {
				const res = s.parked;
				s.parked = null;
				res.writeHead(200, { "Content-Type": "text/plain; charset=UTF-8" });
				res.end(s.queue.splice(0).join("\x1e"));
			}
		};
		const server = http.createServer((req, res) => {
			const u = new URL(req.url, "http://x");
			seen.push({ method: req.method, url: req.url, headers: req.headers });
			const sid = u.searchParams.get("sid");
			if (!sid) {
				const id = `s${sessions.size + 1}`;
				sessions.set(id, { queue: [], parked: null });
				res.writeHead(200, { "Content-Type": "text/plain; charset=UTF-8" });
				return res.end(`0{"sid":"${id}","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`);
			}
			const s = sessions.get(sid);
			if (req.method === "GET") {
				s.parked = res;
				return flush(s);
			}
			let body = "";
			req.on("data", (d) => (body += d));
			req.on("end", () => {
				for (const pkt of body.split("\x1e")) {
					const m = /^40(\/[^,]*)?,?/.exec(pkt);
					if (m) {
						const ns = m[1] ? `${m[1]},` : "";
						if (rejectMsg) s.queue.push(`44${ns}${JSON.stringify({ message: rejectMsg })}`);
						else s.queue.push(`40${ns}{"sid":"sock1"}`, `42${ns}["hello",{"a":1},2]`);
					}
				}
				res.writeHead(200, { "Content-Type": "text/html" });
				res.end("ok");
				flush(s);
			});
		});
		const { WebSocketServer } = require("ws");
		const wss = new WebSocketServer({ noServer: true });
		server.on("upgrade", (req, socket, head) => {
			seen.push({ method: "UPGRADE", url: req.url, headers: req.headers });
			wss.handleUpgrade(req, socket, head, (ws) => {
				ws.send('0{"sid":"w1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}');
				ws.on("message", (d) => {
					const m = /^40(\/[^,]*)?,?/.exec(String(d));
					if (!m) return;
					const ns = m[1] ? `${m[1]},` : "";
					if (rejectMsg) ws.send(`44${ns}${JSON.stringify({ message: rejectMsg })}`);
					else {
						ws.send(`40${ns}{"sid":"sock1"}`);
						ws.send(`42${ns}["hello",{"a":1},2]`);
					}
				});
			});
		});
		await new Promise((r) => server.listen(0, "127.0.0.1", r));
		return {
			port: server.address().port,
			seen,
			close: async () => {
				for (const c of wss.clients) c.terminate();
				wss.close();
				for (const s of sessions.values()) if (s.parked) s.parked.destroy();
				server.closeAllConnections();
				await new Promise((r) => server.close(r));
			},
		};
	}

	test("connectClient resolves on connect, sends the Frappe headers; waitForEvent/expectNoEvent", async () => {
		const srv = await fakeSioServer();
		try {
			const url = `http://127.0.0.1:${srv.port}/site1.localhost`;
			const socket = await H.connectClient(url, { sid: "sys1", site: "site1.localhost", transports: ["polling"] });
			assert.equal(socket.connected, true);
			const hs = srv.seen[0];
			assert.match(hs.url, /^\/socket\.io\/\?EIO=4&transport=polling/);
			assert.equal(hs.headers.cookie, "sid=sys1");
			assert.equal(hs.headers.origin, `http://127.0.0.1:${srv.port}`);
			assert.equal(hs.headers["x-frappe-site-name"], "site1.localhost");
			await H.expectNoEvent(socket, "nothing", 100);
			socket.close();
		} finally {
			await srv.close();
		}
	});

	test("connectClient over websocket only: headers, Host override, onSocket sees the first event", async () => {
		const srv = await fakeSioServer();
		try {
			const url = `http://127.0.0.1:${srv.port}/site1.localhost`;
			let early;
			const socket = await H.connectClient(url, {
				transports: ["websocket"],
				authorization: "Bearer web9",
				headers: { Host: `site1.localhost:${srv.port}` },
				origin: `http://site1.localhost:${srv.port}`,
				onSocket: (s) => {
					early = H.waitForEvent(s, "hello", 3000, { all: true });
				},
			});
			assert.equal(socket.io.engine.transport.name, "websocket");
			const up = srv.seen.find((r) => r.method === "UPGRADE");
			assert.match(up.url, /^\/socket\.io\/\?EIO=4&transport=websocket/);
			assert.equal(up.headers.authorization, "Bearer web9");
			assert.equal(up.headers.host, `site1.localhost:${srv.port}`);
			assert.equal(up.headers.origin, `http://site1.localhost:${srv.port}`);
			assert.deepEqual(await early, [{ a: 1 }, 2]);
			socket.close();
		} finally {
			await srv.close();
		}
	});

	test("startStack wires redis, stub, bench and a (stand-in) server", async () => {
		const fake = [
			"const fs = require('fs'), path = require('path');",
			`const { RespClient } = require(${JSON.stringify(path.join(H.SUPPORT_DIR, "resp.js"))});`,
			"const a = process.argv.slice(2); const bench = a[a.indexOf('--bench') + 1];",
			"const conf = JSON.parse(fs.readFileSync(path.join(bench, 'sites', 'common_site_config.json'), 'utf8'));",
			"console.log('conf ' + JSON.stringify(conf) + ' args ' + a.join(' '));",
			"RespClient.connect(conf.redis_queue).then(async (c) => {",
			"  await c.subscribe('events', (ch, buf) => console.log('got ' + JSON.stringify(buf.toString())));",
			"  console.log('Realtime service listening on: 4242');",
			"});",
			"process.on('SIGTERM', () => process.exit(0));",
		].join("\n");
		const stack = await H.startStack({
			sites: ["a.localhost", "b.localhost"],
			config: { default_site: "a.localhost" },
			stub: { installedApps: ["frappe", "raven"] },
			binary: process.execPath,
			args: (bench) => ["-e", fake, "--", "--no-gui", "--bench", bench.dir, "--port", "0"],
		});
		try {
			assert.equal(stack.port, 4242);
			assert.equal(stack.siteUrl("b.localhost"), "http://127.0.0.1:4242/b.localhost");
			const conf = JSON.parse(fs.readFileSync(stack.bench.path("sites", "common_site_config.json"), "utf8"));
			assert.deepEqual(conf, { redis_queue: stack.redis.url, webserver_host: "127.0.0.1", webserver_port: stack.stub.port, default_site: "a.localhost" });
			assert.ok(fs.existsSync(stack.bench.path("sites", "b.localhost", "site_config.json")));
			assert.equal(await stack.publish({ event: "msgprint", message: "hi", user: "sys1@example.com" }), 1);
			const m = await stack.server.waitForLog(/^got (.*)$/, 3000);
			assert.equal(JSON.parse(m[1]), '{\n "event": "msgprint",\n "message": "hi",\n "namespace": "a.localhost",\n "room": "user:sys1@example.com"\n}');
			const r = await H.httpRequest({ port: stack.stub.port, path: USER_INFO, headers: cookie("sys1") });
			assert.deepEqual(JSON.parse(r.text).message.installed_apps, ["frappe", "raven"]);
		} finally {
			await stack.stop();
		}
		assert.equal(stack.redis.running, false);
		assert.equal(stack.stub.running, false);
	});

	test("waitForEvent returns the first argument (or all with {all:true})", async () => {
		const srv = await fakeSioServer();
		try {
			const { io } = require("socket.io-client");
			const url = `http://127.0.0.1:${srv.port}/site1.localhost`;
			// listen before connecting so the event right after CONNECT is not missed
			const socket = io(url, { forceNew: true, reconnection: false, transports: ["polling"] });
			const first = H.waitForEvent(socket, "hello", 3000);
			const all = H.waitForEvent(socket, "hello", 3000, { all: true });
			assert.deepEqual(await first, { a: 1 });
			assert.deepEqual(await all, [{ a: 1 }, 2]);
			await assert.rejects(H.waitForEvent(socket, "never", 100), /not received within 100 ms/);
			socket.close();
		} finally {
			await srv.close();
		}
	});

	test("connectClient rejects with the middleware error (err.socket kept); origin/authorization options", async () => {
		const srv = await fakeSioServer({ reject: "Invalid origin" });
		try {
			const url = `http://127.0.0.1:${srv.port}/site1.localhost`;
			const err = await H.connectClient(url, { origin: null, authorization: "token a:b", transports: ["polling"] }).then(
				() => assert.fail("should not connect"),
				(e) => e,
			);
			assert.equal(err.message, "Invalid origin");
			assert.ok(err.socket);
			assert.equal(err.socket.connected, false);
			assert.equal(srv.seen[0].headers.origin, undefined);
			assert.equal(srv.seen[0].headers.authorization, "token a:b");
			// transport-level failure (nothing listening) also rejects
			const dead = await H.freePort();
			await assert.rejects(H.connectClient(`http://127.0.0.1:${dead}/x`, { timeoutMs: 5000 }), (e) => !!e.socket);
		} finally {
			await srv.close();
		}
	});
});
