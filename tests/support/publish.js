#!/usr/bin/env node
"use strict";
// Publisher that writes Redis `events` messages byte for byte like Frappe's web side
// (frappe.realtime.publish_realtime -> emit_via_redis -> frappe.as_json), over raw RESP.
//
// Module:
//   const {asJson, buildRealtime, publishRealtime, publishProgress, emitViaRedis,
//          publishRaw, createPublisher} = require("tests/support/publish.js");
//   `redis` below is a port number, "redis://host:port[/db]", {host, port} or a
//   startRedis() handle. Every publish* call resolves with PUBLISH's receiver count.
//
//   buildRealtime(opts)            -> {event, message, room, namespace}: the dict Frappe dumps
//   publishRealtime(redis, opts)   -> publish_realtime(event, message, room, user, doctype,
//                                     docname, task_id) with the room rules of spec 5.3
//       opts: {event, message, room, user, doctype, docname, task_id, site, sessionUser,
//              channel = "events", noNamespace = false}
//       sessionUser (frappe.session.user, default "Administrator") is used by msgprint.
//       site becomes "namespace" (frappe.local.site); undefined -> null like a missing site.
//   publishProgress(redis, {percent, title, doctype, docname, description, task_id, site,
//                           sessionUser})              spec 5.4
//   emitViaRedis(redis, {event, message, room, site})  emit_via_redis: no room rules at all
//   publishRaw(redis, payload, {channel = "events"})    arbitrary bytes (malformed payloads)
//   createPublisher(redis) -> {publishRealtime, publishProgress, emitViaRedis, publishRaw,
//                              close()}                 one connection for many messages
//
// CLI:
//   node publish.js --port P [--host H] [--site S] [--event E] [--room R] [--user U]
//        [--doctype D] [--docname N] [--task-id T] [--session-user U] [--message JSON]
//        [--channel C] [--dry-run]                 publish_realtime; prints the receiver count
//   node publish.js --port P --progress PERCENT [--title T] [--description D] [...]
//   node publish.js --port P --raw 'PAYLOAD'        publish the string as is
//   --dry-run prints the payload instead of publishing (no --port needed).
const { asJson, pyFloat } = require("./pyjson.js");
const { RespClient } = require("./resp.js");

function truthy(v) {
	// Python truthiness for the argument types publish_realtime sees.
	if (v === null || v === undefined || v === false || v === 0 || v === "") return false;
	if (Array.isArray(v)) return v.length > 0;
	if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
		return Object.keys(v).length > 0;
	}
	return true;
}

// str(x) as an f-string would render it: None -> "None", True -> "True".
function pyStr(v) {
	if (v === null || v === undefined) return "None";
	if (v === true) return "True";
	if (v === false) return "False";
	return String(v);
}

// frappe.utils.cstr: None -> "".
function cstr(v) {
	return v === null || v === undefined ? "" : pyStr(v);
}

const rooms = {
	doctype: (doctype) => `doctype:${pyStr(doctype)}`,
	doc: (doctype, docname) => {
		// "".join(["doc:", doctype, "/", cstr(docname)]): a None doctype is a TypeError.
		if (typeof doctype !== "string") {
			throw new TypeError("sequence item 1: expected str instance, NoneType found");
		}
		return `doc:${doctype}/${cstr(docname)}`;
	},
	user: (user) => `user:${pyStr(user)}`,
	site: () => "all",
	website: () => "website",
	task: (taskId) => `task_progress:${pyStr(taskId)}`,
};

/** publish_realtime's decisions (spec 5.3), without publishing. */
function buildRealtime(opts = {}) {
	let { event, message, room, user, doctype, docname } = opts;
	const taskId = opts.task_id !== undefined ? opts.task_id : opts.taskId;
	const sessionUser = opts.sessionUser === undefined ? "Administrator" : opts.sessionUser;
	if (message === null || message === undefined) message = {};
	else if (typeof message === "object" && !Array.isArray(message)) message = { ...message };

	if (event === null || event === undefined) {
		event = truthy(taskId) ? "task_progress" : "global";
	} else if (event === "msgprint" && !truthy(user)) {
		user = sessionUser;
	} else if (event === "list_update") {
		if (!truthy(doctype)) {
			if (message === null || typeof message !== "object" || !("doctype" in message)) {
				throw new Error("KeyError: 'doctype'");
			}
			doctype = message.doctype;
		}
		room = rooms.doctype(doctype);
	} else if (event === "docinfo_update") {
		room = rooms.doc(doctype, docname);
	}

	if (!truthy(room)) {
		if (truthy(taskId)) {
			if (message && typeof message === "object" && !Array.isArray(message)) {
				if (!("task_id" in message)) message.task_id = taskId;
			} else if (typeof message === "string") {
				// Python: `"task_id" not in "..."` is a substring test, then item assignment fails.
				if (!message.includes("task_id")) {
					throw new TypeError("'str' object does not support item assignment");
				}
			}
			room = rooms.task(taskId);
		} else if (truthy(user)) {
			room = rooms.user(user);
		} else if (truthy(doctype) && truthy(docname)) {
			room = rooms.doc(doctype, docname);
		} else {
			room = rooms.site();
		}
	}
	const out = { event, message, room };
	if (!opts.noNamespace) out.namespace = opts.site === undefined ? null : opts.site;
	return out;
}

/** publish_progress (spec 5.4) as publish_realtime options. */
function progressOptions(opts = {}) {
	const { percent, title = null, doctype = null, docname = null, description = null } = opts;
	const taskId = opts.task_id !== undefined ? opts.task_id : opts.taskId;
	const sessionUser = opts.sessionUser === undefined ? "Administrator" : opts.sessionUser;
	return {
		event: "progress",
		message: { percent, title, description },
		user: truthy(doctype) && truthy(docname) ? null : sessionUser,
		doctype,
		docname,
		task_id: taskId,
		site: opts.site,
		sessionUser,
		noNamespace: opts.noNamespace,
	};
}

async function withClient(redis, fn) {
	const c = await RespClient.connect(redis);
	try {
		return await fn(c);
	} finally {
		c.close();
	}
}

async function publishOn(client, channel, payload) {
	const n = await client.command("PUBLISH", channel, payload);
	return Number(n);
}

function makeOps(getClient) {
	return {
		publishRealtime: (opts = {}) =>
			getClient((c) => publishOn(c, opts.channel || "events", asJson(buildRealtime(opts)))),
		publishProgress: (opts = {}) =>
			getClient((c) =>
				publishOn(c, opts.channel || "events", asJson(buildRealtime(progressOptions(opts)))),
			),
		emitViaRedis: ({ event, message, room, site, channel = "events", noNamespace = false } = {}) => {
			const obj = { event, message, room };
			if (!noNamespace) obj.namespace = site === undefined ? null : site;
			return getClient((c) => publishOn(c, channel, asJson(obj)));
		},
		publishRaw: (payload, { channel = "events" } = {}) =>
			getClient((c) => publishOn(c, channel, payload)),
	};
}

const publishRealtime = (redis, opts) => makeOps((fn) => withClient(redis, fn)).publishRealtime(opts);
const publishProgress = (redis, opts) => makeOps((fn) => withClient(redis, fn)).publishProgress(opts);
const emitViaRedis = (redis, opts) => makeOps((fn) => withClient(redis, fn)).emitViaRedis(opts);
const publishRaw = (redis, payload, opts) =>
	makeOps((fn) => withClient(redis, fn)).publishRaw(payload, opts);

/** One persistent connection for many publishes. */
async function createPublisher(redis) {
	const client = await RespClient.connect(redis);
	const ops = makeOps((fn) => fn(client));
	return { ...ops, client, close: () => client.close() };
}

module.exports = {
	asJson,
	pyFloat,
	buildRealtime,
	progressOptions,
	publishRealtime,
	publishProgress,
	emitViaRedis,
	publishRaw,
	createPublisher,
	rooms,
};

// ---------------------------------------------------------------------------------------
function parseArgs(argv) {
	const out = {};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (!a.startsWith("--")) throw new Error(`unexpected argument: ${a}`);
		const key = a.slice(2);
		if (key === "dry-run" || key === "help" || key === "no-namespace") {
			out[key] = true;
			continue;
		}
		if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`);
		out[key] = argv[++i];
	}
	return out;
}

async function main() {
	const args = parseArgs(process.argv.slice(2));
	if (args.help) {
		process.stdout.write(
			"usage: node publish.js --port P [--host H] [--site S] [--event E] [--room R] [--user U]\n" +
				"       [--doctype D] [--docname N] [--task-id T] [--session-user U] [--message JSON]\n" +
				"       [--channel C] [--no-namespace] [--dry-run]\n" +
				"   or: node publish.js --port P --progress PERCENT [--title T] [--description D] ...\n" +
				"   or: node publish.js --port P --raw PAYLOAD [--channel C]\n",
		);
		return;
	}
	const channel = args.channel || "events";
	let payload;
	if (args.raw !== undefined) {
		payload = args.raw;
	} else {
		const common = {
			doctype: args.doctype,
			docname: args.docname,
			task_id: args["task-id"],
			site: args.site,
			sessionUser: args["session-user"],
			noNamespace: !!args["no-namespace"],
		};
		let dict;
		if (args.progress !== undefined) {
			dict = buildRealtime(
				progressOptions({
					...common,
					percent: Number(args.progress),
					title: args.title,
					description: args.description,
				}),
			);
		} else {
			dict = buildRealtime({
				...common,
				event: args.event,
				message: args.message === undefined ? undefined : JSON.parse(args.message),
				room: args.room,
				user: args.user,
			});
		}
		payload = asJson(dict);
	}
	if (args["dry-run"]) {
		process.stdout.write(payload + "\n");
		return;
	}
	if (!args.port) throw new Error("--port is required (or --dry-run)");
	const target = { host: args.host || "127.0.0.1", port: Number(args.port) };
	const n = await withClient(target, (c) => publishOn(c, channel, payload));
	process.stdout.write(`${n}\n`);
}

if (require.main === module) {
	main().catch((e) => {
		process.stderr.write(`publish.js: ${e.message}\n`);
		process.exit(1);
	});
}
