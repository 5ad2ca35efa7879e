#include "cli.h"

#include "admincli.h"

#include "enginecore.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <functional>

namespace {

// One command-line option: what --help shows and what a given value sets.
// `apply` runs only when the option is given; it returns an error without
// the "--name: " prefix, or an empty string. No value name: a flag.
struct CliOption {
    QString name;
    QString help;
    QString valueName;
    std::function<QString(const QString &value, AppOptions &o)> apply;
};

using IntField = std::function<int &(AppOptions &o)>;

std::function<QString(const QString &, AppOptions &)> wholeNumber(int min, int max, IntField field)
{
    return [min, max, field](const QString &value, AppOptions &o) {
        bool ok = false;
        const int v = value.toInt(&ok);
        if (!ok || v < min || v > max)
            return QStringLiteral("expected a whole number from %1 to %2, got '%3'")
                .arg(min)
                .arg(max)
                .arg(value);
        field(o) = v;
        return QString();
    };
}

// A choice among fixed words: `choices` maps each accepted word to its setter.
std::function<QString(const QString &, AppOptions &)>
oneOf(const QString &expected, QList<std::pair<QString, std::function<void(AppOptions &)>>> choices)
{
    return [expected, choices](const QString &value, AppOptions &o) {
        for (const auto &choice : choices) {
            if (value != choice.first) continue;
            choice.second(o);
            return QString();
        }
        return QStringLiteral("expected %1, got '%2'").arg(expected, value);
    };
}

// Every option, in --help order. `d` holds the defaults --help shows.
QList<CliOption> cliOptions(const EngineConfig &d)
{
    auto none = [](const QString &, AppOptions &) { return QString(); };
    return {
        {QStringLiteral("no-gui"),
         QStringLiteral("Run headless (no window; no display needed)."),
         {},
         [](const QString &, AppOptions &o) {
             o.gui = false;
             return QString();
         }},
        {QStringLiteral("bench"),
         QStringLiteral("Frappe bench folder. Default: $FRAPPE_BENCH_ROOT, else the current "
                        "folder (or its parent when started from sites/)."),
         QStringLiteral("dir"),
         [](const QString &value, AppOptions &o) {
             o.engine.benchDir = value;
             return QString();
         }},
        {QStringLiteral("host"),
         QStringLiteral("Address to listen on. Default: 0.0.0.0 (all); 127.0.0.1 with --auth dev."),
         QStringLiteral("addr"),
         [](const QString &value, AppOptions &o) {
             o.hostSet = true;
             if (!o.engine.bindAddress.setAddress(value))
                 return QStringLiteral("not an IP address: '%1'").arg(value);
             return QString();
         }},
        {QStringLiteral("port"),
         QStringLiteral("TCP port; 0 picks a free one. Default: socketio_port, else %1.")
             .arg(d.port),
         QStringLiteral("n"),
         [](const QString &value, AppOptions &o) {
             int port = -1;
             const QString error =
                 wholeNumber(0, 65535, [&port](AppOptions &) -> int & { return port; })(value, o);
             if (error.isEmpty()) o.port = quint16(port);
             return error;
         }},
        {QStringLiteral("uds"),
         QStringLiteral("Listen on this Unix socket instead of a port. Default: socketio_uds. "
                        "Only the owner may connect to it (see --uds-group)."),
         QStringLiteral("path"),
         [](const QString &value, AppOptions &o) {
             o.unixSocketPath = value;
             return QString();
         }},
        {QStringLiteral("uds-group"),
         QStringLiteral("Let the Unix socket owner's group connect too (e.g. a proxy user added "
                        "to the bench user's group)."),
         {},
         [](const QString &, AppOptions &o) {
             o.engine.unixSocketGroupAccess = true;
             return QString();
         }},
        {QStringLiteral("redis"),
         QStringLiteral("Redis URL for the `events` channel (redis:// or unix://), or `none`. "
                        "Default: redis_queue; without a bench (and no $FRAPPE_REDIS_QUEUE), a "
                        "private redis-server started on a free 127.0.0.1 port."),
         QStringLiteral("url"),
         [](const QString &value, AppOptions &o) {
             const QString redis = value.trimmed();
             if (redis == QLatin1String("none"))
                 o.redisOff = true;
             else
                 o.redisUrl = redis;
             return QString();
         }},
        {QStringLiteral("adapter"),
         QStringLiteral("local: this node alone. redis: one of a cluster of nodes (ours or Node "
                        "socket.io with @socket.io/redis-adapter 8.x) sharing broadcasts, rooms "
                        "and fetchSockets over Redis. redis-sharded: the same over sharded "
                        "Pub/Sub (Redis 7; Node's createShardedAdapter with subscriptionMode "
                        "static). Default: realtime_adapter, else local."),
         QStringLiteral("kind"),
         [](const QString &value, AppOptions &o) {
             const QString kind = value.trimmed();
             if (kind != QLatin1String("local") && kind != QLatin1String("redis") &&
                 kind != QLatin1String("redis-sharded"))
                 return QStringLiteral("expected local, redis or redis-sharded, got '%1'")
                     .arg(kind);
             o.engine.adapter = kind;
             return QString();
         }},
        {QStringLiteral("adapter-redis"),
         QStringLiteral("Redis URL of the cluster with --adapter redis. Default: "
                        "realtime_adapter_redis, else the --redis/redis_queue URL."),
         QStringLiteral("url"),
         [](const QString &value, AppOptions &o) {
             o.engine.adapterRedisUrl = value.trimmed();
             return QString();
         }},
        {QStringLiteral("adapter-key"),
         QStringLiteral("Channel prefix of the cluster (the Node adapter's `key`). Default: "
                        "realtime_adapter_key, else socket.io."),
         QStringLiteral("prefix"),
         [](const QString &value, AppOptions &o) {
             o.engine.adapterKey = value;
             return QString();
         }},
        {QStringLiteral("auth"),
         QStringLiteral("frappe: ask the Frappe web server who each client is. dev: admit "
                        "loopback clients as --dev-user without any web server (development "
                        "only; listens on 127.0.0.1; refused with a bench). Default: frappe."),
         QStringLiteral("mode"),
         oneOf(QStringLiteral("frappe or dev"),
               {{QStringLiteral("frappe"), [](AppOptions &o) { o.auth = AuthMode::Frappe; }},
                {QStringLiteral("dev"), [](AppOptions &o) { o.auth = AuthMode::Dev; }}})},
        // --dev-user and --dev-user-type are checked against --auth once all are read.
        {QStringLiteral("dev-user"),
         QStringLiteral("User every client is with --auth dev. Default: Administrator."),
         QStringLiteral("name"), none},
        {QStringLiteral("dev-user-type"),
         QStringLiteral("User type with --auth dev. Default: System User."), QStringLiteral("type"),
         none},
        {QStringLiteral("metrics-port"),
         QStringLiteral("Serve Prometheus /metrics on 127.0.0.1 at this port; 0 picks a free "
                        "one. Default: off."),
         QStringLiteral("n"),
         wholeNumber(0, 65535, [](AppOptions &o) -> int & { return o.engine.metricsPort; })},
        {QStringLiteral("ping-interval"),
         QStringLiteral("Engine.IO ping interval in ms. Default: %1.").arg(d.pingIntervalMs),
         QStringLiteral("ms"),
         wholeNumber(1, 3600000, [](AppOptions &o) -> int & { return o.engine.pingIntervalMs; })},
        {QStringLiteral("ping-timeout"),
         QStringLiteral("Engine.IO ping timeout in ms. Default: %1.").arg(d.pingTimeoutMs),
         QStringLiteral("ms"),
         wholeNumber(1, 3600000, [](AppOptions &o) -> int & { return o.engine.pingTimeoutMs; })},
        {QStringLiteral("connect-timeout"),
         QStringLiteral("Time allowed for a namespace CONNECT, ms. Default: %1.")
             .arg(d.connectTimeoutMs),
         QStringLiteral("ms"),
         wholeNumber(1, 3600000, [](AppOptions &o) -> int & { return o.engine.connectTimeoutMs; })},
        {QStringLiteral("max-payload"),
         QStringLiteral("Largest message or HTTP body accepted, bytes. Default: %1.")
             .arg(d.maxPayload),
         QStringLiteral("bytes"),
         [](const QString &value, AppOptions &o) {
             int maxPayload = 0;
             const QString error = wholeNumber(1, 100000000, [&maxPayload](AppOptions &) -> int & {
                 return maxPayload;
             })(value, o);
             if (error.isEmpty()) o.engine.maxPayload = maxPayload;
             return error;
         }},
        {QStringLiteral("max-http-header-size"),
         QStringLiteral("Largest HTTP request head accepted (431 above), bytes. Default: %1.")
             .arg(d.maxHttpHeaderBytes),
         QStringLiteral("bytes"),
         wholeNumber(1024, 1048576,
                     [](AppOptions &o) -> int & { return o.engine.maxHttpHeaderBytes; })},
        {QStringLiteral("max-connections"),
         QStringLiteral("Open connections at most (503 above); 0 = unlimited, -1 = the "
                        "open-file limit minus 256 kept for Redis and callbacks. Default: -1."),
         QStringLiteral("n"),
         wholeNumber(-1, 1000000, [](AppOptions &o) -> int & { return o.engine.maxConnections; })},
        {QStringLiteral("max-connections-per-ip"),
         QStringLiteral("Open connections per client address (behind a proxy that is the "
                        "proxy's); 0 = unlimited. Default: %1.")
             .arg(d.maxConnectionsPerIp),
         QStringLiteral("n"),
         wholeNumber(0, 1000000,
                     [](AppOptions &o) -> int & { return o.engine.maxConnectionsPerIp; })},
        {QStringLiteral("max-namespaces"),
         QStringLiteral("Namespaces one connection may join; 0 = unlimited. Default: %1.")
             .arg(d.maxNamespacesPerClient),
         QStringLiteral("n"),
         wholeNumber(0, 100000,
                     [](AppOptions &o) -> int & { return o.engine.maxNamespacesPerClient; })},
        {QStringLiteral("max-rooms"),
         QStringLiteral("Rooms one socket may be in (further joins are refused); 0 = "
                        "unlimited. Default: %1.")
             .arg(d.maxRoomsPerSocket),
         QStringLiteral("n"),
         wholeNumber(0, 10000000,
                     [](AppOptions &o) -> int & { return o.engine.maxRoomsPerSocket; })},
        {QStringLiteral("max-outbound-buffer"),
         QStringLiteral("Bytes queued for one client that it has not read; past this the "
                        "slow consumer is disconnected. Default: %1.")
             .arg(d.maxOutboundBytes),
         QStringLiteral("bytes"),
         wholeNumber(65536, 1073741824,
                     [](AppOptions &o) -> int & { return o.engine.maxOutboundBytes; })},
        // Bounded resources (issue 14)
        {QStringLiteral("max-name-length"),
         QStringLiteral("Longest namespace, room or event name a client may use, characters; "
                        "0 = unlimited. Default: %1.")
             .arg(d.maxNameLength),
         QStringLiteral("n"),
         wholeNumber(0, 100000000, [](AppOptions &o) -> int & { return o.engine.maxNameLength; })},
        {QStringLiteral("request-head-timeout"),
         QStringLiteral("A request head must arrive within this many ms of the connection "
                        "(or request) start, else the connection is closed; 0 = no limit. "
                        "Default: %1.")
             .arg(d.requestHeadTimeoutMs),
         QStringLiteral("ms"),
         wholeNumber(0, 3600000,
                     [](AppOptions &o) -> int & { return o.engine.requestHeadTimeoutMs; })},
        {QStringLiteral("keep-alive-timeout"),
         QStringLiteral("Idle keep-alive connections are closed after this many ms "
                        "(Engine.IO ones after at least ping interval + ping timeout); 0 = "
                        "never. Default: %1.")
             .arg(d.keepAliveTimeoutMs),
         QStringLiteral("ms"),
         wholeNumber(0, 3600000,
                     [](AppOptions &o) -> int & { return o.engine.keepAliveTimeoutMs; })},
        {QStringLiteral("max-permission-checks"),
         QStringLiteral("Permission checks one socket may have in flight or queued; more are "
                        "denied at once. 0 = no cap. Default: %1.")
             .arg(d.maxPermissionChecksPerSocket),
         QStringLiteral("n"),
         wholeNumber(0, 1000000,
                     [](AppOptions &o) -> int & { return o.engine.maxPermissionChecksPerSocket; })},
        {QStringLiteral("login-callback-connections"),
         QStringLiteral("Connections to the web server kept for logins (get_user_info), apart "
                        "from the %1 for permission checks and app requests. Default: %2.")
             .arg(d.callbackConnections)
             .arg(d.loginCallbackConnections),
         QStringLiteral("n"),
         wholeNumber(1, 1024,
                     [](AppOptions &o) -> int & { return o.engine.loginCallbackConnections; })},
        {QStringLiteral("permission-cache-ttl"),
         QStringLiteral("Reuse a permission answer for this many seconds (fewer web-server "
                        "calls; a revoked permission lasts as long). 0 = off. Default: %1.")
             .arg(d.permissionCacheTtlSec),
         QStringLiteral("s"),
         wholeNumber(0, 86400,
                     [](AppOptions &o) -> int & { return o.engine.permissionCacheTtlSec; })},
        {QStringLiteral("recovery-window"),
         QStringLiteral("Connection-state recovery: how long a site socket whose connection "
                        "dropped can come back with its id, rooms and the events it missed, "
                        "ms; 0 turns recovery off. Default: %1 (bench key "
                        "realtime_recovery_window_ms).")
             .arg(d.recoveryWindowMs),
         QStringLiteral("ms"),
         wholeNumber(0, 86400000,
                     [](AppOptions &o) -> int & { return o.engine.recoveryWindowMs; })},
        {QStringLiteral("io-threads"),
         QStringLiteral("Threads that do socket I/O (reads, parsing, writes), the engine "
                        "thread included; connections are spread over them. 1 = the engine "
                        "thread alone. Default: one per core but one, at least 1 (%1 here).")
             .arg(defaultIoThreads()),
         QStringLiteral("n"),
         wholeNumber(1, 256, [](AppOptions &o) -> int & { return o.engine.ioThreads; })},
        {QStringLiteral("auth-timeout"),
         QStringLiteral("Timeout of calls to the Frappe web server, ms. Default: %1.")
             .arg(d.authTimeoutMs),
         QStringLiteral("ms"),
         wholeNumber(1, 600000, [](AppOptions &o) -> int & { return o.engine.authTimeoutMs; })},
        {QStringLiteral("auth-url"),
         QStringLiteral("Send auth and permission calls (with the user's cookie or token and "
                        "the socket secret) to this base URL. Default: webserver_host, else "
                        "http://127.0.0.1:<webserver_port, 8000>; never the client's Origin."),
         QStringLiteral("url"),
         [](const QString &value, AppOptions &o) {
             o.engine.authUrlOverride = value;
             return QString();
         }},
        {QStringLiteral("permission-api"),
         QStringLiteral("has_permission (v16) or legacy (v15 can_subscribe_*). Default: "
                        "has_permission."),
         QStringLiteral("mode"),
         oneOf(QStringLiteral("has_permission or legacy"),
               {{QStringLiteral("has_permission"),
                 [](AppOptions &o) { o.engine.permissionApi = PermissionApi::HasPermission; }},
                {QStringLiteral("legacy"),
                 [](AppOptions &o) { o.engine.permissionApi = PermissionApi::Legacy; }}})},
        // Applied before every other option (see parseCommandLine), so the ping
        // and connect options given with it still win.
        {QStringLiteral("protocol-test-server"),
         QStringLiteral("Run the Engine.IO/Socket.IO protocol test application instead of "
                        "Frappe (ping 300/200 ms unless given, connect timeout 1000 ms)."),
         {},
         none},
        {QStringLiteral("stats-interval"),
         QStringLiteral("Headless: print a one-line stats summary every N seconds; 0 = off. "
                        "Default: 60."),
         QStringLiteral("s"),
         wholeNumber(0, 86400, [](AppOptions &o) -> int & { return o.statsIntervalSec; })},
        {QStringLiteral("log-level"), QStringLiteral("debug, info or warning. Default: info."),
         QStringLiteral("level"),
         oneOf(QStringLiteral("debug, info or warning"),
               {{QStringLiteral("debug"), [](AppOptions &o) { o.logLevel = QtDebugMsg; }},
                {QStringLiteral("info"), [](AppOptions &o) { o.logLevel = QtInfoMsg; }},
                {QStringLiteral("warning"), [](AppOptions &o) { o.logLevel = QtWarningMsg; }}})},
    };
}

} // namespace

CliResult parseCommandLine(const QStringList &arguments)
{
    CliResult result;
    AppOptions &o = result.options;
    const QList<CliOption> options = cliOptions(EngineConfig());

    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Native realtime (socket.io) server for Frappe sites, with a live monitor window.\n"
        "Drop-in for `node apps/frappe/socketio.js`: run it from the bench folder, or pass "
        "--bench."));
    p.addHelpOption();
    p.addVersionOption();
    for (const CliOption &option : options)
        p.addOption(QCommandLineOption(option.name, option.help, option.valueName));
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

    o.givenOptions = p.optionNames();
    if (p.isSet(QStringLiteral("protocol-test-server"))) {
        EngineConfig &c = o.engine;
        c.mode = AppMode::ProtocolTestServer;
        c.pingIntervalMs = 300;
        c.pingTimeoutMs = 200;
        c.connectTimeoutMs = 1000;
    }
    QString error;
    for (const CliOption &option : options) {
        if (!p.isSet(option.name)) continue;
        const QString why = option.apply(p.value(option.name), o);
        if (why.isEmpty()) continue;
        error = QStringLiteral("--%1: %2").arg(option.name, why);
        break;
    }
    for (const char *name : {"dev-user", "dev-user-type"}) {
        if (!error.isEmpty() || !p.isSet(QLatin1String(name))) continue;
        if (o.auth != AuthMode::Dev)
            error = QStringLiteral("--%1 needs --auth dev").arg(QLatin1String(name));
        else if (p.value(QLatin1String(name)).trimmed().isEmpty())
            error = QStringLiteral("--%1: must not be empty").arg(QLatin1String(name));
    }
    if (error.isEmpty()) applyAdminOptions(p, o.engine.admin, error);
    if (!error.isEmpty()) {
        result.status = CliResult::ExitError;
        result.message = error;
        return result;
    }
    if (p.isSet(QStringLiteral("dev-user"))) o.devUser = p.value(QStringLiteral("dev-user"));
    if (p.isSet(QStringLiteral("dev-user-type")))
        o.devUserType = p.value(QStringLiteral("dev-user-type"));
    return result;
}
