#include "scripting/loweringruntime.h"

#include "scripting/asynclowering.h"
#include "scripting/classfieldlowering.h"
#include "scripting/objectrestlowering.h"

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
// entries: [key, initialiser method name or null, enumerable (default true)]
function fields(instance, entries) {
    entries.forEach(function (e) {
        define(instance, e[0], e[1] === null ? undefined : instance[e[1]](), e[2]);
    });
    return instance;
}
// entries as above; a null key is a static block.
function statics(cls, entries) {
    entries.forEach(function (e) {
        if (e[0] === null) cls[e[1]]();
        else define(cls, e[0], e[1] === null ? undefined : cls[e[1]](), e[2]);
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

return {
    __rt_restOf: restOf, __rt_restKey: restKey,
    __rt_fields: fields, __rt_statics: statics,
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
         {kRestOfName, kRestKeyName, kFieldsName, kStaticsName, kAsyncIteratorName})
        Q_ASSERT(global.property(QLatin1String(name)).isCallable());
}
