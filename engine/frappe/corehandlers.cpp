#include "frappe/corehandlers.h"

#include "common/clienttext.h"
#include "common/logging.h"
#include "frappe/frappewebclient.h"
#include "protocol/siopacket.h"
#include "redis/rediscommandclient.h"
#include "socketio/sioserver.h"
#include "json/jsstring.h"

#include <QJsonObject>
#include <QPointer>
#include <QTimer>

#include <algorithm>

namespace {
QString docRoom(const QString &prefix, const QString &doctype, const QString &docname)
{
    return prefix + doctype + QLatin1Char('/') + docname;
}

QString pendingKey(const QString &nsp, const QString &socketId, const QString &room)
{
    return nsp + QLatin1Char('\n') + socketId + QLatin1Char('\n') + room;
}
} // namespace

void CoreHandlers::onConnection(SioSocket *socket)
{
    socket->join(QStringLiteral("user:") + socket->user);
    socket->join(QStringLiteral("website"));
    if (socket->userType == QLatin1String("System User")) socket->join(QStringLiteral("all"));
    if (socket->recovered()) onRecovered(socket);
}

bool CoreHandlers::handle(SioSocket *socket, const QString &event, const QJsonArray &args)
{
    const QString a0 = jsArgString(args, 0);
    if (event == QLatin1String("ping")) {
        // A reply, not news: no recovery offset, nothing to replay.
        socket->sendEncoded(sio::encodeEvent(socket->nspName(), QStringLiteral("pong"), {}));
    } else if (event == QLatin1String("doctype_subscribe")) {
        joinIfPermitted(socket, a0, QString(), QStringLiteral("doctype:") + a0, false);
    } else if (event == QLatin1String("doctype_unsubscribe")) {
        leave(socket, QStringLiteral("doctype:") + a0);
    } else if (event == QLatin1String("task_subscribe") ||
               event == QLatin1String("progress_subscribe")) {
        socket->join(QStringLiteral("task_progress:") + a0);
    } else if (event == QLatin1String("task_unsubscribe")) {
        socket->leave(QStringLiteral("task_progress:") + a0);
    } else if (event == QLatin1String("doc_subscribe")) {
        const QString a1 = jsArgString(args, 1);
        joinIfPermitted(socket, a0, a1, docRoom(QStringLiteral("doc:"), a0, a1), false);
    } else if (event == QLatin1String("doc_unsubscribe")) {
        leave(socket, docRoom(QStringLiteral("doc:"), a0, jsArgString(args, 1)));
    } else if (event == QLatin1String("doc_open")) {
        const QString a1 = jsArgString(args, 1);
        joinIfPermitted(socket, a0, a1, docRoom(QStringLiteral("open_doc:"), a0, a1), true);
    } else if (event == QLatin1String("doc_close")) {
        const QString a1 = jsArgString(args, 1);
        leave(socket, docRoom(QStringLiteral("open_doc:"), a0, a1));
        // Node's filter drops every remembered pair here (a missing `return`);
        // only the closed document is forgotten, so later disconnects still
        // update the viewers of the others.
        socket->openDocs.removeAll(qMakePair(a0, a1));
        notifyViewers(socket->nsp(), socket->user, a0, a1);
    } else if (event == QLatin1String("open_in_editor")) {
        openInEditor(socket, args);
    } else {
        return false;
    }
    return true;
}

void CoreHandlers::leave(SioSocket *socket, const QString &room)
{
    m_pendingJoins.remove(pendingKey(socket->nspName(), socket->id(), room));
    socket->leave(room);
}

void CoreHandlers::joinIfPermitted(SioSocket *socket, const QString &doctype,
                                   const QString &docname, const QString &room, bool openDoc)
{
    if (m_ctx->sio->nameTooLong(room)) {
        // Refused (and logged) without asking the web server about it.
        socket->join(room);
        return;
    }
    QPointer<SioServer> sio(m_ctx->sio);
    const QString nsp = socket->nspName();
    const QString socketId = socket->id();
    const QString socketKey = nsp + QLatin1Char('\n') + socketId;
    const int cap = m_ctx->config.maxPermissionChecksPerSocket;
    int &inFlight = m_checksInFlight[socketKey];
    if (cap > 0 && inFlight >= cap) {
        // Answered as not permitted, without asking: no room is joined.
        ++m_permissionChecksOverCap;
        if (!m_overCapLogged.contains(socketKey)) {
            m_overCapLogged.insert(socketKey);
            qCWarning(lcAuth).noquote().nospace()
                << "socket " << socketId << " of " << clientText(nsp) << " (user "
                << clientText(socket->user) << ", " << socket->handshake().peer << ") has " << cap
                << " permission checks waiting; further ones are denied until they are "
                   "answered (max permission checks per socket; logged once per socket)";
        }
        return;
    }
    ++inFlight;
    ++m_permissionChecks;
    const QString key = pendingKey(nsp, socketId, room);
    const quint64 ticket = ++m_nextTicket;
    m_pendingJoins.insert(key, ticket);
    m_ctx->web->checkPermission(callerOf(socket), doctype, docname,
                                [this, sio, nsp, socketId, socketKey, doctype, docname, room,
                                 openDoc, key, ticket](bool granted) {
                                    const auto counted = m_checksInFlight.find(socketKey);
                                    if (counted != m_checksInFlight.end() && --*counted <= 0)
                                        m_checksInFlight.erase(counted);
                                    // Only the newest request for this room decides, and only if
                                    // the client has not left the room (or the server) meanwhile.
                                    const auto pending = m_pendingJoins.constFind(key);
                                    if (pending == m_pendingJoins.constEnd() || *pending != ticket)
                                        return;
                                    m_pendingJoins.erase(pending);
                                    SioNamespace *ns = sio ? sio->findNamespace(nsp) : nullptr;
                                    SioSocket *s = ns ? ns->socket(socketId) : nullptr;
                                    if (!s) return; // gone while the web server answered
                                    if (!granted) {
                                        qCDebug(lcAuth).noquote()
                                            << "permission denied:" << clientText(s->user) << "on"
                                            << clientText(room);
                                        return;
                                    }
                                    s->join(room);
                                    if (openDoc) {
                                        if (!s->openDocs.contains(qMakePair(doctype, docname)))
                                            s->openDocs.append(qMakePair(doctype, docname));
                                        notifyViewers(ns, s->user, doctype, docname);
                                    }
                                });
}

namespace {

// {"doctype","docname","users"} in Node's key order (a QJsonObject would sort
// them), users unique in first-seen order.
QByteArray viewersPayload(const QString &doctype, const QString &docname, const QStringList &users)
{
    QJsonArray unique;
    QStringList seen;
    for (const QString &u : users)
        if (!seen.contains(u)) {
            seen.append(u);
            unique.append(u);
        }
    return "{\"doctype\":" + sio::toJson(doctype) + ",\"docname\":" + sio::toJson(docname) +
           ",\"users\":" + sio::toJson(unique) + '}';
}

} // namespace

void CoreHandlers::markViewersDirty(const QString &nsp, const QString &doctype,
                                    const QString &docname)
{
    for (PendingLeave &pending : m_pendingLeaves)
        if (pending.nsp == nsp && pending.docs.contains(qMakePair(doctype, docname)))
            pending.dirtyDocs.append(qMakePair(doctype, docname));
}

void CoreHandlers::notifyViewers(SioNamespace *nsp, const QString &triggerUser,
                                 const QString &doctype, const QString &docname)
{
    if (!nsp) return;
    const QString room = docRoom(QStringLiteral("open_doc:"), doctype, docname);
    if (nsp->adapter()->isLocalOnly()) {
        QStringList users; // one entry per socket, in connection order
        const QSet<SioSocket *> members = nsp->roomMembers(room);
        for (SioSocket *s : nsp->sockets())
            if (members.contains(s)) users.append(s->user);
        if (users.size() == 1 && users.first() == triggerUser) return;
        markViewersDirty(nsp->name(), doctype, docname);
        const QByteArray payload = viewersPayload(doctype, docname, users);
        nsp->broadcastEvent(
            [&](QByteArrayView offset) {
                return sio::encodeEvent(nsp->name(), QStringLiteral("doc_viewers"), payload,
                                        offset);
            },
            {room});
        return;
    }
    // In a cluster: the room's sockets on every node. Node's Frappe server
    // lists its own node's viewers only; here each viewer shows whichever
    // node they are on.
    markViewersDirty(nsp->name(), doctype, docname);
    QPointer<SioServer> sio(m_ctx->sio);
    const QString nspName = nsp->name();
    BroadcastOptions opts;
    opts.rooms = {room};
    // For when the answer comes after this node's last socket of the site left.
    const SioAdapter::RemoteBroadcast remote = nsp->adapter()->remoteBroadcaster();
    nsp->adapter()->fetchSockets(opts, [sio, nspName, opts, triggerUser, doctype, docname,
                                        remote](QList<SocketDetails> sockets, QString error) {
        if (!error.isEmpty())
            qCInfo(lcAuth).noquote()
                << "doc_viewers of" << opts.rooms.first() << "without every node:" << error;
        // One entry per socket, in connection order (handshake.issued across nodes).
        std::stable_sort(sockets.begin(), sockets.end(),
                         [](const SocketDetails &a, const SocketDetails &b) {
                             return a.handshake.value(QLatin1String("issued")).toDouble() <
                                    b.handshake.value(QLatin1String("issued")).toDouble();
                         });
        QStringList users;
        for (const SocketDetails &d : std::as_const(sockets)) {
            const QString user = d.data.value(QLatin1String("user")).toString();
            if (!user.isEmpty()) users.append(user); // Node nodes keep no user in data
        }
        if (users.size() == 1 && users.first() == triggerUser) return;
        const auto payload = sio::parseJson(viewersPayload(doctype, docname, users));
        const QJsonArray data{QStringLiteral("doc_viewers"), *payload};
        if (SioNamespace *ns = sio ? sio->findNamespace(nspName) : nullptr)
            ns->adapter()->broadcast(data, {}, opts);
        else if (remote) // no viewer is left on this node, the others still hear it
            remote(data, opts);
    });
}

void CoreHandlers::onDisconnect(SioSocket *socket)
{
    const QString socketKey = socket->nspName() + QLatin1Char('\n') + socket->id();
    m_checksInFlight.remove(socketKey);
    m_overCapLogged.remove(socketKey);
    SioNamespace *nsp = socket->nsp();
    const int grace = m_ctx->config.recoveryViewerGraceMs;
    if (socket->sessionKept() && grace > 0 && !socket->openDocs.isEmpty()) {
        const QString key = socket->nspName() + QLatin1Char('\n') + socket->id();
        const quint64 ticket = ++m_nextTicket;
        m_pendingLeaves.insert(key,
                               {socket->nspName(), socket->user, socket->openDocs, {}, ticket});
        QTimer::singleShot(grace, &m_timerContext,
                           [this, key, ticket] { leaveAfterGrace(key, ticket); });
        return;
    }
    for (const auto &doc : std::as_const(socket->openDocs))
        notifyViewers(nsp, socket->user, doc.first, doc.second);
}

void CoreHandlers::leaveAfterGrace(const QString &key, quint64 ticket)
{
    const auto it = m_pendingLeaves.constFind(key);
    if (it == m_pendingLeaves.cend() || it->ticket != ticket) return;
    const PendingLeave pending = *it;
    m_pendingLeaves.erase(it);
    SioNamespace *nsp = m_ctx->sio ? m_ctx->sio->findNamespace(pending.nsp) : nullptr;
    for (const auto &doc : pending.docs)
        notifyViewers(nsp, pending.user, doc.first, doc.second);
}

void CoreHandlers::onRecovered(SioSocket *socket)
{
    const QString key = socket->nspName() + QLatin1Char('\n') + socket->id();
    const auto it = m_pendingLeaves.constFind(key);
    const bool told = it == m_pendingLeaves.cend(); // the grace ran out: "left" was sent
    const QList<QPair<QString, QString>> dirty =
        told ? QList<QPair<QString, QString>>() : it->dirtyDocs;
    if (!told) m_pendingLeaves.erase(it);
    for (const auto &doc : std::as_const(socket->openDocs))
        if (told || dirty.contains(doc))
            notifyViewers(socket->nsp(), socket->user, doc.first, doc.second);
}

void CoreHandlers::openInEditor(SioSocket *socket, const QJsonArray &args)
{
    // Node lets any client (Guest included) publish here; only developer_mode
    // benches have an editor watcher to talk to.
    if (!m_ctx->config.developerMode) {
        qCInfo(lcEvents).noquote()
            << "ignored open_in_editor from" << socket->user << ": developer_mode is off";
        return;
    }
    if (!m_ctx->redis) {
        qCWarning(lcEvents) << "open_in_editor: no redis_queue configured";
        return;
    }
    const QJsonValue data = args.isEmpty() ? QJsonValue() : args.first();
    m_ctx->redis->publish("open_in_editor", sio::toJson(data));
}
