// AppRuntime's socket host calls: what a handler reads about a socket, its
// rooms and namespace, joining and leaving rooms, and emitting to one socket
// (with an ack) or answering a client's ack.
#include "scripting/appruntime.h"

#include "protocol/siopacket.h"
#include "scripting/apphandlers.h"
#include "socketio/sionamespace.h"
#include "socketio/siosocket.h"
#include "json/jsonrelay.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QUrlQuery>

#include <algorithm>

SioSocket *AppRuntime::socket(const QString &id) const
{
    if (SioSocket *s = m_owner->socketById(id)) return s;
    for (const auto &entry : std::as_const(m_owner->m_namespaces))
        if (SioSocket *s = entry.first->socket(id)) return s;
    return nullptr;
}

QString AppRuntime::socketInfo(const QString &id)
{
    SioSocket *s = socket(id);
    if (!s) return {};
    m_seen.insert(id);
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
    QJsonObject info{
        {QStringLiteral("id"), s->id()},
        {QStringLiteral("nsp"), s->nspName()},
        {QStringLiteral("user"), s->user},
        {QStringLiteral("user_type"), s->userType},
        {QStringLiteral("installed_apps"), QJsonArray::fromStringList(s->installedApps)},
        {QStringLiteral("site_name"), s->siteName},
        {QStringLiteral("headers"), headers},
        {QStringLiteral("query"), query},
        {QStringLiteral("address"), hs.peer},
        {QStringLiteral("url"),
         QString::fromUtf8(hs.path + (hs.query.isEmpty() ? "" : "?" + hs.query))},
        {QStringLiteral("issued"), double(s->connectedAtMs())},
        {QStringLiteral("time"), QDateTime::fromMSecsSinceEpoch(s->connectedAtMs()).toString()},
        {QStringLiteral("auth"), s->auth().isUndefined() ? QJsonValue(QJsonObject()) : s->auth()},
        {QStringLiteral("recovered"), s->recovered()},
    };
    // Node leaves these undefined when the client sent none.
    if (!s->frappeSid.isEmpty())
        info.insert(QStringLiteral("sid"), QString::fromUtf8(s->frappeSid));
    if (!s->authorization.isEmpty())
        info.insert(QStringLiteral("authorization_header"), QString::fromUtf8(s->authorization));
    return QString::fromUtf8(QJsonDocument(info).toJson(QJsonDocument::Compact));
}

bool AppRuntime::connected(const QString &id) const
{
    const SioSocket *s = socket(id);
    return s && s->connected();
}

QString AppRuntime::transportName(const QString &id) const
{
    const SioSocket *s = socket(id);
    if (!s) return {};
    return s->isWebSocket() ? QStringLiteral("websocket") : QStringLiteral("polling");
}

QStringList AppRuntime::socketRooms(const QString &id) const
{
    const SioSocket *s = socket(id);
    if (!s || !s->connected()) return {};
    // socket.io puts every socket in a room named after its id, first.
    QStringList rooms{id};
    QStringList joined(s->rooms().begin(), s->rooms().end());
    joined.sort();
    rooms.append(joined);
    return rooms;
}

bool AppRuntime::hasSocket(const QString &nsp, const QString &id) const
{
    const SioNamespace *ns = m_owner->namespaceByName(nsp);
    return ns && ns->socket(id);
}

QStringList AppRuntime::nspSockets(const QString &nsp) const
{
    QStringList ids;
    if (const SioNamespace *ns = m_owner->namespaceByName(nsp))
        for (const SioSocket *s : ns->sockets())
            ids.append(s->id());
    return ids;
}

QStringList AppRuntime::nspRooms(const QString &nsp) const
{
    QStringList rooms;
    if (const SioNamespace *ns = m_owner->namespaceByName(nsp)) {
        rooms = ns->rooms().keys();
        rooms.sort();
        rooms.append(nspSockets(nsp));
    }
    return rooms;
}

QStringList AppRuntime::roomMembers(const QString &nsp, const QString &room) const
{
    const SioNamespace *ns = m_owner->namespaceByName(nsp);
    if (!ns) return {};
    if (ns->socket(room)) return {room};
    QList<const SioSocket *> members;
    for (const SioSocket *s : ns->roomMembers(room))
        members.append(s);
    std::sort(members.begin(), members.end(),
              [](const SioSocket *a, const SioSocket *b) { return a->sequence() < b->sequence(); });
    QStringList ids;
    for (const SioSocket *s : members)
        ids.append(s->id());
    return ids;
}

void AppRuntime::joinRoom(const QString &id, const QString &room)
{
    if (SioSocket *s = socket(id)) s->join(room);
}

void AppRuntime::leaveRoom(const QString &id, const QString &room)
{
    if (SioSocket *s = socket(id)) s->leave(room);
}

void AppRuntime::disconnectSocket(const QString &id, bool closeTransport)
{
    m_owner->scheduleDisconnect(id, closeTransport);
}

QJsonArray AppRuntime::argsFromJson(const QString &json) const
{
    return QJsonDocument::fromJson(json.toUtf8()).array();
}

QByteArray AppRuntime::argsText(const QString &json) const
{
    // The prelude's JSON.stringify wrote it: relayed unchanged, it keeps the
    // handler's key order and number format, as Node sends them. The relay
    // also proves it is one JSON array, so nothing else reaches the packet.
    QByteArray out;
    if (jsonrelay::relay(json.toUtf8(), &out) == jsonrelay::Status::Ok && out.startsWith('['))
        return out;
    return sio::toJson(argsFromJson(json));
}

QJSValue AppRuntime::attachmentsToJs(const QList<QByteArray> &attachments)
{
    QJSValue list = m_engine.newArray(uint(attachments.size()));
    for (int i = 0; i < attachments.size(); ++i)
        list.setProperty(quint32(i), m_engine.toScriptValue(attachments.at(i)));
    return list;
}

QList<QByteArray> AppRuntime::attachmentsFromJs(const QJSValue &list) const
{
    QList<QByteArray> out;
    const int n = list.property(QStringLiteral("length")).toInt();
    for (int i = 0; i < n; ++i)
        out.append(list.property(quint32(i)).toVariant().toByteArray());
    return out;
}

void AppRuntime::emitTo(const QString &id, const QString &event, const QString &json,
                        const QJSValue &attachments, const QJSValue &ack)
{
    if (sio::isReservedEventName(event)) {
        m_engine.throwError(QStringLiteral("\"%1\" is a reserved event name").arg(event));
        return;
    }
    SioSocket *s = socket(id);
    if (!s || !s->connected()) return;
    AckCallback callback;
    if (ack.isCallable()) {
        const quint64 token = keep(ack, id);
        QPointer<AppRuntime> self(this);
        callback = [self, token](const QJsonArray &args, const QList<QByteArray> &atts) {
            if (!self) return;
            self->callKept(token, {compactJson(args), self->attachmentsToJs(atts)},
                           QStringLiteral("ack callback"), true);
        };
    }
    s->emitEventJson(event, argsText(json), attachmentsFromJs(attachments), std::move(callback));
}

void AppRuntime::sendAck(int token, const QString &json, const QJSValue &attachments)
{
    m_owner->answerAck(token, argsText(json), attachmentsFromJs(attachments));
}
