#include "cli.h"

#include "admincli.h"

#include "enginecore.h"

#include <QCommandLineParser>
#include <QCoreApplication>

namespace {

bool parseInt(const QCommandLineParser &p, const QString &name, int min, int max, int &out,
              QString &error)
{
    if (!p.isSet(name)) return true;
    bool ok = false;
    const int v = p.value(name).toInt(&ok);
    if (!ok || v < min || v > max) {
        error = QStringLiteral("--%1: expected a whole number from %2 to %3, got '%4'")
                    .arg(name)
                    .arg(min)
                    .arg(max)
                    .arg(p.value(name));
        return false;
    }
    out = v;
    return true;
}

} // namespace

CliResult parseCommandLine(const QStringList &arguments)
{
    CliResult result;
    AppOptions &o = result.options;
    const EngineConfig d; // defaults, shown in --help

    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Native realtime (socket.io) server for Frappe sites, with a live monitor window.\n"
        "Drop-in for `node apps/frappe/socketio.js`: run it from the bench folder, or pass "
        "--bench."));
    p.addHelpOption();
    p.addVersionOption();
    p.addOptions({
        {QStringLiteral("no-gui"), QStringLiteral("Run headless (no window; no display needed).")},
        {QStringLiteral("bench"),
         QStringLiteral("Frappe bench folder. Default: $FRAPPE_BENCH_ROOT, else the current "
                        "folder (or its parent when started from sites/)."),
         QStringLiteral("dir")},
        {QStringLiteral("host"),
         QStringLiteral("Address to listen on. Default: 0.0.0.0 (all); 127.0.0.1 with --auth dev."),
         QStringLiteral("addr")},
        {QStringLiteral("port"),
         QStringLiteral("TCP port; 0 picks a free one. Default: socketio_port, else %1.")
             .arg(d.port),
         QStringLiteral("n")},
        {QStringLiteral("uds"),
         QStringLiteral("Listen on this Unix socket instead of a port. Default: socketio_uds. "
                        "Only the owner may connect to it (see --uds-group)."),
         QStringLiteral("path")},
        {QStringLiteral("uds-group"),
         QStringLiteral("Let the Unix socket owner's group connect too (e.g. a proxy user added "
                        "to the bench user's group).")},
        {QStringLiteral("redis"),
         QStringLiteral("Redis URL for the `events` channel (redis:// or unix://), or `none`. "
                        "Default: redis_queue; without a bench (and no $FRAPPE_REDIS_QUEUE), a "
                        "private redis-server started on a free 127.0.0.1 port."),
         QStringLiteral("url")},
        {QStringLiteral("adapter"),
         QStringLiteral("local: this node alone. redis: one of a cluster of nodes (ours or Node "
                        "socket.io with @socket.io/redis-adapter 8.x) sharing broadcasts, rooms "
                        "and fetchSockets over Redis. redis-sharded: the same over sharded "
                        "Pub/Sub (Redis 7; Node's createShardedAdapter with subscriptionMode "
                        "static). Default: realtime_adapter, else local."),
         QStringLiteral("kind")},
        {QStringLiteral("adapter-redis"),
         QStringLiteral("Redis URL of the cluster with --adapter redis. Default: "
                        "realtime_adapter_redis, else the --redis/redis_queue URL."),
         QStringLiteral("url")},
        {QStringLiteral("adapter-key"),
         QStringLiteral("Channel prefix of the cluster (the Node adapter's `key`). Default: "
                        "realtime_adapter_key, else socket.io."),
         QStringLiteral("prefix")},
        {QStringLiteral("auth"),
         QStringLiteral("frappe: ask the Frappe web server who each client is. dev: admit "
                        "loopback clients as --dev-user without any web server (development "
                        "only; listens on 127.0.0.1; refused with a bench). Default: frappe."),
         QStringLiteral("mode")},
        {QStringLiteral("dev-user"),
         QStringLiteral("User every client is with --auth dev. Default: Administrator."),
         QStringLiteral("name")},
        {QStringLiteral("dev-user-type"),
         QStringLiteral("User type with --auth dev. Default: System User."),
         QStringLiteral("type")},
        {QStringLiteral("metrics-port"),
         QStringLiteral("Serve Prometheus /metrics on 127.0.0.1 at this port; 0 picks a free "
                        "one. Default: off."),
         QStringLiteral("n")},
        {QStringLiteral("ping-interval"),
         QStringLiteral("Engine.IO ping interval in ms. Default: %1.").arg(d.pingIntervalMs),
         QStringLiteral("ms")},
        {QStringLiteral("ping-timeout"),
         QStringLiteral("Engine.IO ping timeout in ms. Default: %1.").arg(d.pingTimeoutMs),
         QStringLiteral("ms")},
        {QStringLiteral("connect-timeout"),
         QStringLiteral("Time allowed for a namespace CONNECT, ms. Default: %1.")
             .arg(d.connectTimeoutMs),
         QStringLiteral("ms")},
        {QStringLiteral("max-payload"),
         QStringLiteral("Largest message or HTTP body accepted, bytes. Default: %1.")
             .arg(d.maxPayload),
         QStringLiteral("bytes")},
        {QStringLiteral("max-http-header-size"),
         QStringLiteral("Largest HTTP request head accepted (431 above), bytes. Default: %1.")
             .arg(d.maxHttpHeaderBytes),
         QStringLiteral("bytes")},
        {QStringLiteral("max-connections"),
         QStringLiteral("Open connections at most (503 above); 0 = unlimited, -1 = the "
                        "open-file limit minus 256 kept for Redis and callbacks. Default: -1."),
         QStringLiteral("n")},
        {QStringLiteral("max-connections-per-ip"),
         QStringLiteral("Open connections per client address (behind a proxy that is the "
                        "proxy's); 0 = unlimited. Default: %1.")
             .arg(d.maxConnectionsPerIp),
         QStringLiteral("n")},
        {QStringLiteral("max-namespaces"),
         QStringLiteral("Namespaces one connection may join; 0 = unlimited. Default: %1.")
             .arg(d.maxNamespacesPerClient),
         QStringLiteral("n")},
        {QStringLiteral("max-rooms"),
         QStringLiteral("Rooms one socket may be in (further joins are refused); 0 = "
                        "unlimited. Default: %1.")
             .arg(d.maxRoomsPerSocket),
         QStringLiteral("n")},
        {QStringLiteral("max-outbound-buffer"),
         QStringLiteral("Bytes queued for one client that it has not read; past this the "
                        "slow consumer is disconnected. Default: %1.")
             .arg(d.maxOutboundBytes),
         QStringLiteral("bytes")},
        // Bounded resources (issue 14)
        {QStringLiteral("max-name-length"),
         QStringLiteral("Longest namespace, room or event name a client may use, characters; "
                        "0 = unlimited. Default: %1.")
             .arg(d.maxNameLength),
         QStringLiteral("n")},
        {QStringLiteral("request-head-timeout"),
         QStringLiteral("A request head must arrive within this many ms of the connection "
                        "(or request) start, else the connection is closed; 0 = no limit. "
                        "Default: %1.")
             .arg(d.requestHeadTimeoutMs),
         QStringLiteral("ms")},
        {QStringLiteral("keep-alive-timeout"),
         QStringLiteral("Idle keep-alive connections are closed after this many ms "
                        "(Engine.IO ones after at least ping interval + ping timeout); 0 = "
                        "never. Default: %1.")
             .arg(d.keepAliveTimeoutMs),
         QStringLiteral("ms")},
        {QStringLiteral("max-permission-checks"),
         QStringLiteral("Permission checks one socket may have in flight or queued; more are "
                        "denied at once. 0 = no cap. Default: %1.")
             .arg(d.maxPermissionChecksPerSocket),
         QStringLiteral("n")},
        {QStringLiteral("login-callback-connections"),
         QStringLiteral("Connections to the web server kept for logins (get_user_info), apart "
                        "from the %1 for permission checks and app requests. Default: %2.")
             .arg(d.callbackConnections)
             .arg(d.loginCallbackConnections),
         QStringLiteral("n")},
        {QStringLiteral("permission-cache-ttl"),
         QStringLiteral("Reuse a permission answer for this many seconds (fewer web-server "
                        "calls; a revoked permission lasts as long). 0 = off. Default: %1.")
             .arg(d.permissionCacheTtlSec),
         QStringLiteral("s")},
        {QStringLiteral("recovery-window"),
         QStringLiteral("Connection-state recovery: how long a site socket whose connection "
                        "dropped can come back with its id, rooms and the events it missed, "
                        "ms; 0 turns recovery off. Default: %1 (bench key "
                        "realtime_recovery_window_ms).")
             .arg(d.recoveryWindowMs),
         QStringLiteral("ms")},
        {QStringLiteral("io-threads"),
         QStringLiteral("Threads that do socket I/O (reads, parsing, writes), the engine "
                        "thread included; connections are spread over them. 1 = the engine "
                        "thread alone. Default: one per core but one, at least 1 (%1 here).")
             .arg(defaultIoThreads()),
         QStringLiteral("n")},
        {QStringLiteral("auth-timeout"),
         QStringLiteral("Timeout of calls to the Frappe web server, ms. Default: %1.")
             .arg(d.authTimeoutMs),
         QStringLiteral("ms")},
        {QStringLiteral("auth-url"),
         QStringLiteral("Send auth and permission calls (with the user's cookie or token and "
                        "the socket secret) to this base URL. Default: webserver_host, else "
                        "http://127.0.0.1:<webserver_port, 8000>; never the client's Origin."),
         QStringLiteral("url")},
        {QStringLiteral("permission-api"),
         QStringLiteral("has_permission (v16) or legacy (v15 can_subscribe_*). Default: "
                        "has_permission."),
         QStringLiteral("mode")},
        {QStringLiteral("protocol-test-server"),
         QStringLiteral("Run the Engine.IO/Socket.IO protocol test application instead of "
                        "Frappe (ping 300/200 ms unless given, connect timeout 1000 ms).")},
        {QStringLiteral("stats-interval"),
         QStringLiteral("Headless: print a one-line stats summary every N seconds; 0 = off. "
                        "Default: 60."),
         QStringLiteral("s")},
        {QStringLiteral("log-level"), QStringLiteral("debug, info or warning. Default: info."),
         QStringLiteral("level")},
    });
    addAdminOptions(p); // --admin* (issue 17)
    if (!p.parse(arguments)) {
        result.status = CliResult::ExitError;
        result.message = p.errorText() + QStringLiteral("\nSee --help.");
        return result;
    }
    if (p.isSet(QStringLiteral("help"))) {
        result.status = CliResult::ExitOk;
        // Parsed before any QCoreApplication exists, so Qt cannot name the binary.
        result.message = p.helpText().replace(QStringLiteral("<executable_name>"),
                                              QStringLiteral("frappe-realtime"));
        return result;
    }
    if (p.isSet(QStringLiteral("version"))) {
        result.status = CliResult::ExitOk;
        result.message = QStringLiteral("frappe-realtime %1").arg(QStringLiteral(RT_VERSION));
        return result;
    }
    if (bool failed = false; handleAdminHashPassword(p, result.message, failed)) {
        result.status = failed ? CliResult::ExitError : CliResult::ExitOk;
        return result;
    }
    if (!p.positionalArguments().isEmpty()) {
        result.status = CliResult::ExitError;
        result.message = QStringLiteral("unexpected argument '%1'. See --help.")
                             .arg(p.positionalArguments().first());
        return result;
    }

    EngineConfig &c = o.engine;
    o.givenOptions = p.optionNames();
    o.gui = !p.isSet(QStringLiteral("no-gui"));
    c.benchDir = p.value(QStringLiteral("bench"));
    if (p.isSet(QStringLiteral("protocol-test-server"))) {
        c.mode = AppMode::ProtocolTestServer;
        c.pingIntervalMs = 300;
        c.pingTimeoutMs = 200;
        c.connectTimeoutMs = 1000;
    }
    QString error;
    int port = -1;
    int maxPayload = int(c.maxPayload);
    bool ok =
        parseInt(p, QStringLiteral("port"), 0, 65535, port, error) &&
        parseInt(p, QStringLiteral("metrics-port"), 0, 65535, c.metricsPort, error) &&
        parseInt(p, QStringLiteral("ping-interval"), 1, 3600000, c.pingIntervalMs, error) &&
        parseInt(p, QStringLiteral("ping-timeout"), 1, 3600000, c.pingTimeoutMs, error) &&
        parseInt(p, QStringLiteral("connect-timeout"), 1, 3600000, c.connectTimeoutMs, error) &&
        parseInt(p, QStringLiteral("max-payload"), 1, 100000000, maxPayload, error) &&
        parseInt(p, QStringLiteral("max-http-header-size"), 1024, 1048576, c.maxHttpHeaderBytes,
                 error) &&
        parseInt(p, QStringLiteral("max-connections"), -1, 1000000, c.maxConnections, error) &&
        parseInt(p, QStringLiteral("max-connections-per-ip"), 0, 1000000, c.maxConnectionsPerIp,
                 error) &&
        parseInt(p, QStringLiteral("max-namespaces"), 0, 100000, c.maxNamespacesPerClient, error) &&
        parseInt(p, QStringLiteral("max-rooms"), 0, 10000000, c.maxRoomsPerSocket, error) &&
        parseInt(p, QStringLiteral("max-outbound-buffer"), 65536, 1073741824, c.maxOutboundBytes,
                 error) &&
        parseInt(p, QStringLiteral("max-name-length"), 0, 100000000, c.maxNameLength, error) &&
        parseInt(p, QStringLiteral("request-head-timeout"), 0, 3600000, c.requestHeadTimeoutMs,
                 error) &&
        parseInt(p, QStringLiteral("keep-alive-timeout"), 0, 3600000, c.keepAliveTimeoutMs,
                 error) &&
        parseInt(p, QStringLiteral("max-permission-checks"), 0, 1000000,
                 c.maxPermissionChecksPerSocket, error) &&
        parseInt(p, QStringLiteral("login-callback-connections"), 1, 1024,
                 c.loginCallbackConnections, error) &&
        parseInt(p, QStringLiteral("permission-cache-ttl"), 0, 86400, c.permissionCacheTtlSec,
                 error) &&
        parseInt(p, QStringLiteral("io-threads"), 1, 256, c.ioThreads, error) &&
        parseInt(p, QStringLiteral("recovery-window"), 0, 86400000, c.recoveryWindowMs, error) &&
        parseInt(p, QStringLiteral("auth-timeout"), 1, 600000, c.authTimeoutMs, error) &&
        parseInt(p, QStringLiteral("stats-interval"), 0, 86400, o.statsIntervalSec, error);
    if (ok && p.isSet(QStringLiteral("host")) &&
        c.bindAddress.setAddress(p.value(QStringLiteral("host"))) == false) {
        error = QStringLiteral("--host: not an IP address: '%1'").arg(p.value("host"));
        ok = false;
    }
    o.hostSet = p.isSet(QStringLiteral("host"));
    if (ok && p.isSet(QStringLiteral("auth"))) {
        const QString mode = p.value(QStringLiteral("auth"));
        if (mode == QLatin1String("dev"))
            o.auth = AuthMode::Dev;
        else if (mode != QLatin1String("frappe")) {
            error = QStringLiteral("--auth: expected frappe or dev, got '%1'").arg(mode);
            ok = false;
        }
    }
    for (const char *name : {"dev-user", "dev-user-type"}) {
        if (!ok || !p.isSet(QLatin1String(name))) continue;
        if (o.auth != AuthMode::Dev) {
            error = QStringLiteral("--%1 needs --auth dev").arg(QLatin1String(name));
            ok = false;
        } else if (p.value(QLatin1String(name)).trimmed().isEmpty()) {
            error = QStringLiteral("--%1: must not be empty").arg(QLatin1String(name));
            ok = false;
        }
    }
    if (ok && p.isSet(QStringLiteral("dev-user"))) o.devUser = p.value(QStringLiteral("dev-user"));
    if (ok && p.isSet(QStringLiteral("dev-user-type")))
        o.devUserType = p.value(QStringLiteral("dev-user-type"));
    if (ok && p.isSet(QStringLiteral("permission-api"))) {
        const QString mode = p.value(QStringLiteral("permission-api"));
        if (mode == QLatin1String("legacy"))
            c.permissionApi = PermissionApi::Legacy;
        else if (mode != QLatin1String("has_permission")) {
            error = QStringLiteral("--permission-api: expected has_permission or legacy, got '%1'")
                        .arg(mode);
            ok = false;
        }
    }
    if (ok && p.isSet(QStringLiteral("log-level"))) {
        const QString level = p.value(QStringLiteral("log-level"));
        if (level == QLatin1String("debug"))
            o.logLevel = QtDebugMsg;
        else if (level == QLatin1String("warning"))
            o.logLevel = QtWarningMsg;
        else if (level != QLatin1String("info")) {
            error =
                QStringLiteral("--log-level: expected debug, info or warning, got '%1'").arg(level);
            ok = false;
        }
    }
    if (ok) ok = applyAdminOptions(p, c.admin, error);
    if (!ok) {
        result.status = CliResult::ExitError;
        result.message = error;
        return result;
    }
    c.maxPayload = maxPayload;
    if (port >= 0) o.port = quint16(port);
    if (p.isSet(QStringLiteral("uds"))) o.unixSocketPath = p.value(QStringLiteral("uds"));
    c.unixSocketGroupAccess = p.isSet(QStringLiteral("uds-group"));
    if (p.isSet(QStringLiteral("redis"))) {
        const QString redis = p.value(QStringLiteral("redis")).trimmed();
        if (redis == QLatin1String("none"))
            o.redisOff = true;
        else
            o.redisUrl = redis;
    }
    if (p.isSet(QStringLiteral("adapter"))) {
        c.adapter = p.value(QStringLiteral("adapter")).trimmed();
        if (c.adapter != QLatin1String("local") && c.adapter != QLatin1String("redis") &&
            c.adapter != QLatin1String("redis-sharded")) {
            result.status = CliResult::ExitError;
            result.message =
                QStringLiteral("--adapter: expected local, redis or redis-sharded, got '%1'")
                    .arg(c.adapter);
            return result;
        }
    }
    if (p.isSet(QStringLiteral("adapter-redis")))
        c.adapterRedisUrl = p.value(QStringLiteral("adapter-redis")).trimmed();
    if (p.isSet(QStringLiteral("adapter-key")))
        c.adapterKey = p.value(QStringLiteral("adapter-key"));
    if (p.isSet(QStringLiteral("auth-url")))
        c.authUrlOverride = p.value(QStringLiteral("auth-url"));
    return result;
}
