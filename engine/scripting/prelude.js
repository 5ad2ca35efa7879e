// The handler runtime's JavaScript half (see jsprelude.h): a function
// expression (host, app) => runtime, evaluated once per app by AppRuntime.
// Loaded from the Qt resource :/scripting/prelude.js; errors point at
// "<prelude>" with this file's line numbers.
(function (host, app) {
"use strict";

// ---------------------------------------------------------------- console
function describeError(e) {
    if (e instanceof Error) {
        var where = e.fileName ? " (" + e.fileName + ":" + e.lineNumber + ")" : "";
        return String(e) + where;
    }
    return inspect(e);
}
function inspect(v) {
    if (typeof v === "string") return v;
    if (v === undefined) return "undefined";
    if (v instanceof Error) return describeError(v);
    if (typeof v === "function") return "[Function: " + (v.name || "anonymous") + "]";
    if (typeof v === "symbol") return v.toString();
    if (v instanceof Map) return "Map(" + v.size + ") " + inspect(Array.from(v.entries()));
    if (v instanceof Set) return "Set(" + v.size + ") " + inspect(Array.from(v.values()));
    try {
        var s = JSON.stringify(v);
        return s === undefined ? String(v) : s;
    } catch (err) {
        return String(v);
    }
}
function format(args) {
    return Array.prototype.map.call(args, inspect).join(" ");
}
var console = {
    log: function () { host.log(0, format(arguments)); },
    info: function () { host.log(0, format(arguments)); },
    debug: function () { host.log(-1, format(arguments)); },
    trace: function () { host.log(-1, format(arguments)); },
    warn: function () { host.log(1, format(arguments)); },
    error: function () { host.log(2, format(arguments)); },
};

// ------------------------------------------- watchdog around promise jobs
// Promise reactions run from the event loop, outside any C++ call that armed
// the watchdog; wrapping then() arms it for them too (catch() goes through
// then()).
var nativeThen = Promise.prototype.then;
function guarded(fn) {
    return function () {
        var token = host.guardEnter();
        try {
            return fn.apply(this, arguments);
        } finally {
            host.guardLeave(token);
        }
    };
}
Object.defineProperty(Promise.prototype, "then", {
    configurable: true, writable: true,
    value: function then(onFulfilled, onRejected) {
        return nativeThen.call(this,
            typeof onFulfilled === "function" ? guarded(onFulfilled) : onFulfilled,
            typeof onRejected === "function" ? guarded(onRejected) : onRejected);
    },
});
if (typeof Promise.prototype.finally !== "function") {
    Object.defineProperty(Promise.prototype, "finally", {
        configurable: true, writable: true,
        value: function (fn) {
            return this.then(function (v) { return Promise.resolve(fn()).then(function () { return v; }); },
                function (e) { return Promise.resolve(fn()).then(function () { throw e; }); });
        },
    });
}

// ------------------------------------------------------------- polyfills
// Library functions of Node 18+ that Qt 6.4's V4 lacks and handler code
// uses without thinking about it.
function define(target, name, value) {
    if (typeof target[name] !== "function")
        Object.defineProperty(target, name, { configurable: true, writable: true, value: value });
}
define(Object, "fromEntries", function (entries) {
    var o = {};
    Array.from(entries).forEach(function (p) { o[p[0]] = p[1]; });
    return o;
});
define(Object, "hasOwn", function (o, k) { return Object.prototype.hasOwnProperty.call(o, k); });
define(Array.prototype, "flat", function flat(depth) {
    var d = depth === undefined ? 1 : Number(depth);
    return this.reduce(function (acc, v) {
        return acc.concat(Array.isArray(v) && d >= 1 ? flat.call(v, d - 1) : [v]);
    }, []);
});
define(Array.prototype, "flatMap", function (fn, self) { return this.map(fn, self).flat(1); });
define(Array.prototype, "at", function (i) {
    var n = Math.trunc(Number(i)) || 0;
    return this[n < 0 ? this.length + n : n];
});
define(String.prototype, "at", function (i) {
    var n = Math.trunc(Number(i)) || 0;
    return this.charAt(n < 0 ? this.length + n : n) || undefined;
});
define(String.prototype, "replaceAll", function (search, replacement) {
    if (search instanceof RegExp) {
        if (!search.global) throw new TypeError("replaceAll must be called with a global RegExp");
        return this.replace(search, replacement);
    }
    return this.split(String(search)).join(typeof replacement === "function" ? replacement(String(search)) : replacement);
});
define(String.prototype, "trimStart", function () { return this.replace(/^\s+/, ""); });
define(String.prototype, "trimEnd", function () { return this.replace(/\s+$/, ""); });
define(Promise, "allSettled", function (items) {
    return Promise.all(Array.from(items).map(function (p) {
        return Promise.resolve(p).then(function (value) { return { status: "fulfilled", value: value }; },
            function (reason) { return { status: "rejected", reason: reason }; });
    }));
});
define(Promise, "any", function (items) {
    var list = Array.from(items);
    return new Promise(function (resolve, reject) {
        var left = list.length, errors = [];
        if (!left) reject(new Error("All promises were rejected"));
        list.forEach(function (p, i) {
            Promise.resolve(p).then(resolve, function (e) {
                errors[i] = e;
                if (--left === 0) { var err = new Error("All promises were rejected"); err.errors = errors; reject(err); }
            });
        });
    });
});
function queueMicrotask(fn) { Promise.resolve().then(function () { fn(); }); }
function structuredClone(v) { return v === undefined ? undefined : JSON.parse(JSON.stringify(v)); }
class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(s) { return new Uint8Array(host.bytesFromString(String(s === undefined ? "" : s), "utf8")); }
}
class TextDecoder {
    get encoding() { return "utf-8"; }
    decode(b) { return b === undefined ? "" : host.bytesToString(arrayBufferOf(b), "utf8"); }
}

// ------------------------------------------------- async function runner
// asynclowering.cpp rewrites `async` functions into generators run by this;
// each `await` becomes a `yield` whose value is resolved here.
function asyncRunner(generatorFn, self, args) {
    return new Promise(function (resolve, reject) {
        var gen = generatorFn.apply(self, args);
        function step(method, value) {
            var r;
            try {
                r = gen[method](value);
            } catch (e) {
                reject(e);
                return;
            }
            if (r.done) resolve(r.value);
            else Promise.resolve(r.value).then(function (v) { step("next", v); }, function (e) { step("throw", e); });
        }
        step("next", undefined);
    });
}

// ----------------------------------------------------------------- timers
function Timeout(id) { this._id = id; }
Timeout.prototype.ref = function () { return this; };
Timeout.prototype.unref = function () { return this; };
Timeout.prototype.hasRef = function () { return true; };
Timeout.prototype.refresh = function () { return this; };
Timeout.prototype.valueOf = function () { return this._id; };
Timeout.prototype[Symbol.toPrimitive] = function () { return this._id; };
function timer(repeat, fn, ms, extra) {
    if (typeof fn !== "function") throw new TypeError("The \"callback\" argument must be of type function");
    var delay = Number(ms);
    if (!(delay >= 1)) delay = 1;
    return new Timeout(host.setTimer(function () { fn.apply(undefined, extra); }, Math.min(delay, 2147483647), repeat));
}
function clearTimer(t) {
    if (t === undefined || t === null) return;
    host.clearTimer(Number(t instanceof Timeout ? t._id : t));
}
function setTimeout(fn, ms) { return timer(false, fn, ms, Array.prototype.slice.call(arguments, 2)); }
function setInterval(fn, ms) { return timer(true, fn, ms, Array.prototype.slice.call(arguments, 2)); }
function setImmediate(fn) { return timer(false, fn, 0, Array.prototype.slice.call(arguments, 1)); }

// ----------------------------------------------------------------- Buffer
// A Buffer is a Uint8Array whose prototype adds Node's encoding helpers.
function Buffer() {
    throw new TypeError("Buffer() is not supported; use Buffer.from or Buffer.alloc");
}
var BufferProto = Object.create(Uint8Array.prototype);
Buffer.prototype = BufferProto;
BufferProto.constructor = Buffer;
function asBuffer(u8) { Object.setPrototypeOf(u8, BufferProto); return u8; }
function arrayBufferOf(view) {
    if (view instanceof ArrayBuffer) return view;
    return view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength);
}
BufferProto.toString = function (encoding, start, end) {
    var view = Uint8Array.prototype.subarray.call(this, start || 0, end === undefined ? this.length : end);
    return host.bytesToString(arrayBufferOf(view), String(encoding || "utf8"));
};
BufferProto.toJSON = function () { return { type: "Buffer", data: Array.from(this) }; };
BufferProto.subarray = function (s, e) { return asBuffer(Uint8Array.prototype.subarray.call(this, s, e)); };
BufferProto.slice = BufferProto.subarray;
BufferProto.equals = function (o) {
    if (this.length !== o.length) return false;
    for (var i = 0; i < this.length; ++i) if (this[i] !== o[i]) return false;
    return true;
};
Buffer.from = function (value, encodingOrOffset, length) {
    if (typeof value === "string")
        return asBuffer(new Uint8Array(host.bytesFromString(value, String(encodingOrOffset || "utf8"))));
    if (value instanceof ArrayBuffer)
        return asBuffer(new Uint8Array(value, encodingOrOffset || 0,
            length === undefined ? value.byteLength - (encodingOrOffset || 0) : length));
    if (ArrayBuffer.isView(value))
        return asBuffer(new Uint8Array(arrayBufferOf(value)));
    if (Array.isArray(value)) return asBuffer(new Uint8Array(value));
    if (value && value.type === "Buffer" && Array.isArray(value.data)) return asBuffer(new Uint8Array(value.data));
    throw new TypeError("The first argument must be a string, Buffer, ArrayBuffer, Array, or array-like object");
};
Buffer.alloc = function (size, fill) {
    var b = asBuffer(new Uint8Array(size));
    if (typeof fill === "number") b.fill(fill);
    return b;
};
Buffer.allocUnsafe = Buffer.alloc;
Buffer.isBuffer = function (b) { return b instanceof Uint8Array && Object.getPrototypeOf(b) === BufferProto; };
Buffer.byteLength = function (value, encoding) {
    if (typeof value === "string") return host.bytesFromString(value, String(encoding || "utf8")).byteLength;
    return value.byteLength;
};
Buffer.concat = function (list, total) {
    if (total === undefined) total = list.reduce(function (n, b) { return n + b.length; }, 0);
    var out = Buffer.alloc(total), at = 0;
    list.forEach(function (b) {
        if (at >= total) return;
        var part = b.length > total - at ? Uint8Array.prototype.subarray.call(b, 0, total - at) : b;
        out.set(part, at);
        at += part.length;
    });
    return out;
};

// -------------------------------------------------------- URLSearchParams
function formEncode(s) {
    return encodeURIComponent(s).replace(/[!'()~]/g, function (c) {
        return "%" + c.charCodeAt(0).toString(16).toUpperCase();
    }).replace(/%20/g, "+");
}
function formDecode(s) { return decodeURIComponent(s.replace(/\+/g, " ")); }
class URLSearchParams {
    constructor(init) {
        this._pairs = [];
        if (init === undefined || init === null) return;
        if (typeof init === "string") {
            init.replace(/^\?/, "").split("&").forEach(function (part) {
                if (!part) return;
                var eq = part.indexOf("=");
                this._pairs.push(eq < 0 ? [formDecode(part), ""] : [formDecode(part.slice(0, eq)), formDecode(part.slice(eq + 1))]);
            }, this);
        } else if (init instanceof URLSearchParams) {
            this._pairs = init._pairs.map(function (p) { return [p[0], p[1]]; });
        } else if (typeof init[Symbol.iterator] === "function") {
            Array.from(init).forEach(function (p) { this._pairs.push([String(p[0]), String(p[1])]); }, this);
        } else {
            Object.keys(init).forEach(function (k) { this._pairs.push([k, String(init[k])]); }, this);
        }
    }
    append(k, v) { this._pairs.push([String(k), String(v)]); }
    set(k, v) { this.delete(k); this.append(k, v); }
    get(k) { var p = this._pairs.find(function (x) { return x[0] === String(k); }); return p ? p[1] : null; }
    getAll(k) { return this._pairs.filter(function (x) { return x[0] === String(k); }).map(function (x) { return x[1]; }); }
    has(k) { return this._pairs.some(function (x) { return x[0] === String(k); }); }
    delete(k) { this._pairs = this._pairs.filter(function (x) { return x[0] !== String(k); }); }
    forEach(fn, self) { this._pairs.forEach(function (p) { fn.call(self, p[1], p[0], this); }, this); }
    keys() { return this._pairs.map(function (p) { return p[0]; })[Symbol.iterator](); }
    values() { return this._pairs.map(function (p) { return p[1]; })[Symbol.iterator](); }
    entries() { return this._pairs.map(function (p) { return [p[0], p[1]]; })[Symbol.iterator](); }
    [Symbol.iterator]() { return this.entries(); }
    get size() { return this._pairs.length; }
    toString() { return this._pairs.map(function (p) { return formEncode(p[0]) + "=" + formEncode(p[1]); }).join("&"); }
}

// ------------------------------------------------------ fetch-like Response
function headerPairs(headers) {
    var out = [];
    if (!headers) return out;
    if (typeof headers.forEach === "function" && !Array.isArray(headers)) {
        headers.forEach(function (v, k) { out.push([String(k), String(v)]); });
    } else if (Array.isArray(headers)) {
        headers.forEach(function (p) { out.push([String(p[0]), String(p[1])]); });
    } else {
        Object.keys(headers).forEach(function (k) { if (headers[k] !== undefined) out.push([k, String(headers[k])]); });
    }
    return out;
}
class Headers {
    constructor(pairs) { this._pairs = headerPairs(pairs); }
    get(name) {
        var n = String(name).toLowerCase();
        var vals = this._pairs.filter(function (p) { return p[0].toLowerCase() === n; }).map(function (p) { return p[1]; });
        return vals.length ? vals.join(", ") : null;
    }
    has(name) { return this.get(name) !== null; }
    set(name, value) { this.delete(name); this._pairs.push([String(name), String(value)]); }
    append(name, value) { this._pairs.push([String(name), String(value)]); }
    delete(name) { var n = String(name).toLowerCase(); this._pairs = this._pairs.filter(function (p) { return p[0].toLowerCase() !== n; }); }
    forEach(fn) { this._pairs.forEach(function (p) { fn(p[1], p[0].toLowerCase(), this); }, this); }
    entries() { return this._pairs.map(function (p) { return [p[0].toLowerCase(), p[1]]; })[Symbol.iterator](); }
    [Symbol.iterator]() { return this.entries(); }
}
function makeResponse(status, text, bytes, headers, url) {
    var used = false;
    function consume() {
        if (used) return Promise.reject(new TypeError("Body is unusable: Body has already been read"));
        used = true;
        return Promise.resolve();
    }
    return {
        ok: status >= 200 && status < 300,
        status: status,
        statusText: "",
        url: url,
        redirected: false,
        headers: new Headers(headers),
        get bodyUsed() { return used; },
        text: function () { return consume().then(function () { return text; }); },
        json: function () { return consume().then(function () { return JSON.parse(text); }); },
        arrayBuffer: function () { return consume().then(function () { return bytes; }); },
    };
}
function requestBody(body, pairs) {
    if (body === undefined || body === null) return "";
    if (body instanceof URLSearchParams) {
        if (!pairs.some(function (p) { return p[0].toLowerCase() === "content-type"; }))
            pairs.push(["Content-Type", "application/x-www-form-urlencoded;charset=UTF-8"]);
        return body.toString();
    }
    if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return arrayBufferOf(body);
    return String(body);
}
function networkFailure(message) {
    var e = new TypeError("fetch failed");
    e.cause = new Error(message);
    return e;
}
function fetch(resource, options) {
    var opts = options || {};
    var pairs = headerPairs(opts.headers);
    var body = requestBody(opts.body, pairs);
    var url = String(resource && resource.url ? resource.url : resource);
    return new Promise(function (resolve, reject) {
        host.fetch(url, String(opts.method || "GET"), JSON.stringify(pairs), body,
            function (status, text, bytes, headersJson, error, finalUrl) {
                if (error) reject(networkFailure(error));
                else resolve(makeResponse(status, text, bytes, JSON.parse(headersJson), finalUrl));
            });
    });
}

// ------------------------------------------------------- socket arguments
// Binary values travel as socket.io placeholders plus a list of ArrayBuffers.
function encodeArgs(args) {
    var attachments = [];
    var stack = [];
    function walk(v) {
        if (v === null || typeof v !== "object") return v;
        if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
            attachments.push(arrayBufferOf(v));
            return { _placeholder: true, num: attachments.length - 1 };
        }
        if (typeof v.toJSON === "function") return walk(v.toJSON());
        if (stack.indexOf(v) >= 0) throw new TypeError("Converting circular structure to JSON");
        stack.push(v);
        var out;
        if (Array.isArray(v)) {
            out = v.map(walk);
        } else {
            out = {};
            Object.keys(v).forEach(function (k) { out[k] = walk(v[k]); });
        }
        stack.pop();
        return out;
    }
    var json = JSON.stringify(args.map(walk));
    return { json: json, attachments: attachments };
}
function decodeArgs(json, attachments) {
    var args = JSON.parse(json);
    if (!attachments || !attachments.length) return args;
    function walk(v) {
        if (v === null || typeof v !== "object") return v;
        if (v._placeholder === true && typeof v.num === "number" && v.num >= 0 && v.num < attachments.length)
            return Buffer.from(attachments[v.num]);
        if (Array.isArray(v)) return v.map(walk);
        Object.keys(v).forEach(function (k) { v[k] = walk(v[k]); });
        return v;
    }
    return args.map(walk);
}
function splitAck(args) {
    if (args.length && typeof args[args.length - 1] === "function")
        return { args: args.slice(0, -1), ack: args[args.length - 1] };
    return { args: args, ack: null };
}

// ----------------------------------------------- namespaces and broadcasts
function roomList(value) {
    return (Array.isArray(value) ? value : [value]).map(String);
}
class BroadcastOperator {
    constructor(nsp, exceptId, rooms, exceptRooms, timeout) {
        this._nsp = nsp;
        this._exceptId = exceptId || "";
        this._rooms = rooms || [];
        this._exceptRooms = exceptRooms || [];
        this._timeout = timeout;
    }
    to(room) { return new BroadcastOperator(this._nsp, this._exceptId, this._rooms.concat(roomList(room)), this._exceptRooms, this._timeout); }
    in(room) { return this.to(room); }
    except(room) { return new BroadcastOperator(this._nsp, this._exceptId, this._rooms, this._exceptRooms.concat(roomList(room)), this._timeout); }
    get local() { return this; }
    get volatile() { return this; }
    compress() { return this; }
    timeout(ms) { return new BroadcastOperator(this._nsp, this._exceptId, this._rooms, this._exceptRooms, ms); }
    emit(event) {
        var parts = splitAck(Array.prototype.slice.call(arguments, 1));
        var enc = encodeArgs(parts.args);
        if (parts.ack) {
            // As socket.io: cb(err, responses) once every node's clients
            // answered, or at the timeout (none set: at once) with those that did.
            var ack = parts.ack, self = this;
            host.broadcastWithAck(this._nsp, this._rooms, this._exceptRooms, this._exceptId, String(event), enc.json,
                enc.attachments, Number(this._timeout) || 0, function (error, json, attachments) {
                    var responses = JSON.parse(json).map(function (v, i) { return decodeArgs(JSON.stringify([v]), attachments[i])[0]; });
                    ack.call(self, error ? new Error(error) : null, responses);
                });
            return true;
        }
        host.broadcast(this._nsp, this._rooms, this._exceptRooms, this._exceptId, String(event), enc.json, enc.attachments);
        return true;
    }
    emitWithAck() {
        var args = Array.prototype.slice.call(arguments), self = this;
        return new Promise(function (resolve, reject) {
            args.push(function (err, responses) {
                if (err) { err.responses = responses; reject(err); } else resolve(responses);
            });
            self.emit.apply(self, args);
        });
    }
    // Cluster-wide through the namespace's adapter (this node only without a cluster).
    _except() { return this._exceptRooms.concat(this._exceptId ? [this._exceptId] : []); }
    fetchSockets() {
        var nsp = this._nsp, rooms = this._rooms, except = this._except();
        return new Promise(function (resolve, reject) {
            host.fetchSockets(nsp, rooms, except, function (json, error) {
                if (error) { reject(new Error(error)); return; }
                resolve(JSON.parse(json).map(function (d) { return d.node ? new RemoteSocket(nsp, d) : wrap(d.id); }).filter(Boolean));
            });
        });
    }
    socketsJoin(room) { host.socketsJoin(this._nsp, this._rooms, this._except(), roomList(room), true); }
    socketsLeave(room) { host.socketsJoin(this._nsp, this._rooms, this._except(), roomList(room), false); }
    disconnectSockets(close) { host.disconnectSockets(this._nsp, this._rooms, this._except(), !!close); }
}
// A socket of another node, as socket.io's fetchSockets() gives it.
class RemoteSocket {
    constructor(nsp, d) {
        this.id = d.id;
        this.handshake = d.handshake;
        this.rooms = new Set(d.rooms);
        this.data = d.data;
        Object.defineProperty(this, "_nsp", { value: nsp });
    }
    emit(event) { var op = new BroadcastOperator(this._nsp, "", [this.id]); return op.emit.apply(op, arguments); }
    join(room) { new BroadcastOperator(this._nsp, "", [this.id]).socketsJoin(room); }
    leave(room) { new BroadcastOperator(this._nsp, "", [this.id]).socketsLeave(room); }
    disconnect(close) { new BroadcastOperator(this._nsp, "", [this.id]).disconnectSockets(close); return this; }
}
class RoomsView {
    constructor(nsp) { this._nsp = nsp; }
    get(room) { var ids = host.roomMembers(this._nsp, String(room)); return ids.length ? new Set(ids) : undefined; }
    has(room) { return host.roomMembers(this._nsp, String(room)).length > 0; }
    keys() { return host.nspRooms(this._nsp)[Symbol.iterator](); }
    get size() { return host.nspRooms(this._nsp).length; }
    forEach(fn) { host.nspRooms(this._nsp).forEach(function (r) { fn(this.get(r), r, this); }, this); }
    entries() { return host.nspRooms(this._nsp).map(function (r) { return [r, this.get(r)]; }, this)[Symbol.iterator](); }
    [Symbol.iterator]() { return this.entries(); }
}
class SidsView {
    constructor(nsp) { this._nsp = nsp; }
    get(id) { return host.hasSocket(this._nsp, String(id)) ? new Set(host.socketRooms(String(id))) : undefined; }
    has(id) { return host.hasSocket(this._nsp, String(id)); }
}
class Namespace {
    constructor(name) {
        this.name = name;
        this.adapter = { rooms: new RoomsView(name), sids: new SidsView(name), nsp: this };
    }
    get sockets() {
        var m = new Map();
        host.nspSockets(this.name).forEach(function (id) { var s = wrap(id); if (s) m.set(id, s); });
        return m;
    }
    to(room) { return new BroadcastOperator(this.name).to(room); }
    in(room) { return this.to(room); }
    except(room) { return new BroadcastOperator(this.name).except(room); }
    emit() { var op = new BroadcastOperator(this.name); return op.emit.apply(op, arguments); }
    timeout(ms) { return new BroadcastOperator(this.name).timeout(ms); }
    emitWithAck() { var op = new BroadcastOperator(this.name); return op.emitWithAck.apply(op, arguments); }
    fetchSockets() { return new BroadcastOperator(this.name).fetchSockets(); }
    socketsJoin(room) { new BroadcastOperator(this.name).socketsJoin(room); }
    socketsLeave(room) { new BroadcastOperator(this.name).socketsLeave(room); }
    disconnectSockets(close) { new BroadcastOperator(this.name).disconnectSockets(close); }
    serverSideEmit(event) {
        var parts = splitAck(Array.prototype.slice.call(arguments, 1));
        var data = JSON.stringify([String(event)].concat(parts.args));
        if (parts.ack) {
            // As socket.io: ack(err, answers), one answer per other node, within requestsTimeout.
            var ack = parts.ack;
            host.serverSideEmitWithAck(this.name, data, function (error, json) {
                ack(error ? new Error(error) : null, JSON.parse(json));
            });
            return true;
        }
        host.serverSideEmit(this.name, data);
        return true;
    }
    serverSideEmitWithAck() {
        var args = Array.prototype.slice.call(arguments), self = this;
        return new Promise(function (resolve, reject) {
            args.push(function (err, answers) {
                if (err) { err.responses = answers; reject(err); } else resolve(answers);
            });
            self.serverSideEmit.apply(self, args);
        });
    }
    get local() { return this; }
}
var namespaces = new Map();
function namespaceOf(name) {
    if (!namespaces.has(name)) namespaces.set(name, new Namespace(name));
    return namespaces.get(name);
}

// ----------------------------------------------------------------- sockets
var sockets = new Map();
var nextAckFn = 0;
class Socket {
    constructor(info) {
        this.id = info.id;
        this.user = info.user;
        this.user_type = info.user_type;
        this.installed_apps = info.installed_apps;
        this.sid = info.sid;
        this.authorization_header = info.authorization_header;
        this.site_name = info.site_name;
        this.data = {};
        this.recovered = !!info.recovered;
        this.request = { headers: info.headers, url: info.url, method: "GET" };
        this.handshake = { headers: info.headers, query: info.query, auth: info.auth, address: info.address,
            url: info.url, time: info.time, issued: info.issued, secure: false, xdomain: !!info.headers.origin };
        Object.defineProperty(this, "_listeners", { value: new Map() });
        Object.defineProperty(this, "nsp", { value: namespaceOf(info.nsp), enumerable: true });
    }
    get connected() { return host.connected(this.id); }
    get disconnected() { return !host.connected(this.id); }
    get rooms() { return new Set(host.socketRooms(this.id)); }
    get broadcast() { return new BroadcastOperator(this.nsp.name, this.id); }
    get conn() { return { transport: { name: host.transportName(this.id) } }; }
    get client() { return { conn: this.conn }; }
    get volatile() { return this; }
    get local() { return this; }
    compress() { return this; }
    timeout() { return this; }
    on(event, fn) {
        if (typeof fn !== "function") throw new TypeError("listener must be a function");
        var ev = String(event);
        if (!this._listeners.has(ev)) this._listeners.set(ev, []);
        this._listeners.get(ev).push(fn);
        host.noteListener(ev);
        return this;
    }
    addListener(event, fn) { return this.on(event, fn); }
    prependListener(event, fn) { this.on(event, fn); var l = this._listeners.get(String(event)); l.unshift(l.pop()); return this; }
    once(event, fn) {
        var self = this;
        function wrapper() { self.off(event, wrapper); return fn.apply(this, arguments); }
        wrapper.listener = fn;
        return this.on(event, wrapper);
    }
    off(event, fn) {
        var l = this._listeners.get(String(event));
        if (!l) return this;
        if (fn === undefined) { this._listeners.delete(String(event)); return this; }
        var i = l.findIndex(function (x) { return x === fn || x.listener === fn; });
        if (i >= 0) l.splice(i, 1);
        return this;
    }
    removeListener(event, fn) { return this.off(event, fn); }
    removeAllListeners(event) { if (event === undefined) this._listeners.clear(); else this._listeners.delete(String(event)); return this; }
    listeners(event) { return (this._listeners.get(String(event)) || []).slice(); }
    listenerCount(event) { return (this._listeners.get(String(event)) || []).length; }
    eventNames() { return Array.from(this._listeners.keys()); }
    emit(event) {
        var parts = splitAck(Array.prototype.slice.call(arguments, 1));
        var enc = encodeArgs(parts.args);
        host.emitTo(this.id, String(event), enc.json, enc.attachments, parts.ack || null);
        return true;
    }
    send() { return this.emit.apply(this, ["message"].concat(Array.prototype.slice.call(arguments))); }
    join(rooms) { roomList(rooms).forEach(function (r) { host.joinRoom(this.id, r); }, this); }
    leave(room) { host.leaveRoom(this.id, String(room)); }
    to(room) { return this.broadcast.to(room); }
    in(room) { return this.to(room); }
    except(room) { return this.broadcast.except(room); }
    disconnect(close) { host.disconnectSocket(this.id, !!close); return this; }
    // spec 4.1: resolves only when permission is granted (with true); a
    // denial or a failed check leaves it pending, as in Frappe's Node code.
    has_permission(doctype, name) {
        var id = this.id;
        return new Promise(function (resolve) {
            host.hasPermission(id, String(doctype), name === undefined || name === null ? "" : String(name),
                function (granted) { if (granted) resolve(true); });
        });
    }
    frappe_request(path, args, opts) {
        var o = opts || {};
        var query = new URLSearchParams(args || {}).toString();
        var target = String(path) + (query ? (String(path).indexOf("?") >= 0 ? "&" : "?") + query : "");
        var pairs = headerPairs(o.headers);
        var body = requestBody(o.body, pairs);
        var id = this.id;
        return new Promise(function (resolve, reject) {
            host.frappeRequest(id, String(o.method || "GET"), target, body, JSON.stringify(pairs),
                function (status, text, bytes, error, url) {
                    if (error) reject(networkFailure(error));
                    else resolve(makeResponse(status, text, bytes, [], url));
                });
        });
    }
}
function wrap(id) {
    var s = sockets.get(id);
    if (s) return s;
    var info = host.socketInfo(id);
    if (!info) return undefined;
    s = new Socket(JSON.parse(info));
    sockets.set(id, s);
    return s;
}

// -------------------------------------------------------- built-in modules
function get_url(socket, path, args) {
    var query = args ? new URLSearchParams(args).toString() : "";
    return host.callbackBase(socket.id) + (path || "") + (query ? "?" + query : "");
}
var builtins = {
    "frappe/realtime/utils": {
        get_url: get_url,
        get_hostname: function (url) {
            if (!url) return undefined;
            if (url.indexOf("://") > -1) url = url.split("/")[2];
            return url.indexOf(":") > -1 ? url.slice(0, url.indexOf(":")) : url;
        },
        frappe_request: function (path, socket, args, opts) { return socket.frappe_request(path, args, opts); },
    },
    "frappe/node_utils": {
        get_conf: function () { return JSON.parse(host.conf()); },
        get_redis_subscriber: function () {
            throw new Error("get_redis_subscriber() is not supported by frappe-realtime: app handlers get no Redis connection");
        },
    },
};

// ------------------------------------------------------------ CommonJS
var moduleCache = Object.create(null);
function dirOf(path) { return path.slice(0, path.lastIndexOf("/")) || "/"; }
function makeRequire(dir) {
    function require(specifier) {
        var resolved = JSON.parse(host.resolveModule(String(specifier), dir));
        if (resolved.error) throw new Error(resolved.error);
        if (resolved.builtin) return builtins[resolved.builtin];
        return load(resolved.path);
    }
    require.cache = moduleCache;
    return require;
}
function load(path) {
    var cached = moduleCache[path];
    if (cached) return cached.exports;
    var module = { id: path, filename: path, path: dirOf(path), exports: {}, loaded: false, children: [] };
    moduleCache[path] = module;
    try {
        if (/\.json$/.test(path)) {
            module.exports = JSON.parse(host.readModule(path));
        } else {
            var fn = host.compileModule(path);
            fn.call(module.exports, module.exports, makeRequire(dirOf(path)), module, path, dirOf(path));
        }
    } catch (e) {
        delete moduleCache[path];
        throw e;
    }
    module.loaded = true;
    return module.exports;
}

// ------------------------------------------------------ entry points (C++)
function dispatch(id, event, json, attachments, ackToken) {
    var s = sockets.get(id);
    if (!s) return;
    var list = s._listeners.get(event);
    if (!list || !list.length) return;
    var args = decodeArgs(json, attachments);
    if (ackToken >= 0) {
        args.push(function () {
            var enc = encodeArgs(Array.prototype.slice.call(arguments));
            host.sendAck(ackToken, enc.json, enc.attachments);
        });
    }
    list.slice().forEach(function (fn) {
        try {
            var result = fn.apply(s, args);
            if (result && typeof result.then === "function")
                result.then(undefined, function (e) { host.listenerError(event, describeError(e)); });
        } catch (e) {
            host.listenerError(event, describeError(e));
        }
    });
}
function detach(id, reason) {
    try {
        dispatch(id, "disconnect", JSON.stringify([reason]), [], -1);
    } finally {
        sockets.delete(id);
    }
}

return {
    globals: {
        console: console, setTimeout: setTimeout, clearTimeout: clearTimer, setInterval: setInterval,
        clearInterval: clearTimer, setImmediate: setImmediate, clearImmediate: clearTimer,
        __rt_async: asyncRunner,
        queueMicrotask: queueMicrotask, structuredClone: structuredClone,
        TextEncoder: TextEncoder, TextDecoder: TextDecoder,
        Buffer: Buffer, URLSearchParams: URLSearchParams, Headers: Headers, fetch: fetch,
        process: {
            env: {}, platform: "linux", versions: {}, argv: [],
            nextTick: function (fn) {
                var extra = Array.prototype.slice.call(arguments, 1);
                Promise.resolve().then(function () { fn.apply(undefined, extra); });
            },
        },
    },
    load: load,
    socket: wrap,
    dispatch: dispatch,
    detach: detach,
    forget: function (id) { sockets.delete(id); },
    invoke: function (fn, json, attachments) { return fn.apply(undefined, decodeArgs(json, attachments)); },
    describeError: describeError,
    safeCall: function (fn, args) {
        try {
            return { ok: true, value: fn.apply(undefined, args) };
        } catch (e) {
            return { ok: false, error: describeError(e) };
        }
    },
};
})
