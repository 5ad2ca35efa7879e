#include "transport/listener.h"

#include "common/logging.h"
#include "transport/shardlink.h"
#include "transport/socketconnection.h"

#include <QFile>
#include <QLocalServer>
#include <QLocalSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <sys/socket.h>
#include <unistd.h>

namespace {

// QTcpServer and QLocalServer would wrap every accepted descriptor in a socket
// object of this thread; these hand the bare descriptor over instead, so a
// shard thread can make its own.
class DescriptorTcpServer : public QTcpServer {
public:
    DescriptorTcpServer(std::function<void(qintptr)> accepted, QObject *parent)
        : QTcpServer(parent), m_accepted(std::move(accepted))
    {}

protected:
    void incomingConnection(qintptr fd) override { m_accepted(fd); }

private:
    std::function<void(qintptr)> m_accepted;
};

class DescriptorLocalServer : public QLocalServer {
public:
    DescriptorLocalServer(std::function<void(qintptr)> accepted, QObject *parent)
        : QLocalServer(parent), m_accepted(std::move(accepted))
    {}

protected:
    void incomingConnection(quintptr fd) override { m_accepted(qintptr(fd)); }

private:
    std::function<void(qintptr)> m_accepted;
};

// The same text QTcpSocket::peerAddress().toString() gives for this socket.
QString peerAddressOf(qintptr fd)
{
    sockaddr_storage address = {};
    socklen_t length = sizeof address;
    if (::getpeername(int(fd), reinterpret_cast<sockaddr *>(&address), &length) != 0)
        return QString();
    return QHostAddress(reinterpret_cast<const sockaddr *>(&address)).toString();
}

} // namespace

Listener::Listener(RequestHandler *handler, ConnectionLimits limits, QObject *parent)
    : QObject(parent), m_handler(handler), m_limits(limits)
{}

Listener::~Listener()
{
    close();
    stopShards();
    // Our children outlive this body; they must not call back into a
    // half-destroyed Listener.
    for (SocketConnection *connection :
         findChildren<SocketConnection *>(Qt::FindDirectChildrenOnly))
        connection->setObserver(nullptr);
}

void Listener::setIoThreads(int threads)
{
    if (!m_shards.empty()) return;
    for (int k = 1; k < threads; ++k) {
        auto *shard = new ShardLink(k, m_handler, m_limits, this);
        shard->setClosedObserver([this](const QString &peer) { released(peer); });
        shard->start();
        m_shards.push_back(shard);
    }
}

void Listener::stopShards()
{
    for (ShardLink *shard : m_shards)
        shard->stop();
}

bool Listener::listenTcp(const QHostAddress &address, quint16 port, QString *error)
{
    m_tcp = new DescriptorTcpServer([this](qintptr fd) { acceptTcp(fd); }, this);
    m_tcp->setListenBacklogSize(1024);
    if (!m_tcp->listen(address, port)) {
        if (error)
            *error = QStringLiteral("cannot listen on %1:%2: %3")
                         .arg(address.toString())
                         .arg(port)
                         .arg(m_tcp->errorString());
        delete m_tcp;
        m_tcp = nullptr;
        return false;
    }
    return true;
}

bool Listener::listenUnix(const QString &path, QString *error)
{
    m_local = new DescriptorLocalServer([this](qintptr fd) { acceptLocal(fd); }, this);
    m_local->setSocketOptions(QLocalServer::WorldAccessOption);
    m_local->setMaxPendingConnections(256);
    if (QFile::exists(path)) QLocalServer::removeServer(path);
    if (!m_local->listen(path)) {
        if (error)
            *error = QStringLiteral("cannot listen on unix socket %1: %2")
                         .arg(path, m_local->errorString());
        delete m_local;
        m_local = nullptr;
        return false;
    }
    return true;
}

void Listener::close()
{
    if (m_tcp) m_tcp->close();
    if (m_local) {
        const QString path = m_local->fullServerName();
        m_local->close();
        QFile::remove(path);
    }
}

quint16 Listener::tcpPort() const
{
    return m_tcp ? m_tcp->serverPort() : 0;
}

QString Listener::unixPath() const
{
    return m_local ? m_local->fullServerName() : QString();
}

QList<int> Listener::connectionsPerThread() const
{
    QList<int> counts{m_openHere};
    for (const ShardLink *shard : m_shards)
        counts.append(shard->connectionCount());
    return counts;
}

int Listener::nextThread()
{
    const int thread = m_next;
    m_next = (m_next + 1) % ioThreads();
    return thread;
}

void Listener::acceptTcp(qintptr fd)
{
    const QString peer = peerAddressOf(fd);
    const QByteArray refusal = refusalFor(peer);
    if (!refusal.isEmpty()) {
        auto *socket = new QTcpSocket;
        if (socket->setSocketDescriptor(fd)) return refuse(socket, peer, refusal);
        delete socket;
        ::close(int(fd));
        return;
    }
    adopt(fd, peer);
}

void Listener::acceptLocal(qintptr fd)
{
    const QString peer = QStringLiteral("unix");
    const QByteArray refusal = refusalFor(peer);
    if (!refusal.isEmpty()) {
        auto *socket = new QLocalSocket;
        if (socket->setSocketDescriptor(quintptr(fd))) return refuse(socket, peer, refusal);
        delete socket;
        ::close(int(fd));
        return;
    }
    adopt(fd, peer);
}

void Listener::adopt(qintptr fd, const QString &peer)
{
    ++m_open;
    ++m_accepted;
    ++m_perPeer[peer];
    const int thread = nextThread();
    if (thread > 0) {
        m_shards[size_t(thread - 1)]->adopt(fd, peer);
        return;
    }
    ++m_openHere;
    auto *connection = new SocketConnection(fd, peer, m_handler, m_limits, this);
    connection->setObserver(this);
}

void Listener::socketConnectionDestroyed(SocketConnection *connection)
{
    --m_openHere;
    released(connection->peer());
}

QByteArray Listener::refusalFor(const QString &peer) const
{
    if (m_maxConnections > 0 && m_open >= m_maxConnections) return "max connections reached";
    if (m_maxPerPeer > 0 && m_perPeer.value(peer) >= m_maxPerPeer)
        return "max connections per address reached";
    return {};
}

void Listener::refuse(QIODevice *device, const QString &peer, const QByteArray &why)
{
    qCWarning(lcTransport).nospace() << "refusing connection from " << peer << ": " << why;
    // A body saying which limit, so whoever sees the 503 knows what to raise.
    const QByteArray body = why + '\n';
    device->write("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                  "Connection: close\r\nContent-Length: " +
                  QByteArray::number(body.size()) + "\r\n\r\n" + body);
    if (auto *tcp = qobject_cast<QTcpSocket *>(device)) {
        connect(tcp, &QTcpSocket::disconnected, tcp, &QObject::deleteLater);
        tcp->disconnectFromHost();
    } else if (auto *local = qobject_cast<QLocalSocket *>(device)) {
        connect(local, &QLocalSocket::disconnected, local, &QObject::deleteLater);
        local->disconnectFromServer();
    }
}

void Listener::released(const QString &peer)
{
    --m_open;
    if (--m_perPeer[peer] <= 0) m_perPeer.remove(peer);
}
