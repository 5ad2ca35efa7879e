// ClusterLink: what the engine needs of this node's cluster membership,
// whichever Redis flavour carries it (RedisCluster: classic Pub/Sub;
// ShardedCluster: sharded Pub/Sub). Engine thread.
#pragma once

#include "redis/redisendpoint.h"
#include "socketio/sioadapter.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <atomic>
#include <functional>
#include <memory>

struct ClusterSettings {
    RedisEndpoint endpoint;
    QByteArray prefix = "socket.io"; // the adapter's `key` / `channelPrefix`
    int requestsTimeoutMs = 5000;    // fetchSockets, allRooms (Node's requestsTimeout)
};

// Counters any thread may read (monitor, /metrics).
struct ClusterCounters {
    std::atomic<quint64> broadcastsOut{0};
    std::atomic<quint64> broadcastsIn{0};
    std::atomic<quint64> requestsOut{0};
    std::atomic<quint64> requestsIn{0};
    std::atomic<quint64> responsesOut{0};
    std::atomic<quint64> requestTimeouts{0};
    std::atomic<quint64> publishFailures{0};
    std::atomic<quint64> malformed{0};
    std::atomic<quint64> lastRequestMs{0}; // latency of the last completed request
};

class ClusterLink : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;

    virtual void start() = 0;
    virtual void stop() = 0;
    virtual const QString &uid() const = 0;
    virtual const ClusterCounters &counters() const = 0;
    virtual bool linked() const = 0; // the subscription is up
    // For /health: adapter kind, uid, Redis, link, namespaces served, counters.
    virtual QJsonObject describe() const = 0;
    // For SioServer::setAdapterFactory.
    virtual std::function<std::unique_ptr<SioAdapter>(SioNamespace *)> adapterFactory() = 0;

    // Server-side events from other nodes: (namespace, [event, ...args], sender uid).
    std::function<void(const QString &nsp, const QJsonArray &data, const QString &fromUid)>
        onServerSideEmit;
};
