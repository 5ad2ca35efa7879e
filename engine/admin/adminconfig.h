// AdminConfig: settings of the socket.io Admin UI namespace (issue 17), a
// member of EngineConfig. Off unless asked for; when on, read-only and in
// production mode unless asked otherwise. Thread-agnostic value type.
#pragma once

#include <QByteArray>
#include <QString>

struct AdminConfig {
    bool enabled = false;
    // Static namespace the UI connects to; routed before any Frappe site, so
    // a site with this name is unreachable while the admin namespace is on.
    QString namespaceName = QStringLiteral("/admin");
    QString username = QStringLiteral("admin");
    QByteArray passwordHash; // bcrypt, $2a$/$2b$/$2y$
    // No credentials asked. Only accepted with a loopback listening address,
    // and then only from loopback peers that came through no proxy.
    bool noAuth = false;
    // Read-only: announces and accepts no commands (join, leave, disconnect).
    bool readOnly = true;
    // Development mode mirrors every socket, room and event to the admin
    // clients (all_sockets, socket_connected, event_sent, ...); production
    // sends server_stats only, which costs nothing per delivery.
    bool development = false;
    QString serverId;           // empty: the host name
    int statsIntervalMs = 2000; // server_stats period (2000 in Node, fixed there)
    int sessionTtlSec = 86400;  // basic-auth session ids (Node's RedisStore default)
    int maxFailuresPerPeer = 5; // wrong logins before that address must wait
    int failureWindowSec = 60;  // ... one more attempt allowed per window / max
};
