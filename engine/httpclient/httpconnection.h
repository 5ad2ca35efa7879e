// HttpConnection: one persistent TCP (or TLS) connection of an HttpClient
// pool, carrying one request at a time. It writes the request, feeds the
// answer to a strict parser and reports the outcome to its client, which
// decides what happens to the connection and the request next.
// Thread affinity: the thread of its HttpClient (its parent); used only by it.
#pragma once

#include "httpclient/httpclienttypes.h"
#include "httpclient/httpresponseparser.h"

#include <QAbstractSocket>
#include <QByteArray>
#include <QObject>

class HttpClient;
class QTcpSocket;

class HttpConnection : public QObject {
    Q_OBJECT
public:
    HttpConnection(HttpClient *client, const HttpOrigin &origin);
    ~HttpConnection() override;

    const HttpOrigin &origin() const { return m_origin; }
    // Still open as far as this process knows: safe to offer a request.
    bool isUsable() const;
    qint64 idleSinceMs() const { return m_idleSinceMs; }
    // The HttpClient request it carries; 0 when idle.
    quint64 requestId() const { return m_requestId; }
    void setRequestId(quint64 id) { m_requestId = id; }

    void start(const QByteArray &wire, bool headRequest, bool idempotent);
    // Closes at once, reporting nothing.
    void abandon();

private:
    void connectSocket();
    void onConnected();
    void onReadyRead();
    void onBytesWritten();
    void onGone();
    void consume(const char *data, qsizetype size);
    void finishResponse(bool closeAfter);
    void finishFailure();
    QString peerName() const;

    HttpClient *m_client;
    HttpOrigin m_origin;
    QTcpSocket *m_socket = nullptr;
    HttpResponseParser m_parser;
    QByteArray m_wire;
    qint64 m_idleSinceMs = 0;
    quint64 m_requestId = 0;
    int m_served = 0;
    bool m_busy = false;
    bool m_connected = false;
    bool m_gone = false;
    bool m_wroteAny = false;
    bool m_idempotent = false;
    bool m_extraBytes = false;
};
