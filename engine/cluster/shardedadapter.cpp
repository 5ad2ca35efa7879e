#include "cluster/shardedadapter.h"

#include "cluster/redisadapter.h"
#include "cluster/shardedcluster.h"
#include "socketio/sionamespace.h"
#include "socketio/siosocket.h"

using namespace cluster;

namespace {

// ClusterMessage types (socket.io-adapter cluster-adapter.ts).
enum Type {
    Broadcast = 3,
    SocketsJoin = 4,
    SocketsLeave = 5,
    DisconnectSockets = 6,
    FetchSockets = 7,
    FetchSocketsResponse = 8,
    ServerSideEmit = 9,
    BroadcastClientCount = 11,
    BroadcastAck = 12,
};

QJsonObject wireOpts(const BroadcastOptions &opts)
{
    BroadcastOptions wire = opts;
    wire.flags.local = false;
    QJsonObject o = optsToJson(wire);
    if (!o.contains(QLatin1String("flags"))) o.insert(QStringLiteral("flags"), QJsonObject());
    return o;
}

QStringList strings(const QJsonValue &v)
{
    QStringList list;
    for (const QJsonValue &item : v.toArray())
        if (item.isString()) list.append(item.toString());
    return list;
}

} // namespace

QJsonObject shardedBroadcastData(const QJsonArray &data, const BroadcastOptions &opts)
{
    return {{QStringLiteral("packet"),
             QJsonObject{{QStringLiteral("type"), 2}, {QStringLiteral("data"), data}}},
            {QStringLiteral("opts"), wireOpts(opts)}};
}

ShardedAdapter::ShardedAdapter(SioNamespace *nsp, ShardedCluster *cluster)
    : SioAdapter(nsp), m_cluster(cluster), m_name(nsp->name())
{
    m_cluster->attach(this);
}

ShardedAdapter::~ShardedAdapter()
{
    if (m_cluster) m_cluster->detach(this);
}

int ShardedAdapter::broadcast(const QJsonArray &data, const QList<QByteArray> &attachments,
                              const BroadcastOptions &opts)
{
    const int local = localBroadcast(data, attachments, opts);
    if (!opts.flags.local && m_cluster)
        m_cluster->send(m_name, Broadcast, shardedBroadcastData(data, opts), attachments);
    return local;
}

SioAdapter::RemoteBroadcast ShardedAdapter::remoteBroadcaster() const
{
    QPointer<ShardedCluster> cluster = m_cluster;
    const QString nsp = m_name;
    return [cluster, nsp](const QJsonArray &data, const BroadcastOptions &opts) {
        if (cluster && !opts.flags.local)
            cluster->send(nsp, Broadcast, shardedBroadcastData(data, opts));
    };
}

void ShardedAdapter::addSockets(const BroadcastOptions &opts, const QStringList &rooms)
{
    localAddSockets(opts, rooms);
    if (opts.flags.local || !m_cluster) return;
    m_cluster->send(m_name, SocketsJoin,
                    {{QStringLiteral("opts"), wireOpts(opts)},
                     {QStringLiteral("rooms"), QJsonArray::fromStringList(rooms)}});
}

void ShardedAdapter::delSockets(const BroadcastOptions &opts, const QStringList &rooms)
{
    localDelSockets(opts, rooms);
    if (opts.flags.local || !m_cluster) return;
    m_cluster->send(m_name, SocketsLeave,
                    {{QStringLiteral("opts"), wireOpts(opts)},
                     {QStringLiteral("rooms"), QJsonArray::fromStringList(rooms)}});
}

void ShardedAdapter::disconnectSockets(const BroadcastOptions &opts, bool close)
{
    if (!opts.flags.local && m_cluster)
        m_cluster->send(
            m_name, DisconnectSockets,
            {{QStringLiteral("opts"), wireOpts(opts)}, {QStringLiteral("close"), close}});
    localDisconnectSockets(opts, close); // last: may delete this adapter
}

void ShardedAdapter::broadcastWithAck(const QJsonArray &data, const QList<QByteArray> &attachments,
                                      const BroadcastOptions &opts, ClientCountReceived clientCount,
                                      AckReceived ack)
{
    if (!opts.flags.local && m_cluster) {
        QJsonObject message = shardedBroadcastData(data, opts);
        message.insert(QStringLiteral("requestId"),
                       m_cluster->expectAcks(opts.flags.timeoutMs.value_or(0), clientCount, ack));
        m_cluster->send(m_name, Broadcast, message, attachments);
    }
    SioAdapter::broadcastWithAck(data, attachments, opts, std::move(clientCount), std::move(ack));
}

void ShardedAdapter::fetchSockets(const BroadcastOptions &opts, SocketsDone done)
{
    QList<SocketDetails> local = localSocketDetails(opts);
    if (opts.flags.local || !m_cluster) {
        done(local, QString());
        return;
    }
    m_cluster->fetchSockets(m_name, opts, std::move(local), std::move(done));
}

void ShardedAdapter::serverCount(std::function<void(int count)> done)
{
    if (!m_cluster) {
        done(1);
        return;
    }
    m_cluster->serverCount(m_name, std::move(done));
}

void ShardedAdapter::serverSideEmit(const QJsonArray &data)
{
    if (m_cluster) m_cluster->send(m_name, ServerSideEmit, {{QStringLiteral("packet"), data}});
}

void ShardedAdapter::serverSideEmitWithAck(const QJsonArray &data, ServerSideDone done)
{
    Q_UNUSED(data);
    done({}, QStringLiteral("serverSideEmitWithAck is not supported with --adapter redis-sharded"));
}

void ShardedAdapter::onMessage(int type, const QString &fromUid, const QJsonObject &data,
                               const QList<QByteArray> &attachments)
{
    if (m_cluster) m_cluster->noteNode(fromUid);
    const BroadcastOptions opts = optsFromJson(data.value(QLatin1String("opts")));
    switch (type) {
    case Broadcast: {
        if (data.contains(QLatin1String("requestId"))) {
            answerBroadcastWithAck(fromUid, data, attachments);
            return;
        }
        const QJsonArray args =
            data.value(QLatin1String("packet")).toObject().value(QLatin1String("data")).toArray();
        if (args.isEmpty() || !args.first().isString()) return;
        localBroadcast(args, attachments, opts);
        return;
    }
    case SocketsJoin:
        localAddSockets(opts, strings(data.value(QLatin1String("rooms"))));
        return;
    case SocketsLeave:
        localDelSockets(opts, strings(data.value(QLatin1String("rooms"))));
        return;
    case DisconnectSockets:
        localDisconnectSockets(opts,
                               data.value(QLatin1String("close")).toBool()); // may delete this
        return;
    case FetchSockets: {
        QJsonArray sockets;
        for (const SocketDetails &d : localSocketDetails(opts))
            sockets.append(socketDetailsToJson(d));
        if (m_cluster)
            m_cluster->send(m_name, FetchSocketsResponse,
                            {{QStringLiteral("requestId"), data.value(QLatin1String("requestId"))},
                             {QStringLiteral("sockets"), sockets}},
                            {}, fromUid);
        return;
    }
    case ServerSideEmit: {
        const QJsonArray packet = data.value(QLatin1String("packet")).toArray();
        if (!packet.isEmpty() && packet.first().isString() && m_cluster &&
            m_cluster->onServerSideEmit)
            m_cluster->onServerSideEmit(m_name, packet, fromUid);
        return;
    }
    default:
        return; // heartbeats, ADAPTER_CLOSE, answers to requests we did not make
    }
}

void ShardedAdapter::answerBroadcastWithAck(const QString &fromUid, const QJsonObject &data,
                                            const QList<QByteArray> &attachments)
{
    if (!m_cluster) return;
    const QJsonArray all =
        data.value(QLatin1String("packet")).toObject().value(QLatin1String("data")).toArray();
    if (all.isEmpty() || !all.first().isString()) return;
    QJsonArray args;
    for (qsizetype i = 1; i < all.size(); ++i)
        args.append(all.at(i));
    const QString requestId = data.value(QLatin1String("requestId")).toString();
    const QList<SioSocket *> targets =
        localSockets(optsFromJson(data.value(QLatin1String("opts"))));
    QPointer<ShardedCluster> cluster = m_cluster;
    const QString nsp = m_name;
    for (SioSocket *s : targets)
        s->emitEvent(all.first().toString(), args, attachments,
                     [cluster, nsp, fromUid, requestId](const QJsonArray &ackArgs,
                                                        const QList<QByteArray> &ackAttachments) {
                         if (!cluster) return;
                         cluster->send(nsp, BroadcastAck,
                                       {{QStringLiteral("requestId"), requestId},
                                        {QStringLiteral("packet"),
                                         ackArgs.isEmpty() ? QJsonValue() : ackArgs.first()}},
                                       ackAttachments, fromUid);
                     });
    m_cluster->send(m_name, BroadcastClientCount,
                    {{QStringLiteral("requestId"), requestId},
                     {QStringLiteral("clientCount"), int(targets.size())}},
                    {}, fromUid);
}
