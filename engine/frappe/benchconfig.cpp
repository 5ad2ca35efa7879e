#include "frappe/benchconfig.h"

#include "common/logging.h"
#include "engineconfig.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <algorithm>
#include <cmath>
#include <optional>

namespace {

const QString kDefaultsSource = QStringLiteral("defaults");

struct EnvOverride {
    const char *variable;
    const char *key;
};

// Same order as node_utils.get_conf; the order does not matter today (the keys
// are distinct) but keeps the sourcesRead list readable next to the Node code.
constexpr EnvOverride kEnvOverrides[] = {
    {"FRAPPE_SITE", "default_site"},         {"FRAPPE_REDIS_CACHE", "redis_cache"},
    {"FRAPPE_REDIS_QUEUE", "redis_queue"},   {"FRAPPE_SOCKETIO_PORT", "socketio_port"},
    {"FRAPPE_SOCKETIO_UDS", "socketio_uds"},
};

// JavaScript truthiness restricted to what JSON can hold (no NaN, no undefined).
bool isTruthy(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Bool:
        return value.toBool();
    case QJsonValue::Double:
        return value.toDouble() != 0.0;
    case QJsonValue::String:
        return !value.toString().isEmpty();
    case QJsonValue::Array:
    case QJsonValue::Object:
        return true; // even when empty, as in JS
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        break;
    }
    return false;
}

QString describe(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Bool:
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double:
        return QString::number(value.toDouble(), 'g', 17);
    case QJsonValue::String:
        return QLatin1Char('"') + value.toString() + QLatin1Char('"');
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("null");
}

// Node passes socketio_port straight to listen(), which takes numbers and
// numeric strings alike (the env override is always a string).
std::optional<int> parsePort(const QJsonValue &value)
{
    if (value.isDouble()) {
        const double d = value.toDouble();
        if (std::floor(d) == d && d >= 0 && d <= 65535) return int(d);
        return std::nullopt;
    }
    if (value.isString()) {
        const QString text = value.toString().trimmed();
        if (text.isEmpty() || text.size() > 5) return std::nullopt;
        for (const QChar c : text)
            if (c < QLatin1Char('0') || c > QLatin1Char('9')) return std::nullopt;
        const int port = text.toInt();
        if (port <= 65535) return port;
    }
    return std::nullopt;
}

// Byte offsets mean little to someone editing a config by hand; line and
// column (in bytes, 1-based) point at the spot.
QString parseErrorText(const QByteArray &data, const QJsonParseError &error)
{
    const int offset = std::clamp(error.offset, 0, int(data.size()));
    const QByteArray before = data.left(offset);
    const int line = int(before.count('\n')) + 1;
    const int column = offset - int(before.lastIndexOf('\n'));
    return QStringLiteral("invalid JSON at line %1, column %2 (byte offset %3): %4")
        .arg(line)
        .arg(column)
        .arg(offset)
        .arg(error.errorString());
}

class Merger {
public:
    Merger() { conf.insert(QStringLiteral("socketio_port"), 9000); }

    // Missing files are fine (Node checks existsSync first); unreadable or
    // malformed ones are fatal, as they are for Node.
    std::optional<BenchConfigError> mergeFile(const QString &path)
    {
        const QFileInfo info(path);
        if (!info.exists()) return std::nullopt;
        QFile file(path);
        if (info.isDir() || !file.open(QIODevice::ReadOnly))
            return BenchConfigError{
                path,
                {},
                QStringLiteral("cannot read file: %1")
                    .arg(info.isDir() ? QStringLiteral("is a directory") : file.errorString())};
        const QByteArray data = file.readAll();
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(data, &parseError);
        if (parseError.error != QJsonParseError::NoError)
            return BenchConfigError{path, {}, parseErrorText(data, parseError)};
        if (!doc.isObject())
            return BenchConfigError{
                path, {}, QStringLiteral("top-level JSON value must be an object")};

        const QJsonObject object = doc.object();
        for (auto it = object.begin(); it != object.end(); ++it) {
            // Falsy values can neither set nor unset a key: a `"redis_queue": ""`
            // in common_site_config does not clear the one from config.json.
            if (!isTruthy(it.value())) continue;
            conf.insert(it.key(), it.value());
            sourceOf.insert(it.key(), path);
        }
        sourcesRead.append(path);
        qCDebug(lcConfig) << "read" << path;
        return std::nullopt;
    }

    void mergeEnvironment(const QProcessEnvironment &env)
    {
        for (const EnvOverride &o : kEnvOverrides) {
            const QString variable = QLatin1String(o.variable);
            const QString value = env.value(variable);
            if (value.isEmpty()) continue;
            const QString source = QStringLiteral("env:") + variable;
            conf.insert(QLatin1String(o.key), value);
            sourceOf.insert(QLatin1String(o.key), source);
            sourcesRead.append(source);
        }
    }

    QString sourceOfKey(const QString &key) const { return sourceOf.value(key, kDefaultsSource); }

    QJsonObject conf;
    QStringList sourcesRead;

private:
    QHash<QString, QString> sourceOf;
};

std::optional<BenchConfigError> readPort(const Merger &m, const QString &key, int &out)
{
    const QJsonValue value = m.conf.value(key);
    if (value.isUndefined()) return std::nullopt;
    const std::optional<int> port = parsePort(value);
    if (!port)
        return BenchConfigError{
            m.sourceOfKey(key), key,
            QStringLiteral("expected a port number 0-65535, got %1").arg(describe(value))};
    out = *port;
    return std::nullopt;
}

std::optional<BenchConfigError> readString(const Merger &m, const QString &key, QString &out)
{
    const QJsonValue value = m.conf.value(key);
    if (value.isUndefined()) return std::nullopt;
    if (!value.isString())
        return BenchConfigError{m.sourceOfKey(key), key,
                                QStringLiteral("expected a string, got %1").arg(describe(value))};
    out = value.toString();
    return std::nullopt;
}

QStringList listSites(const QString &benchDir)
{
    const QDir sitesDir(benchDir + QStringLiteral("/sites"));
    if (!sitesDir.exists()) {
        qCWarning(lcConfig) << "no sites folder in" << benchDir << "- is this a bench?";
        return {};
    }
    QStringList sites;
    const QStringList folders = sitesDir.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &name : folders)
        if (QFileInfo(sitesDir.filePath(name) + QStringLiteral("/site_config.json")).isFile())
            sites.append(name);
    // Code-point order, independent of the locale QDir would sort by.
    std::sort(sites.begin(), sites.end());
    return sites;
}

bool isSitesFolderOfBench(const QString &dir)
{
    const QDir d(dir);
    if (!d.exists(QStringLiteral("common_site_config.json")) &&
        !d.exists(QStringLiteral("apps.txt")))
        return false;
    const QFileInfo parentSites(QDir::cleanPath(dir + QStringLiteral("/../sites")));
    return parentSites.isDir() &&
           parentSites.canonicalFilePath() == QFileInfo(dir).canonicalFilePath();
}

} // namespace

QString BenchConfigError::toString() const
{
    QStringList parts;
    if (!file.isEmpty()) parts.append(file);
    if (!key.isEmpty()) parts.append(key);
    parts.append(message);
    return parts.join(QStringLiteral(": "));
}

QString resolveBenchDir(const QString &cliValue, const QProcessEnvironment &env, const QString &cwd)
{
    QString chosen = cliValue;
    if (chosen.isEmpty()) chosen = env.value(QStringLiteral("FRAPPE_BENCH_ROOT"));
    if (chosen.isEmpty()) chosen = cwd;
    const QString dir = QDir::cleanPath(QDir(cwd).absoluteFilePath(chosen));
    if (isSitesFolderOfBench(dir)) {
        const QString bench = QDir::cleanPath(dir + QStringLiteral("/.."));
        qCInfo(lcConfig) << dir << "is a sites folder, using the bench above it:" << bench;
        return bench;
    }
    return dir;
}

BenchConfigResult loadBenchConfig(const QString &benchDir, const QProcessEnvironment &env)
{
    const QString bench = QDir::cleanPath(QDir(benchDir).absolutePath());
    if (benchDir.isEmpty() || !QFileInfo(bench).isDir())
        return BenchConfigError{{}, {}, QStringLiteral("bench folder not found: %1").arg(bench)};

    Merger m;
    for (const QString &path : {bench + QStringLiteral("/config.json"),
                                bench + QStringLiteral("/sites/common_site_config.json")})
        if (std::optional<BenchConfigError> error = m.mergeFile(path)) return *error;
    m.mergeEnvironment(env);

    BenchConfig out;
    out.benchDir = bench;
    int socketioPort = out.socketioPort;
    const std::optional<BenchConfigError> errors[] = {
        readPort(m, QStringLiteral("socketio_port"), socketioPort),
        readString(m, QStringLiteral("socketio_uds"), out.socketioUds),
        readString(m, QStringLiteral("redis_queue"), out.redisQueue),
        readString(m, QStringLiteral("redis_cache"), out.redisCache),
        readString(m, QStringLiteral("default_site"), out.defaultSite),
        readPort(m, QStringLiteral("webserver_port"), out.webserverPort),
        readString(m, QStringLiteral("webserver_host"), out.webserverHost),
    };
    for (const std::optional<BenchConfigError> &error : errors)
        if (error) return *error;
    out.socketioPort = quint16(socketioPort);
    out.developerMode = isTruthy(m.conf.value(QStringLiteral("developer_mode")));
    out.sites = listSites(bench);
    out.merged = m.conf;
    out.sourcesRead = m.sourcesRead;
    return out;
}

void applyBenchConfig(const BenchConfig &bench, EngineConfig &cfg)
{
    cfg.benchDir = bench.benchDir;
    cfg.port = bench.socketioPort;
    cfg.unixSocketPath = bench.socketioUds;
    cfg.redisUrl = bench.redisQueue;
    cfg.defaultSite = bench.defaultSite;
    cfg.developerMode = bench.developerMode;
    cfg.webserverPort = bench.webserverPort;
    cfg.webserverHost = bench.webserverHost;
    cfg.sites = bench.sites;
    // Abuse limits (issue 7); not Node keys, so only this server reads them.
    // Whole numbers (0 = unlimited, except the header size, where 0 would
    // refuse every request); anything else is ignored with a warning.
    const struct {
        const char *key;
        int *field;
        int min;
    } limits[] = {
        {"realtime_max_connections", &cfg.maxConnections, 0},
        {"realtime_max_connections_per_ip", &cfg.maxConnectionsPerIp, 0},
        {"realtime_max_namespaces_per_connection", &cfg.maxNamespacesPerClient, 0},
        {"realtime_max_rooms_per_socket", &cfg.maxRoomsPerSocket, 0},
        {"realtime_max_http_header_bytes", &cfg.maxHttpHeaderBytes, 1024},
        {"realtime_max_outbound_bytes", &cfg.maxOutboundBytes, 65536},
        // Bounded resources (issue 14)
        {"realtime_max_name_length", &cfg.maxNameLength, 0},
        {"realtime_request_head_timeout_ms", &cfg.requestHeadTimeoutMs, 0},
        {"realtime_keep_alive_timeout_ms", &cfg.keepAliveTimeoutMs, 0},
        {"realtime_max_permission_checks_per_socket", &cfg.maxPermissionChecksPerSocket, 0},
        {"realtime_login_callback_connections", &cfg.loginCallbackConnections, 1},
        {"realtime_permission_cache_ttl", &cfg.permissionCacheTtlSec, 0},
        // Connection-state recovery (issue 16); window 0 turns it off.
        {"realtime_recovery_window_ms", &cfg.recoveryWindowMs, 0},
        {"realtime_recovery_max_events", &cfg.recoveryMaxPackets, 1},
        {"realtime_recovery_max_bytes", &cfg.recoveryMaxBytes, 1024},
        {"realtime_recovery_viewer_grace_ms", &cfg.recoveryViewerGraceMs, 0},
    };
    for (const auto &[key, field, min] : limits) {
        const QJsonValue v = bench.merged.value(QLatin1String(key));
        if (v.isUndefined() || v.isNull()) continue;
        const double n = v.toDouble(-1);
        if (v.isDouble() && n >= min && n <= 1e9 && n == std::floor(n))
            *field = int(n);
        else
            qCWarning(lcConfig) << key << ": expected a whole number >=" << min << ", ignoring"
                                << v;
    }
    // Cluster (issue 15): only set when present, so CLI/GUI values survive.
    const struct {
        const char *key;
        QString *field;
    } cluster[] = {
        {"realtime_adapter", &cfg.adapter},
        {"realtime_adapter_redis", &cfg.adapterRedisUrl},
        {"realtime_adapter_key", &cfg.adapterKey},
    };
    for (const auto &[key, field] : cluster) {
        const QJsonValue v = bench.merged.value(QLatin1String(key));
        if (v.isString() && !v.toString().isEmpty())
            *field = v.toString();
        else if (!v.isUndefined() && !v.isNull())
            qCWarning(lcConfig) << key << ": expected a non-empty string, ignoring" << v;
    }
    // Extra allowed Origins (spec 11.1): a list of strings, or one string.
    // Only set when the key is present, so a CLI/GUI value is not wiped.
    const QJsonValue origins = bench.merged.value(QStringLiteral("realtime_allowed_origins"));
    if (origins.isString()) {
        cfg.allowedOrigins = {origins.toString()};
    } else if (origins.isArray()) {
        QStringList list;
        for (const QJsonValue &v : origins.toArray()) {
            if (v.isString() && !v.toString().isEmpty())
                list.append(v.toString());
            else
                qCWarning(lcConfig) << "realtime_allowed_origins: ignoring non-string entry" << v;
        }
        cfg.allowedOrigins = list;
    } else if (!origins.isUndefined() && !origins.isNull()) {
        qCWarning(lcConfig) << "realtime_allowed_origins: expected a list of origins, ignoring"
                            << origins;
    }
}
