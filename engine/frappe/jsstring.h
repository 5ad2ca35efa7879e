// String(x) of JavaScript for JSON values, because Frappe's rooms are built by
// plain string concatenation of whatever the client sent (`doc:` + doctype +
// `/` + docname): numbers print as JS prints them, a missing argument as
// "undefined". Thread-agnostic pure functions.
#pragma once

#include <QJsonArray>
#include <QJsonValue>
#include <QString>

QString jsString(const QJsonValue &value);
// The i-th event argument as String(arg), "undefined" when absent.
QString jsArgString(const QJsonArray &args, int index);
