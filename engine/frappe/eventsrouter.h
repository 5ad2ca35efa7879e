// EventsRouter: turns one message of the Redis `events` channel
// ({event, message, room, namespace}, as frappe.realtime.emit_via_redis
// publishes it) into a delivery to the sockets of a site. The packet is
// encoded once per namespace and shared by every recipient. Bad messages are
// skipped with a counted reason, never fatal. Engine thread only.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonValue>
#include <QString>
#include <functional>

class SioServer;

struct RoutedEvent {
    QString site; // empty for a broadcast to every site
    QString room; // empty: no room (every socket of every site)
    QString event;
    QByteArray payloadJson; // `message` as JSON.stringify writes it (key order kept)
    int recipients = 0;
    int bytes = 0;
    qint64 receivedAtNs = 0; // std::chrono::steady_clock, when route() began
};

class EventsRouter {
public:
    explicit EventsRouter(SioServer *sio) : m_sio(sio) {}

    // Returns true when the message was routed (even to zero sockets).
    bool route(const QByteArray &payload);

    quint64 routed() const { return m_routed; }
    quint64 dropped() const { return m_dropped; }
    const QHash<QString, quint64> &dropReasons() const { return m_dropReasons; }

    std::function<void(const RoutedEvent &)> onRouted;
    std::function<void(const QString &reason, const QByteArray &raw)> onDropped;

private:
    struct Message {
        QString event;
        QByteArray payloadJson; // `message` as Node would write it
        QJsonValue room;        // Undefined when absent
        QJsonValue ns;
    };
    enum class Parse { Ok, Dropped, Fallback };
    Parse parseFast(const QByteArray &payload, Message *m);
    bool parseGeneral(const QByteArray &payload, Message *m); // false: dropped
    bool drop(const QString &reason, const QByteArray &raw);

    SioServer *m_sio;
    quint64 m_routed = 0;
    quint64 m_dropped = 0;
    QHash<QString, quint64> m_dropReasons;
};
