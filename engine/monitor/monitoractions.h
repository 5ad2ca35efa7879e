// Requests and results of what the monitor can do to a running engine: publish
// to a room (directly, or through Redis `events` exactly as Frappe would) and
// act on one socket. Thread-agnostic value types that cross the thread
// boundary in queued invocations and signals.
#pragma once

#include <QByteArray>
#include <QMetaType>
#include <QString>

struct PublishRequest {
    quint64 id = 0;
    QString site; // namespace without '/', or "/" for the root namespace
    QString room; // empty: every socket of the site
    QString event;
    QByteArray payloadJson; // any JSON value
    bool viaRedis = false;
};
Q_DECLARE_METATYPE(PublishRequest)

struct PublishResult {
    quint64 id = 0;
    bool ok = false;
    bool viaRedis = false;
    // Direct: sockets the packet went to. Via Redis: subscribers that got the
    // message (PUBLISH's reply), the routing shows up in the inspector.
    int recipients = 0;
    QString error;
    QByteArray wire; // the Socket.IO packet, or the Redis message text
};
Q_DECLARE_METATYPE(PublishResult)

struct SocketAction {
    enum class Kind { Disconnect, Join, Leave, Emit, Trace, Untrace };
    Kind kind = Kind::Disconnect;
    QString nsp; // empty: whichever namespace has a socket with this id
    QString socketId;
    QString room;           // Join, Leave
    QString event;          // Emit
    QByteArray payloadJson; // Emit
};
Q_DECLARE_METATYPE(SocketAction)

struct SocketActionResult {
    bool ok = false;
    QString message; // what happened, for the status bar
};
Q_DECLARE_METATYPE(SocketActionResult)

// Namespace name of a site as the publish console names it.
inline QString namespaceOfSite(const QString &site)
{
    return site.startsWith(QLatin1Char('/')) ? site : QLatin1Char('/') + site;
}
