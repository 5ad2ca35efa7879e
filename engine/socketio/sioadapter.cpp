#include "socketio/sioadapter.h"

#include "protocol/siopacket.h"
#include "socketio/recoverystore.h"
#include "socketio/sionamespace.h"
#include "socketio/sioserver.h"
#include "socketio/siosocket.h"

#include <QDateTime>
#include <QPointer>
#include <QSet>
#include <QUrlQuery>

namespace {

// `2[<nsp>,]<data>`: an EVENT without attachments, for data already in JSON.
QByteArray eventText(const QString &nsp, const QByteArray &dataJson)
{
    QByteArray text;
    const bool named = nsp != QLatin1String("/");
    const QByteArray nspUtf8 = named ? nsp.toUtf8() : QByteArray();
    text.reserve(2 + nspUtf8.size() + dataJson.size());
    text.append('2');
    if (named) text.append(nspUtf8).append(',');
    text.append(dataJson);
    return text;
}

} // namespace

int SioAdapter::broadcast(const QJsonArray &data, const QList<QByteArray> &attachments,
                          const BroadcastOptions &opts)
{
    return localBroadcast(data, attachments, opts);
}

void SioAdapter::addSockets(const BroadcastOptions &opts, const QStringList &rooms)
{
    localAddSockets(opts, rooms);
}

void SioAdapter::delSockets(const BroadcastOptions &opts, const QStringList &rooms)
{
    localDelSockets(opts, rooms);
}

void SioAdapter::disconnectSockets(const BroadcastOptions &opts, bool close)
{
    localDisconnectSockets(opts, close);
}

void SioAdapter::fetchSockets(const BroadcastOptions &opts, SocketsDone done)
{
    done(localSocketDetails(opts), QString());
}

void SioAdapter::allRooms(RoomsDone done)
{
    done(localRooms(), QString());
}

QList<SioSocket *> SioAdapter::localSockets(const BroadcastOptions &opts) const
{
    QSet<SioSocket *> excluded;
    for (const QString &room : opts.except)
        for (SioSocket *s : m_nsp->rooms().value(room))
            excluded.insert(s);
    QList<SioSocket *> selected;
    if (opts.rooms.isEmpty()) {
        for (SioSocket *s : m_nsp->sockets())
            if (!excluded.contains(s)) selected.append(s);
        return selected;
    }
    QSet<SioSocket *> targets;
    for (const QString &room : opts.rooms)
        for (SioSocket *s : m_nsp->rooms().value(room))
            targets.insert(s);
    if (targets.isEmpty()) return selected;
    for (SioSocket *s : m_nsp->sockets()) // connection order, each once
        if (targets.contains(s) && !excluded.contains(s)) selected.append(s);
    return selected;
}

int SioAdapter::deliverJson(const QByteArray &dataJson, const BroadcastOptions &opts)
{
    // With recovery on, one offset for the whole broadcast, appended as the
    // data's last argument, and the packet kept once for replay.
    const auto encode = [&](QByteArrayView offset) {
        if (offset.isEmpty()) return eventText(m_nsp->name(), dataJson);
        QByteArray withOffset = dataJson.chopped(1); // data is a JSON array: drop its ']'
        withOffset.append(',').append(sio::toJson(QString::fromLatin1(offset))).append(']');
        return eventText(m_nsp->name(), withOffset);
    };
    if (opts.except.isEmpty()) return m_nsp->broadcastEvent(encode, opts.rooms);
    QByteArray sioText;
    if (RecoveryStore *store = m_nsp->recovery()) {
        const quint64 seq = store->reserve();
        sioText = encode(QByteArrayView(store->offsetOf(seq)));
        store->keep(seq, sioText, {}, opts.rooms, opts.except, RecoveryStore::nowMs());
    } else {
        sioText = encode(QByteArrayView());
    }
    const OutPacket packet = OutPacket::sharedMessage(sioText);
    const QList<SioSocket *> targets = localSockets(opts);
    for (SioSocket *s : targets)
        m_nsp->m_server->deliver(s, packet);
    return int(targets.size());
}

int SioAdapter::localBroadcast(const QJsonArray &data, const QList<QByteArray> &attachments,
                               const BroadcastOptions &opts)
{
    if (attachments.isEmpty()) return deliverJson(sio::toJson(data), opts);
    sio::Packet packet;
    packet.nsp = m_nsp->name();
    packet.data = data;
    packet.attachments = attachments;
    return m_nsp->sendKept(std::move(packet), localSockets(opts), opts.rooms, opts.except);
}

int SioAdapter::localBroadcastJson(const QByteArray &dataJson, const QList<QByteArray> &attachments,
                                   const BroadcastOptions &opts)
{
    if (attachments.isEmpty()) return deliverJson(dataJson, opts);
    const auto data = sio::parseJson(dataJson);
    if (!data || !data->isArray()) return 0;
    return localBroadcast(data->toArray(), attachments, opts);
}

void SioAdapter::localAddSockets(const BroadcastOptions &opts, const QStringList &rooms)
{
    for (SioSocket *s : localSockets(opts))
        for (const QString &room : rooms)
            s->join(room);
}

void SioAdapter::localDelSockets(const BroadcastOptions &opts, const QStringList &rooms)
{
    for (SioSocket *s : localSockets(opts))
        for (const QString &room : rooms)
            s->leave(room);
}

void SioAdapter::localDisconnectSockets(const BroadcastOptions &opts, bool close)
{
    // The last socket's departure deletes the namespace and this adapter, so
    // look each socket up again through the server instead of `this`.
    QPointer<SioServer> server(m_nsp->m_server);
    const QString name = m_nsp->name();
    QStringList ids;
    for (SioSocket *s : localSockets(opts))
        ids.append(s->id());
    for (const QString &id : std::as_const(ids)) {
        SioNamespace *ns = server ? server->findNamespace(name) : nullptr;
        if (!ns) return;
        if (SioSocket *s = ns->socket(id)) s->disconnect(close);
    }
}

QList<SocketDetails> SioAdapter::localSocketDetails(const BroadcastOptions &opts) const
{
    QList<SocketDetails> list;
    for (const SioSocket *s : localSockets(opts))
        list.append(describe(s));
    return list;
}

QStringList SioAdapter::localRooms() const
{
    return m_nsp->rooms().keys();
}

SocketDetails SioAdapter::describe(const SioSocket *s)
{
    const HttpRequest &hs = s->handshake();
    QJsonObject headers;
    for (const auto &h : hs.headers) {
        const QString name = QString::fromLatin1(h.first);
        const QString value = QString::fromUtf8(h.second);
        headers.insert(name, headers.contains(name)
                                 ? headers.value(name).toString() + QStringLiteral(", ") + value
                                 : value);
    }
    QJsonObject query;
    for (const auto &item : QUrlQuery(QString::fromUtf8(hs.query)).queryItems(QUrl::FullyDecoded))
        query.insert(item.first, item.second);
    SocketDetails d;
    d.id = s->id();
    d.handshake = QJsonObject{
        {QStringLiteral("headers"), headers},
        {QStringLiteral("time"),
         QDateTime::fromMSecsSinceEpoch(s->connectedAtMs()).toString(Qt::TextDate)},
        {QStringLiteral("address"), hs.peer},
        {QStringLiteral("xdomain"), hs.hasHeader("origin")},
        {QStringLiteral("secure"), false},
        {QStringLiteral("issued"), double(s->connectedAtMs())},
        {QStringLiteral("url"),
         QString::fromUtf8(hs.path + (hs.query.isEmpty() ? "" : "?" + hs.query))},
        {QStringLiteral("query"), query},
        {QStringLiteral("auth"), s->auth().isObject() ? s->auth() : QJsonValue(QJsonObject())},
    };
    d.rooms = s->rooms().values();
    // socket.data of a Frappe socket: the identity the middleware attached
    // (Node's Frappe keeps it on the socket itself; data is where a remote
    // node can see it).
    if (!s->user.isEmpty())
        d.data = QJsonObject{{QStringLiteral("user"), s->user},
                             {QStringLiteral("user_type"), s->userType}};
    return d;
}

void SioAdapter::broadcastWithAck(const QJsonArray &data, const QList<QByteArray> &attachments,
                                  const BroadcastOptions &opts, ClientCountReceived clientCount,
                                  AckReceived ack)
{
    const QString event = data.isEmpty() ? QString() : data.first().toString();
    QJsonArray args;
    for (qsizetype i = 1; i < data.size(); ++i)
        args.append(data.at(i));
    const QList<SioSocket *> targets = localSockets(opts);
    for (SioSocket *s : targets)
        s->emitEvent(event, args, attachments,
                     [ack](const QJsonArray &ackArgs, const QList<QByteArray> &ackAttachments) {
                         ack(ackArgs.isEmpty() ? QJsonValue() : ackArgs.first(), ackAttachments);
                     });
    clientCount(int(targets.size()));
}
