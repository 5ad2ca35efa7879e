#include "redis/redissubscriber.h"

#include "common/logging.h"
#include "redis/respencoder.h"

#include <QStringList>

namespace {

// While an outage lasts, repeat the same failure in the log only every this many attempts.
constexpr int LogEveryNthFailure = 10;

bool isKind(const RedisValue &v, const char *kind)
{
    return v.isText() && v.string == kind;
}

} // namespace

RedisSubscriber::RedisSubscriber(RedisEndpoint endpoint, QObject *parent)
    : QObject(parent), m_endpoint(endpoint), m_connection(std::move(endpoint), this),
      m_retryTimer(this), m_pingTimer(this), m_replyDeadline(this)
{
    m_retryTimer.setSingleShot(true);
    m_replyDeadline.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &RedisSubscriber::connectNow);
    connect(&m_pingTimer, &QTimer::timeout, this, &RedisSubscriber::sendPing);
    connect(&m_replyDeadline, &QTimer::timeout, this, &RedisSubscriber::onReplyDeadline);
    connect(&m_connection, &RedisConnection::ready, this, &RedisSubscriber::onReady);
    connect(&m_connection, &RedisConnection::replyReceived, this, &RedisSubscriber::onReply);
    connect(&m_connection, &RedisConnection::failed, this, &RedisSubscriber::onFailed);
}

RedisSubscriber::~RedisSubscriber()
{
    // Close before the timers go: the connection emits nothing from close().
    m_connection.close();
}

void RedisSubscriber::setReconnectBackoff(int minMs, int maxMs)
{
    m_backoff.setRange(minMs, maxMs);
}

void RedisSubscriber::setConnectTimeout(int ms)
{
    m_connectTimeoutMs = std::max(1, ms);
}

void RedisSubscriber::setHealthCheck(int intervalMs, int timeoutMs)
{
    m_pingIntervalMs = std::max(0, intervalMs);
    m_pingTimeoutMs = std::max(1, timeoutMs);
    if (m_pingIntervalMs == 0)
        m_pingTimer.stop();
    else if (m_pingTimer.isActive())
        m_pingTimer.start(m_pingIntervalMs);
}

void RedisSubscriber::subscribe(const QByteArray &channel)
{
    if (m_channels.contains(channel)) return;
    m_channels.append(channel);
    if (!m_connection.isReady()) return; // replayed with the others on the next connect
    m_connection.write(encodeRedisCommand({QByteArrayLiteral("SUBSCRIBE"), channel}));
    ++m_pendingSubscribes;
    armReplyDeadline(m_connectTimeoutMs);
}

void RedisSubscriber::psubscribe(const QByteArray &pattern)
{
    if (m_patterns.contains(pattern)) return;
    m_patterns.append(pattern);
    if (!m_connection.isReady()) return;
    m_connection.write(encodeRedisCommand({QByteArrayLiteral("PSUBSCRIBE"), pattern}));
    ++m_pendingSubscribes;
    armReplyDeadline(m_connectTimeoutMs);
}

void RedisSubscriber::unsubscribe(const QByteArray &channel)
{
    if (!m_channels.removeOne(channel)) return;
    // The confirmation needs no wait: a lost one only means a message we ignore.
    if (m_connection.isReady())
        m_connection.write(encodeRedisCommand({QByteArrayLiteral("UNSUBSCRIBE"), channel}));
}

void RedisSubscriber::punsubscribe(const QByteArray &pattern)
{
    if (!m_patterns.removeOne(pattern)) return;
    if (m_connection.isReady())
        m_connection.write(encodeRedisCommand({QByteArrayLiteral("PUNSUBSCRIBE"), pattern}));
}

void RedisSubscriber::ssubscribe(const QByteArray &channel)
{
    if (m_shardChannels.contains(channel)) return;
    m_shardChannels.append(channel);
    if (!m_connection.isReady()) return;
    m_connection.write(encodeRedisCommand({QByteArrayLiteral("SSUBSCRIBE"), channel}));
    ++m_pendingSubscribes;
    armReplyDeadline(m_connectTimeoutMs);
}

void RedisSubscriber::sunsubscribe(const QByteArray &channel)
{
    if (!m_shardChannels.removeOne(channel)) return;
    if (m_connection.isReady())
        m_connection.write(encodeRedisCommand({QByteArrayLiteral("SUNSUBSCRIBE"), channel}));
}

void RedisSubscriber::start()
{
    if (m_state != State::Stopped) return;
    m_backoff.reset();
    m_lostSubscribedLink = false;
    m_lastLoggedError.clear();
    setState(State::Connecting, QStringLiteral("connecting to %1").arg(m_endpoint.display()));
    connectNow();
}

void RedisSubscriber::stop()
{
    if (m_state == State::Stopped) return;
    m_retryTimer.stop();
    m_pingTimer.stop();
    m_replyDeadline.stop();
    m_connection.close();
    setState(State::Stopped, QStringLiteral("stopped"));
}

void RedisSubscriber::connectNow()
{
    m_pendingSubscribes = 0;
    m_pingPending = false;
    m_connection.open(m_connectTimeoutMs);
}

void RedisSubscriber::onReady()
{
    if (m_pingIntervalMs > 0) m_pingTimer.start(m_pingIntervalMs);
    if (m_channels.isEmpty() && m_patterns.isEmpty() && m_shardChannels.isEmpty()) {
        becomeSubscribed();
        return;
    }
    QByteArray commands;
    if (!m_channels.isEmpty()) {
        QList<QByteArray> argv{QByteArrayLiteral("SUBSCRIBE")};
        argv.append(m_channels);
        commands += encodeRedisCommand(argv);
    }
    if (!m_patterns.isEmpty()) {
        QList<QByteArray> argv{QByteArrayLiteral("PSUBSCRIBE")};
        argv.append(m_patterns);
        commands += encodeRedisCommand(argv);
    }
    // One SSUBSCRIBE per channel: a single one may only name channels of one slot.
    for (const QByteArray &channel : std::as_const(m_shardChannels))
        commands += encodeRedisCommand({QByteArrayLiteral("SSUBSCRIBE"), channel});
    m_connection.write(commands);
    m_pendingSubscribes = int(m_channels.size() + m_patterns.size() + m_shardChannels.size());
    armReplyDeadline(m_connectTimeoutMs);
}

void RedisSubscriber::onReply(const RedisValue &reply)
{
    m_activitySinceArm = true;
    if (reply.isArray() && reply.elements.size() >= 2) {
        const RedisValue &kind = reply.elements.at(0);
        // "message" first: it is the hot path, everything else happens once per connect.
        if (reply.elements.size() == 3 && (isKind(kind, "message") || isKind(kind, "smessage"))) {
            ++m_messagesReceived;
            Q_EMIT message(reply.elements.at(1).string, reply.elements.at(2).string);
            return;
        }
        if (reply.elements.size() == 4 && isKind(kind, "pmessage")) {
            ++m_messagesReceived;
            Q_EMIT message(reply.elements.at(2).string, reply.elements.at(3).string);
            return;
        }
        if (isKind(kind, "subscribe") || isKind(kind, "psubscribe") || isKind(kind, "ssubscribe")) {
            onSubscribeConfirmed();
            return;
        }
        if (isKind(kind, "pong")) {
            onPong();
            return;
        }
        return; // unsubscribe, punsubscribe: nothing to wait for
    }
    if (reply.isText() && reply.string == "PONG") { // PING outside subscribe mode (no channels)
        onPong();
        return;
    }
    if (reply.isError()) {
        dropLink(QStringLiteral("server replied: %1").arg(QString::fromUtf8(reply.string)));
        return;
    }
    qCDebug(lcRedis) << "subscriber ignored an unexpected reply" << reply.describe();
}

void RedisSubscriber::onSubscribeConfirmed()
{
    if (m_pendingSubscribes > 0) --m_pendingSubscribes;
    if (m_pendingSubscribes == 0 && !m_pingPending) m_replyDeadline.stop();
    if (m_pendingSubscribes == 0 && m_state != State::Subscribed) becomeSubscribed();
}

void RedisSubscriber::onPong()
{
    m_pingPending = false;
    if (m_pendingSubscribes == 0) m_replyDeadline.stop();
}

void RedisSubscriber::sendPing()
{
    if (!m_connection.isReady() || m_pingPending) return;
    m_connection.write(encodeRedisCommand({QByteArrayLiteral("PING")}));
    m_pingPending = true;
    armReplyDeadline(m_pingTimeoutMs);
}

void RedisSubscriber::armReplyDeadline(int ms)
{
    if (m_replyDeadline.isActive()) return; // a wait already running keeps its deadline
    m_activitySinceArm = false;
    m_replyDeadline.start(ms);
}

void RedisSubscriber::onReplyDeadline()
{
    // Under a burst the engine thread can be busy for seconds while the
    // reply already waits unread; dropping the link then would lose every
    // message behind it.
    if (m_activitySinceArm || m_connection.hasUnreadData()) {
        m_activitySinceArm = false;
        m_replyDeadline.start();
        return;
    }
    const QString what = m_pendingSubscribes > 0 ? QStringLiteral("SUBSCRIBE confirmation")
                                                 : QStringLiteral("PING reply");
    dropLink(QStringLiteral("no %1 within %2 ms").arg(what).arg(m_replyDeadline.interval()));
}

void RedisSubscriber::dropLink(const QString &reason)
{
    m_connection.close();
    onFailed(reason);
}

void RedisSubscriber::becomeSubscribed()
{
    const int failures = m_backoff.failures();
    m_backoff.reset();
    m_lastLoggedError.clear();
    QString detail = QStringLiteral("connected to %1").arg(m_endpoint.display());
    if (!m_channels.isEmpty() || !m_patterns.isEmpty() || !m_shardChannels.isEmpty())
        detail += QStringLiteral(", subscribed to %1").arg(channelList());
    if (m_lostSubscribedLink) {
        ++m_reconnects;
        m_lostSubscribedLink = false;
    }
    if (failures > 1) detail += QStringLiteral(" (after %1 failed attempts)").arg(failures);
    setState(State::Subscribed, detail);
}

void RedisSubscriber::onFailed(const QString &reason)
{
    m_pingTimer.stop();
    m_replyDeadline.stop();
    m_pendingSubscribes = 0;
    m_pingPending = false;
    m_lastError = reason;

    const bool wasSubscribed = m_state == State::Subscribed;
    if (wasSubscribed) m_lostSubscribedLink = true;
    const int delay = m_backoff.nextDelayMs();
    m_retryTimer.start(delay);

    const QString detail =
        wasSubscribed
            ? QStringLiteral("connection lost: %1; retrying in %2 ms").arg(reason).arg(delay)
            : QStringLiteral("cannot connect to %1: %2; retrying in %3 ms")
                  .arg(m_endpoint.display(), reason)
                  .arg(delay);
    if (m_state != State::Disconnected) {
        m_lastLoggedError = reason;
        setState(State::Disconnected, detail);
        return;
    }
    // Still down: say so when the reason changes, and now and then as a heartbeat.
    const int failures = m_backoff.failures();
    if (reason != m_lastLoggedError) {
        m_lastLoggedError = reason;
        qCWarning(lcRedis).noquote() << detail;
    } else if (failures % LogEveryNthFailure == 0) {
        qCInfo(lcRedis).noquote() << QStringLiteral("still cannot connect to %1 after %2 attempts: "
                                                    "%3; retrying in %4 ms")
                                         .arg(m_endpoint.display())
                                         .arg(failures)
                                         .arg(reason)
                                         .arg(delay);
    }
}

void RedisSubscriber::setState(State state, const QString &detail)
{
    if (state == m_state) return;
    m_state = state;
    if (state == State::Disconnected)
        qCWarning(lcRedis).noquote() << detail;
    else
        qCInfo(lcRedis).noquote() << detail;
    Q_EMIT stateChanged(state, detail);
}

QString RedisSubscriber::channelList() const
{
    QStringList names;
    for (const QByteArray &c : m_channels)
        names << QString::fromUtf8(c);
    for (const QByteArray &p : m_patterns)
        names << QString::fromUtf8(p);
    for (const QByteArray &c : m_shardChannels)
        names << QStringLiteral("%1 (sharded)").arg(QString::fromUtf8(c));
    return names.join(QStringLiteral(", "));
}
