// Connection: one client stream as the HTTP and Engine.IO layers see it. Speaks
// HTTP/1.1 (one request at a time, keep-alive) until a handler accepts a
// WebSocket upgrade, then WebSocket frames. Two kinds exist: SocketConnection
// owns the socket in the engine thread itself; ShardConnection stands in, in
// the engine thread, for a SocketConnection that an I/O shard thread owns (see
// shardlink.h). Callers cannot tell them apart. Thread affinity: the engine
// thread; every call must come from it.
#pragma once

#include "protocol/wsframe.h"
#include "transport/httprequest.h"

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
    // Time limits of an HTTP connection (issue 14), like Node's HTTP server:
    // a request head must be complete this long after the connection opened
    // (or after the first byte of a later request), and a keep-alive
    // connection waiting for its next request is closed after the idle
    // timeout: keepAliveTimeoutMs when its last request was not Engine.IO,
    // engineIoIdleTimeoutMs when it was (a polling client's connections wait
    // between requests as long as its heartbeat allows). 0 = no limit.
    int requestHeadTimeoutMs = 60000;
    int keepAliveTimeoutMs = 65000;
    int engineIoIdleTimeoutMs = 65000;
};

class Connection : public QObject {
    Q_OBJECT
public:
    explicit Connection(QString peer, QObject *parent = nullptr);
    ~Connection() override;

    const QString &peer() const { return m_peer; }
    bool isWebSocket() const { return m_mode == Mode::WebSocket; }
    bool isOpen() const { return m_mode != Mode::Closed; }

    // HTTP
    virtual void respond(const HttpResponse &response) = 0;
    virtual void acceptWebSocket(const HttpRequest &request, WebSocketHandler *handler) = 0;
    void rejectUpgrade(int status, const QByteArray &message);

    // WebSocket: `frame` is a complete encoded frame (see ws::encodeFrame),
    // possibly shared with many connections.
    virtual void sendFrame(const QByteArray &frame) = 0;
    void sendText(const QByteArray &utf8) { sendFrame(ws::encodeFrame(ws::Opcode::Text, utf8)); }
    void sendBinary(const QByteArray &bytes)
    {
        sendFrame(ws::encodeFrame(ws::Opcode::Binary, bytes));
    }
    virtual void closeWebSocket(quint16 code = ws::CloseNormal, const QByteArray &reason = {}) = 0;

    // Called once when the stream is gone, whatever the mode. Replaces any
    // earlier callback; the owner of the current exchange sets it.
    void setClosedCallback(std::function<void(Connection *)> cb)
    {
        m_closedCallback = std::move(cb);
    }

    virtual void abort(const QString &reason) = 0;

    quint64 bytesIn() const { return m_bytesIn; }
    quint64 bytesOut() const { return m_bytesOut; }

protected:
    enum class Mode { Http, WebSocket, Closed };

    // The bytes of `response` as this connection sends them: Connection: close
    // when either side asked for it, no body after a HEAD request.
    static QByteArray serializedResponse(const HttpResponse &response, bool close, bool withBody);
    // Marks the stream closed and tells the WebSocket handler and the closed
    // callback, once; false when that already happened.
    bool notifyClosed(const QString &reason);
    bool isFinished() const { return m_finished; }

    Mode m_mode = Mode::Http;
    bool m_awaitingResponse = false;
    bool m_closeAfterResponse = false;
    bool m_headRequest = false; // the request in progress is a HEAD: answer without body
    bool m_closeSent = false;
    WebSocketHandler *m_wsHandler = nullptr;
    quint64 m_bytesIn = 0;
    quint64 m_bytesOut = 0;

private:
    QString m_peer;
    bool m_finished = false;
    std::function<void(Connection *)> m_closedCallback;
};
