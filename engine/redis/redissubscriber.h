// RedisSubscriber: keeps a Redis pub/sub subscription alive for as long as it runs. It
// remembers the channels it wants and replays SUBSCRIBE (after AUTH and SELECT) on every
// connect, retries forever with backoff and jitter, and PINGs in subscribe mode so a half-open
// link (peer gone without a FIN) is noticed instead of leaving the realtime server deaf.
// Engine thread: create and use on one thread.
#pragma once

#include "redis/reconnectbackoff.h"
#include "redis/redisconnection.h"
#include "redis/redisendpoint.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QTimer>

class RedisSubscriber : public QObject {
    Q_OBJECT
public:
    enum class State {
        Stopped,      // before start() and after stop()
        Connecting,   // the first attempt after start()
        Subscribed,   // every wanted channel confirmed by the server
        Disconnected, // lost or never made; retrying with backoff (retries stay in this state)
    };
    Q_ENUM(State)

    explicit RedisSubscriber(RedisEndpoint endpoint, QObject *parent = nullptr);
    ~RedisSubscriber() override;

    const RedisEndpoint &endpoint() const { return m_endpoint; }
    QList<QByteArray> channels() const { return m_channels; }

    // Records the channel (once); sends SUBSCRIBE now if connected, else on the next connect.
    void subscribe(const QByteArray &channel);
    // The same for a glob pattern (PSUBSCRIBE); its messages come as message() too, with the
    // channel they were published on.
    void psubscribe(const QByteArray &pattern);
    // Forgets the channel / pattern and tells the server at once when connected.
    void unsubscribe(const QByteArray &channel);
    void punsubscribe(const QByteArray &pattern);
    QList<QByteArray> patterns() const { return m_patterns; }
    // Sharded Pub/Sub (Redis >= 7): SSUBSCRIBE / SUNSUBSCRIBE; messages come as message().
    void ssubscribe(const QByteArray &channel);
    void sunsubscribe(const QByteArray &channel);
    QList<QByteArray> shardChannels() const { return m_shardChannels; }
    void start();
    void stop();

    // Delay before retry n is a random point in [d/2, d], d = min(maxMs, minMs * 2^n).
    void setReconnectBackoff(int minMs, int maxMs);
    // Bounds TCP connect + AUTH/SELECT, and separately the wait for SUBSCRIBE confirmations.
    void setConnectTimeout(int ms);
    // PING every intervalMs (0 = never); no reply within timeoutMs drops and redials the link.
    void setHealthCheck(int intervalMs, int timeoutMs);
    void setMaxReplyBytes(qsizetype bytes) { m_connection.setMaxReplyBytes(bytes); }

    State state() const { return m_state; }
    // The most recent failure; kept after recovery so a status view can still show it.
    QString lastError() const { return m_lastError; }
    // Times a lost Subscribed link was re-established.
    quint64 reconnects() const { return m_reconnects; }
    quint64 messagesReceived() const { return m_messagesReceived; }

Q_SIGNALS:
    // Emitted for every message, in order; a read holding hundreds emits them all at once.
    void message(const QByteArray &channel, const QByteArray &payload);
    // Once per transition, never for retries that leave the state unchanged.
    void stateChanged(RedisSubscriber::State state, const QString &detail);

private:
    void connectNow();
    void onReady();
    void onReply(const RedisValue &reply);
    void onPong();
    void onSubscribeConfirmed();
    void onFailed(const QString &reason);
    void dropLink(const QString &reason);
    void sendPing();
    void armReplyDeadline(int ms);
    void onReplyDeadline();
    void becomeSubscribed();
    void setState(State state, const QString &detail);
    QString channelList() const;

    RedisEndpoint m_endpoint;
    RedisConnection m_connection;
    ReconnectBackoff m_backoff;
    QTimer m_retryTimer;
    QTimer m_pingTimer;
    QTimer m_replyDeadline;
    QList<QByteArray> m_channels;
    QList<QByteArray> m_patterns;
    QList<QByteArray> m_shardChannels;

    State m_state = State::Stopped;
    QString m_lastError;
    QString m_lastLoggedError;
    quint64 m_reconnects = 0;
    quint64 m_messagesReceived = 0;
    bool m_lostSubscribedLink = false; // a Subscribed link dropped since the last Subscribed

    int m_connectTimeoutMs = 5000;
    int m_pingIntervalMs = 15000;
    int m_pingTimeoutMs = 5000;
    int m_pendingSubscribes = 0;
    bool m_pingPending = false;
    // Any reply while a deadline runs proves the link alive: a PONG queued behind a large
    // burst of messages must not count as lost.
    bool m_activitySinceArm = false;
};
