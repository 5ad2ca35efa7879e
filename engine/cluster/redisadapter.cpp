#include "cluster/redisadapter.h"

#include "cluster/rediscluster.h"
#include "common/logging.h"
#include "protocol/siopacket.h"
#include "socketio/sionamespace.h"
#include "socketio/siosocket.h"

using namespace cluster;

namespace {

QJsonArray toJsonArray(const QStringList &list)
{
    QJsonArray a;
    for (const QString &s : list)
        a.append(s);
    return a;
}

QStringList stringList(const QJsonValue &value)
{
    QStringList list;
    for (const QJsonValue &v : value.toArray())
        if (v.isString()) list.append(v.toString());
    return list;
}

} // namespace

QJsonObject socketDetailsToJson(const SocketDetails &d)
{
    return {{QStringLiteral("id"), d.id},
            {QStringLiteral("handshake"), d.handshake},
            {QStringLiteral("rooms"), toJsonArray(d.rooms)},
            {QStringLiteral("data"), d.data}};
}

SocketDetails socketDetailsFromJson(const QJsonObject &o, const QString &node)
{
    SocketDetails d;
    d.id = o.value(QLatin1String("id")).toString();
    d.handshake = o.value(QLatin1String("handshake")).toObject();
    d.rooms = stringList(o.value(QLatin1String("rooms")));
    d.data = o.value(QLatin1String("data")).toObject();
    d.node = node;
    return d;
}

RedisAdapter::RedisAdapter(SioNamespace *nsp, RedisCluster *cluster)
    : SioAdapter(nsp), m_cluster(cluster), m_name(nsp->name())
{
    m_cluster->attach(this);
}

RedisAdapter::~RedisAdapter()
{
    if (m_cluster) m_cluster->detach(this);
}

bool RedisAdapter::hasRoom(const QString &room) const
{
    return nsp()->rooms().contains(room);
}

QJsonObject RedisAdapter::publishedOpts(const BroadcastOptions &opts) const
{
    BroadcastOptions wire = opts;
    wire.flags = {}; // Node publishes only rooms and except for socket operations
    return optsToJson(wire);
}

int RedisAdapter::broadcast(const QJsonArray &data, const QList<QByteArray> &attachments,
                            const BroadcastOptions &opts)
{
    const int local = localBroadcast(data, attachments, opts);
    if (!opts.flags.local && m_cluster) {
        m_cluster->publish(broadcastChannel(m_cluster->settings().prefix, m_name, opts),
                           encodeBroadcast(m_cluster->uid(), m_name, data, attachments, opts));
        m_cluster->countBroadcastOut();
    }
    return local;
}

SioAdapter::RemoteBroadcast RedisAdapter::remoteBroadcaster() const
{
    QPointer<RedisCluster> cluster = m_cluster;
    const QString nsp = m_name;
    return [cluster, nsp](const QJsonArray &data, const BroadcastOptions &opts) {
        if (!cluster || opts.flags.local) return;
        cluster->publish(broadcastChannel(cluster->settings().prefix, nsp, opts),
                         encodeBroadcast(cluster->uid(), nsp, data, {}, opts));
        cluster->countBroadcastOut();
    };
}

void RedisAdapter::addSockets(const BroadcastOptions &opts, const QStringList &rooms)
{
    localAddSockets(opts, rooms);
    if (opts.flags.local || !m_cluster) return;
    QJsonObject request{{QStringLiteral("uid"), m_cluster->uid()},
                        {QStringLiteral("type"), int(RequestType::RemoteJoin)},
                        {QStringLiteral("opts"), publishedOpts(opts)},
                        {QStringLiteral("rooms"), toJsonArray(rooms)}};
    m_cluster->publish(m_cluster->requestChannel(m_name), encodeJson(request));
}

void RedisAdapter::delSockets(const BroadcastOptions &opts, const QStringList &rooms)
{
    localDelSockets(opts, rooms);
    if (opts.flags.local || !m_cluster) return;
    QJsonObject request{{QStringLiteral("uid"), m_cluster->uid()},
                        {QStringLiteral("type"), int(RequestType::RemoteLeave)},
                        {QStringLiteral("opts"), publishedOpts(opts)},
                        {QStringLiteral("rooms"), toJsonArray(rooms)}};
    m_cluster->publish(m_cluster->requestChannel(m_name), encodeJson(request));
}

void RedisAdapter::disconnectSockets(const BroadcastOptions &opts, bool close)
{
    if (!opts.flags.local && m_cluster) {
        QJsonObject request{{QStringLiteral("uid"), m_cluster->uid()},
                            {QStringLiteral("type"), int(RequestType::RemoteDisconnect)},
                            {QStringLiteral("opts"), publishedOpts(opts)},
                            {QStringLiteral("close"), close}};
        m_cluster->publish(m_cluster->requestChannel(m_name), encodeJson(request));
    }
    localDisconnectSockets(opts, close); // last: may delete this adapter
}

void RedisAdapter::broadcastWithAck(const QJsonArray &data, const QList<QByteArray> &attachments,
                                    const BroadcastOptions &opts, ClientCountReceived clientCount,
                                    AckReceived ack)
{
    if (!opts.flags.local && m_cluster) {
        const QString requestId =
            m_cluster->expectAcks(opts.flags.timeoutMs.value_or(0), clientCount, ack);
        m_cluster->publish(
            m_cluster->requestChannel(m_name),
            encodeBroadcastRequest(m_cluster->uid(), requestId, m_name, data, attachments, opts));
    }
    SioAdapter::broadcastWithAck(data, attachments, opts, std::move(clientCount), std::move(ack));
}

void RedisAdapter::fetchSockets(const BroadcastOptions &opts, SocketsDone done)
{
    RedisCluster::Answers local;
    local.sockets = localSocketDetails(opts);
    if (opts.flags.local || !m_cluster) {
        done(local.sockets, QString());
        return;
    }
    QJsonObject request{{QStringLiteral("type"), int(RequestType::RemoteFetch)},
                        {QStringLiteral("opts"), publishedOpts(opts)}};
    m_cluster->request(
        m_name, RequestType::RemoteFetch, request, local,
        [done](RedisCluster::Answers answers, QString error) { done(answers.sockets, error); });
}

void RedisAdapter::allRooms(RoomsDone done)
{
    RedisCluster::Answers local;
    local.rooms = localRooms();
    if (!m_cluster) {
        done(local.rooms, QString());
        return;
    }
    QJsonObject request{{QStringLiteral("type"), int(RequestType::AllRooms)}};
    m_cluster->request(m_name, RequestType::AllRooms, request, local,
                       [done](RedisCluster::Answers answers, QString error) {
                           answers.rooms.removeDuplicates();
                           done(answers.rooms, error);
                       });
}

void RedisAdapter::serverCount(std::function<void(int count)> done)
{
    if (!m_cluster) {
        done(1);
        return;
    }
    m_cluster->serverCount(m_name, std::move(done));
}

void RedisAdapter::serverSideEmit(const QJsonArray &data)
{
    if (!m_cluster) return;
    QJsonObject request{{QStringLiteral("uid"), m_cluster->uid()},
                        {QStringLiteral("type"), int(RequestType::ServerSideEmit)},
                        {QStringLiteral("data"), data}};
    m_cluster->publish(m_cluster->requestChannel(m_name), encodeJson(request));
}

void RedisAdapter::serverSideEmitWithAck(const QJsonArray &data, ServerSideDone done)
{
    if (!m_cluster) {
        done({}, QString());
        return;
    }
    QJsonObject request{{QStringLiteral("type"), int(RequestType::ServerSideEmit)},
                        {QStringLiteral("data"), data}};
    m_cluster->request(m_name, RequestType::ServerSideEmit, request, {},
                       [done](RedisCluster::Answers answers, QString error) {
                           // Node's text: it counts the other nodes only.
                           if (error.startsWith(QLatin1String("timeout reached")))
                               error = QStringLiteral("timeout reached: only %1 responses "
                                                      "received out of %2")
                                           .arg(answers.answered - 1)
                                           .arg(answers.nodes - 1);
                           done(answers.serverSide, error);
                       });
}

void RedisAdapter::onBroadcast(const QByteArray &payload)
{
    QString error;
    const auto message = decodeBroadcast(payload, &error);
    if (!message) {
        qCInfo(lcRedis).noquote() << "cluster: ignored a broadcast on" << m_name << ":" << error;
        return;
    }
    if (m_cluster && message->uid == m_cluster->uid()) return; // delivered here already
    if (m_cluster) m_cluster->noteNode(message->uid);
    if (message->packet.nsp != m_name) return;
    localBroadcastJson(message->packet.dataJson, message->packet.attachments, message->opts);
}

void RedisAdapter::respond(const QString &requesterUid, const QJsonObject &response)
{
    if (!m_cluster) return;
    m_cluster->publish(m_cluster->responseChannel(m_name, requesterUid), encodeJson(response));
    m_cluster->countResponseOut();
}

void RedisAdapter::onRequest(const QByteArray &payload)
{
    QString error;
    const auto request = decodeControl(payload, &error);
    if (!request || !request->type) {
        qCInfo(lcRedis).noquote() << "cluster: ignored a request on" << m_name << ":"
                                  << (request ? QStringLiteral("no type") : error);
        return;
    }
    const bool own = m_cluster && !request->uid.isEmpty() && request->uid == m_cluster->uid();
    if (own) return; // our own requests: applied locally already, answers are ours
    if (m_cluster) m_cluster->noteNode(request->uid);
    const QJsonObject &f = request->fields;
    switch (RequestType(*request->type)) {
    case RequestType::Sockets: {
        BroadcastOptions opts;
        opts.rooms = stringList(f.value(QLatin1String("rooms")));
        QJsonArray ids;
        for (SioSocket *s : localSockets(opts))
            ids.append(s->id());
        respond(request->uid, {{QStringLiteral("requestId"), request->requestId},
                               {QStringLiteral("sockets"), ids}});
        return;
    }
    case RequestType::AllRooms:
        respond(request->uid, {{QStringLiteral("requestId"), request->requestId},
                               {QStringLiteral("rooms"), toJsonArray(localRooms())}});
        return;
    case RequestType::RemoteJoin:
        remoteJoinLeave(*request, true);
        return;
    case RequestType::RemoteLeave:
        remoteJoinLeave(*request, false);
        return;
    case RequestType::RemoteDisconnect:
        remoteDisconnect(*request);
        return; // may delete this
    case RequestType::RemoteFetch: {
        QJsonArray sockets;
        for (const SocketDetails &d :
             localSocketDetails(optsFromJson(f.value(QLatin1String("opts")))))
            sockets.append(socketDetailsToJson(d));
        respond(request->uid, {{QStringLiteral("requestId"), request->requestId},
                               {QStringLiteral("sockets"), sockets}});
        return;
    }
    case RequestType::ServerSideEmit: {
        const QJsonArray data = f.value(QLatin1String("data")).toArray();
        if (data.isEmpty() || !data.first().isString()) return;
        if (m_cluster && m_cluster->onServerSideEmit)
            m_cluster->onServerSideEmit(m_name, data, request->uid);
        // With a requestId the sender waits for one answer per node that has a
        // listener; this node has none that answers, as a Node node without one.
        return;
    }
    case RequestType::Broadcast:
        answerBroadcastWithAck(*request);
        return;
    default:
        return;
    }
}

void RedisAdapter::remoteJoinLeave(const ControlMessage &request, bool join)
{
    const QJsonObject &f = request.fields;
    if (f.contains(QLatin1String("opts"))) {
        const BroadcastOptions opts = optsFromJson(f.value(QLatin1String("opts")));
        const QStringList rooms = stringList(f.value(QLatin1String("rooms")));
        join ? localAddSockets(opts, rooms) : localDelSockets(opts, rooms);
        return;
    }
    // Legacy form (adapter < 7): one socket by id, answered when it is ours.
    SioSocket *s = nsp()->socket(f.value(QLatin1String("sid")).toString());
    if (!s) return;
    const QString room = f.value(QLatin1String("room")).toString();
    join ? (void)s->join(room) : s->leave(room);
    respond(request.uid, {{QStringLiteral("requestId"), request.requestId}});
}

void RedisAdapter::remoteDisconnect(const ControlMessage &request)
{
    const QJsonObject &f = request.fields;
    const bool close = f.value(QLatin1String("close")).toBool();
    if (f.contains(QLatin1String("opts"))) {
        localDisconnectSockets(optsFromJson(f.value(QLatin1String("opts"))), close);
        return;
    }
    SioSocket *s = nsp()->socket(f.value(QLatin1String("sid")).toString());
    if (!s) return;
    respond(request.uid, {{QStringLiteral("requestId"), request.requestId}});
    s->disconnect(close);
}

void RedisAdapter::answerBroadcastWithAck(const ControlMessage &request)
{
    if (!m_cluster) return;
    const auto data = sio::parseJson(request.packet.dataJson);
    if (!data || !data->isArray() || request.packet.nsp != m_name) return;
    const QJsonArray all = data->toArray();
    const QString event = all.first().toString();
    QJsonArray args;
    for (qsizetype i = 1; i < all.size(); ++i)
        args.append(all.at(i));
    const BroadcastOptions opts = optsFromJson(request.fields.value(QLatin1String("opts")));
    const QList<SioSocket *> targets = localSockets(opts);
    const QByteArray channel = m_cluster->responseChannel(m_name, request.uid);
    QPointer<RedisCluster> cluster = m_cluster;
    const QString requestId = request.requestId;
    for (SioSocket *s : targets) {
        s->emitEvent(event, args, request.packet.attachments,
                     [cluster, channel, requestId](const QJsonArray &ackArgs,
                                                   const QList<QByteArray> &attachments) {
                         if (!cluster) return;
                         cluster->publish(
                             channel,
                             encodeBroadcastAck(requestId,
                                                ackArgs.isEmpty() ? QJsonValue() : ackArgs.first(),
                                                attachments));
                         cluster->countResponseOut();
                     });
    }
    respond(request.uid, {{QStringLiteral("type"), int(RequestType::BroadcastClientCount)},
                          {QStringLiteral("requestId"), requestId},
                          {QStringLiteral("clientCount"), int(targets.size())}});
}
