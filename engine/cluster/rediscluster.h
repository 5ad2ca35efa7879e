// RedisCluster: this node's membership of a socket.io cluster over Redis, in
// the @socket.io/redis-adapter 8.x classic protocol (spec
// redis-adapter-interop.md), so our nodes and Node socket.io nodes with that
// adapter share broadcasts, rooms and requests. It owns the two Redis links
// (a subscriber, and a command connection that publishes), the node's uid,
// the per-namespace RedisAdapters (made through adapterFactory()) and the
// requests this node is waiting on. Channels per namespace N, prefix P:
// PSUBSCRIBE P#N#*; SUBSCRIBE P-request#N#, P-response#N#, P-response#N#<uid>#,
// from the moment the namespace exists here until it is removed (as Node with
// cleanupEmptyChildNamespaces), so `PUBSUB NUMSUB P-request#N#` counts the
// nodes that will answer.
//
// Failure: Redis gone costs nothing but the cluster traffic; the subscriber
// redials and resubscribes, publishes made meanwhile fail (counted, logged
// once per outage), requests end at their timeout with the partial answer.
// Engine thread: create and use there.
#pragma once

#include "cluster/adaptermessage.h"
#include "cluster/clusterlink.h"
#include "redis/rediscommandclient.h"
#include "redis/redisendpoint.h"
#include "redis/redissubscriber.h"
#include "socketio/sioadapter.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>
#include <atomic>
#include <memory>

class RedisAdapter;
class SioServer;

class RedisCluster : public ClusterLink {
    Q_OBJECT
public:
    RedisCluster(ClusterSettings settings, QObject *parent = nullptr);
    ~RedisCluster() override;

    void start() override;
    void stop() override;

    const QString &uid() const override { return m_uid; }
    const ClusterSettings &settings() const { return m_settings; }
    const ClusterCounters &counters() const override { return m_counters; }
    bool linked() const override { return m_sub.state() == RedisSubscriber::State::Subscribed; }
    QJsonObject describe() const override;
    std::function<std::unique_ptr<SioAdapter>(SioNamespace *)> adapterFactory() override;

    // --- for RedisAdapter
    void attach(RedisAdapter *adapter);
    void detach(RedisAdapter *adapter);
    void publish(const QByteArray &channel, const QByteArray &payload);
    QByteArray requestChannel(const QString &nsp) const;
    QByteArray responseChannel(const QString &nsp, const QString &requesterUid = {}) const;
    void countBroadcastOut() { ++m_counters.broadcastsOut; }
    void countResponseOut() { ++m_counters.responsesOut; }

    // A request answered by every other node serving `nsp` (ALL_ROOMS, REMOTE_FETCH): asks
    // Redis how many there are, publishes `request` (whose requestId is set here) and calls
    // `done` once all answered or the timeout passed (with an error naming how many did).
    struct Answers {
        QList<SocketDetails> sockets;
        QStringList rooms;
        QJsonArray serverSide; // SERVER_SIDE_EMIT answers (their `data`)
        int nodes = 1;         // this one included
        int answered = 1;
    };
    using AnswersDone = std::function<void(Answers answers, QString error)>;
    void request(const QString &nsp, cluster::RequestType type, QJsonObject request, Answers local,
                 AnswersDone done);
    // A BROADCAST request (7) this node publishes: the other nodes' client
    // counts (8) and their clients' acks (9) for the returned requestId go to
    // these callbacks until `timeoutMs` passed (as Node, which cannot know
    // when the last ack came either).
    QString expectAcks(qint64 timeoutMs, SioAdapter::ClientCountReceived clientCount,
                       SioAdapter::AckReceived ack);
    // PUBSUB NUMSUB P-request#N#: this node included once subscribed. -1 on error.
    void serverCount(const QString &nsp, std::function<void(int count)> done);

private:
    struct Pending {
        cluster::RequestType type;
        QString nsp;
        Answers answers;
        AnswersDone done;
        QTimer *timer = nullptr;
        QElapsedTimer started;
    };

    void onMessage(const QByteArray &channel, const QByteArray &payload);
    // Answers a request for a namespace that has no socket here any more but
    // whose request channel is still subscribed (see m_lingering): nothing.
    void answerEmpty(const QString &nsp, const QByteArray &payload);
    void release(const QString &nsp);
    void onResponse(const QByteArray &payload);
    void finish(const QString &requestId, const QString &error);
    RedisAdapter *adapterFor(const QString &nsp) const { return m_adapters.value(nsp); }

    ClusterSettings m_settings;
    QString m_uid;
    RedisSubscriber m_sub;
    RedisCommandClient m_pub;
    QHash<QString, RedisAdapter *> m_adapters; // by namespace name
    QHash<QString, Pending> m_pending;         // by requestId
    struct AckRequest {
        SioAdapter::ClientCountReceived clientCount;
        SioAdapter::AckReceived ack;
        QElapsedTimer started;
    };
    QHash<QString, AckRequest> m_ackRequests; // by requestId
    // Requests of a namespace not finished yet (counting the servers included).
    // While there are some, its request channel stays subscribed after its
    // adapter went (m_lingering): dropping it would change the count the
    // request relies on (this node counted or not, depending on timing).
    QHash<QString, int> m_inflight;
    QSet<QString> m_lingering;
    ClusterCounters m_counters;
    bool m_publishFailing = false;
};
