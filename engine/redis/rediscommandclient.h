// RedisCommandClient: a command connection (GET the auth secret, PUBLISH, ...), separate from
// the subscriber because a connection in subscribe mode accepts no other commands. Connects
// lazily, pipelines whatever is queued, and never leaves a caller waiting: when the link cannot
// be made, drops, or a reply does not come within the timeout, every pending callback gets an
// error and the next command dials again. Engine thread: create and use on one thread.
//
// Callbacks always run from the event loop, never inside the call that queued them. Deleting
// the client drops pending callbacks without calling them; from inside a callback, delete it
// with deleteLater().
#pragma once

#include "redis/redisconnection.h"
#include "redis/redisendpoint.h"
#include "redis/redisvalue.h"

#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>
#include <optional>

class RedisCommandClient : public QObject {
    Q_OBJECT
public:
    using Callback = std::function<void(RedisValue reply, QString error)>;

    explicit RedisCommandClient(RedisEndpoint endpoint, QObject *parent = nullptr);
    ~RedisCommandClient() override;

    const RedisEndpoint &endpoint() const { return m_endpoint; }

    // Bounds the connect (+ AUTH/SELECT) and the wait for each reply. Default 2000 ms.
    void setTimeout(int ms);
    int timeout() const { return m_timeoutMs; }

    // Any command; a Redis error reply comes back as an Error value with its text in `error`.
    void command(const QList<QByteArray> &argv, Callback done = {});
    // A missing key gives nullopt with an empty error.
    void get(const QByteArray &key,
             std::function<void(std::optional<QByteArray> value, QString error)> done);
    // receivers is -1 when error is set.
    void publish(const QByteArray &channel, const QByteArray &payload,
                 std::function<void(qint64 receivers, QString error)> done = {});

    bool isConnected() const { return m_connection.isReady(); }
    // Queued or sent commands still waiting for a reply.
    int pendingCommands() const { return int(m_queued.size() + m_inFlight.size()); }
    QString lastError() const { return m_lastError; }

private:
    struct Queued {
        QByteArray encoded;
        Callback done;
    };

    void onReady();
    void onReply(const RedisValue &reply);
    void onFailed(const QString &reason);
    void onReplyTimeout();

    RedisEndpoint m_endpoint;
    RedisConnection m_connection;
    QTimer m_replyTimer;
    std::deque<Queued> m_queued;     // waiting for the link
    std::deque<Callback> m_inFlight; // written, reply pending; replies come back in this order
    int m_timeoutMs = 2000;
    qint64 m_lastProgressMs = 0; // when the last reply came, or the idle link got a command
    bool m_linkWasReady = false;
    bool m_failing = false; // for logging: one line when failures start, one when they end
    QString m_lastError;
    QString m_lastLoggedReason;
};
