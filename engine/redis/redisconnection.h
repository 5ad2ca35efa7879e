// RedisConnection: one RESP2 link to Redis over TCP or a Unix socket, with AUTH and SELECT
// done before it reports ready(). Shared plumbing of RedisSubscriber and RedisCommandClient;
// it never reconnects by itself, its owner decides when. Engine thread: create and use on one
// thread.
//
// Built on QTcpSocket / QLocalSocket plus RespReader instead of hiredis's async API: Qt then
// resolves host names without blocking the thread (hiredis 0.14 calls getaddrinfo inline),
// handles unix sockets the same way, gives a connect timeout via a QTimer (hiredis 0.14 has
// none) and needs no socket-notifier adapter around a C context that frees itself inside
// its own callbacks.
#pragma once

#include "redis/redisendpoint.h"
#include "redis/respreader.h"

#include <QObject>
#include <QTimer>

class QIODevice;

class RedisConnection : public QObject {
    Q_OBJECT
public:
    enum class Phase { Closed, Connecting, Handshake, Ready };

    explicit RedisConnection(RedisEndpoint endpoint, QObject *parent = nullptr);
    ~RedisConnection() override;

    const RedisEndpoint &endpoint() const { return m_endpoint; }
    Phase phase() const { return m_phase; }
    bool isReady() const { return m_phase == Phase::Ready; }
    // Bytes received but not yet handled (in Qt's buffer or still in the
    // kernel's): a busy event loop, not a dead server.
    bool hasUnreadData() const;

    // Starts connecting; the outcome arrives later (never inside this call) as ready() or
    // failed(). timeoutMs bounds connect + AUTH + SELECT together.
    void open(int timeoutMs);
    // Drops the link at once, without emitting failed(). Safe from inside any slot.
    void close();
    // Writes RESP-encoded commands. Only valid when isReady(); Qt sends them on the next
    // event-loop pass, so commands written in one pass leave as one pipelined write.
    void write(const QByteArray &encodedCommands);

    void setMaxReplyBytes(qsizetype bytes);

Q_SIGNALS:
    void ready();
    // One per reply, in arrival order; all replies that one read holds are delivered before
    // control returns to the event loop.
    void replyReceived(const RedisValue &reply);
    // The link is already closed when this is emitted; the owner may open() again at once.
    void failed(const QString &reason);

private:
    void startConnect(quint64 generation);
    void onConnected();
    void onReadyRead();
    void onSocketError(const QString &reason);
    void fail(const QString &reason);
    void teardown();
    bool handleHandshakeReply(const RedisValue &reply);

    RedisEndpoint m_endpoint;
    Phase m_phase = Phase::Closed;
    QIODevice *m_device = nullptr;
    RespReader m_reader;
    static constexpr qint64 ReadChunkBytes = 64 * 1024;
    QByteArray m_readBuffer; // reused for every read of the socket
    QTimer m_connectTimer;
    int m_connectTimeoutMs = 0;
    int m_handshakeReplies = 0;
    QList<QByteArray> m_handshakeNames;
    // Bumped by every teardown: callbacks and the read loop compare it to notice that the
    // link they were serving is gone.
    quint64 m_generation = 0;
};
