#include "frappe/callbackexchange.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>

namespace {

int effectivePort(const QUrl &url)
{
    return url.port(url.scheme() == QLatin1String("https") ? 443 : 80);
}

// fetch follows any redirect; this client carries a session cookie or token
// and the socket secret, so it only follows hops that stay with the same
// server, allowing the one common production hop: http -> https, same host.
bool redirectAllowed(const QUrl &from, const QUrl &to)
{
    if (from.host().compare(to.host(), Qt::CaseInsensitive) != 0) return false;
    if (from.scheme() == to.scheme()) return effectivePort(from) == effectivePort(to);
    return from.scheme() == QLatin1String("http") && to.scheme() == QLatin1String("https");
}

// Connection-level failures (refused, reset, DNS, TLS, cancelled): no
// complete response exists even if a status line arrived. Qt also reports
// HTTP statuses as errors (400 as ProtocolInvalidOperationError, 403 as
// ContentAccessDenied, ...); those are ordinary responses whose body the
// caller reads, so only this range counts as a transport failure.
bool isTransportError(QNetworkReply::NetworkError error)
{
    return error >= QNetworkReply::ConnectionRefusedError &&
           error <= QNetworkReply::UnknownNetworkError;
}

} // namespace

CallbackExchange::CallbackExchange(QNetworkAccessManager *nam, int timeoutMs, Done done,
                                   QObject *parent)
    : QObject(parent), m_nam(nam), m_done(std::move(done))
{
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, &CallbackExchange::onDeadline);
    m_deadline.start(timeoutMs);
}

CallbackExchange::~CallbackExchange()
{
    dropReply();
}

void CallbackExchange::send(const QNetworkRequest &request, const QByteArray &method,
                            const QByteArray &body)
{
    if (m_settled || m_reply) return;
    m_current = request.url();
    if (method == "GET")
        m_reply = m_nam->get(request);
    else if (method == "HEAD")
        m_reply = m_nam->head(request);
    else
        m_reply = m_nam->sendCustomRequest(request, method, body);
    connect(m_reply, &QNetworkReply::finished, this, &CallbackExchange::onFinished);
    connect(m_reply, &QNetworkReply::redirected, this, &CallbackExchange::onRedirected);
}

void CallbackExchange::fail(ExchangeResult::Failure failure, const QString &nodeError,
                            const QString &detail)
{
    if (m_settled) return;
    ExchangeResult result;
    result.failure = failure;
    result.nodeError = nodeError;
    result.detail = detail;
    dropReply();
    settle(std::move(result));
}

void CallbackExchange::onFinished()
{
    if (m_settled || !m_reply) return;
    QNetworkReply *reply = m_reply;
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    ExchangeResult result;
    if (isTransportError(reply->error()) || !status.isValid()) {
        result.failure = ExchangeResult::Failure::Network;
        result.nodeError = QStringLiteral("TypeError: fetch failed");
        result.detail = reply->errorString();
    } else {
        result.status = status.toInt();
        result.body = reply->readAll();
    }
    dropReply();
    settle(std::move(result));
}

void CallbackExchange::onRedirected(const QUrl &target)
{
    if (m_settled || !m_reply) return;
    if (redirectAllowed(m_current, target)) {
        m_current = target;
        Q_EMIT m_reply->redirectAllowed();
        return;
    }
    fail(ExchangeResult::Failure::Network, QStringLiteral("TypeError: fetch failed"),
         QStringLiteral("refused redirect from %1 to another origin: %2")
             .arg(m_current.adjusted(QUrl::RemoveQuery).toString(),
                  target.adjusted(QUrl::RemoveQuery).toString()));
}

void CallbackExchange::onDeadline()
{
    fail(ExchangeResult::Failure::Timeout,
         QStringLiteral("TimeoutError: The operation was aborted due to timeout"),
         QStringLiteral("no complete answer within %1 ms").arg(m_deadline.interval()));
}

void CallbackExchange::settle(ExchangeResult result)
{
    m_settled = true;
    m_deadline.stop();
    m_result = std::move(result);
    QMetaObject::invokeMethod(
        this,
        [this] {
            Done done = std::move(m_done);
            ExchangeResult result = std::move(m_result);
            deleteLater();
            // Last statement: done may destroy the client and, with it, this.
            if (done) done(std::move(result));
        },
        Qt::QueuedConnection);
}

void CallbackExchange::dropReply()
{
    if (!m_reply) return;
    QNetworkReply *reply = m_reply;
    m_reply.clear();
    disconnect(reply, nullptr, this, nullptr);
    // abort() emits finished() synchronously; nobody listens any more.
    if (reply->isRunning()) reply->abort();
    // We may be inside one of its signals: let it unwind first.
    reply->deleteLater();
}
