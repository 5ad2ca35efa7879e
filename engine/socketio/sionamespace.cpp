#include "socketio/sionamespace.h"

#include "common/clienttext.h"
#include "common/logging.h"
#include "socketio/sioserver.h"
#include "socketio/siosocket.h"

SioNamespace::SioNamespace(SioServer *server, QString name, NamespaceHandler *handler)
    : m_server(server), m_name(std::move(name)), m_handler(handler),
      m_adapter(server->makeAdapter(this))
{}

SioNamespace::~SioNamespace() = default;

void SioNamespace::add(SioSocket *socket)
{
    m_sockets.insert(socket->sequence(), socket);
    m_byId.insert(socket->id(), socket);
}

void SioNamespace::remove(SioSocket *socket)
{
    SioObserver *observer = m_server->observer();
    for (const QString &room : std::as_const(socket->m_rooms)) {
        if (observer) observer->roomLeft(socket, room);
        auto it = m_rooms.find(room);
        if (it == m_rooms.end()) continue;
        it->remove(socket);
        if (it->isEmpty()) m_rooms.erase(it);
    }
    socket->m_rooms.clear();
    m_sockets.remove(socket->sequence());
    m_byId.remove(socket->id());
}

bool SioNamespace::join(SioSocket *socket, const QString &room)
{
    if (socket->m_rooms.contains(room)) return true;
    if (m_server->nameTooLong(room)) {
        qCWarning(lcSio).noquote() << "socket" << socket->id() << "of" << clientText(m_name)
                                   << "not joining room" << clientText(room) << ": name longer than"
                                   << m_server->maxNameLength() << "characters (max name length)";
        return false;
    }
    const int max = m_server->maxRoomsPerSocket();
    if (max > 0 && socket->m_rooms.size() >= max) {
        qCWarning(lcSio).noquote()
            << "socket" << socket->id() << "of" << clientText(m_name) << "not joining room"
            << clientText(room) << ": already in" << max << "rooms (max rooms per socket)";
        return false;
    }
    auto it = m_rooms.find(room);
    if (it == m_rooms.end()) {
        // A new room's name is kept as long as the room lives; callers often
        // build it by appending ("user:" + name), which leaves spare capacity.
        QString name = room;
        if (name.capacity() > name.size()) name.squeeze();
        it = m_rooms.emplace(name, RoomMembers());
        socket->m_rooms.insert(name);
    } else {
        socket->m_rooms.insert(it.key());
    }
    it->insert(socket);
    if (SioObserver *observer = m_server->observer()) observer->roomJoined(socket, room);
    return true;
}

void SioNamespace::leave(SioSocket *socket, const QString &room)
{
    if (!socket->m_rooms.remove(room)) return;
    if (SioObserver *observer = m_server->observer()) observer->roomLeft(socket, room);
    auto it = m_rooms.find(room);
    if (it == m_rooms.end()) return;
    it->remove(socket);
    if (it->isEmpty()) m_rooms.erase(it);
}

int SioNamespace::broadcast(const QByteArray &sioText, const QStringList &rooms,
                            const SioSocket *except)
{
    const OutPacket packet = OutPacket::sharedMessage(sioText);
    int sent = 0;
    auto deliver = [&](SioSocket *s) {
        if (s == except) return;
        m_server->deliver(s, packet);
        ++sent;
    };
    if (rooms.isEmpty()) {
        for (SioSocket *s : std::as_const(m_sockets))
            deliver(s);
    } else if (rooms.size() == 1) {
        const auto it = m_rooms.constFind(rooms.first());
        if (it != m_rooms.constEnd())
            for (SioSocket *s : *it)
                deliver(s);
    } else {
        QSet<SioSocket *> seen;
        for (const QString &room : rooms) {
            const auto it = m_rooms.constFind(room);
            if (it == m_rooms.constEnd()) continue;
            for (SioSocket *s : *it)
                if (!seen.contains(s)) {
                    seen.insert(s);
                    deliver(s);
                }
        }
    }
    return sent;
}

void SioNamespace::keep(quint64 seq, const QByteArray &text, const QList<QByteArray> &attachments,
                        const QStringList &rooms, const SioSocket *except)
{
    m_recovery->keep(seq, text, attachments, rooms,
                     except ? QStringList{except->id()} : QStringList(), RecoveryStore::nowMs());
}

int SioNamespace::sendKept(sio::Packet packet, const QList<SioSocket *> &recipients,
                           const QStringList &rooms, const QStringList &exceptRooms)
{
    quint64 seq = 0;
    if (m_recovery) {
        seq = m_recovery->reserve();
        const QString offset = QString::fromLatin1(m_recovery->offsetOf(seq));
        if (!packet.dataJson.isEmpty()) { // a JSON array text: the offset goes before its ']'
            packet.dataJson.chop(1);
            packet.dataJson.append(',').append(sio::toJson(offset)).append(']');
        } else {
            QJsonArray data = packet.data.toArray();
            data.append(offset);
            packet.data = data;
        }
    }
    const QByteArray text = sio::encode(packet);
    if (m_recovery)
        m_recovery->keep(seq, text, packet.attachments, rooms, exceptRooms, RecoveryStore::nowMs());
    for (SioSocket *s : recipients) {
        ++s->eventsOut;
        m_server->sendPacket(s, text, packet.attachments);
    }
    return int(recipients.size());
}
