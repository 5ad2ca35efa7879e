// Lowers syntax that Qt 6.4's V4 rejects but real handlers.js files use, at
// the source level, so apps load unmodified. lowerModernSyntax() runs every
// pass: class fields (classfieldlowering.h), object rest in destructuring
// (objectrestlowering.h), async functions / `await` / `for await` and object
// spread (this file), then optional catch bindings, logical assignment and
// numeric separators (smallsyntaxlowering.h). Each pass tokenizes with
// jstokens.h, copies everything it does not rewrite byte for byte and adds or
// removes no line breaks, so error line numbers stay right; a source with
// none of these constructs comes back unchanged.
// Pure functions; any thread.
#pragma once

#include <QString>

// The whole pipeline. *error is set (and the input returned) when a
// construct is not understood (e.g. an await without an operand); it names
// the line.
QString lowerModernSyntax(const QString &source, QString *error);

// Only the async pass: async functions and `await` become generators driven
// by a Promise runner (frappe/suite's `socket.on("guest_subscribe", async
// (guest_id) => {...})`), async generators generators driven by an async
// iterator (their awaits and `yield*` yield marked values), `for await` a loop that
// yields each step, and object spread in literals Object.assign.
QString lowerAsyncFunctions(const QString &source, QString *error);

// Globals the rewritten code calls (installed by the runtime).
inline constexpr const char *kAsyncRunnerName = "__rt_async";
inline constexpr const char *kAsyncIteratorName = "__rt_aiter";
inline constexpr const char *kAsyncGeneratorName = "__rt_asyncGen";
inline constexpr const char *kAwaitMarkName = "__rt_await";
inline constexpr const char *kDelegateMarkName = "__rt_delegate";
