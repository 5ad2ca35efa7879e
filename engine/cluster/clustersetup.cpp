#include "cluster/clustersetup.h"

#include "cluster/rediscluster.h"
#include "cluster/shardedcluster.h"
#include "common/logging.h"
#include "engineconfig.h"
#include "protocol/siopacket.h"
#include "socketio/sioserver.h"

ClusterLink *startCluster(const EngineConfig &config, SioServer *sio, QObject *parent,
                          QString *error)
{
    error->clear();
    if (config.adapter == QLatin1String("local")) return nullptr;
    const bool sharded = config.adapter == QLatin1String("redis-sharded");
    if (config.adapter != QLatin1String("redis") && !sharded) {
        *error = QStringLiteral("adapter (realtime_adapter / --adapter): expected local, redis or "
                                "redis-sharded, got '%1'")
                     .arg(config.adapter);
        return nullptr;
    }
    const QString url = config.adapterRedisUrl.isEmpty() ? config.redisUrl : config.adapterRedisUrl;
    if (url.isEmpty()) {
        *error = QStringLiteral("--adapter redis needs a Redis server: give --adapter-redis, "
                                "realtime_adapter_redis or redis_queue");
        return nullptr;
    }
    QString why;
    const auto endpoint = RedisEndpoint::parse(url, &why);
    if (!endpoint) {
        *error = QStringLiteral("cluster Redis URL: %1").arg(why);
        return nullptr;
    }
    if (config.adapterKey.isEmpty()) {
        *error = QStringLiteral("cluster key prefix must not be empty");
        return nullptr;
    }
    ClusterSettings settings;
    settings.endpoint = *endpoint;
    settings.prefix = config.adapterKey.toUtf8();
    settings.requestsTimeoutMs = config.adapterRequestsTimeoutMs;
    ClusterLink *cluster = sharded
                               ? static_cast<ClusterLink *>(new ShardedCluster(settings, parent))
                               : new RedisCluster(settings, parent);
    // Frappe registers no server-side listeners (nor does its Node server);
    // what other nodes send is logged so it is seen, never silently dropped.
    cluster->onServerSideEmit = [](const QString &nsp, const QJsonArray &data,
                                   const QString &from) {
        qCInfo(lcRedis).noquote() << "cluster: server-side event"
                                  << QString::fromUtf8(sio::toJson(data.first())) << "from node"
                                  << (from.isEmpty() ? QStringLiteral("(unknown)") : from) << "on"
                                  << nsp << "(no listener)";
    };
    sio->setAdapterFactory(cluster->adapterFactory());
    cluster->start();
    return cluster;
}
