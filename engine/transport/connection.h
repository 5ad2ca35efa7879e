// Connection: one accepted TCP or Unix-domain stream. Speaks HTTP/1.1 (one
// request at a time, keep-alive) until a handler accepts a WebSocket upgrade,
// then WebSocket frames. Thread affinity: the engine (I/O) thread that accepted
// it; every call must come from that thread.
#pragma once

#include "protocol/wsframe.h"
#include "transport/httprequest.h"

#include <QIODevice>
#include <QObject>
#include <functional>

class Connection;

// Receives complete HTTP requests. A handler must eventually call respond(),
// acceptWebSocket() or rejectUpgrade() (or abort()) for every request.
class RequestHandler {
public:
    virtual ~RequestHandler() = default;
    virtual void handleRequest(Connection *connection, HttpRequest &&request) = 0;
};

// Receives WebSocket traffic once an upgrade was accepted.
class WebSocketHandler {
public:
    virtual ~WebSocketHandler() = default;
    virtual void onWebSocketMessage(Connection *connection, ws::Message &&message) = 0;
    virtual void onWebSocketClosed(Connection *connection, const QString &reason) = 0;
};

struct ConnectionLimits {
    int maxHeaderBytes = 16384;
    qint64 maxPayload = 1000000;
    qint64 maxOutboundBytes = 8 * 1024 * 1024; // a reader this far behind is cut off
};

class Connection : public QObject {
    Q_OBJECT
public:
    Connection(QIODevice *device, QString peer, RequestHandler *handler, ConnectionLimits limits,
               QObject *parent = nullptr);
    ~Connection() override;

    const QString &peer() const { return m_peer; }
    bool isWebSocket() const { return m_mode == Mode::WebSocket; }
    bool isOpen() const { return m_mode != Mode::Closed; }
    bool awaitingResponse() const { return m_awaitingResponse; }

    // HTTP
    void respond(const HttpResponse &response);
    void acceptWebSocket(const HttpRequest &request, WebSocketHandler *handler);
    void rejectUpgrade(int status, const QByteArray &message);

    // WebSocket: `frame` is a complete encoded frame (see ws::encodeFrame),
    // possibly shared with many connections.
    void sendFrame(const QByteArray &frame);
    void sendText(const QByteArray &utf8) { sendFrame(ws::encodeFrame(ws::Opcode::Text, utf8)); }
    void sendBinary(const QByteArray &bytes)
    {
        sendFrame(ws::encodeFrame(ws::Opcode::Binary, bytes));
    }
    void closeWebSocket(quint16 code = ws::CloseNormal, const QByteArray &reason = {});

    // Called once when the stream is gone, whatever the mode. Replaces any
    // earlier callback; the owner of the current exchange sets it.
    void setClosedCallback(std::function<void(Connection *)> cb)
    {
        m_closedCallback = std::move(cb);
    }

    void abort(const QString &reason);

    // Writes what write() queued during this event-loop pass (OutputFlusher
    // calls it once per pass; close paths call it before shutting down).
    void flushPending();

    quint64 bytesIn() const { return m_bytesIn; }
    quint64 bytesOut() const { return m_bytesOut; }

private:
    enum class Mode { Http, WebSocket, Closed };

    void onReadyRead();
    void processHttp();
    void processWebSocket(const QByteArray &bytes);
    void write(const QByteArray &bytes);
    qint64 queuedBytes() const { return m_pendingBytes + m_device->bytesToWrite(); }
    void shutdownDevice();
    void finish(const QString &reason);

    QIODevice *m_device;
    QString m_peer;
    RequestHandler *m_requestHandler;
    WebSocketHandler *m_wsHandler = nullptr;
    ConnectionLimits m_limits;
    Mode m_mode = Mode::Http;
    QByteArray m_in;
    bool m_awaitingResponse = false;
    bool m_closeAfterResponse = false;
    bool m_headRequest = false; // the request in progress is a HEAD: answer without body
    ws::FrameParser m_frames;
    QList<QByteArray> m_pending; // implicitly shared chunks, not yet written
    qint64 m_pendingBytes = 0;
    bool m_closeSent = false;
    bool m_finished = false;
    std::function<void(Connection *)> m_closedCallback;
    quint64 m_bytesIn = 0;
    quint64 m_bytesOut = 0;
};
