// "Copy as publish_realtime call": turns a traced event back into the Python
// line a Frappe developer would write to send it again. Pure functions.
#pragma once

#include <QJsonValue>
#include <QString>

// JSON value as a Python literal (True/False/None, indented dicts and lists).
QString pythonLiteral(const QJsonValue &value, int indent = 4, int depth = 0);
// frappe.publish_realtime("event", {...}, room="room") — plus the site it
// must run in, as a comment, because the namespace comes from frappe.local.site.
QString publishRealtimeCall(const QString &site, const QString &room, const QString &event,
                            const QByteArray &payloadJson);
