// Listener: accepts TCP (and, when configured, Unix-domain) streams and wraps
// each in a Connection that reports to one RequestHandler. Thread affinity: the
// engine thread; create and use it there.
#pragma once

#include "transport/connection.h"

#include <QHostAddress>
#include <QObject>

class QTcpServer;
class QLocalServer;

class Listener : public QObject {
    Q_OBJECT
public:
    Listener(RequestHandler *handler, ConnectionLimits limits, QObject *parent = nullptr);
    ~Listener() override;

    bool listenTcp(const QHostAddress &address, quint16 port, QString *error);
    // Removes a stale socket file first (a crashed run leaves one behind).
    bool listenUnix(const QString &path, QString *error);
    void close();

    quint16 tcpPort() const;
    QString unixPath() const;
    int openConnections() const { return m_open; }
    quint64 acceptedConnections() const { return m_accepted; }

    void setMaxConnections(int total, int perPeer)
    {
        m_maxConnections = total;
        m_maxPerPeer = perPeer;
    }

Q_SIGNALS:
    void connectionAccepted(Connection *connection);

private:
    void adopt(QIODevice *device, const QString &peer);

    RequestHandler *m_handler;
    ConnectionLimits m_limits;
    QTcpServer *m_tcp = nullptr;
    QLocalServer *m_local = nullptr;
    int m_open = 0;
    quint64 m_accepted = 0;
    int m_maxConnections = 0; // 0 = unlimited
    int m_maxPerPeer = 0;
    QHash<QString, int> m_perPeer;
};
