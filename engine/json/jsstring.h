// String(x) of JavaScript for JSON values, because Frappe's rooms are built by
// plain string concatenation of whatever the client sent (`doc:` + doctype +
// `/` + docname): numbers print as JS prints them, a missing argument as
// "undefined". Thread-agnostic pure functions.
#pragma once

#include <QJsonArray>
#include <QJsonValue>
#include <QString>

QString jsString(const QJsonValue &value);
// String(number): 1e21 -> "1e+21", 0.00001 -> "0.00001", 1e-7 -> "1e-7".
QString jsNumberString(double value);
// The i-th event argument as String(arg), "undefined" when absent.
QString jsArgString(const QJsonArray &args, int index);
