#include "cluster/rediscluster.h"

#include "cluster/redisadapter.h"
#include "common/logging.h"
#include "common/randomid.h"
#include "socketio/sionamespace.h"

namespace {

// PSUBSCRIBE takes a glob: a namespace name with *, ?, [ or \ must not widen it.
QByteArray globEscaped(const QByteArray &text)
{
    QByteArray out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.append('\\');
        out.append(c);
    }
    return out;
}

} // namespace

RedisCluster::RedisCluster(ClusterSettings settings, QObject *parent)
    : ClusterLink(parent), m_settings(std::move(settings)), m_uid(randomid::string()),
      m_sub(m_settings.endpoint, this), m_pub(m_settings.endpoint, this)
{
    connect(&m_sub, &RedisSubscriber::message, this, &RedisCluster::onMessage);
    connect(&m_sub, &RedisSubscriber::stateChanged, this,
            [this](RedisSubscriber::State state, const QString &detail) {
                if (state == RedisSubscriber::State::Subscribed)
                    qCInfo(lcRedis).noquote() << "cluster node" << m_uid << "linked:" << detail;
            });
}

RedisCluster::~RedisCluster()
{
    for (auto it = m_pending.begin(); it != m_pending.end(); ++it)
        delete it->timer;
}

QJsonObject RedisCluster::describe() const
{
    const ClusterCounters &c = m_counters;
    return {
        {QStringLiteral("adapter"), QStringLiteral("redis")},
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

void RedisCluster::start()
{
    qCInfo(lcRedis).noquote() << "cluster: node" << m_uid << "joins through"
                              << m_settings.endpoint.display() << "with key prefix"
                              << QString::fromUtf8(m_settings.prefix);
    m_sub.start();
}

void RedisCluster::stop()
{
    m_sub.stop();
}

std::function<std::unique_ptr<SioAdapter>(SioNamespace *)> RedisCluster::adapterFactory()
{
    QPointer<RedisCluster> self(this);
    return [self](SioNamespace *nsp) -> std::unique_ptr<SioAdapter> {
        if (!self) return std::make_unique<SioAdapter>(nsp);
        return std::make_unique<RedisAdapter>(nsp, self.data());
    };
}

QByteArray RedisCluster::requestChannel(const QString &nsp) const
{
    return m_settings.prefix + "-request#" + nsp.toUtf8() + '#';
}

QByteArray RedisCluster::responseChannel(const QString &nsp, const QString &requesterUid) const
{
    QByteArray channel = m_settings.prefix + "-response#" + nsp.toUtf8() + '#';
    // The requester's own channel when it has one (Node 8.x listens on both);
    // the emitter and legacy requesters only hear the shared one.
    if (!requesterUid.isEmpty()) channel += requesterUid.toUtf8() + '#';
    return channel;
}

void RedisCluster::attach(RedisAdapter *adapter)
{
    const QString &nsp = adapter->name();
    m_adapters.insert(nsp, adapter);
    m_lingering.remove(nsp);
    m_sub.psubscribe(globEscaped(m_settings.prefix + '#' + nsp.toUtf8() + '#') + '*');
    m_sub.subscribe(requestChannel(nsp));
    m_sub.subscribe(responseChannel(nsp));
    m_sub.subscribe(responseChannel(nsp, m_uid));
}

void RedisCluster::detach(RedisAdapter *adapter)
{
    const QString &nsp = adapter->name();
    if (m_adapters.value(nsp) != adapter) return;
    m_adapters.remove(nsp);
    m_sub.punsubscribe(globEscaped(m_settings.prefix + '#' + nsp.toUtf8() + '#') + '*');
    if (m_inflight.value(nsp) > 0)
        m_lingering.insert(nsp);
    else
        m_sub.unsubscribe(requestChannel(nsp));
    // The response channels stay: a request made just before the namespace's
    // last socket left (doc_viewers on disconnect) still gets its answers.
    // They are not counted as a server (only the request channel is), and
    // there is one pair per namespace name ever served (sites).
}

void RedisCluster::publish(const QByteArray &channel, const QByteArray &payload)
{
    QPointer<RedisCluster> self(this);
    m_pub.publish(channel, payload, [self](qint64, QString error) {
        if (!self) return;
        if (error.isEmpty()) {
            if (self->m_publishFailing)
                qCInfo(lcRedis).noquote() << "cluster: publishing works again";
            self->m_publishFailing = false;
            return;
        }
        ++self->m_counters.publishFailures;
        if (!self->m_publishFailing)
            qCWarning(lcRedis).noquote()
                << "cluster: publish failed, other nodes miss this node's broadcasts until "
                   "Redis is back:"
                << error;
        self->m_publishFailing = true;
    });
}

void RedisCluster::onMessage(const QByteArray &channel, const QByteArray &payload)
{
    const QByteArray &prefix = m_settings.prefix;
    if (!channel.startsWith(prefix)) return;
    const QByteArray rest = channel.mid(prefix.size());
    if (rest.startsWith('#')) {
        // P#N#[room#]: the namespace runs to the next '#', the room to the last one.
        const qsizetype end = rest.indexOf('#', 1);
        if (end < 0) return;
        RedisAdapter *adapter = adapterFor(QString::fromUtf8(rest.mid(1, end - 1)));
        if (!adapter) return;
        const QByteArray room = rest.mid(end + 1);
        // A one-room broadcast for a room this node does not have: drop it
        // without decoding (Node's filter, spec 2.2).
        if (!room.isEmpty() && !adapter->hasRoom(QString::fromUtf8(room.chopped(1)))) return;
        ++m_counters.broadcastsIn;
        adapter->onBroadcast(payload);
        return;
    }
    if (rest.startsWith("-request#")) {
        const QByteArray nsp = rest.mid(9, rest.size() - 10);
        RedisAdapter *adapter = adapterFor(QString::fromUtf8(nsp));
        if (!adapter) {
            if (m_lingering.contains(QString::fromUtf8(nsp)))
                answerEmpty(QString::fromUtf8(nsp), payload);
            return;
        }
        ++m_counters.requestsIn;
        adapter->onRequest(payload); // may delete the adapter
        return;
    }
    if (rest.startsWith("-response#")) onResponse(payload);
}

void RedisCluster::onResponse(const QByteArray &payload)
{
    QString error;
    const auto response = cluster::decodeControl(payload, &error);
    if (!response) {
        ++m_counters.malformed;
        qCInfo(lcRedis).noquote() << "cluster: ignored a response:" << error;
        return;
    }
    const auto ackIt = m_ackRequests.constFind(response->requestId);
    if (ackIt != m_ackRequests.constEnd()) {
        // Copies: a callback may start another acknowledged broadcast.
        const AckRequest request = *ackIt;
        const int type = response->type.value_or(-1);
        if (type == int(cluster::RequestType::BroadcastClientCount)) {
            m_counters.lastRequestMs = quint64(request.started.elapsed());
            request.clientCount(response->fields.value(QLatin1String("clientCount")).toInt());
        } else if (type == int(cluster::RequestType::BroadcastAck)) {
            request.ack(response->fields.value(QLatin1String("packet")), response->attachments);
        }
        return;
    }
    auto it = m_pending.find(response->requestId);
    if (it == m_pending.end()) return; // someone else's, or timed out
    Pending &p = *it;
    const QJsonObject &f = response->fields;
    ++p.answers.answered;
    if (p.type == cluster::RequestType::RemoteFetch) {
        const QString node = f.value(QLatin1String("uid")).toString(); // absent in Node's answers
        for (const QJsonValue &v : f.value(QLatin1String("sockets")).toArray())
            p.answers.sockets.append(socketDetailsFromJson(
                v.toObject(), node.isEmpty() ? QStringLiteral("remote") : node));
    } else if (p.type == cluster::RequestType::ServerSideEmit) {
        p.answers.serverSide.append(f.value(QLatin1String("data")));
    } else if (p.type == cluster::RequestType::AllRooms) {
        for (const QJsonValue &v : f.value(QLatin1String("rooms")).toArray())
            p.answers.rooms.append(v.toString());
    }
    if (p.answers.answered >= p.answers.nodes) finish(response->requestId, QString());
}

void RedisCluster::finish(const QString &requestId, const QString &error)
{
    auto it = m_pending.find(requestId);
    if (it == m_pending.end()) return;
    Pending p = std::move(*it);
    m_pending.erase(it);
    delete p.timer;
    m_counters.lastRequestMs = quint64(p.started.elapsed());
    if (p.done) p.done(std::move(p.answers), error);
}

void RedisCluster::answerEmpty(const QString &nsp, const QByteArray &payload)
{
    const auto request = cluster::decodeControl(payload, nullptr);
    if (!request || !request->type || request->uid == m_uid || request->requestId.isEmpty()) return;
    QJsonObject response{{QStringLiteral("requestId"), request->requestId}};
    switch (cluster::RequestType(*request->type)) {
    case cluster::RequestType::Sockets:
    case cluster::RequestType::RemoteFetch:
        response.insert(QStringLiteral("sockets"), QJsonArray());
        break;
    case cluster::RequestType::AllRooms:
        response.insert(QStringLiteral("rooms"), QJsonArray());
        break;
    case cluster::RequestType::Broadcast:
        response.insert(QStringLiteral("type"), int(cluster::RequestType::BroadcastClientCount));
        response.insert(QStringLiteral("clientCount"), 0);
        break;
    default:
        return;
    }
    publish(responseChannel(nsp, request->uid), cluster::encodeJson(response));
}

void RedisCluster::release(const QString &nsp)
{
    auto it = m_inflight.find(nsp);
    if (it == m_inflight.end()) return;
    if (--*it > 0) return;
    m_inflight.erase(it);
    if (m_lingering.remove(nsp) && !m_adapters.contains(nsp))
        m_sub.unsubscribe(requestChannel(nsp));
}

QString RedisCluster::expectAcks(qint64 timeoutMs, SioAdapter::ClientCountReceived clientCount,
                                 SioAdapter::AckReceived ack)
{
    const QString requestId = randomid::string();
    AckRequest request{std::move(clientCount), std::move(ack), {}};
    request.started.start();
    m_ackRequests.insert(requestId, std::move(request));
    ++m_counters.requestsOut;
    QTimer::singleShot(int(qBound<qint64>(0, timeoutMs, 24LL * 3600 * 1000)), this,
                       [this, requestId] { m_ackRequests.remove(requestId); });
    return requestId;
}

void RedisCluster::serverCount(const QString &nsp, std::function<void(int count)> done)
{
    m_pub.command({QByteArrayLiteral("PUBSUB"), QByteArrayLiteral("NUMSUB"), requestChannel(nsp)},
                  [done](RedisValue reply, QString error) {
                      if (!error.isEmpty() || !reply.isArray() || reply.elements.size() < 2) {
                          done(-1);
                          return;
                      }
                      done(int(reply.elements.at(1).integer));
                  });
}

void RedisCluster::request(const QString &nsp, cluster::RequestType type, QJsonObject request,
                           Answers local, AnswersDone done)
{
    QPointer<RedisCluster> self(this);
    ++m_inflight[nsp];
    AnswersDone finished = [self, nsp, done](Answers answers, QString error) {
        if (self) self->release(nsp);
        done(std::move(answers), std::move(error));
    };
    serverCount(
        nsp, [self, nsp, type, request, local, done = std::move(finished)](int count) mutable {
            if (!self) return;
            if (count < 0) {
                done(local, QStringLiteral("cannot count the cluster's nodes (Redis unreachable)"));
                return;
            }
            if (count <= 1) { // only this node serves the namespace
                done(local, QString());
                return;
            }
            const QString requestId = randomid::string();
            request.insert(QStringLiteral("uid"), self->m_uid);
            request.insert(QStringLiteral("requestId"), requestId);
            Pending p;
            p.type = type;
            p.nsp = nsp;
            p.answers = std::move(local);
            p.answers.nodes = count;
            p.done = std::move(done);
            p.started.start();
            p.timer = new QTimer;
            p.timer->setSingleShot(true);
            RedisCluster *cluster = self.data();
            QObject::connect(p.timer, &QTimer::timeout, cluster, [cluster, requestId, nsp] {
                const auto it = cluster->m_pending.constFind(requestId);
                if (it == cluster->m_pending.constEnd()) return;
                ++cluster->m_counters.requestTimeouts;
                const QString reason =
                    QStringLiteral("timeout reached: only %1 of %2 nodes answered on %3")
                        .arg(it->answers.answered)
                        .arg(it->answers.nodes)
                        .arg(nsp);
                qCWarning(lcRedis).noquote() << "cluster: request" << requestId << reason;
                cluster->finish(requestId, reason);
            });
            p.timer->start(cluster->m_settings.requestsTimeoutMs);
            cluster->m_pending.insert(requestId, std::move(p));
            ++cluster->m_counters.requestsOut;
            cluster->publish(cluster->requestChannel(nsp), cluster::encodeJson(request));
        });
}
