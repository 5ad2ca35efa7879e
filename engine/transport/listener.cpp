#include "transport/listener.h"

#include "common/logging.h"
#include "transport/shardlink.h"
#include "transport/socketconnection.h"

#include <QFile>
#include <QLocalServer>
#include <QLocalSocket>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

// QLocalServer would wrap every accepted descriptor in a socket object of
// this thread; this hands the bare descriptor over instead, so a shard thread
// can take it.
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
    // QTcpServer binds and listens (dual-stack Any, SO_REUSEADDR, errors);
    // accepting is ours: accept4() hands over a non-blocking descriptor and the
    // peer address in one call, where Qt's path costs getpeername() and two
    // fcntl() more per connection.
    m_tcp = new QTcpServer(this);
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
    m_tcp->pauseAccepting();
    m_acceptNotifier = new QSocketNotifier(m_tcp->socketDescriptor(), QSocketNotifier::Read, this);
    connect(m_acceptNotifier, &QSocketNotifier::activated, this, &Listener::acceptPendingTcp);
    return true;
}

void Listener::acceptPendingTcp()
{
    const int listenFd = int(m_tcp->socketDescriptor());
    for (;;) {
        sockaddr_storage address = {};
        socklen_t length = sizeof address;
        const int fd = ::accept4(listenFd, reinterpret_cast<sockaddr *>(&address), &length,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            // The same text QTcpSocket::peerAddress().toString() gives.
            acceptTcp(fd, QHostAddress(reinterpret_cast<const sockaddr *>(&address)).toString());
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        // Out of descriptors (or memory): the backlog stays readable, so
        // polling it again at once would spin. Pause, say why, retry soon.
        qCWarning(lcTransport).nospace()
            << "cannot accept connections: " << strerror(errno) << " (open connections: " << m_open
            << "); retrying in 100 ms";
        m_acceptNotifier->setEnabled(false);
        QTimer::singleShot(100, m_acceptNotifier,
                           [notifier = m_acceptNotifier] { notifier->setEnabled(true); });
        return;
    }
}

bool Listener::listenUnix(const QString &path, bool groupAccess, QString *error)
{
    m_local = new DescriptorLocalServer([this](qintptr fd) { acceptLocal(fd); }, this);
    // Whoever can connect to the socket can try every client's path through
    // the server, so only the owner (and, when asked, its group: the proxy's
    // user added to the bench user's group) may.
    m_local->setSocketOptions(groupAccess
                                  ? QLocalServer::UserAccessOption | QLocalServer::GroupAccessOption
                                  : QLocalServer::SocketOptions(QLocalServer::UserAccessOption));
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
    // The notifier leaves the dispatcher before the descriptor is closed.
    delete std::exchange(m_acceptNotifier, nullptr);
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

void Listener::acceptTcp(qintptr fd, const QString &peer)
{
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
    // SocketConnection wants it non-blocking (accept4() does this for TCP).
    ::fcntl(int(fd), F_SETFL, ::fcntl(int(fd), F_GETFL) | O_NONBLOCK);
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
    // Per-address counts only when that limit is on: a hash update per
    // connect and close that nobody reads otherwise.
    if (m_maxPerPeer > 0) ++m_perPeer[peer];
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
    const auto it = m_perPeer.find(peer);
    if (it != m_perPeer.end() && --*it <= 0) m_perPeer.erase(it);
}
