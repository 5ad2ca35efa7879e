// The JavaScript half of the handler runtime: console, timers, Buffer,
// URLSearchParams, fetch, the CommonJS loader, the built-in frappe modules
// and the Node socket.io-like socket / namespace / adapter objects that
// real apps/<app>/realtime/handlers.js files use (spec 7.3). It talks to C++
// only through the `host` object (AppRuntime's Q_INVOKABLE methods).
// Written for Qt 6.4's V4: no async functions, object spread or class fields.
#pragma once

#include <QString>

// The source is scripting/prelude.js, compiled in as the Qt resource
// :/scripting/prelude.js (rt_scripting).
// Source of a function expression `(function (host, app) {...})` returning
// the runtime object: {globals, require, socket, dispatch, detach, forget,
// invoke}.
QString jsPreludeSource();
