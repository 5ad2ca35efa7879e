// SocketConnection: a Connection that owns its stream: an accepted TCP or
// Unix-domain descriptor (production), or any QIODevice (tests, benchmarks).
// Parses HTTP heads and WebSocket frames, and coalesces what is written during
// one event-loop pass into one sendmsg() (OutputFlusher). A descriptor is read
// and written directly, with a QSocketNotifier for reading and one for writing
// that is enabled only while the kernel buffer is full: a QTcpSocket per
// client cost about 2 KB of heap (its private, socket engine, notifiers and
// signal connections) for buffering done here anyway.
// Thread affinity: the thread that created it, which is the engine thread or
// an I/O shard thread (ShardWorker); every call must come from that thread.
#pragma once

#include "common/fifotimerqueue.h"
#include "transport/connection.h"

#include <QIODevice>

class QSocketNotifier;
class SocketConnection;

// Told when a SocketConnection is destroyed (the Listener's open counts).
// A plain interface: a destroyed() signal connection would cost a heap block
// per client.
class SocketConnectionObserver {
public:
    virtual ~SocketConnectionObserver() = default;
    virtual void socketConnectionDestroyed(SocketConnection *connection) = 0;
};

class SocketConnection : public Connection {
    Q_OBJECT
public:
    // Takes ownership of `fd`, a connected, non-blocking stream socket.
    SocketConnection(qintptr fd, QString peer, RequestHandler *handler, ConnectionLimits limits,
                     QObject *parent = nullptr);
    SocketConnection(QIODevice *device, QString peer, RequestHandler *handler,
                     ConnectionLimits limits, QObject *parent = nullptr);
    ~SocketConnection() override;

    void respond(const HttpResponse &response) override;
    void acceptWebSocket(const HttpRequest &request, WebSocketHandler *handler) override;
    void sendFrame(const QByteArray &frame) override;
    void closeWebSocket(quint16 code = ws::CloseNormal, const QByteArray &reason = {}) override;
    void abort(const QString &reason) override;

    // The two halves of respond() and acceptWebSocket() that an I/O shard
    // applies for its engine-thread stand-in, which already built the bytes.
    void respondWith(const QByteArray &serialized, bool close);
    void acceptWebSocketKey(const QByteArray &secWebSocketKey, WebSocketHandler *handler);

    // Writes what write() queued during this event-loop pass (OutputFlusher
    // calls it once per pass; close paths call it before shutting down).
    void flushPending();

    void setObserver(SocketConnectionObserver *observer) { m_observer = observer; }

    // Free for the owner's bookkeeping (an I/O shard keeps its slot id here).
    quint64 tag() const { return m_tag; }
    void setTag(quint64 tag) { m_tag = tag; }

    // The expiry of the connection's current time limit (ConnectionDeadlines).
    void deadlinePassed();

private:
    friend class SocketNotifierForConnection;

    enum class Waiting { Nothing, Head, Idle };
    // Arms the time limit of what the connection now waits for.
    void waitFor(Waiting what);

    void onReadyRead(); // QIODevice mode
    void onReadable();  // descriptor mode
    void onWritable();
    void received(const QByteArray &chunk);
    void processHttp();
    void processWebSocket(const QByteArray &bytes);
    void write(const QByteArray &bytes);
    qint64 queuedBytes() const
    {
        return m_pendingBytes + (m_device ? m_device->bytesToWrite() : 0);
    }
    // Descriptor mode: writes m_pending until done or the kernel buffer is
    // full; false when the peer is gone (the close is then under way).
    bool sendPending();
    bool waitingForWritable() const;
    void dropPending();
    void shutdownDevice();
    void closeDescriptor();
    void finish(const QString &reason);
    // Ends the stream on the next pass: a write error is found inside a flush
    // or a broadcast, where a synchronous teardown would pull the session out
    // from under its caller.
    void finishLater(const QString &reason);

    QIODevice *m_device = nullptr;
    int m_fd = -1;
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr; // enabled only while the kernel buffer is full
    bool m_closeWhenSent = false;               // graceful close waiting for m_pending to drain
    RequestHandler *m_requestHandler;
    ConnectionLimits m_limits;
    QByteArray m_in;
    ws::FrameParser m_frames;
    QList<QByteArray> m_pending; // implicitly shared chunks, not yet written
    qint64 m_pendingBytes = 0;
    qint64 m_pendingOffset = 0; // bytes of m_pending.first() already written
    quint64 m_tag = 0;
    QString m_localAddress; // getsockname, once, at the first request
    SocketConnectionObserver *m_observer = nullptr;
    FifoTimerLink m_deadline; // in a per-thread queue of its duration
    Waiting m_waiting = Waiting::Nothing;
    bool m_lastRequestWasEngineIo = false;
};
