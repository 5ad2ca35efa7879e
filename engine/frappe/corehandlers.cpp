#include "frappe/corehandlers.h"

#include "common/logging.h"
#include "frappe/frappewebclient.h"
#include "frappe/jsstring.h"
#include "protocol/siopacket.h"
#include "redis/rediscommandclient.h"
#include "socketio/sioserver.h"

#include <QJsonObject>
#include <QPointer>

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
}

bool CoreHandlers::handle(SioSocket *socket, const QString &event, const QJsonArray &args)
{
    const QString a0 = jsArgString(args, 0);
    if (event == QLatin1String("ping")) {
        socket->emitEvent(QStringLiteral("pong"), {});
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
    ++m_permissionChecks;
    QPointer<SioServer> sio(m_ctx->sio);
    const QString nsp = socket->nspName();
    const QString socketId = socket->id();
    const QString key = pendingKey(nsp, socketId, room);
    const quint64 ticket = ++m_nextTicket;
    m_pendingJoins.insert(key, ticket);
    m_ctx->web->checkPermission(
        callerOf(socket), doctype, docname,
        [this, sio, nsp, socketId, doctype, docname, room, openDoc, key, ticket](bool granted) {
            // Only the newest request for this room decides, and only if the
            // client has not left the room (or the server) meanwhile.
            const auto pending = m_pendingJoins.constFind(key);
            if (pending == m_pendingJoins.constEnd() || *pending != ticket) return;
            m_pendingJoins.erase(pending);
            SioNamespace *ns = sio ? sio->findNamespace(nsp) : nullptr;
            SioSocket *s = ns ? ns->socket(socketId) : nullptr;
            if (!s) return; // gone while the web server answered
            if (!granted) {
                qCDebug(lcAuth).noquote() << "permission denied:" << s->user << "on" << room;
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
        nsp->broadcast(sio::encodeEvent(nsp->name(), QStringLiteral("doc_viewers"),
                                        viewersPayload(doctype, docname, users)),
                       {room});
        return;
    }
    // In a cluster: the room's sockets on every node. Node's Frappe server
    // lists its own node's viewers only; here each viewer shows whichever
    // node they are on.
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
    SioNamespace *nsp = socket->nsp();
    for (const auto &doc : std::as_const(socket->openDocs))
        notifyViewers(nsp, socket->user, doc.first, doc.second);
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
