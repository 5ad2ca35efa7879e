// Lowers object rest in destructuring patterns (`const {a, ...rest} = o`,
// `({a, ...rest}) =>`, `for (const {a, ...rest} of list)`, nested, with
// defaults), which Qt 6.4's V4 rejects. The rest element becomes a computed
// key: `{a, [__rt_restOf(["a"], 0)]: rest}`. __rt_restOf() notes the keys
// to leave out and names a getter the runtime puts on Object.prototype; the
// getter returns a copy of the destructured value's own enumerable keys
// minus those. Computed keys before the rest go through __rt_restKey() so
// their evaluated names are left out too, each evaluated once. Objects with
// a null prototype have no getter: their rest comes out undefined.
// Pure function; any thread.
#pragma once

#include <QString>

// Unchanged when the source has no object rest; *error names the line of a
// pattern it cannot take apart.
QString lowerObjectRest(const QString &source, QString *error);

inline constexpr const char *kRestOfName = "__rt_restOf";
inline constexpr const char *kRestKeyName = "__rt_restKey";
inline constexpr const char *kRestGetterName = "__rt_rest";
