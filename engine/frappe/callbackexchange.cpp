#include "frappe/callbackexchange.h"

namespace {

constexpr int kMaxRedirects = 20; // fetch's limit

const QString kFetchFailed = QStringLiteral("TypeError: fetch failed");

bool isTls(const QUrl &url)
{
    return url.scheme() == QLatin1String("https");
}

int effectivePort(const QUrl &url)
{
    return url.port(isTls(url) ? 443 : 80);
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

bool isRedirectStatus(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// fetch drops the body's own headers when a redirect turns the request into
// a GET.
QByteArray withoutBodyHeaders(const QByteArray &headerLines)
{
    QByteArray kept;
    qsizetype start = 0;
    while (start < headerLines.size()) {
        const qsizetype end = headerLines.indexOf("\r\n", start) + 2;
        const QByteArrayView line(headerLines.constData() + start, end - start);
        const bool bodyHeader =
            line.size() > 8 && line.first(8).compare("content-", Qt::CaseInsensitive) == 0;
        if (!bodyHeader) kept.append(line);
        start = end;
    }
    return kept;
}

} // namespace

CallbackExchange::CallbackExchange(HttpClient *http, FifoTimerQueue *deadlines, Done done,
                                   QObject *parent)
    : QObject(parent), m_http(http), m_deadlines(deadlines), m_done(std::move(done))
{
    m_deadlines->arm(m_deadline, this);
}

CallbackExchange::~CallbackExchange()
{
    m_deadline.disarm();
    cancelRequest();
}

void CallbackExchange::deadlinePassed(void *exchange)
{
    static_cast<CallbackExchange *>(exchange)->onDeadline();
}

void CallbackExchange::send(const QUrl &url, const QByteArray &method,
                            const QByteArray &headerLines, const QByteArray &body)
{
    if (m_settled || m_request) return;
    m_current = url;
    m_method = method;
    m_headerLines = headerLines;
    m_body = body;
    sendHop();
}

void CallbackExchange::sendHop()
{
    HttpClientRequest request;
    request.origin.tls = isTls(m_current);
    request.origin.host = m_current.host(QUrl::FullyEncoded);
    request.origin.port = quint16(effectivePort(m_current));
    request.method = m_method;
    request.target =
        m_current.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::RemoveFragment);
    if (!request.target.startsWith('/')) request.target.prepend('/');
    request.headerLines = m_headerLines;
    request.body = m_body;
    // The client outlives every exchange (FrappeWebClient deletes them
    // first) and the request is cancelled with the exchange.
    m_request = m_http->send(std::move(request), [this](HttpClientResponse response) {
        onResponse(std::move(response));
    });
}

void CallbackExchange::fail(ExchangeResult::Failure failure, const QString &nodeError,
                            const QString &detail)
{
    if (m_settled) return;
    ExchangeResult result;
    result.failure = failure;
    result.nodeError = nodeError;
    result.detail = detail;
    cancelRequest();
    settle(std::move(result));
}

void CallbackExchange::onResponse(HttpClientResponse response)
{
    m_request = 0;
    if (m_settled) return;
    if (!response.ok()) {
        // fetch reports every transport failure, refused to malformed, alike.
        fail(ExchangeResult::Failure::Network, kFetchFailed, response.errorString);
        return;
    }
    if (isRedirectStatus(response.status) && followRedirect(response)) return;
    if (m_settled) return;
    ExchangeResult result;
    result.status = response.status;
    result.body = std::move(response.body);
    settle(std::move(result));
}

bool CallbackExchange::followRedirect(const HttpClientResponse &response)
{
    const QByteArray location = response.header("location");
    if (location.isEmpty()) return false; // an ordinary answer, as fetch sees it
    const QUrl target = m_current.resolved(QUrl::fromEncoded(location));
    if (++m_redirects > kMaxRedirects) {
        fail(ExchangeResult::Failure::Network, kFetchFailed,
             QStringLiteral("more than %1 redirects").arg(kMaxRedirects));
        return true;
    }
    if (!target.isValid() || !redirectAllowed(m_current, target)) {
        fail(ExchangeResult::Failure::Network, kFetchFailed,
             QStringLiteral("refused redirect from %1 to another origin: %2")
                 .arg(m_current.adjusted(QUrl::RemoveQuery).toString(),
                      target.adjusted(QUrl::RemoveQuery).toString()));
        return true;
    }
    const int status = response.status;
    if ((status == 303 && m_method != "HEAD") ||
        ((status == 301 || status == 302) && m_method == "POST")) {
        m_method = "GET";
        m_body.clear();
        m_headerLines = withoutBodyHeaders(m_headerLines);
    }
    m_current = target;
    sendHop();
    return true;
}

void CallbackExchange::onDeadline()
{
    fail(ExchangeResult::Failure::Timeout,
         QStringLiteral("TimeoutError: The operation was aborted due to timeout"),
         QStringLiteral("no complete answer within %1 ms").arg(m_deadlines->timeoutMs()));
}

void CallbackExchange::settle(ExchangeResult result)
{
    m_settled = true;
    m_deadline.disarm();
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

void CallbackExchange::cancelRequest()
{
    if (!m_request) return;
    m_http->cancel(std::exchange(m_request, 0));
}
