// ClusterLink: what the engine needs of this node's cluster membership,
// whichever Redis flavour carries it (RedisCluster: classic Pub/Sub;
// ShardedCluster: sharded Pub/Sub). Engine thread.
#pragma once

#include "redis/redisendpoint.h"
#include "socketio/sioadapter.h"

#include <QDateTime>
#include <QHash>
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

    // Another node published something (a broadcast or request with its
    // uid): the monitor lists the nodes seen. At most MaxNodesSeen are kept
    // (the least recently seen goes), so junk uids on Redis cost a bound.
    static constexpr int MaxNodesSeen = 256;
    void noteNode(const QString &nodeUid)
    {
        if (nodeUid.isEmpty() || nodeUid == uid()) return;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        if (!m_nodesSeen.contains(nodeUid) && m_nodesSeen.size() >= MaxNodesSeen) {
            auto oldest = m_nodesSeen.begin();
            for (auto it = m_nodesSeen.begin(); it != m_nodesSeen.end(); ++it)
                if (it->lastSeenMs < oldest->lastSeenMs) oldest = it;
            m_nodesSeen.erase(oldest);
        }
        NodeSeen &n = m_nodesSeen[nodeUid];
        n.lastSeenMs = now;
        ++n.messagesIn;
    }
    // [{uid, lastSeenMs, messagesIn}], for describe().
    QJsonArray nodesSeen() const
    {
        QJsonArray out;
        for (auto it = m_nodesSeen.cbegin(); it != m_nodesSeen.cend(); ++it)
            out.append(QJsonObject{{QStringLiteral("uid"), it.key()},
                                   {QStringLiteral("lastSeenMs"), double(it->lastSeenMs)},
                                   {QStringLiteral("messagesIn"), double(it->messagesIn)}});
        return out;
    }

    // Server-side events from other nodes: (namespace, [event, ...args], sender uid).
    std::function<void(const QString &nsp, const QJsonArray &data, const QString &fromUid)>
        onServerSideEmit;

private:
    struct NodeSeen {
        qint64 lastSeenMs = 0;
        quint64 messagesIn = 0;
    };
    QHash<QString, NodeSeen> m_nodesSeen;
};
