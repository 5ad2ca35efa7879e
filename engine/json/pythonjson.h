// JSON text the way Frappe's `frappe.as_json` writes it (Python json.dumps
// with indent=1, sort_keys=True, separators (",", ": "), ensure_ascii), so a
// message the publish console sends through Redis is byte-for-byte what
// `publish_realtime` would have sent. Pure function, any thread.
#pragma once

#include <QByteArray>
#include <QJsonValue>

QByteArray pythonJsonDumps(const QJsonValue &value, int indent = 1);
