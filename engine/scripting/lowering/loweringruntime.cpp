#include "scripting/lowering/loweringruntime.h"

#include "scripting/lowering/asynclowering.h"
#include "scripting/lowering/classfieldlowering.h"
#include "scripting/lowering/objectrestlowering.h"

#include <QJSEngine>
#include <QJSValueIterator>

namespace {

// Evaluates to the helper object; defines the rest getter as a side effect.
// Written in the ES subset V4 runs, since it is not lowered itself.
const char *const kRuntimeSource = R"JS((function () {
"use strict";
// Computed keys of the patterns being destructured, innermost last: patterns
// nest strictly, so each rest takes its own keys off the end.
var computedKeys = [];
var excluded = null;
function restKey(k) {
    var key = typeof k === "symbol" ? k : String(k);
    computedKeys.push(key);
    return key;
}
function restOf(names, computedCount) {
    excluded = names.map(String).concat(
        computedKeys.splice(computedKeys.length - computedCount, computedCount));
    return "__rt_rest";
}
Object.defineProperty(Object.prototype, "__rt_rest", {
    configurable: true,
    enumerable: false,
    get: function () {
        var leave = excluded || [];
        excluded = null;
        var source = Object(this);
        var rest = {};
        Reflect.ownKeys(source).forEach(function (k) {
            if (leave.indexOf(k) < 0 && Object.prototype.propertyIsEnumerable.call(source, k))
                rest[k] = source[k];
        });
        return rest;
    },
});

function define(target, key, value, enumerable) {
    Object.defineProperty(target, key, {
        value: value, writable: true, configurable: true, enumerable: enumerable !== false,
    });
}
// Computed field names, noted while a class body is evaluated, in order;
// __rt_statics() files them on the class (static) or its prototype.
var pendingFieldKeys = [];
function fieldKey(method, key) {
    pendingFieldKeys.push([method, typeof key === "symbol" ? key : String(key)]);
    return method;
}
function fileFieldKeys(cls) {
    pendingFieldKeys.splice(0).forEach(function (p) {
        var home = p[0].indexOf("__rt_s") === 0 ? cls : cls.prototype;
        if (!Object.prototype.hasOwnProperty.call(home, "__rt_keys"))
            Object.defineProperty(home, "__rt_keys", { value: Object.create(null) });
        home.__rt_keys[p[0]] = p[1];
    });
}
// The key of an entry: its own, or for a computed one the key filed where
// its method lives (so each class made by a factory keeps its own).
function keyOf(target, e) {
    if (!e[3]) return e[0];
    for (var o = target; o; o = Object.getPrototypeOf(o))
        if (Object.prototype.hasOwnProperty.call(o, e[1])) return o.__rt_keys[e[1]];
    return undefined;
}
// entries: [key, initialiser method name or null, enumerable (default true),
// computed key]
function fields(instance, entries) {
    entries.forEach(function (e) {
        define(instance, keyOf(instance, e), e[1] === null ? undefined : instance[e[1]](), e[2]);
    });
    return instance;
}
// entries as above; a null key is a static block.
function statics(cls, entries) {
    fileFieldKeys(cls);
    entries.forEach(function (e) {
        if (e[0] === null && !e[3]) cls[e[1]]();
        else define(cls, keyOf(cls, e), e[1] === null ? undefined : cls[e[1]](), e[2]);
    });
    entries.forEach(function (e) { if (e[1] !== null) delete cls[e[1]]; });
    return cls;
}

if (typeof Symbol.asyncIterator !== "symbol")
    Object.defineProperty(Symbol, "asyncIterator", { value: Symbol("Symbol.asyncIterator") });
// The iterator `for await` walks: an async iterator as is, a sync one with
// each value awaited.
function asyncIterator(iterable) {
    if (iterable === null || iterable === undefined)
        throw new TypeError(iterable + " is not async iterable");
    var method = iterable[Symbol.asyncIterator];
    if (typeof method === "function") return method.call(iterable);
    var sync = iterable[Symbol.iterator]();
    return {
        next: function () {
            var step = sync.next();
            if (step.done) return Promise.resolve(step);
            return Promise.resolve(step.value).then(function (v) { return { value: v, done: false }; });
        },
    };
}

// Async generators: the generator yields AwaitMark(promise) for an await,
// DelegateMark(iterable) for a yield* and anything else as a value; requests (next/throw/return) queue and run one
// at a time, as the language does.
function AwaitMark(promise) { this.promise = promise; }
function awaitMark(promise) { return new AwaitMark(promise); }
// `yield* iterable`: the generator pauses while the runner forwards the
// requests to the delegate; its final value is the value of the yield*.
function DelegateMark(iterable) { this.iterable = iterable; }
function delegateMark(iterable) { return new DelegateMark(iterable); }
function asyncGenerator(generatorFn, self, args) {
    var gen = generatorFn.apply(self, args);
    var queue = [];
    var running = false;
    var delegate = null;
    function forward(method, arg) {
        var fn = delegate[method];
        if (typeof fn !== "function") { // no throw()/return(): the generator decides
            delegate = null;
            step(method, arg);
            return;
        }
        Promise.resolve().then(function () { return fn.call(delegate, arg); }).then(function (r) {
            if (!r.done) {
                finish(true, { value: r.value, done: false });
                return;
            }
            delegate = null;
            step(method === "return" ? "return" : "next", r.value);
        }, function (e) {
            delegate = null;
            step("throw", e);
        });
    }
    function finish(ok, value) {
        var request = queue.shift();
        running = false;
        if (ok) request.resolve(value);
        else request.reject(value);
        pump();
    }
    function step(method, arg) {
        var r;
        try {
            r = gen[method](arg);
        } catch (e) {
            finish(false, e);
            return;
        }
        if (r.value instanceof DelegateMark && !r.done) {
            try {
                delegate = asyncIterator(r.value.iterable);
            } catch (e) {
                step("throw", e);
                return;
            }
            forward("next", undefined);
            return;
        }
        if (r.value instanceof AwaitMark) {
            Promise.resolve(r.value.promise).then(function (v) { step("next", v); },
                function (e) { step("throw", e); });
            return;
        }
        Promise.resolve(r.value).then(function (v) { finish(true, { value: v, done: r.done }); },
            function (e) { if (r.done) finish(false, e); else step("throw", e); });
    }
    function pump() {
        if (running || !queue.length) return;
        running = true;
        if (delegate) forward(queue[0].method, queue[0].arg);
        else step(queue[0].method, queue[0].arg);
    }
    function request(method) {
        return function (arg) {
            return new Promise(function (resolve, reject) {
                queue.push({ method: method, arg: arg, resolve: resolve, reject: reject });
                pump();
            });
        };
    }
    var iterator = { next: request("next"), throw: request("throw"), return: request("return") };
    iterator[Symbol.asyncIterator] = function () { return this; };
    return iterator;
}

return {
    __rt_asyncGen: asyncGenerator, __rt_await: awaitMark, __rt_delegate: delegateMark,
    __rt_restOf: restOf, __rt_restKey: restKey,
    __rt_fields: fields, __rt_statics: statics, __rt_fieldKey: fieldKey,
    __rt_aiter: asyncIterator,
};
})())JS";

} // namespace

void installLoweringRuntime(QJSEngine &engine)
{
    const QJSValue helpers =
        engine.evaluate(QString::fromUtf8(kRuntimeSource), QStringLiteral("<lowering runtime>"));
    if (helpers.isError())
        qFatal("frappe-realtime: lowering runtime does not compile: %s",
               qPrintable(helpers.toString()));
    QJSValue global = engine.globalObject();
    QJSValueIterator it(helpers);
    while (it.hasNext()) {
        it.next();
        global.setProperty(it.name(), it.value());
    }
    // The names the lowerings emit must be the names installed here.
    for (const char *name :
         {kRestOfName, kRestKeyName, kFieldsName, kStaticsName, kFieldKeyName, kAsyncIteratorName,
          kAsyncGeneratorName, kAwaitMarkName, kDelegateMarkName})
        Q_ASSERT(global.property(QLatin1String(name)).isCallable());
}
