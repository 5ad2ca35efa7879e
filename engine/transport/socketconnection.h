// SocketConnection: a Connection that owns its stream (a QTcpSocket or
// QLocalSocket, or any QIODevice in tests): parses HTTP heads and WebSocket
// frames, and coalesces what is written during one event-loop pass into one
// sendmsg() (OutputFlusher). Thread affinity: the thread that created it, which
// is the engine thread or an I/O shard thread (ShardWorker); every call must
// come from that thread.
#pragma once

#include "transport/connection.h"

#include <QIODevice>

class SocketConnection : public Connection {
    Q_OBJECT
public:
    SocketConnection(QIODevice *device, QString peer, RequestHandler *handler,
                     ConnectionLimits limits, QObject *parent = nullptr);

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

    // Free for the owner's bookkeeping (an I/O shard keeps its slot id here).
    quint64 tag() const { return m_tag; }
    void setTag(quint64 tag) { m_tag = tag; }

private:
    void onReadyRead();
    void processHttp();
    void processWebSocket(const QByteArray &bytes);
    void write(const QByteArray &bytes);
    qint64 queuedBytes() const { return m_pendingBytes + m_device->bytesToWrite(); }
    void shutdownDevice();
    void finish(const QString &reason);

    QIODevice *m_device;
    RequestHandler *m_requestHandler;
    ConnectionLimits m_limits;
    QByteArray m_in;
    ws::FrameParser m_frames;
    QList<QByteArray> m_pending; // implicitly shared chunks, not yet written
    qint64 m_pendingBytes = 0;
    quint64 m_tag = 0;
};
