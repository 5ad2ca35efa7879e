#include "admin/adminsetup.h"

#include "admin/bcryptverify.h"
#include "telemetry/telemetry.h"

#include <QJsonArray>

QString checkAdminConfig(const EngineConfig &config)
{
    const AdminConfig &a = config.admin;
    if (!a.namespaceName.startsWith(QLatin1Char('/')) || a.namespaceName.size() < 2)
        return QStringLiteral("--admin-namespace: expected a name starting with '/', got '%1'")
            .arg(a.namespaceName);
    if (config.sites.contains(a.namespaceName.mid(1)))
        return QStringLiteral("--admin-namespace %1 is also the name of a site of this bench; "
                              "pick another namespace name")
            .arg(a.namespaceName);
    if (a.noAuth) {
        if (!config.unixSocketPath.isEmpty() || !config.bindAddress.isLoopback())
            return QStringLiteral("--admin-no-auth needs a loopback listening address (--host "
                                  "127.0.0.1 or ::1); this server listens on %1")
                .arg(config.unixSocketPath.isEmpty() ? config.bindAddress.toString()
                                                     : config.unixSocketPath);
        return {};
    }
    if (a.username.isEmpty()) return QStringLiteral("--admin-user must not be empty");
    if (a.passwordHash.isEmpty())
        return QStringLiteral("--admin needs --admin-password-hash (a bcrypt hash, e.g. from "
                              "`htpasswd -nbBC 10 admin PASSWORD`) or --admin-no-auth on loopback");
    QString why;
    if (!isBcryptHash(a.passwordHash, &why))
        return QStringLiteral("--admin-password-hash is not a bcrypt hash: %1").arg(why);
    if (a.statsIntervalMs < 100) return QStringLiteral("admin stats interval below 100 ms");
    return {};
}

QStringList siteNamespaces(const EngineConfig &config)
{
    QStringList names;
    for (const QString &site : config.sites)
        names.append(QLatin1Char('/') + site);
    if (!config.defaultSite.isEmpty() && !config.sites.contains(config.defaultSite))
        names.append(QLatin1Char('/') + config.defaultSite);
    return names;
}

QJsonObject describeAdminExtras(const Telemetry *telemetry)
{
    const TelemetryTotals t = telemetry->totals();
    const RateSample r = telemetry->latestRate();
    return {
        {QStringLiteral("redis"), QJsonObject{{QStringLiteral("state"), t.redisState},
                                              {QStringLiteral("detail"), t.redisDetail}}},
        {QStringLiteral("rates"),
         QJsonObject{{QStringLiteral("timeMs"), double(r.timeMs)},
                     {QStringLiteral("redisIn"), r.perSecond(r.redisIn)},
                     {QStringLiteral("redisDropped"), r.perSecond(r.redisDropped)},
                     {QStringLiteral("deliveries"), r.perSecond(r.deliveries)},
                     {QStringLiteral("clientEvents"), r.perSecond(r.clientEvents)},
                     {QStringLiteral("connects"), r.perSecond(r.connects)},
                     {QStringLiteral("disconnects"), r.perSecond(r.disconnects)},
                     {QStringLiteral("authFailures"), r.perSecond(r.authFailures)},
                     {QStringLiteral("p50Ms"), r.p50Ms},
                     {QStringLiteral("p99Ms"), r.p99Ms}}},
        {QStringLiteral("totals"),
         QJsonObject{{QStringLiteral("redisIn"), double(t.redisIn)},
                     {QStringLiteral("deliveries"), double(t.deliveries)},
                     {QStringLiteral("clientEvents"), double(t.clientEvents)},
                     {QStringLiteral("connects"), double(t.connects)},
                     {QStringLiteral("disconnects"), double(t.disconnects)},
                     {QStringLiteral("refused"), double(t.refused)},
                     {QStringLiteral("authOk"), double(t.authOk)},
                     {QStringLiteral("authFailed"), double(t.authFailed)},
                     {QStringLiteral("connections"), t.connections},
                     {QStringLiteral("sessions"), t.sessions},
                     {QStringLiteral("listenAddress"), t.listenAddress},
                     {QStringLiteral("startedAtMs"), double(t.startedAtMs)}}},
    };
}
