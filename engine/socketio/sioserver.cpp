#include "socketio/sioserver.h"

#include "common/clienttext.h"
#include "common/logging.h"
#include "common/memoryrelease.h"
#include "common/randomid.h"

#include <QDateTime>
#include <QJsonObject>

SioServer::SioServer(EioSettings eioSettings, int connectTimeoutMs, QObject *parent)
    : QObject(parent), m_eio(new EioServer(eioSettings, this, this)),
      m_connectTimers(
          connectTimeoutMs, [this](void *c) { onConnectTimeout(static_cast<SioClient *>(c)); },
          this)
{}

SioServer::~SioServer()
{
    // Sessions go with m_eio (a child); drop our side without callbacks.
    for (SioClient *client : std::as_const(m_clients)) {
        qDeleteAll(client->sockets);
        if (client->connecting) qDeleteAll(client->connecting->pending);
        delete client;
    }
    qDeleteAll(m_namespaces);
}

std::unique_ptr<SioAdapter> SioServer::makeAdapter(SioNamespace *nsp) const
{
    return m_adapterFactory ? m_adapterFactory(nsp) : std::make_unique<SioAdapter>(nsp);
}

QString SioServer::newSocketId() const
{
    return randomid::string();
}

SioSocket *SioServer::pendingSocket(const QByteArray &eioSid, const QString &nsp,
                                    const QString &socketId) const
{
    SioClient *client = m_clients.value(eioSid);
    SioSocket *socket = client ? client->pendingSocket(nsp) : nullptr;
    return socket && socket->id() == socketId ? socket : nullptr;
}

void SioServer::onSessionOpen(EioSession *session)
{
    auto *client = new SioClient;
    client->session = session;
    session->userData = client;
    m_clients.insert(session->sid, client);
    m_connectTimers.arm(client->connectTimer, client);
}

void SioServer::onConnectTimeout(SioClient *client)
{
    if (client->sockets.isEmpty() && client->pendingCount() == 0) {
        qCDebug(lcSio) << "no namespace joined in time, closing" << client->session->sid;
        m_eio->close(client->session, QStringLiteral("connect timeout"));
    }
}

void SioServer::onSessionPacket(EioSession *session, const eio::Packet &packet)
{
    SioClient *client = clientOf(session);
    if (!client) return;
    sio::Packet decoded;
    QString error;
    const auto status = packet.binary ? client->decoder.addAttachment(packet.data, decoded, error)
                                      : client->decoder.decodeText(packet.data, decoded, error);
    if (status == sio::Decoder::Status::NeedAttachments) return;
    if (status == sio::Decoder::Status::Error) {
        ++m_counters.parseErrors;
        qCInfo(lcSio).nospace() << "closing session " << session->sid << " from "
                                << session->handshake.peer << ": " << error;
        closeClient(client, QStringLiteral("parse error"));
        return;
    }
    dispatch(client, std::move(decoded), packet.data.size());
}

void SioServer::closeClient(SioClient *client, const QString &why)
{
    m_eio->close(client->session, why);
}

void SioServer::dispatch(SioClient *client, sio::Packet &&packet, qsizetype wireBytes)
{
    const QString nsp = packet.nsp;
    if (nameTooLong(nsp)) {
        qCWarning(lcSio).noquote().nospace()
            << "refusing namespace " << clientText(nsp) << " from "
            << client->session->handshake.peer << ": name longer than " << m_maxNameLength
            << " characters (max name length)";
        if (packet.type == sio::PacketType::Connect) {
            ++m_counters.connectErrors;
            refuseConnect(client, nsp, QStringLiteral("Namespace name too long"));
        } else {
            closeClient(client, QStringLiteral("parse error"));
        }
        return;
    }
    if (SioSocket *socket = client->sockets.value(nsp)) {
        if (packet.type == sio::PacketType::Connect ||
            packet.type == sio::PacketType::ConnectError) {
            closeClient(client, QStringLiteral("parse error"));
            return;
        }
        onSocketPacket(socket, std::move(packet));
        return;
    }
    if (client->pendingSocket(nsp)) {
        if (packet.type == sio::PacketType::Connect ||
            packet.type == sio::PacketType::ConnectError) {
            closeClient(client, QStringLiteral("parse error"));
            return;
        }
        // The middleware is still running (an HTTP round trip to Frappe):
        // keep what the client sends meanwhile and replay it once admitted,
        // up to one maxPayload of it: a desk sends a few subscriptions here.
        client->connecting->backlogBytes += wireBytes;
        const qint64 cap = m_eio->settings().maxPayload;
        if (client->connecting->backlogBytes > cap) {
            qCWarning(lcSio).nospace()
                << "closing session " << client->session->sid << " from "
                << client->session->handshake.peer << ": more than " << cap
                << " bytes sent while its CONNECT was being authorised (max payload)";
            closeClient(client, QStringLiteral("parse error"));
            memoryrelease::releaseSoon();
            return;
        }
        client->connecting->backlog[nsp].append(std::move(packet));
        return;
    }
    if (packet.type == sio::PacketType::Connect) {
        beginConnect(client, packet);
        return;
    }
    qCInfo(lcSio).noquote() << "closing session" << client->session->sid << ": packet for namespace"
                            << clientText(nsp) << "which it has not joined";
    closeClient(client, QStringLiteral("parse error"));
}

void SioServer::beginConnect(SioClient *client, const sio::Packet &packet)
{
    const QString nsp = packet.nsp;
    NamespaceHandler *handler = m_resolver ? m_resolver(nsp) : nullptr;
    if (!handler) {
        ++m_counters.connectErrors;
        refuseConnect(client, nsp, QStringLiteral("Invalid namespace"));
        return;
    }
    if (m_maxNamespacesPerClient > 0 &&
        client->sockets.size() + client->pendingCount() >= m_maxNamespacesPerClient) {
        qCWarning(lcSio).noquote()
            << "refusing namespace" << clientText(nsp) << "for" << client->session->handshake.peer
            << ": already in" << m_maxNamespacesPerClient
            << "namespaces (max namespaces per connection)";
        ++m_counters.connectErrors;
        sendConnectError(client, nsp, QStringLiteral("Too many namespaces"));
        return;
    }
    auto *socket = new SioSocket(this, client, nsp, newSocketId());
    socket->m_auth = packet.data.isObject() ? packet.data : QJsonValue(QJsonObject());
    std::optional<RecoveryRequest> recovery = takeRecoveryRequest(handler, socket->m_auth);
    if (!client->connecting) client->connecting = std::make_unique<SioConnecting>();
    client->connecting->pending.insert(nsp, socket);
    const QByteArray eioSid = client->session->sid;
    const QString socketId = socket->id();
    QPointer<SioServer> self(this);
    // A recovery is judged only once the middleware admitted the client:
    // nothing of the old session is given back to a refused one.
    handler->authorize(socket, socket->m_auth,
                       [self, eioSid, nsp, socketId, recovery](std::optional<QString> error) {
                           if (self)
                               self->finishConnect(eioSid, nsp, socketId, std::move(error),
                                                   recovery);
                       });
}

void SioServer::refuseConnect(SioClient *client, const QString &nsp, const QString &message)
{
    // The monitor's trace keeps what it is given: not a name over the limit whole.
    if (m_observer)
        m_observer->connectRefused(nameTooLong(nsp) ? clientText(nsp) : nsp,
                                   client->session->handshake, message);
    sendConnectError(client, nsp, message);
}

void SioServer::sendConnectError(SioClient *client, const QString &nsp, const QString &message)
{
    sio::Packet refuse;
    refuse.type = sio::PacketType::ConnectError;
    refuse.nsp = nsp;
    refuse.data = QJsonObject{{QStringLiteral("message"), message}};
    m_eio->sendMessage(client->session, sio::encode(refuse));
}

void SioServer::finishConnect(const QByteArray &eioSid, const QString &nsp, const QString &socketId,
                              std::optional<QString> error, std::optional<RecoveryRequest> recovery)
{
    SioClient *client = m_clients.value(eioSid);
    if (!client) return; // the client left while the middleware ran
    SioSocket *socket = client->pendingSocket(nsp);
    if (!socket || socket->id() != socketId) return;
    client->connecting->pending.remove(nsp);
    QList<sio::Packet> backlog = client->connecting->backlog.take(nsp);
    if (client->connecting->pending.isEmpty()) client->connecting.reset();
    NamespaceHandler *handler = m_resolver ? m_resolver(nsp) : nullptr;
    if (error || !handler) {
        ++m_counters.connectErrors;
        const QString message = error.value_or(QStringLiteral("Invalid namespace"));
        if (m_observer) m_observer->connectRefused(nsp, client->session->handshake, message);
        sendConnectError(client, nsp, message);
        delete socket;
        if (recovery) reportRecovery(nsp, nullptr, false, QStringLiteral("refused by auth"), 0);
        return;
    }
    QString recoveryFailure;
    std::optional<RestoredSession> restored;
    if (recovery) // before namespaceFor(): it may close another client (a pid presented twice)
        restored = restoreSession(findNamespace(nsp), socket, *recovery, &recoveryFailure);
    SioNamespace *ns = namespaceFor(nsp, handler);
    socket->m_nsp = ns;
    const QString pid = adoptSession(socket, ns, restored ? &*restored : nullptr);
    socket->m_connectedAtMs = QDateTime::currentMSecsSinceEpoch();
    ns->add(socket);
    client->sockets.insert(nsp, socket);
    ns->join(socket, socket->id()); // socket.io puts every socket in a room named by its id
    if (restored) replayMissed(socket, *restored); // before CONNECT, as socket.io does
    ++m_counters.connects;

    m_eio->sendText(client->session, connectReply(nsp, socket->id(), pid));
    if (recovery)
        reportRecovery(nsp, socket, restored.has_value(), recoveryFailure,
                       restored ? int(restored->missed.size()) : 0);
    if (m_observer) m_observer->socketConnected(socket);
    handler->onConnection(socket);
    for (auto &packet : backlog) {
        // The handler (or a refused packet) may have disconnected it or closed the client.
        if (m_clients.value(eioSid) != client || client->sockets.value(nsp) != socket) break;
        onSocketPacket(socket, std::move(packet));
    }
}

QByteArray SioServer::connectReply(const QString &nsp, const QString &socketId, const QString &pid)
{
    // What sio::encode makes of CONNECT {"sid": id[, "pid": pid]}, written
    // directly: this is sent once per connection, and the ids (base64url)
    // need no escaping.
    static constexpr char kHead[] = "40";
    static constexpr char kSid[] = "{\"sid\":\"";
    static constexpr char kPid[] = "\",\"pid\":\"";
    static constexpr char kTail[] = "\"}";
    const bool named = nsp != QLatin1String("/") && !nsp.isEmpty();
    const QByteArray nspUtf8 = named ? nsp.toUtf8() : QByteArray();
    QByteArray text(sizeof kHead - 1 + (named ? nspUtf8.size() + 1 : 0) + sizeof kSid - 1 +
                        socketId.size() + (pid.isEmpty() ? 0 : sizeof kPid - 1 + pid.size()) +
                        sizeof kTail - 1,
                    Qt::Uninitialized);
    char *out = text.data();
    auto put = [&out](const char *bytes, qsizetype n) {
        memcpy(out, bytes, size_t(n));
        out += n;
    };
    put(kHead, sizeof kHead - 1);
    if (named) {
        put(nspUtf8.constData(), nspUtf8.size());
        *out++ = ',';
    }
    put(kSid, sizeof kSid - 1);
    for (const QChar c : socketId)
        *out++ = char(c.unicode());
    if (!pid.isEmpty()) {
        put(kPid, sizeof kPid - 1);
        for (const QChar c : pid)
            *out++ = char(c.unicode());
    }
    put(kTail, sizeof kTail - 1);
    return text;
}

SioNamespace *SioServer::namespaceFor(const QString &name, NamespaceHandler *handler)
{
    SioNamespace *ns = m_namespaces.value(name);
    if (!ns) {
        ns = new SioNamespace(this, name, handler);
        if (m_recoverySettings.enabled && handler->recoverable())
            ns->m_recovery =
                std::make_unique<RecoveryStore>(m_recoverySettings, randomid::bytes().left(8));
        m_namespaces.insert(name, ns);
    }
    return ns;
}

void SioServer::onSocketPacket(SioSocket *socket, sio::Packet &&packet)
{
    switch (packet.type) {
    case sio::PacketType::Event:
    case sio::PacketType::BinaryEvent: {
        ++m_counters.clientEvents;
        ++socket->eventsIn;
        const QString event = packet.eventName();
        if (nameTooLong(event)) {
            qCWarning(lcSio).noquote().nospace()
                << "closing session " << socket->eioSid() << " from " << socket->handshake().peer
                << ": event name " << clientText(event) << " longer than " << m_maxNameLength
                << " characters (max name length)";
            closeClient(socket->m_client, QStringLiteral("parse error"));
            memoryrelease::releaseSoon();
            return;
        }
        if (m_observer) m_observer->clientEvent(socket, packet);
        AckSender ack;
        if (packet.ackId) {
            const quint64 id = *packet.ackId;
            const QByteArray eioSid = socket->eioSid();
            const QString nsp = socket->nspName();
            const QString socketId = socket->id();
            auto sent = std::make_shared<bool>(false);
            QPointer<SioServer> self(this);
            ack = AckSender([self, eioSid, nsp, socketId, id, sent](
                                const QByteArray &argsJson, const QList<QByteArray> &attachments) {
                if (*sent || !self) return;
                SioClient *client = self->m_clients.value(eioSid);
                SioSocket *s = client ? client->sockets.value(nsp) : nullptr;
                if (!s || s->id() != socketId) return;
                *sent = true;
                sio::Packet reply;
                reply.type = sio::PacketType::Ack;
                reply.nsp = nsp;
                reply.ackId = id;
                reply.dataJson = argsJson;
                reply.attachments = attachments;
                self->sendPacket(s, reply);
            });
        }
        socket->m_nsp->handler()->onEvent(socket, event, packet.eventArgs(), packet.attachments,
                                          ack);
        return;
    }
    case sio::PacketType::Ack:
    case sio::PacketType::BinaryAck: {
        if (socket->traced && m_observer) m_observer->tracedClientPacket(socket, packet);
        if (!packet.ackId) return;
        AckCallback cb = socket->m_acks.take(*packet.ackId);
        if (cb) cb(packet.data.toArray(), packet.attachments);
        return;
    }
    case sio::PacketType::Disconnect:
        if (socket->traced && m_observer) m_observer->tracedClientPacket(socket, packet);
        removeSocket(socket, QStringLiteral("client namespace disconnect"), true);
        return;
    default:
        return;
    }
}

void SioServer::sendPacket(SioSocket *socket, const sio::Packet &packet)
{
    if (socket) sendPacket(socket, sio::encode(packet), packet.attachments);
}

void SioServer::sendPacket(SioSocket *socket, const QByteArray &sioText,
                           const QList<QByteArray> &attachments)
{
    if (!socket) return;
    EioSession *session = socket->m_client->session;
    const OutPacket packet = OutPacket::message(sioText);
    m_eio->send(session, packet);
    for (const QByteArray &bytes : attachments)
        m_eio->sendBinary(session, bytes);
    ++m_counters.deliveries;
    if (socket->traced) [[unlikely]]
        sendToTraced(socket, packet.text);
}

void SioServer::deliver(SioSocket *socket, const OutPacket &packet)
{
    ++socket->eventsOut;
    ++m_counters.deliveries;
    m_eio->send(socket->m_client->session, packet);
    // The fanout hot path: one predictable branch when nobody traces.
    if (socket->traced) [[unlikely]]
        sendToTraced(socket, packet.text);
}

void SioServer::sendToTraced(SioSocket *socket, const QByteArray &eioText)
{
    if (m_observer) m_observer->tracedServerPacket(socket, eioText);
}

void SioServer::disconnectSocket(SioSocket *socket, bool closeTransport, const QString &reason)
{
    SioClient *client = socket->m_client;
    if (closeTransport) {
        removeSocket(socket, reason, true);
        m_eio->close(client->session, QStringLiteral("forced close"));
        return;
    }
    sio::Packet bye;
    bye.type = sio::PacketType::Disconnect;
    bye.nsp = socket->nspName();
    const OutPacket packet = OutPacket::message(sio::encode(bye));
    m_eio->send(client->session, packet);
    if (socket->traced) sendToTraced(socket, packet.text);
    removeSocket(socket, reason, true);
}

void SioServer::removeSocket(SioSocket *socket, const QString &reason, bool notify)
{
    SioClient *client = socket->m_client;
    client->sockets.remove(socket->nspName());
    SioNamespace *ns = socket->m_nsp;
    keepSession(socket, reason);
    if (ns) ns->remove(socket);
    ++m_counters.disconnects;
    if (notify && ns) {
        // Out of every room first, so doc_viewers on disconnect sees the room
        // without the leaving socket (as socket.io does).
        socket->m_nsp = ns;
        ns->handler()->onDisconnect(socket, reason);
        if (m_observer) m_observer->socketDisconnected(socket, reason);
    }
    if (ns && namespaceIdle(ns)) {
        m_namespaces.remove(ns->name());
        delete ns;
    }
    delete socket;
}

void SioServer::onSessionClosed(EioSession *session, const QString &reason)
{
    SioClient *client = clientOf(session);
    if (!client) return;
    session->userData = nullptr;
    m_clients.remove(session->sid);
    client->connectTimer.disarm();
    const auto sockets = client->sockets.values();
    for (SioSocket *socket : sockets)
        removeSocket(socket, reason, true);
    if (client->connecting) qDeleteAll(client->connecting->pending);
    delete client;
}
