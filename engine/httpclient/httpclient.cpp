#include "httpclient/httpclient.h"

#include "httpclient/httpconnection.h"

#include <QDeadlineTimer>
#include <QTimerEvent>

#include <algorithm>

namespace {

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool isToken(const QByteArray &text)
{
    return !text.isEmpty() && std::all_of(text.begin(), text.end(), isTokenChar);
}

bool isVisibleAscii(char c)
{
    return c > 0x20 && c < 0x7f;
}

// Methods whose requests carry a body: fetch sends Content-Length: 0 for an
// empty one, so does this client.
bool methodTakesBody(const QByteArray &method)
{
    return method == "POST" || method == "PUT" || method == "PATCH";
}

} // namespace

HttpClient::HttpClient(QObject *parent) : HttpClient(Options(), parent) {}

HttpClient::HttpClient(Options options, QObject *parent)
    : QObject(parent), m_options(std::move(options)), m_idleSweep(this)
{
    m_options.maxConnectionsPerOrigin = qMax(1, m_options.maxConnectionsPerOrigin);
    m_idleSweep.setInterval(qMax(100, m_options.idleTimeoutMs / 2));
    connect(&m_idleSweep, &QTimer::timeout, this, &HttpClient::sweepIdle);
}

HttpClient::~HttpClient()
{
    // Pending dones are dropped uninvoked; connections go with their parent.
    qDeleteAll(m_pending);
    m_pending.clear();
    qDeleteAll(m_pools);
    m_pools.clear();
}

QByteArray HttpClient::serialize(const HttpClientRequest &request, QString *error)
{
    const HttpOrigin &origin = request.origin;
    const QByteArray host = origin.host.toLatin1();
    if (host.isEmpty() || !std::all_of(host.begin(), host.end(), isVisibleAscii) ||
        host.contains('/') || origin.port == 0) {
        *error =
            QStringLiteral("invalid origin host \"%1\" port %2").arg(origin.host).arg(origin.port);
        return {};
    }
    if (!isToken(request.method)) {
        *error = QStringLiteral("invalid method \"%1\"").arg(QString::fromLatin1(request.method));
        return {};
    }
    if (!request.target.startsWith('/') ||
        !std::all_of(request.target.begin(), request.target.end(), isVisibleAscii)) {
        *error = QStringLiteral("invalid request target \"%1\"")
                     .arg(QString::fromLatin1(request.target.left(200)));
        return {};
    }
    const QByteArray &lines = request.headerLines;
    if (!lines.isEmpty() &&
        (!lines.endsWith("\r\n") || lines.startsWith("\r\n") || lines.contains("\r\n\r\n"))) {
        *error = QStringLiteral("header lines must be \"Name: value\\r\\n\" each");
        return {};
    }

    const bool defaultPort = origin.port == (origin.tls ? 443 : 80);
    const bool ipv6 = host.contains(':');
    const bool withLength = !request.body.isEmpty() || methodTakesBody(request.method);
    const QByteArray length = withLength ? QByteArray::number(request.body.size()) : QByteArray();

    QByteArray wire;
    wire.reserve(request.method.size() + request.target.size() + host.size() + lines.size() +
                 request.body.size() + 96);
    wire.append(request.method).append(' ').append(request.target).append(" HTTP/1.1\r\nHost: ");
    if (ipv6) wire.append('[');
    wire.append(host);
    if (ipv6) wire.append(']');
    if (!defaultPort) wire.append(':').append(QByteArray::number(origin.port));
    wire.append("\r\n").append(lines).append("Connection: keep-alive\r\n");
    if (withLength) wire.append("Content-Length: ").append(length).append("\r\n");
    wire.append("\r\n").append(request.body);
    return wire;
}

HttpClient::RequestId HttpClient::send(HttpClientRequest request, Done done)
{
    auto *pending = new Pending;
    pending->id = ++m_nextId;
    pending->origin = request.origin;
    pending->head = request.method == "HEAD";
    pending->idempotent = pending->head || request.method == "GET";
    pending->timeoutMs = request.timeoutMs;
    pending->done = std::move(done);
    m_pending.insert(pending->id, pending);

    QString error;
    pending->wire = serialize(request, &error);
    if (!error.isEmpty()) {
        // Never inside send(): the caller may not be ready for its answer yet.
        const RequestId id = pending->id;
        QMetaObject::invokeMethod(
            this,
            [this, id, error] {
                if (Pending *p = m_pending.value(id))
                    fail(p, HttpClientResponse::Error::InvalidRequest, error);
            },
            Qt::QueuedConnection);
        return pending->id;
    }
    if (request.timeoutMs > 0) {
        pending->timerId = startTimer(request.timeoutMs);
        m_timers.insert(pending->timerId, pending->id);
    }
    Pool *pool = poolFor(pending->origin);
    pool->queue.push_back(pending);
    schedulePump(pool);
    return pending->id;
}

void HttpClient::cancel(RequestId id)
{
    Pending *pending = m_pending.take(id);
    if (!pending) return;
    if (pending->timerId) {
        killTimer(pending->timerId);
        m_timers.remove(pending->timerId);
    }
    Pool *pool = m_pools.value(pending->origin);
    if (pending->connection) {
        discardConnection(pending->connection);
    } else if (pool) {
        const auto it = std::find(pool->queue.begin(), pool->queue.end(), pending);
        if (it != pool->queue.end()) pool->queue.erase(it);
    }
    delete pending;
    if (pool && !pool->queue.empty()) schedulePump(pool);
}

int HttpClient::openConnections(const HttpOrigin &origin) const
{
    const Pool *pool = m_pools.value(origin);
    return pool ? int(pool->connections.size()) : 0;
}

int HttpClient::idleConnections(const HttpOrigin &origin) const
{
    const Pool *pool = m_pools.value(origin);
    return pool ? int(pool->idle.size()) : 0;
}

int HttpClient::queuedRequests(const HttpOrigin &origin) const
{
    const Pool *pool = m_pools.value(origin);
    return pool ? int(pool->queue.size()) : 0;
}

HttpClient::Pool *HttpClient::poolFor(const HttpOrigin &origin)
{
    Pool *&pool = m_pools[origin];
    if (!pool) pool = new Pool;
    return pool;
}

void HttpClient::schedulePump(Pool *pool)
{
    if (pool->pumpScheduled) return;
    pool->pumpScheduled = true;
    // Socket work starts from the event loop: a connect can fail (and call a
    // done) synchronously, which must never happen inside send().
    if (m_pumpList.isEmpty())
        QMetaObject::invokeMethod(this, &HttpClient::pump, Qt::QueuedConnection);
    m_pumpList.append(pool);
}

void HttpClient::pump()
{
    const QList<Pool *> pools = std::exchange(m_pumpList, {});
    for (Pool *pool : pools) {
        pool->pumpScheduled = false;
        pumpPool(*pool);
    }
}

void HttpClient::pumpPool(Pool &pool)
{
    while (!pool.queue.empty()) {
        Pending *pending = pool.queue.front();
        HttpConnection *connection = nullptr;
        if (!pending->needsFreshConnection) {
            while (!connection && !pool.idle.isEmpty()) {
                connection = pool.idle.takeLast(); // the warmest one
                if (!connection->isUsable()) {
                    discardConnection(connection);
                    connection = nullptr;
                }
            }
        }
        if (!connection) {
            if (pool.connections.size() >= m_options.maxConnectionsPerOrigin) {
                if (pool.idle.isEmpty()) return;      // every connection is busy: wait
                discardConnection(pool.idle.first()); // make room for a fresh one
            }
            connection = new HttpConnection(this, pending->origin);
            pool.connections.append(connection);
            ++m_connectionsOpened;
        }
        pool.queue.pop_front();
        startOn(connection, pending);
    }
}

void HttpClient::startOn(HttpConnection *connection, Pending *pending)
{
    pending->connection = connection;
    connection->setRequestId(pending->id);
    connection->start(pending->wire, pending->head, pending->idempotent);
}

void HttpClient::discardConnection(HttpConnection *connection)
{
    if (Pool *pool = m_pools.value(connection->origin())) {
        pool->connections.removeOne(connection);
        pool->idle.removeOne(connection);
    }
    if (Pending *pending = m_pending.value(connection->requestId())) pending->connection = nullptr;
    connection->setRequestId(0);
    connection->abandon();
    // We may be inside one of its socket's signals.
    connection->deleteLater();
}

void HttpClient::connectionFinished(HttpConnection *connection, HttpClientResponse response,
                                    bool reusable)
{
    Pending *pending = m_pending.value(connection->requestId());
    Pool *pool = poolFor(connection->origin());
    if (reusable) {
        connection->setRequestId(0);
        pool->idle.append(connection);
        if (!m_idleSweep.isActive()) m_idleSweep.start();
    } else {
        discardConnection(connection);
    }
    if (!pool->queue.empty()) schedulePump(pool);
    if (pending) finish(pending, std::move(response));
}

void HttpClient::connectionFailed(HttpConnection *connection, HttpClientResponse response,
                                  bool retryable)
{
    Pending *pending = m_pending.value(connection->requestId());
    Pool *pool = poolFor(connection->origin());
    discardConnection(connection);
    if (pending && retryable && !pending->retried) {
        pending->retried = true;
        pending->needsFreshConnection = true;
        pool->queue.push_front(pending);
        schedulePump(pool);
        return;
    }
    if (!pool->queue.empty()) schedulePump(pool);
    if (pending) finish(pending, std::move(response));
}

void HttpClient::connectionLost(HttpConnection *connection)
{
    Pool *pool = poolFor(connection->origin());
    discardConnection(connection);
    if (!pool->queue.empty()) schedulePump(pool);
}

void HttpClient::sweepIdle()
{
    const qint64 now = QDeadlineTimer::current().deadline();
    bool anyIdle = false;
    for (Pool *pool : std::as_const(m_pools)) {
        const QList<HttpConnection *> idle = pool->idle;
        for (HttpConnection *connection : idle) {
            if (now - connection->idleSinceMs() >= m_options.idleTimeoutMs)
                discardConnection(connection);
        }
        anyIdle = anyIdle || !pool->idle.isEmpty();
    }
    if (!anyIdle) m_idleSweep.stop();
}

void HttpClient::timerEvent(QTimerEvent *event)
{
    const auto it = m_timers.constFind(event->timerId());
    if (it == m_timers.constEnd()) return QObject::timerEvent(event);
    const RequestId id = it.value();
    m_timers.erase(it);
    killTimer(event->timerId());
    Pending *pending = m_pending.value(id);
    if (!pending) return;
    pending->timerId = 0;
    Pool *pool = poolFor(pending->origin);
    if (pending->connection) {
        discardConnection(pending->connection);
        if (!pool->queue.empty()) schedulePump(pool);
    } else {
        const auto queued = std::find(pool->queue.begin(), pool->queue.end(), pending);
        if (queued != pool->queue.end()) pool->queue.erase(queued);
    }
    fail(pending, HttpClientResponse::Error::Timeout,
         QStringLiteral("no complete response within %1 ms").arg(pending->timeoutMs));
}

void HttpClient::fail(Pending *pending, HttpClientResponse::Error error, const QString &text)
{
    HttpClientResponse response;
    response.error = error;
    response.errorString = text;
    finish(pending, std::move(response));
}

void HttpClient::finish(Pending *pending, HttpClientResponse response)
{
    m_pending.remove(pending->id);
    if (pending->timerId) {
        killTimer(pending->timerId);
        m_timers.remove(pending->timerId);
    }
    Done done = std::move(pending->done);
    delete pending;
    if (done) done(std::move(response)); // last: may send or cancel
}
