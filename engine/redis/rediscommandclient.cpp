#include "redis/rediscommandclient.h"

#include "common/logging.h"
#include "redis/respencoder.h"

#include <QDeadlineTimer>

namespace {
qint64 nowMs()
{
    return QDeadlineTimer::current().deadline();
}
} // namespace

RedisCommandClient::RedisCommandClient(RedisEndpoint endpoint, QObject *parent)
    : QObject(parent), m_endpoint(endpoint), m_connection(std::move(endpoint), this),
      m_replyTimer(this)
{
    m_replyTimer.setSingleShot(true);
    connect(&m_replyTimer, &QTimer::timeout, this, &RedisCommandClient::onReplyTimeout);
    connect(&m_connection, &RedisConnection::ready, this, &RedisCommandClient::onReady);
    connect(&m_connection, &RedisConnection::replyReceived, this, &RedisCommandClient::onReply);
    connect(&m_connection, &RedisConnection::failed, this, &RedisCommandClient::onFailed);
}

RedisCommandClient::~RedisCommandClient()
{
    m_connection.close();
}

void RedisCommandClient::setTimeout(int ms)
{
    m_timeoutMs = std::max(1, ms);
    m_replyTimer.setInterval(m_timeoutMs);
}

void RedisCommandClient::command(const QList<QByteArray> &argv, Callback done)
{
    if (!done) done = [](RedisValue, QString) {};
    QByteArray encoded = encodeRedisCommand(argv);
    if (m_connection.isReady()) {
        // An idle link has made no progress to measure from: start the clock now.
        if (m_inFlight.empty()) m_lastProgressMs = nowMs();
        m_connection.write(encoded);
        m_inFlight.push_back(std::move(done));
        if (!m_replyTimer.isActive()) m_replyTimer.start(m_timeoutMs);
        return;
    }
    m_queued.push_back({std::move(encoded), std::move(done)});
    if (m_connection.phase() == RedisConnection::Phase::Closed) {
        m_linkWasReady = false;
        m_connection.open(m_timeoutMs);
    }
}

void RedisCommandClient::get(
    const QByteArray &key, std::function<void(std::optional<QByteArray> value, QString error)> done)
{
    command({QByteArrayLiteral("GET"), key}, [done = std::move(done)](RedisValue reply,
                                                                      QString error) {
        if (!done) return;
        if (!error.isEmpty())
            done(std::nullopt, error);
        else if (reply.isNil())
            done(std::nullopt, QString());
        else if (reply.isText())
            done(reply.string, QString());
        else
            done(std::nullopt, QStringLiteral("unexpected reply to GET: %1").arg(reply.describe()));
    });
}

void RedisCommandClient::publish(const QByteArray &channel, const QByteArray &payload,
                                 std::function<void(qint64 receivers, QString error)> done)
{
    command({QByteArrayLiteral("PUBLISH"), channel, payload}, [done = std::move(done)](
                                                                  RedisValue reply, QString error) {
        if (!done) return;
        if (!error.isEmpty())
            done(-1, error);
        else if (reply.type == RedisValue::Type::Integer)
            done(reply.integer, QString());
        else
            done(-1, QStringLiteral("unexpected reply to PUBLISH: %1").arg(reply.describe()));
    });
}

void RedisCommandClient::onReady()
{
    m_linkWasReady = true;
    if (m_failing) {
        m_failing = false;
        qCInfo(lcRedis).noquote() << "commands: connected to" << m_endpoint.display();
    }
    if (m_queued.empty()) return;
    QByteArray batch;
    for (Queued &q : m_queued) {
        batch += q.encoded;
        m_inFlight.push_back(std::move(q.done));
    }
    m_queued.clear();
    m_connection.write(batch);
    m_lastProgressMs = nowMs();
    m_replyTimer.start(m_timeoutMs);
}

void RedisCommandClient::onReply(const RedisValue &reply)
{
    if (m_inFlight.empty()) {
        // Replies and requests no longer line up: nothing on this link can be trusted.
        m_connection.close();
        onFailed(QStringLiteral("unexpected reply %1").arg(reply.describe()));
        return;
    }
    Callback done = std::move(m_inFlight.front());
    m_inFlight.pop_front();
    // Progress: the next reply gets a full timeout from now. Only the clock is
    // read here; the timer checks it when it fires, because restarting a QTimer
    // per reply costs a sorted insert into the dispatcher's timer list.
    m_lastProgressMs = nowMs();
    done(reply, reply.isError() ? QString::fromUtf8(reply.string) : QString());
}

void RedisCommandClient::onReplyTimeout()
{
    if (m_inFlight.empty()) return; // every reply came; the timer just ran out
    const qint64 quiet = nowMs() - m_lastProgressMs;
    if (quiet < m_timeoutMs) {
        m_replyTimer.start(int(m_timeoutMs - quiet));
        return;
    }
    m_connection.close();
    onFailed(QStringLiteral("no reply within %1 ms").arg(m_timeoutMs));
}

void RedisCommandClient::onFailed(const QString &reason)
{
    m_replyTimer.stop();
    const QString error =
        m_linkWasReady
            ? QStringLiteral("connection to %1 lost: %2").arg(m_endpoint.display(), reason)
            : QStringLiteral("cannot connect to %1: %2").arg(m_endpoint.display(), reason);
    m_lastError = error;

    // Take everything out first: a callback may queue a new command, which must start a fresh
    // connection rather than join this failed batch.
    std::deque<Queued> queued;
    queued.swap(m_queued);
    std::deque<Callback> inFlight;
    inFlight.swap(m_inFlight);
    const size_t count = queued.size() + inFlight.size();
    const QString line =
        QStringLiteral("commands: %1 (failed %2 pending commands)").arg(error).arg(count);
    // While Redis stays down every new command fails the same way: log the first failure
    // and changes of reason, not each one.
    if (!m_failing || reason != m_lastLoggedReason)
        qCWarning(lcRedis).noquote() << line;
    else
        qCDebug(lcRedis).noquote() << line;
    m_failing = true;
    m_lastLoggedReason = reason;
    for (Callback &done : inFlight)
        done(RedisValue(), error);
    for (Queued &q : queued)
        q.done(RedisValue(), error);
}
