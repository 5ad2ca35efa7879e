// MonitorSnapshot: the live state of the server (sites, rooms, sockets) as
// plain values, built on the engine thread on request and handed to the GUI
// by a queued signal. Nothing in it points into the engine. Credentials in
// handshake headers are masked before they leave the engine thread.
// Thread-agnostic value types.
#pragma once

#include "transport/httprequest.h"

#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

class SioServer;
struct EngineConfig;
class Telemetry;

struct SocketRow {
    QString id;
    QString nsp;
    QString site;
    QString user;
    QString userType;
    bool webSocket = false;
    bool upgraded = false; // began on polling, upgraded to WebSocket
    QString remote;
    QString origin;
    qint64 connectedAtMs = 0;
    QStringList rooms; // without the socket's own id room
    quint64 eventsIn = 0;
    quint64 eventsOut = 0;
    quint64 packetsIn = 0; // Engine.IO packets of the session
    quint64 packetsOut = 0;
    qint64 bytesIn = -1; // WebSocket sessions only (-1: long-polling, spread over requests)
    qint64 bytesOut = -1;
    bool traced = false;
    HeaderList headers; // the handshake request, cookie and authorization masked
    QString handshakeUrl;

    QString transportText() const;
};

struct RoomRow {
    QString site;
    QString room;
    int members = 0;
    QStringList users; // distinct users, the first MaxRoomUsersListed of them
    // Only for the room the request asked about: at most MaxRoomMembersListed
    // members (socket id, and its user at the same index).
    QStringList memberIds;
    QStringList memberUsers;
};

struct SiteRow {
    QString site;
    bool configured = false; // a site of the bench (EngineConfig::sites)
    bool active = false;     // has a namespace with sockets right now
    int sockets = 0;
    int users = 0;
    int rooms = 0;
    // Connection-state recovery since start: sockets that got their session
    // back, reconnects that got a fresh one, and why ("reason: n, ...").
    quint64 recovered = 0;
    quint64 recoveryFailed = 0;
    QString recoveryFailures;
};

// One app's handlers.js as the Handlers view shows it.
struct HandlerEventRow {
    QString event;
    quint64 calls = 0;
    quint64 errors = 0; // calls whose listener threw

    bool operator==(const HandlerEventRow &) const = default;
};

struct HandlerAppRow {
    QString app;
    QString path;
    QString state; // loaded | error | missing
    QString error;
    qint64 loadedAtMs = 0;
    int reloads = 0; // > 0: the last load was a hot reload at loadedAtMs
    quint64 calls = 0;
    quint64 errors = 0;
    QList<HandlerEventRow> events; // the events it listens to now, then any
                                   // no longer listened to that were called

    bool operator==(const HandlerAppRow &) const = default;
};

// What the monitor asks for: only what a visible view needs, so an open
// window costs the engine little while it is busy. Thread-agnostic.
struct SnapshotRequest {
    quint64 id = 0;
    bool rooms = true;    // room rows (the Rooms or Publish tab is showing)
    bool sockets = false; // socket rows (the Sockets tab is showing)
    int maxSockets = 1000;
    QString membersSite; // the room whose members to list (Rooms tab selection)
    QString membersRoom;
};
Q_DECLARE_METATYPE(SnapshotRequest)

struct MonitorSnapshot {
    static constexpr int MaxRoomMembersListed = 200;
    static constexpr int MaxRoomUsersListed = 10;
    static constexpr int MaxSocketsListed = 20000; // upper bound of any request

    quint64 requestId = 0;
    qint64 takenAtMs = 0;
    QString listenAddress;
    QString authEndpoint;
    QString redisUrl; // password hidden
    int sessions = 0;
    int connections = 0;
    bool roomsIncluded = false;   // false: the request did not ask (keep the old rows)
    bool socketsIncluded = false; // likewise
    bool socketsTruncated = false;
    QList<SiteRow> sites;
    QList<RoomRow> rooms;
    QList<SocketRow> sockets;       // connection order, at most the request's maxSockets
    bool handlersAvailable = false; // Frappe mode with a bench (apps/*/realtime/handlers.js)
    QList<HandlerAppRow> handlers;
    // The node's cluster link as /health shows it (uid, counters, nodes seen);
    // empty when the node runs alone (--adapter local).
    QJsonObject cluster;

    // Every name a room can be completed from, per site (publish console).
    QStringList roomNames(const QString &site) const;
};
Q_DECLARE_METATYPE(MonitorSnapshot)

// Engine thread: reads the Socket.IO objects directly.
MonitorSnapshot buildMonitorSnapshot(const SioServer &sio, const EngineConfig &config,
                                     const Telemetry &telemetry, const SnapshotRequest &request);

// "Frappe auth endpoint" as the status bar shows it.
QString describeAuthEndpoint(const EngineConfig &config);
