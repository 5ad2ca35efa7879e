#include "startupconfig.h"

#include "admincli.h"

#include "admin/adminbenchkey.h"
#include "common/logging.h"
#include "frappe/benchconfig.h"
#include "frappe/callbackurl.h"
#include "redis/redisendpoint.h"

#include <QDir>
#include <QFileInfo>
#include <QHostAddress>
#include <QProcessEnvironment>

namespace {

const QString kDemoSite = QStringLiteral("site1.localhost");

// Without a bench there is no config file to read; a single demo site that is
// also the default site makes http://127.0.0.1:9000/site1.localhost work, and
// the bench's own env overrides still apply so a container can point us at Redis.
void applyStandaloneDefaults(EngineConfig &c, const QProcessEnvironment &env)
{
    const QString site = env.value(QStringLiteral("FRAPPE_SITE"));
    c.defaultSite = site.isEmpty() ? kDemoSite : site;
    c.sites = {c.defaultSite};
    c.redisUrl = env.value(QStringLiteral("FRAPPE_REDIS_QUEUE"));
}

// Dev auth skips every credential check, so it is only safe where nobody but
// this machine can reach the port, and never next to real Frappe sites.
QString applyDevAuth(AppOptions &options)
{
    EngineConfig &c = options.engine;
    if (c.mode != AppMode::Frappe) return QStringLiteral("--auth dev applies to Frappe mode only");
    if (options.benchFound)
        return QStringLiteral("--auth dev is refused with a Frappe bench (%1): real Frappe "
                              "auth only. Run it outside a bench, without --bench and "
                              "FRAPPE_BENCH_ROOT.")
            .arg(c.benchDir);
    if (!options.hostSet)
        c.bindAddress = QHostAddress::LocalHost;
    else if (!c.bindAddress.isLoopback())
        return QStringLiteral("--auth dev listens on loopback only; --host %1 is not a loopback "
                              "address (use 127.0.0.1 or ::1)")
            .arg(c.bindAddress.toString());
    // A Redis elsewhere means events from other machines reach clients that
    // nobody authenticated.
    if (!options.redisOff && !c.redisUrl.isEmpty()) {
        const auto endpoint = RedisEndpoint::parse(c.redisUrl);
        const bool local =
            endpoint && (endpoint->isUnix() || endpoint->host == QLatin1String("localhost") ||
                         QHostAddress(endpoint->host).isLoopback());
        if (!local)
            return QStringLiteral("--auth dev needs a Redis on this machine (loopback or a Unix "
                                  "socket); %1 is not")
                .arg(endpoint ? endpoint->display() : QStringLiteral("the Redis URL given"));
    }
    c.devAuthUser = options.devUser;
    c.devAuthUserType = options.devUserType;
    const char *line = "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!";
    qCWarning(lcAuth) << line;
    qCWarning(lcAuth).noquote() << "DEV AUTH: every client from this machine is admitted as"
                                << c.devAuthUser << "(" + c.devAuthUserType + ")"
                                << "with no login, origin or permission check.";
    qCWarning(lcAuth) << "DEV AUTH: for development only; never expose this port.";
    qCWarning(lcAuth) << line;
    return {};
}

// The bench's realtime_max_* keys land in the same fields as the --max-*
// options, which were parsed first; put back the ones given on the command line.
void restoreCliLimits(const AppOptions &options, const EngineConfig &fromCli, EngineConfig &c)
{
    const struct {
        const char *option;
        int EngineConfig::*field;
    } limits[] = {
        {"max-http-header-size", &EngineConfig::maxHttpHeaderBytes},
        {"max-connections", &EngineConfig::maxConnections},
        {"max-connections-per-ip", &EngineConfig::maxConnectionsPerIp},
        {"max-namespaces", &EngineConfig::maxNamespacesPerClient},
        {"max-rooms", &EngineConfig::maxRoomsPerSocket},
        {"max-outbound-buffer", &EngineConfig::maxOutboundBytes},
        // Bounded resources (issue 14)
        {"max-name-length", &EngineConfig::maxNameLength},
        {"request-head-timeout", &EngineConfig::requestHeadTimeoutMs},
        {"keep-alive-timeout", &EngineConfig::keepAliveTimeoutMs},
        {"max-permission-checks", &EngineConfig::maxPermissionChecksPerSocket},
        {"login-callback-connections", &EngineConfig::loginCallbackConnections},
        {"permission-cache-ttl", &EngineConfig::permissionCacheTtlSec},
        {"recovery-window", &EngineConfig::recoveryWindowMs},
    };
    for (const auto &limit : limits)
        if (options.givenOptions.contains(QLatin1String(limit.option)))
            c.*limit.field = fromCli.*limit.field;
}

} // namespace

QString resolveStartupConfig(AppOptions &options)
{
    EngineConfig &c = options.engine;
    if (c.mode == AppMode::Frappe) {
        const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        const bool explicitBench =
            !c.benchDir.isEmpty() || !env.value(QStringLiteral("FRAPPE_BENCH_ROOT")).isEmpty();
        const QString dir = resolveBenchDir(c.benchDir, env, QDir::currentPath());
        const bool looksLikeBench = QFileInfo(dir + QStringLiteral("/sites")).isDir();
        if (explicitBench || looksLikeBench) {
            BenchConfigResult loaded = loadBenchConfig(dir, env);
            if (auto *error = std::get_if<BenchConfigError>(&loaded)) return error->toString();
            const BenchConfig &bench = std::get<BenchConfig>(loaded);
            const EngineConfig fromCli = c;
            applyBenchConfig(bench, c);
            restoreCliLimits(options, fromCli, c);
            // Cluster settings (issue 15): the command line beats the bench.
            for (const auto &[option, field] :
                 {std::pair{"adapter", &EngineConfig::adapter},
                  std::pair{"adapter-redis", &EngineConfig::adapterRedisUrl},
                  std::pair{"adapter-key", &EngineConfig::adapterKey}})
                if (options.givenOptions.contains(QLatin1String(option))) c.*field = fromCli.*field;
            // The Admin UI namespace's bench key (issue 17); the CLI wins over it.
            applyAdminBenchKey(bench.merged, c.admin);
            restoreCliAdmin(options.givenOptions, fromCli.admin, c.admin);
            options.benchFound = true;
            qCInfo(lcConfig).noquote()
                << "mode: bench" << bench.benchDir << "- sites:"
                << (bench.sites.isEmpty() ? QStringLiteral("(none)") : bench.sites.join(", "))
                << "- read:" << bench.sourcesRead.join(", ");
        } else {
            applyStandaloneDefaults(c, env);
            qCInfo(lcConfig).noquote()
                << "mode: standalone (no Frappe bench at" << dir
                << "- no sites/ folder; use --bench DIR for a bench) - demo site" << c.defaultSite
                << "is the default site";
        }
    }
    if (options.port) c.port = *options.port;
    if (options.unixSocketPath) c.unixSocketPath = *options.unixSocketPath;
    if (options.redisUrl) c.redisUrl = *options.redisUrl;
    if (options.redisOff) c.redisUrl.clear();

    if (options.auth == AuthMode::Dev) {
        const QString error = applyDevAuth(options);
        if (!error.isEmpty()) return error;
    } else if (c.mode == AppMode::Frappe) {
        qCInfo(lcAuth) << "auth: frappe (each client is checked with the Frappe web server)";
        // Where cookies, tokens and the socket secret go: said once, up front.
        qCInfo(lcAuth).noquote() << describeCallbackTarget(c);
    }

    if (c.mode != AppMode::Frappe) return {};
    if (options.redisOff) {
        options.redisDescription = QStringLiteral("none (--redis none)");
        qCWarning(lcRedis) << "redis: none (--redis none): events published by Frappe will not "
                              "reach clients";
    } else if (!c.redisUrl.isEmpty()) {
        // Never print the password of redis://user:password@host.
        const auto endpoint = RedisEndpoint::parse(c.redisUrl);
        const QString shown = endpoint ? endpoint->display() : QStringLiteral("(invalid URL)");
        options.redisDescription = QStringLiteral("configured: %1").arg(shown);
        qCInfo(lcRedis).noquote() << "redis: configured" << shown;
    } else if (!options.benchFound) {
        // Nothing to talk to otherwise: a first run would be deaf to every event.
        options.wantEmbeddedRedis = true;
    }
    return {};
}
