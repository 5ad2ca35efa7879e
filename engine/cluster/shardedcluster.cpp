#include "cluster/shardedcluster.h"

#include "cluster/msgpackjson.h"
#include "cluster/redisadapter.h"
#include "cluster/shardedadapter.h"
#include "common/logging.h"
#include "common/randomid.h"
#include "protocol/siopacket.h"
#include "socketio/sionamespace.h"

namespace {
constexpr int FetchSocketsResponse = 8;
constexpr int BroadcastClientCount = 11;
constexpr int BroadcastAck = 12;
} // namespace

ShardedCluster::ShardedCluster(ClusterSettings settings, QObject *parent)
    : ClusterLink(parent), m_settings(std::move(settings)), m_uid(randomid::string()),
      m_sub(m_settings.endpoint, this), m_pub(m_settings.endpoint, this)
{
    connect(&m_sub, &RedisSubscriber::message, this, &ShardedCluster::onMessage);
}

ShardedCluster::~ShardedCluster()
{
    for (auto it = m_pending.begin(); it != m_pending.end(); ++it)
        delete it->timer;
}

void ShardedCluster::start()
{
    qCInfo(lcRedis).noquote() << "cluster (sharded Pub/Sub): node" << m_uid << "joins through"
                              << m_settings.endpoint.display() << "with channel prefix"
                              << QString::fromUtf8(m_settings.prefix);
    m_sub.start();
}

void ShardedCluster::stop()
{
    m_sub.stop();
}

QJsonObject ShardedCluster::describe() const
{
    const ClusterCounters &c = m_counters;
    return {
        {QStringLiteral("adapter"), QStringLiteral("redis-sharded")},
        {QStringLiteral("uid"), m_uid},
        {QStringLiteral("redis"), m_settings.endpoint.display()},
        {QStringLiteral("key"), QString::fromUtf8(m_settings.prefix)},
        {QStringLiteral("linked"), m_sub.state() == RedisSubscriber::State::Subscribed},
        {QStringLiteral("namespaces"), QJsonArray::fromStringList(m_adapters.keys())},
        {QStringLiteral("broadcastsOut"), double(c.broadcastsOut)},
        {QStringLiteral("broadcastsIn"), double(c.broadcastsIn)},
        {QStringLiteral("requestsOut"), double(c.requestsOut)},
        {QStringLiteral("requestsIn"), double(c.requestsIn)},
        {QStringLiteral("responsesOut"), double(c.responsesOut)},
        {QStringLiteral("requestTimeouts"), double(c.requestTimeouts)},
        {QStringLiteral("publishFailures"), double(c.publishFailures)},
        {QStringLiteral("lastRequestMs"), double(c.lastRequestMs)},
        {QStringLiteral("nodes"), nodesSeen()},
    };
}

std::function<std::unique_ptr<SioAdapter>(SioNamespace *)> ShardedCluster::adapterFactory()
{
    QPointer<ShardedCluster> self(this);
    return [self](SioNamespace *nsp) -> std::unique_ptr<SioAdapter> {
        if (!self) return std::make_unique<SioAdapter>(nsp);
        return std::make_unique<ShardedAdapter>(nsp, self.data());
    };
}

QByteArray ShardedCluster::mainChannel(const QString &nsp) const
{
    return m_settings.prefix + '#' + nsp.toUtf8() + '#';
}

void ShardedCluster::attach(ShardedAdapter *adapter)
{
    m_adapters.insert(adapter->name(), adapter);
    m_lingering.remove(adapter->name());
    m_sub.ssubscribe(mainChannel(adapter->name()));
    m_sub.ssubscribe(mainChannel(adapter->name()) + m_uid.toUtf8() + '#');
}

void ShardedCluster::detach(ShardedAdapter *adapter)
{
    const QString nsp = adapter->name();
    if (m_adapters.value(nsp) != adapter) return;
    m_adapters.remove(nsp);
    // As RedisCluster: the main channel stays while this node's own requests
    // run (it is what SHARDNUMSUB counts), the answer channel stays.
    if (m_inflight.value(nsp) > 0)
        m_lingering.insert(nsp);
    else
        m_sub.sunsubscribe(mainChannel(nsp));
}

void ShardedCluster::send(const QString &nsp, int type, const QJsonObject &data,
                          const QList<QByteArray> &attachments, const QString &toUid)
{
    QByteArray payload;
    if (attachments.isEmpty()) {
        payload = "{\"type\":" + QByteArray::number(type) + ",\"data\":" + sio::toJson(data) +
                  ",\"uid\":" + sio::toJson(m_uid) + ",\"nsp\":" + sio::toJson(nsp) + '}';
    } else {
        cluster::ByteSink sink{&payload};
        cluster::Packer pk(sink);
        pk.pack_map(4);
        cluster::packString(pk, "type");
        pk.pack_int(type);
        cluster::packString(pk, "data");
        cluster::packJson(pk, data, attachments);
        cluster::packString(pk, "uid");
        cluster::packString(pk, m_uid);
        cluster::packString(pk, "nsp");
        cluster::packString(pk, nsp);
    }
    QByteArray channel = mainChannel(nsp);
    if (!toUid.isEmpty()) channel += toUid.toUtf8() + '#';
    QPointer<ShardedCluster> self(this);
    m_pub.command({QByteArrayLiteral("SPUBLISH"), channel, payload},
                  [self](RedisValue, QString error) {
                      if (!self) return;
                      if (error.isEmpty()) {
                          self->m_publishFailing = false;
                          return;
                      }
                      ++self->m_counters.publishFailures;
                      if (!self->m_publishFailing)
                          qCWarning(lcRedis).noquote()
                              << "cluster: SPUBLISH failed, other nodes miss this node's "
                                 "messages until Redis is back:"
                              << error;
                      self->m_publishFailing = true;
                  });
    if (type == 3)
        ++m_counters.broadcastsOut;
    else if (toUid.isEmpty())
        ++m_counters.requestsOut;
    else
        ++m_counters.responsesOut;
}

void ShardedCluster::onMessage(const QByteArray &channel, const QByteArray &payload)
{
    if (!channel.startsWith(m_settings.prefix + '#')) return;
    QString error;
    const auto message = cluster::decodeControl(payload, &error);
    if (!message || !message->type) {
        ++m_counters.malformed;
        qCInfo(lcRedis).noquote() << "cluster: ignored a sharded message on"
                                  << QString::fromUtf8(channel) << ":"
                                  << (message ? QStringLiteral("no type") : error);
        return;
    }
    if (message->uid == m_uid) return; // our own
    const QString nsp = message->fields.value(QLatin1String("nsp")).toString();
    const QJsonObject data = message->fields.value(QLatin1String("data")).toObject();
    if (*message->type == BroadcastClientCount || *message->type == BroadcastAck) {
        const auto it = m_ackRequests.constFind(data.value(QLatin1String("requestId")).toString());
        if (it == m_ackRequests.constEnd()) return; // someone else's, or past its timeout
        const AckRequest request = *it;             // a callback may start another one
        if (*message->type == BroadcastClientCount) {
            m_counters.lastRequestMs = quint64(request.started.elapsed());
            request.clientCount(data.value(QLatin1String("clientCount")).toInt());
        } else {
            request.ack(data.value(QLatin1String("packet")), message->attachments);
        }
        return;
    }
    if (*message->type == FetchSocketsResponse) {
        auto it = m_pending.find(data.value(QLatin1String("requestId")).toString());
        if (it == m_pending.end()) return;
        ++it->answered;
        for (const QJsonValue &v : data.value(QLatin1String("sockets")).toArray())
            it->sockets.append(socketDetailsFromJson(v.toObject(), message->uid));
        if (it->answered >= it->expected) finish(it.key(), QString());
        return;
    }
    ShardedAdapter *adapter = m_adapters.value(nsp);
    if (!adapter) {
        // Lingering: say "nothing here" to requests that count this node.
        if (m_lingering.contains(nsp) && *message->type == 7)
            send(nsp, FetchSocketsResponse,
                 {{QStringLiteral("requestId"), data.value(QLatin1String("requestId"))},
                  {QStringLiteral("sockets"), QJsonArray()}},
                 {}, message->uid);
        return;
    }
    if (*message->type == 3)
        ++m_counters.broadcastsIn;
    else
        ++m_counters.requestsIn;
    adapter->onMessage(*message->type, message->uid, data, message->attachments); // may delete it
}

QString ShardedCluster::expectAcks(qint64 timeoutMs, SioAdapter::ClientCountReceived clientCount,
                                   SioAdapter::AckReceived ack)
{
    const QString requestId = randomid::string();
    AckRequest request{std::move(clientCount), std::move(ack), {}};
    request.started.start();
    m_ackRequests.insert(requestId, std::move(request));
    QTimer::singleShot(int(qBound<qint64>(0, timeoutMs, 24LL * 3600 * 1000)), this,
                       [this, requestId] { m_ackRequests.remove(requestId); });
    return requestId;
}

void ShardedCluster::serverCount(const QString &nsp, std::function<void(int count)> done)
{
    m_pub.command({QByteArrayLiteral("PUBSUB"), QByteArrayLiteral("SHARDNUMSUB"), mainChannel(nsp)},
                  [done](RedisValue reply, QString error) {
                      if (!error.isEmpty() || !reply.isArray() || reply.elements.size() < 2) {
                          done(-1);
                          return;
                      }
                      done(int(reply.elements.at(1).integer));
                  });
}

void ShardedCluster::fetchSockets(const QString &nsp, const BroadcastOptions &opts,
                                  QList<SocketDetails> local, SioAdapter::SocketsDone done)
{
    QPointer<ShardedCluster> self(this);
    ++m_inflight[nsp];
    SioAdapter::SocketsDone finished = [self, nsp, done](QList<SocketDetails> list, QString error) {
        if (self) self->release(nsp);
        done(std::move(list), std::move(error));
    };
    serverCount(nsp, [self, nsp, opts, local, done = std::move(finished)](int count) mutable {
        if (!self) return;
        if (count < 0) {
            done(local, QStringLiteral("cannot count the cluster's nodes (Redis unreachable)"));
            return;
        }
        if (count <= 1) {
            done(local, QString());
            return;
        }
        const QString requestId = randomid::string();
        Pending p;
        p.sockets = std::move(local);
        p.expected = count - 1; // the others
        p.done = std::move(done);
        p.started.start();
        p.timer = new QTimer;
        p.timer->setSingleShot(true);
        ShardedCluster *cluster = self.data();
        QObject::connect(p.timer, &QTimer::timeout, cluster, [cluster, requestId, nsp] {
            const auto it = cluster->m_pending.constFind(requestId);
            if (it == cluster->m_pending.constEnd()) return;
            ++cluster->m_counters.requestTimeouts;
            const QString reason =
                QStringLiteral("timeout reached: only %1 of %2 other nodes answered on %3")
                    .arg(it->answered)
                    .arg(it->expected)
                    .arg(nsp);
            qCWarning(lcRedis).noquote() << "cluster: request" << requestId << reason;
            cluster->finish(requestId, reason);
        });
        p.timer->start(cluster->m_settings.requestsTimeoutMs);
        cluster->m_pending.insert(requestId, std::move(p));
        QJsonObject wireOpts = cluster::optsToJson(opts);
        if (!wireOpts.contains(QLatin1String("flags")))
            wireOpts.insert(QStringLiteral("flags"), QJsonObject());
        cluster->send(
            nsp, 7, {{QStringLiteral("opts"), wireOpts}, {QStringLiteral("requestId"), requestId}});
    });
}

void ShardedCluster::finish(const QString &requestId, const QString &error)
{
    auto it = m_pending.find(requestId);
    if (it == m_pending.end()) return;
    Pending p = std::move(*it);
    m_pending.erase(it);
    delete p.timer;
    m_counters.lastRequestMs = quint64(p.started.elapsed());
    if (p.done) p.done(std::move(p.sockets), error);
}

void ShardedCluster::release(const QString &nsp)
{
    auto it = m_inflight.find(nsp);
    if (it == m_inflight.end()) return;
    if (--*it > 0) return;
    m_inflight.erase(it);
    if (m_lingering.remove(nsp) && !m_adapters.contains(nsp)) m_sub.sunsubscribe(mainChannel(nsp));
}
