// TraceEntry: one line of the event inspector (a Redis message routed or
// dropped, a console publish, a client event, a connect or disconnect, or any
// packet of a traced connection). Thread-agnostic value type.
#pragma once

#include <QByteArray>
#include <QMetaType>
#include <QString>

struct TraceEntry {
    enum class Kind : quint8 {
        RedisIn,        // a message on `events`, routed to a room
        RedisDropped,   // a message on `events` that went nowhere, with the reason
        ConsolePublish, // sent from the monitor's publish console or socket actions
        ClientEvent,    // a client emitted an event (or, when traced, any packet)
        ServerPacket,   // a packet to a traced connection
        Connect,
        Disconnect,
        Refused, // namespace CONNECT refused (auth, invalid namespace)
    };

    quint64 seq = 0;
    qint64 timeMs = 0;
    Kind kind = Kind::RedisIn;
    QString site;
    QString room;
    QString event;
    QString socketId; // the socket it concerns, if any
    QString detail;   // reason, user, ...
    int bytes = 0;    // size of the whole message or packet
    int recipients = -1;
    QByteArray payload; // JSON, at most TraceRing::MaxPayloadBytes
    bool truncated = false;

    bool fromTracedSocket = false;

    static QString kindName(Kind kind);
};
Q_DECLARE_METATYPE(TraceEntry)
