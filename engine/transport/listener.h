// Listener: accepts TCP (and, when configured, Unix-domain) streams and spreads
// them over the I/O threads: the engine thread itself (a SocketConnection
// reporting straight to the RequestHandler) and N-1 shard threads (ShardLink),
// round robin. Either way the handler sees a Connection in the engine thread.
// Thread affinity: the engine thread; create and use it there.
#pragma once

#include "transport/socketconnection.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <vector>

class QSocketNotifier;
class QTcpServer;
class QLocalServer;
class QIODevice;
class ShardLink;

class Listener : public QObject, private SocketConnectionObserver {
    Q_OBJECT
public:
    Listener(RequestHandler *handler, ConnectionLimits limits, QObject *parent = nullptr);
    ~Listener() override;

    // How many threads do socket I/O, the engine thread included (1 = only it).
    // Call before listening.
    void setIoThreads(int threads);
    int ioThreads() const { return int(m_shards.size()) + 1; }

    bool listenTcp(const QHostAddress &address, quint16 port, QString *error);
    // Removes a stale socket file first (a crashed run leaves one behind).
    bool listenUnix(const QString &path, bool groupAccess, QString *error);
    // Stops accepting; open connections stay.
    void close();
    // Lets each shard write what is queued and close its sockets, and ends
    // the shard threads. Blocks until done; the engine's last step on stop.
    void stopShards();

    quint16 tcpPort() const;
    QString unixPath() const;
    int openConnections() const { return m_open; }
    quint64 acceptedConnections() const { return m_accepted; }
    // Sockets held by each I/O thread right now, the engine thread first.
    QList<int> connectionsPerThread() const;

    // Set before listening (per-address counting starts with the first connection).
    void setMaxConnections(int total, int perPeer)
    {
        m_maxConnections = total;
        m_maxPerPeer = perPeer;
    }

private:
    void acceptPendingTcp();
    void acceptTcp(qintptr fd, const QString &peer);
    void acceptLocal(qintptr fd);
    // Which thread takes the next socket: 0 = the engine thread, k = shard k.
    int nextThread();
    // Why a new connection from `peer` is refused (an abuse limit); empty if not.
    QByteArray refusalFor(const QString &peer) const;
    void refuse(QIODevice *device, const QString &peer, const QByteArray &why);
    // Counts it and gives it to the next I/O thread in turn.
    void adopt(qintptr fd, const QString &peer);
    void released(const QString &peer);
    void socketConnectionDestroyed(SocketConnection *connection) override;

    RequestHandler *m_handler;
    ConnectionLimits m_limits;
    QTcpServer *m_tcp = nullptr; // binds and listens; we accept
    QSocketNotifier *m_acceptNotifier = nullptr;
    QLocalServer *m_local = nullptr;
    std::vector<ShardLink *> m_shards; // children
    int m_next = 0;
    int m_open = 0;
    int m_openHere = 0;
    quint64 m_accepted = 0;
    int m_maxConnections = 0; // 0 = unlimited
    int m_maxPerPeer = 0;
    QHash<QString, int> m_perPeer;
};
