#include "guisettings.h"

#include "frappe/benchconfig.h"

#include <QDir>
#include <QProcessEnvironment>
#include <QSettings>

namespace {
template<typename T> void loadInto(QSettings &s, const char *key, std::optional<T> &out)
{
    if (s.contains(QLatin1String(key))) out = s.value(QLatin1String(key)).value<T>();
}

template<typename T> void saveFrom(QSettings &s, const char *key, const std::optional<T> &value)
{
    if (value)
        s.setValue(QLatin1String(key), QVariant::fromValue(*value));
    else
        s.remove(QLatin1String(key));
}
} // namespace

GuiSettings GuiSettings::load()
{
    QSettings s;
    s.beginGroup(QStringLiteral("engine"));
    GuiSettings g;
    loadInto(s, "benchDir", g.benchDir);
    loadInto(s, "port", g.port);
    loadInto(s, "unixSocket", g.unixSocket);
    loadInto(s, "redisUrl", g.redisUrl);
    loadInto(s, "authUrlOverride", g.authUrlOverride);
    loadInto(s, "pingIntervalMs", g.pingIntervalMs);
    loadInto(s, "pingTimeoutMs", g.pingTimeoutMs);
    std::optional<QString> api;
    loadInto(s, "permissionApi", api);
    if (api)
        g.permissionApi =
            *api == QLatin1String("legacy") ? PermissionApi::Legacy : PermissionApi::HasPermission;
    return g;
}

void GuiSettings::save() const
{
    QSettings s;
    s.beginGroup(QStringLiteral("engine"));
    saveFrom(s, "benchDir", benchDir);
    saveFrom(s, "port", port);
    saveFrom(s, "unixSocket", unixSocket);
    saveFrom(s, "redisUrl", redisUrl);
    saveFrom(s, "authUrlOverride", authUrlOverride);
    saveFrom(s, "pingIntervalMs", pingIntervalMs);
    saveFrom(s, "pingTimeoutMs", pingTimeoutMs);
    std::optional<QString> api;
    if (permissionApi)
        api = *permissionApi == PermissionApi::Legacy ? QStringLiteral("legacy")
                                                      : QStringLiteral("has_permission");
    saveFrom(s, "permissionApi", api);
}

GuiSettings GuiSettings::fromConfig(const EngineConfig &c)
{
    GuiSettings g;
    g.benchDir = c.benchDir;
    g.port = c.port;
    g.unixSocket = c.unixSocketPath;
    g.redisUrl = c.redisUrl;
    g.authUrlOverride = c.authUrlOverride;
    g.pingIntervalMs = c.pingIntervalMs;
    g.pingTimeoutMs = c.pingTimeoutMs;
    g.permissionApi = c.permissionApi;
    return g;
}

QString GuiSettings::applyTo(EngineConfig &c) const
{
    if (benchDir && !benchDir->isEmpty() &&
        QDir::cleanPath(*benchDir) != QDir::cleanPath(c.benchDir)) {
        const auto env = QProcessEnvironment::systemEnvironment();
        BenchConfigResult loaded = loadBenchConfig(*benchDir, env);
        if (auto *error = std::get_if<BenchConfigError>(&loaded)) return error->toString();
        applyBenchConfig(std::get<BenchConfig>(loaded), c);
    }
    if (port) c.port = quint16(qBound(0, *port, 65535));
    if (unixSocket) c.unixSocketPath = *unixSocket;
    if (redisUrl) c.redisUrl = *redisUrl;
    if (authUrlOverride) c.authUrlOverride = *authUrlOverride;
    if (pingIntervalMs && *pingIntervalMs > 0) c.pingIntervalMs = *pingIntervalMs;
    if (pingTimeoutMs && *pingTimeoutMs > 0) c.pingTimeoutMs = *pingTimeoutMs;
    if (permissionApi) c.permissionApi = *permissionApi;
    return {};
}
