#include "transport/listener.h"

#include "common/logging.h"

#include <QFile>
#include <QLocalServer>
#include <QLocalSocket>
#include <QTcpServer>
#include <QTcpSocket>

Listener::Listener(RequestHandler *handler, ConnectionLimits limits, QObject *parent)
    : QObject(parent), m_handler(handler), m_limits(limits)
{}

Listener::~Listener()
{
    close();
}

bool Listener::listenTcp(const QHostAddress &address, quint16 port, QString *error)
{
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
    connect(m_tcp, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *s = m_tcp->nextPendingConnection()) {
            s->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            adopt(s, s->peerAddress().toString());
        }
    });
    return true;
}

bool Listener::listenUnix(const QString &path, QString *error)
{
    m_local = new QLocalServer(this);
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
    connect(m_local, &QLocalServer::newConnection, this, [this] {
        while (QLocalSocket *s = m_local->nextPendingConnection())
            adopt(s, QStringLiteral("unix"));
    });
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

void Listener::adopt(QIODevice *device, const QString &peer)
{
    const bool overTotal = m_maxConnections > 0 && m_open >= m_maxConnections;
    const bool overPeer = m_maxPerPeer > 0 && m_perPeer.value(peer) >= m_maxPerPeer;
    if (overTotal || overPeer) {
        qCWarning(lcTransport).nospace()
            << "refusing connection from " << peer << ": "
            << (overTotal ? "max connections reached" : "max connections per address reached");
        // A body saying which limit, so whoever sees the 503 knows what to raise.
        const QByteArray body =
            overTotal ? "max connections reached\n" : "max connections per address reached\n";
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
        return;
    }
    ++m_open;
    ++m_accepted;
    ++m_perPeer[peer];
    auto *connection = new Connection(device, peer, m_handler, m_limits, this);
    connect(connection, &QObject::destroyed, this, [this, peer] {
        --m_open;
        if (--m_perPeer[peer] <= 0) m_perPeer.remove(peer);
    });
    Q_EMIT connectionAccepted(connection);
}
