// ShardedCluster: this node's membership of a socket.io cluster over Redis
// sharded Pub/Sub (Redis >= 7, SPUBLISH/SSUBSCRIBE), in the protocol of
// @socket.io/redis-adapter 8.x's createShardedAdapter (spec
// redis-adapter-interop.md section 5): per namespace N and prefix C,
// SSUBSCRIBE C#N# (every message) and C#N#<uid># (answers to this node);
// messages are ClusterMessage {type, data, uid, nsp}, JSON unless binary,
// then msgpack. serverCount is PUBSUB SHARDNUMSUB C#N#.
//
// This node publishes everything on C#N# and does not subscribe to per-room
// channels, so Node nodes must use subscriptionMode "static" (in "dynamic",
// their one-room broadcasts go to C#N#<room>#, which this node does not hear).
// Engine thread: create and use there.
#pragma once

#include "cluster/rediscluster.h"

class ShardedAdapter;

class ShardedCluster : public ClusterLink {
    Q_OBJECT
public:
    explicit ShardedCluster(ClusterSettings settings, QObject *parent = nullptr);
    ~ShardedCluster() override;

    void start() override;
    void stop() override;
    const QString &uid() const override { return m_uid; }
    const ClusterCounters &counters() const override { return m_counters; }
    bool linked() const override { return m_sub.state() == RedisSubscriber::State::Subscribed; }
    QJsonObject describe() const override;
    std::function<std::unique_ptr<SioAdapter>(SioNamespace *)> adapterFactory() override;

    // --- for ShardedAdapter
    void attach(ShardedAdapter *adapter);
    void detach(ShardedAdapter *adapter);
    // {type, data, uid, nsp} on C#N# (or to one node's channel).
    void send(const QString &nsp, int type, const QJsonObject &data,
              const QList<QByteArray> &attachments = {}, const QString &toUid = {});
    QByteArray mainChannel(const QString &nsp) const;
    // FETCH_SOCKETS: answered by serverCount - 1 other nodes, or the timeout.
    void fetchSockets(const QString &nsp, const BroadcastOptions &opts, QList<SocketDetails> local,
                      SioAdapter::SocketsDone done);
    void serverCount(const QString &nsp, std::function<void(int count)> done);
    // As RedisCluster::expectAcks: BROADCAST_CLIENT_COUNT (11) and
    // BROADCAST_ACK (12) answers for the returned requestId, until the timeout.
    QString expectAcks(qint64 timeoutMs, SioAdapter::ClientCountReceived clientCount,
                       SioAdapter::AckReceived ack);

private:
    struct AckRequest {
        SioAdapter::ClientCountReceived clientCount;
        SioAdapter::AckReceived ack;
        QElapsedTimer started;
    };
    QHash<QString, AckRequest> m_ackRequests; // by requestId
    struct Pending {
        QList<SocketDetails> sockets;
        int expected = 0;
        int answered = 0;
        SioAdapter::SocketsDone done;
        QTimer *timer = nullptr;
        QElapsedTimer started;
    };
    void onMessage(const QByteArray &channel, const QByteArray &payload);
    void finish(const QString &requestId, const QString &error);
    void release(const QString &nsp);

    ClusterSettings m_settings;
    QString m_uid;
    RedisSubscriber m_sub;
    RedisCommandClient m_pub;
    QHash<QString, ShardedAdapter *> m_adapters;
    QHash<QString, Pending> m_pending;
    QHash<QString, int> m_inflight; // as RedisCluster: keeps C#N# subscribed meanwhile
    QSet<QString> m_lingering;
    ClusterCounters m_counters;
    bool m_publishFailing = false;
};
