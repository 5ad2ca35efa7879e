// Lowers three small pieces of ES2019-2021 syntax that Qt 6.4's V4 rejects:
// optional catch bindings (`catch {` -> `catch (__rt_unused) {`), logical
// assignment (`a.b ??= c` -> `a.b ?? (a.b = c)`, also `||=` and `&&=`; the
// target, a name or a member chain without calls, is read twice) and numeric
// separators (`1_000` -> `1000`).
// Pure function; any thread.
#pragma once

#include <QString>

// Unchanged when the source has none of them; *error names the line of a
// logical assignment whose target it cannot repeat (one with a call).
QString lowerSmallSyntax(const QString &source, QString *error);
