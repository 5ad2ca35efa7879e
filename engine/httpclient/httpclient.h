// HttpClient: a small HTTP/1.1 client for the server's callbacks into the
// Frappe web server. Per origin it keeps a pool of persistent connections (at
// most maxConnectionsPerOrigin, one request in flight on each, no
// pipelining) and queues requests while all of them are busy. It exists
// because QNetworkAccessManager costs more CPU per request than the whole
// rest of an authentication and opens at most 6 connections per host, which
// queues a connection storm's auth calls behind each other.
//
// A request that went out on a reused connection which the server had
// already closed (the keep-alive race: nothing came back, not one byte) is
// sent once more on a fresh connection, if it is idempotent (GET, HEAD) or
// provably never left this process.
//
// Thread affinity: lives on one thread (the engine thread); call it only
// there. Callbacks run there, from the event loop, never inside send().
// Callback contract: each done runs exactly once unless cancel() or the
// client's destruction drops it first. A done may send, cancel, or delete
// the client.
#pragma once

#include "httpclient/httpclienttypes.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QSslConfiguration>
#include <QTimer>

#include <deque>
#include <functional>
#include <optional>

class HttpConnection;

class HttpClient : public QObject {
    Q_OBJECT
public:
    struct Options {
        int maxConnectionsPerOrigin = 64; // gunicorn queues the rest in its backlog anyway
        qint64 maxResponseBytes = 16 * 1024 * 1024; // API answers are small; bound a runaway
        int idleTimeoutMs = 4000; // close before the server does (undici's default too)
        // Unset: Qt's default (system CAs, peer verified), built on the first
        // https connection so that plain-http setups never load the TLS library.
        std::optional<QSslConfiguration> tls;
    };
    using RequestId = quint64;
    using Done = std::function<void(HttpClientResponse)>;

    explicit HttpClient(QObject *parent = nullptr);
    explicit HttpClient(Options options, QObject *parent = nullptr);
    ~HttpClient() override;

    const Options &options() const { return m_options; }

    // Never 0, so 0 can mean "no request".
    RequestId send(HttpClientRequest request, Done done);
    // Drops the request without calling its done; a connection it was using
    // is closed, since the rest of its answer would arrive for nobody.
    void cancel(RequestId id);

    // For tests and metrics.
    int connectionsOpened() const { return m_connectionsOpened; }
    int openConnections(const HttpOrigin &origin) const;
    int idleConnections(const HttpOrigin &origin) const;
    int queuedRequests(const HttpOrigin &origin) const;

private:
    friend class HttpConnection;

    struct Pending {
        RequestId id = 0;
        HttpOrigin origin;
        QByteArray wire; // the whole request as it goes on the wire
        bool head = false;
        bool idempotent = false;
        bool retried = false;
        bool needsFreshConnection = false;
        int timerId = 0;
        HttpConnection *connection = nullptr;
        int timeoutMs = 0;
        Done done;
    };
    struct Pool {
        QList<HttpConnection *> connections;
        QList<HttpConnection *> idle; // most recently used last
        std::deque<Pending *> queue;
        bool pumpScheduled = false;
    };

    static QByteArray serialize(const HttpClientRequest &request, QString *error);
    Pool *poolFor(const HttpOrigin &origin);
    void schedulePump(Pool *pool);
    void pump();
    void pumpPool(Pool &pool);
    void startOn(HttpConnection *connection, Pending *pending);
    void discardConnection(HttpConnection *connection);
    void sweepIdle();
    void timerEvent(QTimerEvent *event) override;
    void finish(Pending *pending, HttpClientResponse response);
    void fail(Pending *pending, HttpClientResponse::Error error, const QString &text);

    // Called by HttpConnection, each as the last thing it does.
    void connectionFinished(HttpConnection *connection, HttpClientResponse response, bool reusable);
    void connectionFailed(HttpConnection *connection, HttpClientResponse response, bool retryable);
    void connectionLost(HttpConnection *connection);

    Options m_options;
    QHash<HttpOrigin, Pool *> m_pools; // owned; never removed, so pointers stay valid
    QList<Pool *> m_pumpList;
    QHash<RequestId, Pending *> m_pending;
    QHash<int, RequestId> m_timers;
    QTimer m_idleSweep; // parented: moveToThread() must take it along
    RequestId m_nextId = 0;
    int m_connectionsOpened = 0;
};
