#include "redis/redisconnection.h"

#include <sys/ioctl.h>

#include "redis/respencoder.h"

#include <QLocalSocket>
#include <QPointer>
#include <QTcpSocket>

namespace {

QString describeLocalError(const QLocalSocket *socket, QLocalSocket::LocalSocketError error,
                           const QString &path)
{
    switch (error) {
    case QLocalSocket::ServerNotFoundError: // Qt's own text for this is "Invalid name"
        return QStringLiteral("no socket at %1").arg(path);
    case QLocalSocket::ConnectionRefusedError:
        return QStringLiteral("Connection refused");
    case QLocalSocket::PeerClosedError:
        return QStringLiteral("server closed the connection");
    default:
        return socket->errorString();
    }
}

} // namespace

RedisConnection::RedisConnection(RedisEndpoint endpoint, QObject *parent)
    : QObject(parent), m_endpoint(std::move(endpoint))
{
    m_connectTimer.setSingleShot(true);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        const char *what =
            m_phase == Phase::Handshake ? "waiting for the AUTH/SELECT reply" : "connecting";
        fail(QStringLiteral("timed out after %1 ms %2").arg(m_connectTimeoutMs).arg(what));
    });
}

RedisConnection::~RedisConnection()
{
    teardown();
}

void RedisConnection::setMaxReplyBytes(qsizetype bytes)
{
    m_reader.setMaxPendingBytes(bytes);
}

void RedisConnection::open(int timeoutMs)
{
    teardown();
    m_phase = Phase::Connecting;
    m_connectTimeoutMs = timeoutMs;
    m_connectTimer.start(timeoutMs);
    // Deferred so that a synchronous socket error (QLocalSocket reports a missing path inside
    // connectToServer) still reaches the owner from the event loop, not from inside open().
    const quint64 generation = m_generation;
    QMetaObject::invokeMethod(
        this, [this, generation] { startConnect(generation); }, Qt::QueuedConnection);
}

void RedisConnection::startConnect(quint64 generation)
{
    if (generation != m_generation || m_phase != Phase::Connecting) return;
    if (m_endpoint.isUnix()) {
        auto *socket = new QLocalSocket(this);
        m_device = socket;
        connect(socket, &QLocalSocket::connected, this, &RedisConnection::onConnected);
        connect(socket, &QLocalSocket::readyRead, this, &RedisConnection::onReadyRead);
        connect(socket, &QLocalSocket::errorOccurred, this,
                [this, socket](QLocalSocket::LocalSocketError error) {
                    onSocketError(describeLocalError(socket, error, m_endpoint.unixPath));
                });
        connect(socket, &QLocalSocket::disconnected, this,
                [this] { onSocketError(QStringLiteral("server closed the connection")); });
        socket->connectToServer(m_endpoint.unixPath);
    } else {
        auto *socket = new QTcpSocket(this);
        m_device = socket;
        connect(socket, &QTcpSocket::connected, this, &RedisConnection::onConnected);
        connect(socket, &QTcpSocket::readyRead, this, &RedisConnection::onReadyRead);
        connect(socket, &QTcpSocket::errorOccurred, this, [this, socket] {
            onSocketError(socket->error() == QAbstractSocket::RemoteHostClosedError
                              ? QStringLiteral("server closed the connection")
                              : socket->errorString());
        });
        connect(socket, &QTcpSocket::disconnected, this,
                [this] { onSocketError(QStringLiteral("server closed the connection")); });
        socket->connectToHost(m_endpoint.host, m_endpoint.port);
    }
}

void RedisConnection::onConnected()
{
    if (auto *tcp = qobject_cast<QTcpSocket *>(m_device)) {
        // Commands are small and latency matters more than packet count; keep-alive lets the
        // kernel notice a dead peer even between our own health checks.
        tcp->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        tcp->setSocketOption(QAbstractSocket::KeepAliveOption, 1);
    }

    QByteArray handshake;
    if (!m_endpoint.password.isEmpty()) {
        QList<QByteArray> auth{QByteArrayLiteral("AUTH")};
        if (!m_endpoint.username.isEmpty()) auth << m_endpoint.username.toUtf8();
        auth << m_endpoint.password.toUtf8();
        appendRedisCommand(&handshake, auth);
        m_handshakeNames << QByteArrayLiteral("AUTH");
    }
    if (m_endpoint.db != 0) {
        const QByteArray db = QByteArray::number(m_endpoint.db);
        appendRedisCommand(&handshake, {QByteArrayLiteral("SELECT"), db});
        m_handshakeNames << QByteArrayLiteral("SELECT ") + db;
    }
    if (m_handshakeNames.isEmpty()) {
        m_connectTimer.stop();
        m_phase = Phase::Ready;
        Q_EMIT ready();
        return;
    }
    m_phase = Phase::Handshake;
    m_device->write(handshake);
}

bool RedisConnection::handleHandshakeReply(const RedisValue &reply)
{
    const QByteArray name = m_handshakeNames.takeFirst();
    if (reply.isError()) {
        QString text = QString::fromUtf8(reply.string);
        if (text.endsWith(u'.')) // Redis ends some errors with a full stop; logs add more text
            text.chop(1);
        fail(QStringLiteral("%1 failed: %2").arg(QString::fromUtf8(name), text));
        return false;
    }
    if (m_handshakeNames.isEmpty()) {
        m_connectTimer.stop();
        m_phase = Phase::Ready;
        Q_EMIT ready();
    }
    return true;
}

void RedisConnection::onReadyRead()
{
    if (!m_device) return;
    // Either slot below may close this link or delete this object; both are detected here.
    const QPointer<RedisConnection> self(this);
    const quint64 generation = m_generation;
    // Into one reused buffer: readAll() allocates a fresh (often mmap'd) block
    // per read, and its page faults showed up in the targeted-event profile.
    if (m_readBuffer.size() != ReadChunkBytes) m_readBuffer.resize(ReadChunkBytes);
    for (;;) {
        const qint64 n = m_device->read(m_readBuffer.data(), ReadChunkBytes);
        if (n <= 0) break;
        m_reader.feed(m_readBuffer.constData(), qsizetype(n));
    }
    for (;;) {
        RedisValue reply;
        const RespReader::Status status = m_reader.next(&reply);
        if (status == RespReader::Status::NeedMore) return;
        if (status == RespReader::Status::Error) {
            fail(m_reader.errorString());
            return;
        }
        if (m_phase == Phase::Handshake) {
            if (!handleHandshakeReply(reply)) return;
        } else {
            Q_EMIT replyReceived(reply);
        }
        if (!self || generation != m_generation) return;
    }
}

void RedisConnection::onSocketError(const QString &reason)
{
    if (m_phase == Phase::Closed) return;
    // The peer may have sent a last reply (an -ERR explaining why) before closing.
    if (m_device && m_device->bytesAvailable() > 0) {
        const QPointer<RedisConnection> self(this);
        const quint64 generation = m_generation;
        onReadyRead();
        if (!self || generation != m_generation) return;
    }
    fail(reason);
}

void RedisConnection::write(const QByteArray &encodedCommands)
{
    if (m_phase != Phase::Ready || !m_device) return;
    m_device->write(encodedCommands);
}

void RedisConnection::close()
{
    teardown();
}

void RedisConnection::fail(const QString &reason)
{
    if (m_phase == Phase::Closed) return;
    teardown();
    Q_EMIT failed(reason);
}

void RedisConnection::teardown()
{
    ++m_generation;
    m_connectTimer.stop();
    m_handshakeNames.clear();
    m_phase = Phase::Closed;
    if (m_device) {
        // Disconnect first: abort() would otherwise call back into us with stale signals.
        m_device->disconnect(this);
        if (auto *tcp = qobject_cast<QTcpSocket *>(m_device))
            tcp->abort();
        else if (auto *local = qobject_cast<QLocalSocket *>(m_device))
            local->abort();
        // We may be inside one of the socket's own signals: never delete it directly.
        m_device->deleteLater();
        m_device = nullptr;
    }
    m_reader.reset();
}

bool RedisConnection::hasUnreadData() const
{
    if (!m_device) return false;
    if (m_device->bytesAvailable() > 0) return true;
    qintptr fd = -1;
    if (auto *tcp = qobject_cast<QAbstractSocket *>(m_device))
        fd = tcp->socketDescriptor();
    else if (auto *local = qobject_cast<QLocalSocket *>(m_device))
        fd = local->socketDescriptor();
    int pending = 0;
    return fd >= 0 && ::ioctl(int(fd), FIONREAD, &pending) == 0 && pending > 0;
}
