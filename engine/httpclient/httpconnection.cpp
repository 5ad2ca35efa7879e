#include "httpclient/httpconnection.h"

#include "httpclient/httpclient.h"

#include <QDeadlineTimer>
#include <QNetworkProxy>
#include <QTcpSocket>
#if QT_CONFIG(ssl)
#include <QSslSocket>
#endif

namespace {
constexpr qsizetype kReadChunk = 16 * 1024;
} // namespace

HttpConnection::HttpConnection(HttpClient *client, const HttpOrigin &origin)
    : QObject(client), m_client(client), m_origin(origin)
{}

HttpConnection::~HttpConnection()
{
    if (m_socket) {
        // Its signals must not reach a half-destroyed connection.
        disconnect(m_socket, nullptr, this, nullptr);
        m_socket->abort();
    }
}

bool HttpConnection::isUsable() const
{
    return m_socket && !m_gone && m_socket->state() == QAbstractSocket::ConnectedState;
}

QString HttpConnection::peerName() const
{
    const QString host =
        m_origin.host.contains(QLatin1Char(':')) ? u'[' + m_origin.host + u']' : m_origin.host;
    return host + u':' + QString::number(m_origin.port);
}

void HttpConnection::start(const QByteArray &wire, bool headRequest, bool idempotent)
{
    m_busy = true;
    m_wire = wire;
    m_parser.reset(headRequest, m_client->options().maxResponseBytes);
    m_wroteAny = false;
    m_idempotent = idempotent;
    m_extraBytes = false;
    if (m_connected)
        m_socket->write(m_wire);
    else if (!m_socket)
        connectSocket();
}

void HttpConnection::connectSocket()
{
#if QT_CONFIG(ssl)
    if (m_origin.tls) {
        auto *ssl = new QSslSocket(this);
        const auto &tls = m_client->options().tls;
        ssl->setSslConfiguration(tls ? *tls : QSslConfiguration::defaultConfiguration());
        m_socket = ssl;
        connect(ssl, &QSslSocket::encrypted, this, &HttpConnection::onConnected);
    }
#endif
    if (!m_socket) {
        m_socket = new QTcpSocket(this);
        connect(m_socket, &QTcpSocket::connected, this, &HttpConnection::onConnected);
    }
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &HttpConnection::onBytesWritten);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &HttpConnection::onGone);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::onGone);
    // Callbacks go to the web server next door, not through a proxy (fetch
    // ignores http_proxy too).
    m_socket->setProxy(QNetworkProxy::NoProxy);
#if QT_CONFIG(ssl)
    if (m_origin.tls) {
        static_cast<QSslSocket *>(m_socket)->connectToHostEncrypted(m_origin.host, m_origin.port);
        return;
    }
#endif
    if (m_origin.tls) {
        // Reported from the event loop like any other connect failure.
        QMetaObject::invokeMethod(this, &HttpConnection::onGone, Qt::QueuedConnection);
        return;
    }
    m_socket->connectToHost(m_origin.host, m_origin.port);
}

void HttpConnection::onConnected()
{
    m_connected = true;
    // A request goes out in one write; Nagle would only hold back its tail.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (m_busy) m_socket->write(m_wire);
}

void HttpConnection::onBytesWritten()
{
    m_wroteAny = true;
}

void HttpConnection::onReadyRead()
{
    char buffer[kReadChunk];
    while (!m_gone) {
        const qint64 n = m_socket->read(buffer, sizeof buffer);
        if (n <= 0) return;
        consume(buffer, n);
        // The client may have discarded this connection meanwhile.
    }
}

void HttpConnection::consume(const char *data, qsizetype size)
{
    if (!m_busy) {
        // Bytes nobody asked for: the connection's framing is lost.
        m_gone = true;
        m_client->connectionLost(this);
        return;
    }
    const qsizetype used = m_parser.feed(data, size);
    switch (m_parser.state()) {
    case HttpResponseParser::State::Complete:
        m_extraBytes = used < size;
        finishResponse(false);
        return;
    case HttpResponseParser::State::Failed:
        finishFailure();
        return;
    case HttpResponseParser::State::Head:
    case HttpResponseParser::State::Body:
        return;
    }
}

void HttpConnection::onGone()
{
    if (m_gone) return;
    m_gone = true;
    if (!m_busy) {
        m_client->connectionLost(this);
        return;
    }
    // Whatever arrived before the close still counts.
    if (m_socket && m_socket->isReadable()) {
        char buffer[kReadChunk];
        qint64 n = 0;
        while (m_busy && (n = m_socket->read(buffer, sizeof buffer)) > 0)
            consume(buffer, n);
        if (!m_busy) return;
    }
    m_parser.finishOnEof();
    if (m_parser.state() == HttpResponseParser::State::Complete)
        finishResponse(true);
    else
        finishFailure();
}

void HttpConnection::finishResponse(bool closeAfter)
{
    HttpClientResponse response;
    response.status = m_parser.status();
    response.head = m_parser.takeHead();
    response.body = m_parser.takeBody();
    const bool reusable = !closeAfter && !m_gone && !m_extraBytes && m_parser.keepAlive();
    m_busy = false;
    ++m_served;
    m_idleSinceMs = QDeadlineTimer::current().deadline();
    m_wire.clear();
    m_client->connectionFinished(this, std::move(response), reusable);
}

void HttpConnection::finishFailure()
{
    HttpClientResponse response;
    bool retryable = false;
    if (m_parser.state() == HttpResponseParser::State::Failed) {
        response.error = m_parser.failure() == HttpResponseParser::Failure::TooLarge
                             ? HttpClientResponse::Error::ResponseTooLarge
                             : HttpClientResponse::Error::MalformedResponse;
        response.errorString = m_parser.error() + QStringLiteral(" (from ") + peerName() + u')';
    } else if (!m_connected) {
        response.error = HttpClientResponse::Error::ConnectFailed;
        response.errorString = QStringLiteral("cannot connect to ") + peerName() +
                               QStringLiteral(": ") +
                               (m_socket ? m_socket->errorString()
                                         : QStringLiteral("TLS is not available in this build"));
    } else {
        response.error = HttpClientResponse::Error::ConnectionClosed;
        response.errorString =
            (m_parser.receivedAnything()
                 ? QStringLiteral("the server closed the connection before the response was "
                                  "complete (")
                 : QStringLiteral("the server closed the connection without answering (")) +
            peerName() + u')';
        // The keep-alive race: the server closed this idle connection just
        // as the request went out. Safe to repeat only when the server
        // cannot have acted on it.
        retryable = m_served > 0 && !m_parser.receivedAnything() && (m_idempotent || !m_wroteAny);
    }
    m_busy = false;
    m_gone = true;
    m_wire.clear();
    m_client->connectionFailed(this, std::move(response), retryable);
}

void HttpConnection::abandon()
{
    m_gone = true;
    m_busy = false;
    if (!m_socket) return;
    disconnect(m_socket, nullptr, this, nullptr);
    m_socket->abort();
}
