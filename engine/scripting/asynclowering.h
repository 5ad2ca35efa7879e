// Lowers async functions and `await` to generators driven by a Promise
// runner, at the source level, because Qt 6.4's V4 rejects async syntax
// while real handlers.js files use async arrows (frappe/suite's
// `socket.on("guest_subscribe", async (guest_id) => {...})`). A small
// tokenizer (strings, template literals, regexes, comments) finds the
// `async` keywords; everything else is copied byte for byte and no line
// breaks are added or removed, so error line numbers stay right.
// Pure function; any thread.
#pragma once

#include <QString>

// Returns the source with every async function rewritten; unchanged when it
// has none. *error is set (and the input returned) when a construct is not
// understood (e.g. async generators).
QString lowerAsyncFunctions(const QString &source, QString *error);

// The runner the rewritten code calls (installed as a global).
inline constexpr const char *kAsyncRunnerName = "__rt_async";
