// Lowers syntax that Qt 6.4's V4 rejects but real handlers.js files use, at
// the source level: async functions and `await` become generators driven by
// a Promise runner (frappe/suite's `socket.on("guest_subscribe", async
// (guest_id) => {...})`), and object spread in literals becomes
// Object.assign. Object rest in destructuring stays unsupported. A small
// tokenizer (strings, template literals, regexes, comments) finds the
// `async` keywords; everything else is copied byte for byte and no line
// breaks are added or removed, so error line numbers stay right.
// Pure function; any thread.
#pragma once

#include <QString>

// Returns the source with every async function and object spread rewritten;
// unchanged when it has none. *error is set (and the input returned) when a construct is not
// understood (e.g. async generators).
QString lowerModernSyntax(const QString &source, QString *error);

// The runner the rewritten code calls (installed as a global).
inline constexpr const char *kAsyncRunnerName = "__rt_async";
