// EngineConfig: every setting of the engine as one value type, built by the app
// (bench files, env, CLI, GUI settings) and handed to the engine by value. The
// engine never reads files or QSettings itself. Thread-agnostic value type.
#pragma once

#include "admin/adminconfig.h"

#include <QHostAddress>
#include <QString>
#include <QStringList>

enum class PermissionApi {
    HasPermission, // v16: frappe.realtime.has_permission, a truthy `message` grants
    Legacy,        // v15: can_subscribe_doc / can_subscribe_doctype, HTTP 200 grants
};

enum class AppMode {
    Frappe,             // per-site namespaces, Frappe auth, rooms, Redis bridge
    ProtocolTestServer, // the spec appendix's test application (/engine.io/ echo, /socket.io/)
};

struct EngineConfig {
    AppMode mode = AppMode::Frappe;

    // --- listening
    QHostAddress bindAddress = QHostAddress::Any; // Node listens on all interfaces
    quint16 port = 9000;                          // 0 = any free port (tests)
    QString unixSocketPath;                       // socketio_uds; replaces the TCP port when set
    // Threads doing socket I/O, the engine thread included; connections are
    // spread over them round robin. 0 = defaultIoThreads() (cores - 1, at least 1).
    int ioThreads = 0;

    // --- Engine.IO (socket.io 4.x defaults, which Frappe's desk relies upon)
    int pingIntervalMs = 25000; // keep well under nginx's 60 s proxy_read_timeout
    int pingTimeoutMs = 20000;
    int upgradeTimeoutMs = 10000;
    int connectTimeoutMs = 45000; // a namespace CONNECT must arrive within this
    qint64 maxPayload = 1000000;  // largest HTTP body / WebSocket message accepted
    int maxHttpHeaderBytes = 16384;
    // Abuse limits (0 = unlimited). Per-IP counts the TCP peer address, which is
    // the proxy's behind nginx, hence off by default.
    // -1 = auto: the open-file limit minus descriptors kept for Redis, the
    // callback pool and logs (the app resolves it at start-up; issue 14).
    int maxConnections = -1;
    int maxConnectionsPerIp = 0;
    // A desk tab uses one namespace; a client opening dozens is misbehaving.
    int maxNamespacesPerClient = 32;
    // Rooms a socket may be in (its own id room included): each costs memory
    // for as long as the socket lives, and doc_open is client-driven.
    int maxRoomsPerSocket = 1000;
    // Bytes queued for one client that it has not read yet; past this it is a
    // slow consumer and is disconnected, so one stalled reader cannot grow the
    // server without bound. Broadcast buffers are shared, so this counts what
    // the client pins, not fresh copies.
    int maxOutboundBytes = 8 * 1024 * 1024;

    // --- Bounded resources (issue 14): no single client takes memory,
    // descriptors or the auth path away from everyone else.
    // Longest namespace, room or event name, in characters (0 = unlimited).
    // Frappe's own names (site, doctype/docname rooms) fit well under it.
    int maxNameLength = 1024;
    // Like Node's headersTimeout: a request head must be complete this long
    // after the connection opened (or its next request began); 0 = no limit.
    int requestHeadTimeoutMs = 60000;
    // An idle keep-alive connection is closed after this (0 = never). Above
    // nginx's 60 s upstream keepalive_timeout, so nginx always closes first;
    // Engine.IO connections get at least pingInterval + pingTimeout.
    int keepAliveTimeoutMs = 65000;
    // Permission checks one socket may have in flight or queued; more are
    // answered "not permitted" at once (logged once per socket). 0 = no cap.
    int maxPermissionChecksPerSocket = 32;
    // Callback connections per web-server origin kept for logins
    // (get_user_info), apart from those of permission checks and app
    // requests, so a permission flood never delays a login.
    int loginCallbackConnections = 16;
    int callbackConnections = 64; // the rest: permission checks and app requests
    // Seconds a permission answer is reused for the same user, document and
    // site (0 = off): fewer gunicorn calls, but a revoked permission keeps
    // admitting to the room for up to this long.
    int permissionCacheTtlSec = 0;

    // --- Frappe
    QString benchDir;
    QStringList sites; // folders of sites/ that hold a site_config.json
    QString defaultSite;
    bool developerMode = false;
    int webserverPort = 0;
    QString webserverHost;
    QString authUrlOverride; // when set, callbacks go here instead of Origin/webserver_host
    int authTimeoutMs = 10000;
    PermissionApi permissionApi = PermissionApi::HasPermission;
    int scriptBudgetMs = 1000; // an app handler running longer is interrupted
    // Extra Origins accepted besides the Host/Origin match (spec 11.1), e.g.
    // "https://app.example.com"; "*" accepts any. Empty keeps Node's rule.
    QStringList allowedOrigins;
    // Dev auth (--auth dev): every socket is admitted as this user without
    // asking a web server. Loopback clients only; never with a real bench.
    QString devAuthUser;
    QString devAuthUserType = QStringLiteral("System User");

    // --- Trust boundary (issue 13)
    // --uds-group: the Unix socket is also open to the owner's group (for a
    // proxy whose user is in it); by default only the owner may connect.
    bool unixSocketGroupAccess = false;

    // --- Connection-state recovery (issue 16): a site socket whose transport
    // drops gets its id, rooms and missed events back when it reconnects
    // within the window. 0 turns it off (no pid, no offsets on the wire).
    int recoveryWindowMs = 120000;
    int recoveryMaxPackets = 10000;         // events kept per site for replay
    int recoveryMaxBytes = 8 * 1024 * 1024; // bytes of those events per site
    // How long the other viewers of a document are not told that a dropped
    // socket left, waiting for it to recover (no left/joined flicker).
    int recoveryViewerGraceMs = 10000;

    // --- Prometheus /metrics on its own 127.0.0.1 listener. -1 = off, 0 = any free port.
    int metricsPort = -1;

    // --- Redis (redis_queue). Empty: no bridge.
    QString redisUrl;
    int redisReconnectMinMs = 100;
    int redisReconnectMaxMs = 5000;

    // --- Cluster (issue 15): nodes share broadcasts, rooms and requests over
    // Redis in the @socket.io/redis-adapter 8.x protocol. Off by default.
    QString adapter = QStringLiteral("local");        // "local" (one node) or "redis"
    QString adapterRedisUrl;                          // empty: redisUrl (redis_queue)
    QString adapterKey = QStringLiteral("socket.io"); // channel prefix, as Node's `key`
    int adapterRequestsTimeoutMs = 5000;              // as Node's requestsTimeout

    // --- socket.io Admin UI namespace (--admin, bench key realtime_admin; issue 17)
    AdminConfig admin;
};
