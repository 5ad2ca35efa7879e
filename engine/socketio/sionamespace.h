// SioNamespace: the admitted sockets of one namespace, in connection order,
// and its rooms (room -> sockets and socket -> rooms, as socket.io's in-memory
// adapter keeps them). Broadcasts encode a packet once and share the bytes
// with every recipient. Owned by SioServer; engine thread only.
#pragma once

#include "protocol/siopacket.h"
#include "socketio/recoverystore.h"
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

    // Connection-state recovery of this namespace; null when it is off.
    RecoveryStore *recovery() const { return m_recovery.get(); }
    // An EVENT broadcast (no ack) that clients can recover: with a recovery
    // store, `encode` gets the offset to append as the packet's last
    // argument (one per broadcast, whatever the number of recipients) and
    // the packet is kept for replay; without one it gets an empty offset.
    // `encode(QByteArrayView offset) -> QByteArray` returns the Socket.IO
    // text. Returns the number of sockets it went to.
    template<typename Encode>
    int broadcastEvent(Encode &&encode, const QStringList &rooms = {},
                       const SioSocket *except = nullptr)
    {
        if (!m_recovery) return broadcast(encode(QByteArrayView()), rooms, except);
        const quint64 seq = m_recovery->reserve();
        const QByteArray offset = m_recovery->offsetOf(seq);
        const QByteArray text = encode(QByteArrayView(offset));
        keep(seq, text, {}, rooms, except);
        return broadcast(text, rooms, except);
    }
    // An EVENT packet (no ack) for recipients the caller picked (a direct
    // emit, binary payloads, except rooms): with a recovery store, one offset
    // is appended to its data and it is kept once, for `rooms` minus
    // `exceptRooms` (empty rooms: every socket). Returns the recipients.
    int sendKept(sio::Packet packet, const QList<SioSocket *> &recipients, const QStringList &rooms,
                 const QStringList &exceptRooms);

private:
    friend class SioServer;
    friend class SioSocket;
    friend class SioAdapter;
    void add(SioSocket *socket);
    void remove(SioSocket *socket);
    // False (and a log line) when the socket is at the rooms-per-socket limit.
    bool join(SioSocket *socket, const QString &room);
    void leave(SioSocket *socket, const QString &room);
    void keep(quint64 seq, const QByteArray &text, const QList<QByteArray> &attachments,
              const QStringList &rooms, const SioSocket *except);

    SioServer *m_server;
    QString m_name;
    NamespaceHandler *m_handler;
    QMap<quint64, SioSocket *> m_sockets;
    QHash<QString, SioSocket *> m_byId;
    QHash<QString, RoomMembers> m_rooms;
    std::unique_ptr<RecoveryStore> m_recovery; // set by SioServer when recovery is on
    std::unique_ptr<SioAdapter> m_adapter;
};
