// SioNamespace: the admitted sockets of one namespace, in connection order,
// and its rooms (room -> sockets and socket -> rooms, as socket.io's in-memory
// adapter keeps them). Broadcasts encode a packet once and share the bytes
// with every recipient. Owned by SioServer; engine thread only.
#pragma once

#include "socketio/roommembers.h"
#include "socketio/sioadapter.h"

#include <QHash>
#include <QMap>
#include <QSet>
#include <QString>
#include <QStringList>
#include <memory>

class SioServer;
class SioSocket;
class NamespaceHandler;

class SioNamespace {
public:
    SioNamespace(SioServer *server, QString name, NamespaceHandler *handler);
    ~SioNamespace();

    const QString &name() const { return m_name; }
    NamespaceHandler *handler() const { return m_handler; }
    const QMap<quint64, SioSocket *> &sockets() const { return m_sockets; } // connection order
    SioSocket *socket(const QString &id) const { return m_byId.value(id); }
    int socketCount() const { return int(m_byId.size()); }
    const QHash<QString, RoomMembers> &rooms() const { return m_rooms; }
    QSet<SioSocket *> roomMembers(const QString &room) const
    {
        const auto it = m_rooms.constFind(room);
        return it == m_rooms.cend() ? QSet<SioSocket *>() : it->toSet();
    }

    // Where broadcasts and socket operations that may span a cluster go
    // (never null; the in-memory adapter when no cluster is configured).
    SioAdapter *adapter() const { return m_adapter.get(); }

    // Sends the Socket.IO text packet (no attachments) to every socket in any
    // of `rooms` (all sockets when empty), except `except`. Returns the number
    // of sockets it went to.
    int broadcast(const QByteArray &sioText, const QStringList &rooms = {},
                  const SioSocket *except = nullptr);

private:
    friend class SioServer;
    friend class SioSocket;
    friend class SioAdapter;
    void add(SioSocket *socket);
    void remove(SioSocket *socket);
    // False (and a log line) when the socket is at the rooms-per-socket limit.
    bool join(SioSocket *socket, const QString &room);
    void leave(SioSocket *socket, const QString &room);

    SioServer *m_server;
    QString m_name;
    NamespaceHandler *m_handler;
    QMap<quint64, SioSocket *> m_sockets;
    QHash<QString, SioSocket *> m_byId;
    QHash<QString, RoomMembers> m_rooms;
    std::unique_ptr<SioAdapter> m_adapter;
};
