// Lowers class fields, which Qt 6.4's V4 rejects: `x = init`, `static y =
// init`, `#p = init`, `static { ... }`, private methods and `#p in o`.
// Each initialiser stays on its line inside a generated method
// (`__rt_f<tag>_<class>_<n>() { return (init) }`); the constructor (made when
// absent, right after super() in derived classes) defines the instance
// fields through __rt_fields(), and __rt_statics() runs the static ones on
// the class after its body. Private names are renamed to non-enumerable
// properties (`__rt_p<tag>_<class>_<name>`): code that follows the rules runs
// the same, but they are not truly private and there is no brand check.
// A computed field name is evaluated once, in order, as the name of its
// generated method (through __rt_fieldKey()), and filed on the class by
// __rt_statics().
// Pure function; any thread.
#pragma once

#include <QString>

QString lowerClassFields(const QString &source, QString *error);

inline constexpr const char *kFieldsName = "__rt_fields";
inline constexpr const char *kStaticsName = "__rt_statics";
inline constexpr const char *kFieldKeyName = "__rt_fieldKey";
