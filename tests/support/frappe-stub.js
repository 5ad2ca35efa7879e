#!/usr/bin/env node
"use strict";
// Stand-in for the Frappe web server (gunicorn behind /api/method), covering what a realtime
// server calls back (spec 2.5, 4.1) plus an echo endpoint for app-handler tests. No npm deps.
//
// ---------------------------------------------------------------------------------------------
// USAGE
//   CLI:    node frappe-stub.js --port 0 [--host 127.0.0.1] [--secret S] [--apps frappe,erpnext]
//                [--slow-ms 3000] [--deny-doctype DT]... [--deny-doc DT/NAME]...
//                [--missing-doc DT/NAME]... [--site SITE]... [--allow-guest]
//           First stdout line: "frappe-stub listening on 127.0.0.1:PORT".
//           GET /__requests -> recorded requests (JSON array); POST /__reset clears them;
//           POST /__behaviour with a JSON body = setBehaviour(body). SIGTERM/SIGINT exit 0.
//   Module: const {startStub} = require("tests/support/frappe-stub.js");
//           const stub = await startStub({port: 0, secret, installedApps, slowMs, ...});
//           stub.port, stub.url ("http://127.0.0.1:PORT"), stub.requests (live array),
//           stub.setBehaviour(patch), stub.reset(), stub.callsTo(method) (recorded requests
//           whose path is /api/method/<method>), await stub.stop() (down: port closed, all
//           connections incl. hung ones destroyed), await stub.restart() (same port),
//           await stub.close() (stop for good).
//
// OPTIONS (startStub / setBehaviour)
//   port (0), host ("127.0.0.1")
//   secret         null (no check) | "X" | () => "X" | async () => "X": get_user_info answers
//                  200 {"message":{}} unless request header X-Frappe-Socket-Secret equals it
//   installedApps  ["frappe"]             get_user_info's installed_apps
//   slowMs         3000                   delay of slow* identities
//   delayMs        0                      extra delay before every /api answer
//   permissionDelayMs 0                   extra delay before permission answers only
//                                         (has_permission, can_subscribe_*)
//   denyDoctypes   []                     has_permission / can_subscribe_*: 403 for these doctypes
//   denyDocs       []                     "DocType/name" (or [doctype, name]) -> 403
//   missingDocs    []                     "DocType/name" -> 404 DoesNotExistError
//   allowGuest     false                  Guest passes permission checks (Frappe: Guest has no
//                                         read permission on desk doctypes -> 403 by default)
//   sites          null                   when a list: a request whose site (X-Frappe-Site-Name,
//                                         else Host without port) is not listed gets Frappe's
//                                         404 HTML "<site> does not exist"
//   sessions       {}                     sid/key -> {user, user_type}: explicit identities that
//                                         override the prefix rules below
//   guestUserType  "Website User"         user_type reported for Guest (null = what Frappe sends)
//
// IDENTITY (Authorization header, else `sid` query parameter, else Cookie `sid=`)
//   Authorization: "token KEY:SECRET" -> KEY;  "Bearer KEY" -> KEY;
//                  "Basic base64(KEY:SECRET)" -> KEY. The KEY is classified like a sid below;
//                  an unknown KEY or a malformed header -> 401 AuthenticationError envelope
//                  (no "message"), as Frappe answers an invalid token.
//   sid / KEY prefix        user                    user_type      behaviour
//   sys*, user*             <sid>@example.com       System User    normal
//   admin*                  Administrator           System User    normal
//   web*                    <sid>@example.com       Website User   normal
//   Guest, absent, unknown  Guest                   Website User*  (cookie/query only: Frappe
//                                                                   resumes invalid sids as Guest)
//       * guestUserType option; real Frappe sends null (Guest session data has no user_type)
//   denied*                 -                       -              403 PermissionError on every
//                                                                  endpoint
//   noperm*                 <sid>@example.com       System User    permission checks -> 403
//   slow*                   <sid>@example.com       System User    every answer after slowMs
//   garbage*                <sid>@example.com       System User    200 text/html body (not JSON)
//   hang*                   <sid>@example.com       System User    never answers (held until stop)
//   nomsg*                  <sid>@example.com       System User    get_user_info -> 200
//                                                                  {"message":{}} (secret mismatch)
//   noapps*                 <sid>@example.com       System User    first get_user_info for this
//                                                                  sid -> {"message":{}} (cold
//                                                                  secret), then the full answer
//   A KEY containing "@" is used as the user name verbatim (System User).
//
// ENDPOINTS (any method unless noted; JSON answers are compact like frappe's as_json response)
//   GET /api/method/frappe.realtime.get_user_info
//       200 {"message":{"user":..,"user_type":..,"installed_apps":[..]}}
//   GET /api/method/frappe.realtime.has_permission?doctype=DT&name=DN[&ptype=read]
//       200 {"message":true} | 403 PermissionError | 404 DoesNotExistError
//       (empty name = doctype-level check; missing doctype -> 500 TypeError envelope)
//   GET /api/method/frappe.realtime.can_subscribe_doc?doctype=&docname=   (legacy v14/v15)
//   GET /api/method/frappe.realtime.can_subscribe_doctype?doctype=        (legacy v14/v15)
//       same decisions, judged by status code: 200 {"message":true} | 403 | 404
//   /api/method/nonexistent*   417 ValidationError "Failed to get method for command ..."
//   /api/method/<anything else> echo: 200 {"message":{"method":..,"http_method":..,
//       "args":<JSON body | form body | query as object>,"query":{..},"user":..,
//       "user_type":..,"site":..}}
//   GET /__requests, POST /__reset, POST /__behaviour   (control, never recorded)
//   anything else              404 text/html
// Recorded per request (stub.requests / GET /__requests):
//   {seq, time, method, path, query, headers (lower-case keys), rawHeaders, body, identity}
// ---------------------------------------------------------------------------------------------
const http = require("http");
const { URL, URLSearchParams } = require("url");
const { pyDumps } = require("./pyjson.js");

const PREFIXES = ["sys", "user", "admin", "web", "denied", "noperm", "slow", "garbage", "hang", "nomsg", "noapps"];

const DEFAULTS = {
	secret: null,
	installedApps: ["frappe"],
	slowMs: 3000,
	delayMs: 0,
	permissionDelayMs: 0,
	denyDoctypes: [],
	denyDocs: [],
	missingDocs: [],
	allowGuest: false,
	sites: null,
	sessions: {},
	guestUserType: "Website User",
};

function docKey(d) {
	return Array.isArray(d) ? `${d[0]}/${d[1]}` : String(d);
}

function prefixOf(key) {
	return PREFIXES.find((p) => key.startsWith(p));
}

function identityFromKey(key, behaviour, viaAuthorization) {
	const explicit = behaviour.sessions && behaviour.sessions[key];
	if (explicit) {
		return {
			key,
			kind: prefixOf(key) || "explicit",
			user: explicit.user,
			user_type: explicit.user_type || "System User",
		};
	}
	if (key === "Guest" && !viaAuthorization) return guest(key, behaviour);
	const kind = prefixOf(key) || (key.includes("@") ? "sys" : undefined);
	if (!kind) return viaAuthorization ? { key, kind: "invalid" } : guest(key, behaviour);
	const user = kind === "admin" ? "Administrator" : key.includes("@") ? key : `${key}@example.com`;
	const user_type = kind === "web" ? "Website User" : "System User";
	return { key, kind, user, user_type };
}

function guest(key, behaviour) {
	const user_type = behaviour && behaviour.guestUserType !== undefined ? behaviour.guestUserType : "Website User";
	return { key: key === undefined ? null : key, kind: "guest", user: "Guest", user_type };
}

function parseCookies(header) {
	const out = {};
	for (const part of String(header || "").split(";")) {
		const i = part.indexOf("=");
		if (i === -1) continue;
		const k = part.slice(0, i).trim();
		let v = part.slice(i + 1).trim();
		if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
		try {
			v = decodeURIComponent(v);
		} catch {
			/* keep raw */
		}
		if (!(k in out)) out[k] = v;
	}
	return out;
}

function resolveIdentity(req, query, behaviour) {
	const authz = req.headers.authorization;
	if (authz !== undefined) {
		const m = /^\s*(token|bearer|basic)\s+(\S.*?)\s*$/i.exec(authz);
		if (!m) return { kind: "invalid", key: null, source: "authorization" };
		const scheme = m[1].toLowerCase();
		let key;
		if (scheme === "token") {
			const i = m[2].indexOf(":");
			if (i <= 0) return { kind: "invalid", key: null, source: "authorization" };
			key = m[2].slice(0, i);
		} else if (scheme === "bearer") {
			key = m[2];
		} else {
			const decoded = Buffer.from(m[2], "base64").toString("utf8");
			const i = decoded.indexOf(":");
			if (i <= 0) return { kind: "invalid", key: null, source: "authorization" };
			key = decoded.slice(0, i);
		}
		return { ...identityFromKey(key, behaviour, true), source: `authorization:${scheme}` };
	}
	if (query.get("sid") !== null) {
		return { ...identityFromKey(query.get("sid"), behaviour, false), source: "query" };
	}
	const cookies = parseCookies(req.headers.cookie);
	if (cookies.sid !== undefined) return { ...identityFromKey(cookies.sid, behaviour, false), source: "cookie" };
	return { ...guest(undefined, behaviour), source: "none" };
}

// --- Frappe response envelopes ------------------------------------------------------------
function serverMessages(message, title) {
	// frappe.msgprint -> message_log; response: json.dumps([json.dumps(d) for d in log])
	const d = { message, title, indicator: "red", raise_exception: 1 };
	return pyDumps([pyDumps(d)]);
}

function excEnvelope(excType, message, title = "Message") {
	return {
		exception: `frappe.exceptions.${excType}: ${message}`,
		exc_type: excType,
		_server_messages: serverMessages(message, title),
	};
}

const ENVELOPES = {
	permission: (msg = "Insufficient Permission") => [403, excEnvelope("PermissionError", msg, "Not permitted")],
	notFound: (dt, dn) => [404, excEnvelope("DoesNotExistError", `${dt} ${dn} not found`, "Not found")],
	auth: () => [401, excEnvelope("AuthenticationError", "Invalid authentication credentials", "Not permitted")],
	validation: (msg) => [417, excEnvelope("ValidationError", msg)],
	typeError: (msg) => [
		500,
		{ exception: `TypeError: ${msg}`, exc_type: "TypeError", _server_messages: serverMessages("Server Error", "Error") },
	],
};

const HTML_GARBAGE =
	"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n" +
	"<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n";

function parseBody(req, raw) {
	if (!raw.length) return null;
	const text = raw.toString("utf8");
	const ct = String(req.headers["content-type"] || "").toLowerCase();
	if (ct.includes("application/json")) {
		try {
			return JSON.parse(text);
		} catch {
			return text;
		}
	}
	if (ct.includes("application/x-www-form-urlencoded")) {
		return Object.fromEntries(new URLSearchParams(text));
	}
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

async function startStub(options = {}) {
	const host = options.host || "127.0.0.1";
	let port = Number(options.port || 0);
	const behaviour = { ...DEFAULTS };
	const requests = [];
	const sockets = new Set();
	const coldSeen = new Set(); // noapps* sids that already had their cold answer
	const timers = new Set();
	let seq = 0;
	let server = null;
	let stopped = true;

	function setBehaviour(patch = {}) {
		for (const [k, v] of Object.entries(patch)) {
			if (!(k in DEFAULTS)) throw new Error(`frappe-stub: unknown behaviour key "${k}"`);
			behaviour[k] = v;
		}
		return { ...behaviour };
	}
	setBehaviour(Object.fromEntries(Object.entries(options).filter(([k]) => k in DEFAULTS)));

	function later(ms, fn) {
		if (!ms) return fn();
		const t = setTimeout(() => {
			timers.delete(t);
			fn();
		}, ms);
		timers.add(t);
	}

	function sendJson(res, status, body) {
		if (res.destroyed || res.writableEnded) return;
		const data = JSON.stringify(body);
		res.writeHead(status, {
			"Content-Type": "application/json",
			"Content-Length": Buffer.byteLength(data),
			"Cache-Control": "no-store,no-cache,must-revalidate,max-age=0",
		});
		res.end(data);
	}

	function sendText(res, status, body, type = "text/html; charset=utf-8") {
		if (res.destroyed || res.writableEnded) return;
		res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
		res.end(body);
	}

	async function currentSecret() {
		const s = typeof behaviour.secret === "function" ? await behaviour.secret() : behaviour.secret;
		return s === undefined ? null : s;
	}

	function permissionDecision(who, doctype, name) {
		if (who.kind === "noperm") return ENVELOPES.permission(`No permission for ${doctype}`);
		if (who.kind === "guest" && !behaviour.allowGuest) return ENVELOPES.permission(`No permission for ${doctype}`);
		if ((behaviour.denyDoctypes || []).includes(doctype)) return ENVELOPES.permission(`No permission for ${doctype}`);
		if (name) {
			const key = `${doctype}/${name}`;
			if ((behaviour.missingDocs || []).map(docKey).includes(key)) return ENVELOPES.notFound(doctype, name);
			if ((behaviour.denyDocs || []).map(docKey).includes(key)) {
				return ENVELOPES.permission(`No permission for ${doctype} ${name}`);
			}
		}
		return [200, { message: true }];
	}

	async function answerApi(req, res, url, rawBody, who, rec) {
		const method = decodeURIComponent(url.pathname.slice("/api/method/".length));
		const q = url.searchParams;
		if (who.kind === "invalid") return sendJson(res, ...ENVELOPES.auth());
		if (who.kind === "denied") return sendJson(res, ...ENVELOPES.permission());
		if (who.kind === "garbage") return sendText(res, 200, HTML_GARBAGE);

		switch (method) {
			case "frappe.realtime.get_user_info": {
				const secret = await currentSecret();
				if (secret !== null && req.headers["x-frappe-socket-secret"] !== String(secret)) {
					rec.answer = "secret-mismatch";
					return sendJson(res, 200, { message: {} });
				}
				if (who.kind === "nomsg") return sendJson(res, 200, { message: {} });
				if (who.kind === "noapps" && !coldSeen.has(who.key)) {
					coldSeen.add(who.key);
					rec.answer = "cold";
					return sendJson(res, 200, { message: {} });
				}
				return sendJson(res, 200, {
					message: { user: who.user, user_type: who.user_type, installed_apps: [...behaviour.installedApps] },
				});
			}
			case "frappe.realtime.has_permission": {
				const doctype = q.get("doctype");
				if (doctype === null) {
					return sendJson(res, ...ENVELOPES.typeError("has_permission() missing 1 required positional argument: 'doctype'"));
				}
				return sendJson(res, ...permissionDecision(who, doctype, q.get("name") || ""));
			}
			case "frappe.realtime.can_subscribe_doc": {
				const doctype = q.get("doctype");
				const docname = q.get("docname");
				if (doctype === null || docname === null) {
					return sendJson(res, ...ENVELOPES.typeError("can_subscribe_doc() missing required positional arguments"));
				}
				return sendJson(res, ...permissionDecision(who, doctype, docname));
			}
			case "frappe.realtime.can_subscribe_doctype": {
				const doctype = q.get("doctype");
				if (doctype === null) {
					return sendJson(res, ...ENVELOPES.typeError("can_subscribe_doctype() missing 1 required positional argument: 'doctype'"));
				}
				return sendJson(res, ...permissionDecision(who, doctype, ""));
			}
			default: {
				if (method.startsWith("nonexistent") || method === "") {
					return sendJson(
						res,
						...ENVELOPES.validation(`Failed to get method for command ${method} with No module named '${method.split(".")[0]}'`),
					);
				}
				const query = Object.fromEntries(q);
				const body = parseBody(req, rawBody);
				return sendJson(res, 200, {
					message: {
						method,
						http_method: req.method,
						args: req.method === "GET" || req.method === "HEAD" || body === null ? query : body,
						query,
						user: who.user,
						user_type: who.user_type,
						site: rec.site,
					},
				});
			}
		}
	}

	function handle(req, res, rawBody) {
		const url = new URL(req.url, "http://stub.invalid");
		const path = url.pathname;
		// control endpoints (never recorded)
		if (path === "/__requests") return sendJson(res, 200, requests);
		if (path === "/__reset") {
			reset();
			return sendJson(res, 200, { ok: true });
		}
		if (path === "/__behaviour" && req.method === "POST") {
			try {
				const b = setBehaviour(JSON.parse(rawBody.toString("utf8") || "{}"));
				return sendJson(res, 200, { ok: true, behaviour: { ...b, secret: typeof b.secret === "function" ? "<function>" : b.secret } });
			} catch (e) {
				return sendJson(res, 400, { ok: false, error: String(e.message || e) });
			}
		}

		const who = resolveIdentity(req, url.searchParams, behaviour);
		const siteHeader = req.headers["x-frappe-site-name"];
		const site = siteHeader || String(req.headers.host || "").split(":")[0];
		const rec = {
			seq: ++seq,
			time: Date.now(),
			method: req.method,
			path,
			query: Object.fromEntries(url.searchParams),
			headers: { ...req.headers },
			rawHeaders: [...req.rawHeaders],
			body: rawBody.toString("utf8"),
			site,
			identity: { user: who.user || null, user_type: who.user_type || null, kind: who.kind, source: who.source },
		};
		requests.push(rec);

		if (!path.startsWith("/api/method/")) {
			return sendText(res, 404, "<!DOCTYPE html>\n<html><body><h1>Page Not Found</h1></body></html>\n");
		}
		if (Array.isArray(behaviour.sites) && !behaviour.sites.includes(site)) {
			return sendText(res, 404, `<!DOCTYPE html>\n<html><body><h1>Not Found</h1><p>${site} does not exist</p></body></html>\n`);
		}
		if (who.kind === "hang") return; // never answered; destroyed on stop()
		const isPermissionCheck = /^\/api\/method\/frappe\.realtime\.(has_permission|can_subscribe_doc|can_subscribe_doctype)$/.test(path);
		const delay =
			Number(behaviour.delayMs || 0) +
			(who.kind === "slow" ? Number(behaviour.slowMs) : 0) +
			(isPermissionCheck ? Number(behaviour.permissionDelayMs || 0) : 0);
		later(delay, () =>
			answerApi(req, res, url, rawBody, who, rec).catch((e) => {
				sendJson(res, 500, { exc_type: "Exception", exception: String(e && e.stack ? e.stack : e) });
			}),
		);
	}

	function onRequest(req, res) {
		const chunks = [];
		req.on("data", (c) => chunks.push(c));
		req.on("end", () => handle(req, res, Buffer.concat(chunks)));
	}

	function listen() {
		return new Promise((resolve, reject) => {
			const s = http.createServer(onRequest);
			s.keepAliveTimeout = 60000;
			s.on("connection", (sock) => {
				sockets.add(sock);
				sock.on("close", () => sockets.delete(sock));
			});
			s.once("error", reject);
			s.listen(port, host, () => {
				s.removeListener("error", reject);
				port = s.address().port;
				server = s;
				stopped = false;
				resolve();
			});
		});
	}

	function stop() {
		if (stopped || !server) return Promise.resolve();
		stopped = true;
		const s = server;
		server = null;
		for (const t of timers) clearTimeout(t);
		timers.clear();
		return new Promise((resolve) => {
			s.close(() => resolve());
			for (const sock of sockets) sock.destroy();
			sockets.clear();
		});
	}

	async function restart() {
		await stop();
		await listen();
	}

	function reset() {
		requests.length = 0;
		coldSeen.clear();
	}

	await listen();
	const stub = {
		get port() {
			return port;
		},
		get url() {
			return `http://${host}:${port}`;
		},
		host,
		requests,
		behaviour,
		setBehaviour,
		reset,
		callsTo: (method) => requests.filter((r) => r.path === `/api/method/${method}`),
		stop,
		restart,
		close: stop,
		get running() {
			return !stopped;
		},
	};
	return stub;
}

module.exports = { startStub, resolveIdentity, parseCookies, PREFIXES };

// --- CLI ----------------------------------------------------------------------------------
function parseCli(argv) {
	const opts = { denyDoctypes: [], denyDocs: [], missingDocs: [] };
	const sites = [];
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		const val = () => {
			if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`);
			return argv[++i];
		};
		switch (a) {
			case "--port":
				opts.port = Number(val());
				break;
			case "--host":
				opts.host = val();
				break;
			case "--secret":
				opts.secret = val();
				break;
			case "--apps":
			case "--installed-apps":
				opts.installedApps = val().split(",").filter(Boolean);
				break;
			case "--slow-ms":
				opts.slowMs = Number(val());
				break;
			case "--delay-ms":
				opts.delayMs = Number(val());
				break;
			case "--deny-doctype":
				opts.denyDoctypes.push(val());
				break;
			case "--deny-doc":
				opts.denyDocs.push(val());
				break;
			case "--missing-doc":
				opts.missingDocs.push(val());
				break;
			case "--site":
				sites.push(val());
				break;
			case "--allow-guest":
				opts.allowGuest = true;
				break;
			default:
				throw new Error(`unknown argument: ${a}`);
		}
	}
	if (sites.length) opts.sites = sites;
	return opts;
}

if (require.main === module) {
	let opts;
	try {
		opts = parseCli(process.argv.slice(2));
	} catch (e) {
		process.stderr.write(`frappe-stub: ${e.message}\n`);
		process.exit(2);
	}
	startStub(opts).then(
		(stub) => {
			process.stdout.write(`frappe-stub listening on ${stub.host}:${stub.port}\n`);
			const quit = () => stub.close().then(() => process.exit(0));
			process.on("SIGTERM", quit);
			process.on("SIGINT", quit);
		},
		(e) => {
			process.stderr.write(`frappe-stub: ${e.message}\n`);
			process.exit(1);
		},
	);
}
