#include "transport/eioserver.h"

#include "common/logging.h"
#include "common/memoryrelease.h"
#include "common/randomid.h"

QByteArray EioServer::errorMessage(int code)
{
    switch (code) {
    case UnknownTransport:
        return "Transport unknown";
    case UnknownSid:
        return "Session ID unknown";
    case BadHandshakeMethod:
        return "Bad handshake method";
    case BadRequest:
        return "Bad request";
    case Forbidden:
        return "Forbidden";
    default:
        return "Unsupported protocol version";
    }
}

EioServer::EioServer(EioSettings settings, EioSessionHandler *handler, QObject *parent)
    : QObject(parent), m_settings(settings), m_handler(handler),
      m_pingTimers(
          settings.pingIntervalMs, [this](void *s) { sendPing(static_cast<EioSession *>(s)); },
          this),
      m_pongTimers(
          settings.pingTimeoutMs,
          [this](void *s) {
              auto *session = static_cast<EioSession *>(s);
              qCDebug(lcEio) << "session" << session->sid << "ping timeout";
              destroy(session, QStringLiteral("ping timeout"));
          },
          this),
      m_upgradeTimers(
          settings.upgradeTimeoutMs,
          [this](void *s) {
              auto *session = static_cast<EioSession *>(s);
              qCDebug(lcEio) << "session" << session->sid << "upgrade timed out";
              abortUpgrade(session);
          },
          this),
      m_drainTimers(
          settings.closeDrainMs,
          [this](void *s) { destroy(static_cast<EioSession *>(s), QString(), false); }, this)
{
    m_openTail = ",\"pingInterval\":" + QByteArray::number(m_settings.pingIntervalMs) +
                 ",\"pingTimeout\":" + QByteArray::number(m_settings.pingTimeoutMs) +
                 ",\"maxPayload\":" + QByteArray::number(m_settings.maxPayload) + '}';
}

EioServer::~EioServer()
{
    qDeleteAll(m_sessions);
}

QByteArray EioServer::newSid() const
{
    return randomid::bytes();
}

QByteArray EioServer::openPacket(const QByteArray &sid, bool canUpgrade) const
{
    static constexpr char kHead[] = "0{\"sid\":\"";
    static constexpr char kUpgrades[] = "\",\"upgrades\":[\"websocket\"]";
    static constexpr char kNoUpgrades[] = "\",\"upgrades\":[]";
    QByteArray out;
    out.reserve(sizeof kHead + sid.size() + sizeof kUpgrades + m_openTail.size());
    out.append(kHead).append(sid).append(canUpgrade ? kUpgrades : kNoUpgrades).append(m_openTail);
    return out;
}

HttpResponse EioServer::baseResponse(const HttpRequest &request) const
{
    HttpResponse r;
    r.headers.emplaceBack("Cache-Control", "no-store");
    const QByteArray origin = request.header("origin");
    if (m_settings.corsEchoOrigin && !origin.isEmpty()) {
        r.headers.emplaceBack("Access-Control-Allow-Origin", origin);
        r.headers.emplaceBack("Access-Control-Allow-Credentials", "true");
        r.headers.emplaceBack("Vary", "Origin");
    } else if (!m_settings.corsEchoOrigin) {
        r.headers.emplaceBack("Access-Control-Allow-Origin", "*");
    }
    return r;
}

void EioServer::respondError(Connection *connection, const HttpRequest &request, int code)
{
    if (request.isWebSocketUpgrade()) {
        connection->rejectUpgrade(code == Forbidden ? 403 : 400, errorMessage(code));
        return;
    }
    HttpResponse r = baseResponse(request);
    r.status = code == Forbidden ? 403 : 400;
    r.contentType = "application/json";
    r.body =
        "{\"code\":" + QByteArray::number(code) + ",\"message\":\"" + errorMessage(code) + "\"}";
    connection->respond(r);
}

void EioServer::handleRequest(Connection *connection, HttpRequest &&request)
{
    if (request.method == "OPTIONS") {
        HttpResponse r = baseResponse(request);
        r.status = 204;
        r.headers.emplaceBack("Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE");
        const QByteArray wanted = request.header("access-control-request-headers");
        if (!wanted.isEmpty()) {
            r.headers.emplaceBack("Access-Control-Allow-Headers", wanted);
            r.headers.emplaceBack("Vary", "Access-Control-Request-Headers");
        }
        connection->respond(r);
        return;
    }
    const QByteArray transport = request.queryValue("transport");
    const bool upgrade = request.isWebSocketUpgrade();
    if (transport != "polling" && transport != "websocket")
        return respondError(connection, request, UnknownTransport);
    const QByteArray sid = request.queryValue("sid");
    if (!sid.isEmpty()) {
        EioSession *session = m_sessions.value(sid);
        if (!session) return respondError(connection, request, UnknownSid);
        if (pongOverdue(session)) {
            destroy(session, QStringLiteral("ping timeout"));
            return respondError(connection, request, UnknownSid);
        }
        if (upgrade && transport == "websocket") return handleUpgrade(connection, request, session);
        if (transport != "polling" || session->isWebSocket() || upgrade)
            return respondError(connection, request, BadRequest);
        if (request.method == "GET") return handleGet(connection, session);
        if (request.method == "POST") return handlePost(connection, request, session);
        return respondError(connection, request, BadRequest);
    }
    if (request.method != "GET") return respondError(connection, request, BadHandshakeMethod);
    if (request.queryValue("EIO") != "4")
        return respondError(connection, request, UnsupportedProtocolVersion);
    if (transport == "websocket") {
        if (!upgrade) return respondError(connection, request, BadRequest);
        return handshakeWebSocket(connection, request);
    }
    if (upgrade) return respondError(connection, request, BadRequest);
    handshakePolling(connection, request);
}

namespace {

// The header names worth sharing: what browsers, Frappe's nginx and the
// WebSocket handshake send on every connection.
constexpr QByteArrayView kCommonHeaderNames[] = {
    "host",
    "connection",
    "upgrade",
    "origin",
    "cookie",
    "user-agent",
    "accept",
    "accept-encoding",
    "accept-language",
    "cache-control",
    "pragma",
    "referer",
    "authorization",
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-extensions",
    "sec-websocket-protocol",
    "x-frappe-site-name",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-real-ip",
    "content-type",
    "content-length",
};
static_assert(std::size(kCommonHeaderNames) == EioServer::kSharedHeaderSlots);

qsizetype commonHeaderIndex(const QByteArray &name)
{
    for (qsizetype i = 0; i < EioServer::kSharedHeaderSlots; ++i)
        if (kCommonHeaderNames[i] == name) return i;
    return -1;
}

// A name over the static table: copies of it never allocate or count references.
QByteArray commonHeaderName(qsizetype i)
{
    return QByteArray::fromRawData(kCommonHeaderNames[i].data(), kCommonHeaderNames[i].size());
}

// Makes `value` share `last`'s bytes when equal; otherwise it becomes `last`.
template<typename String> void shareIfEqual(String &value, String &last)
{
    if (value == last)
        value = last;
    else
        last = value;
}

} // namespace

void EioServer::keepHandshake(EioSession *session, const HttpRequest &request)
{
    // The handshake stays with the session for its whole life (the monitor
    // and the app handlers read it), and most of it is the same for every
    // client: header names, method, path, query, and behind Frappe's nginx
    // the peer, Host, Origin, site name, user agent and WebSocket headers.
    // Equal strings share one copy (the previous handshake's) instead of a
    // heap block each per connection.
    HttpRequest &kept = session->handshake;
    kept = request;
    kept.body = QByteArray();
    shareIfEqual(kept.method, m_lastHandshake.method);
    shareIfEqual(kept.path, m_lastHandshake.path);
    shareIfEqual(kept.query, m_lastHandshake.query);
    shareIfEqual(kept.version, m_lastHandshake.version);
    shareIfEqual(kept.peer, m_lastHandshake.peer);
    for (auto &header : kept.headers) {
        const qsizetype i = commonHeaderIndex(header.first);
        if (i < 0) continue;
        header.first = commonHeaderName(i);
        shareIfEqual(header.second, m_lastHeaderValues[i]);
    }
}

void EioServer::handshakePolling(Connection *connection, const HttpRequest &request)
{
    auto *session = new EioSession;
    session->sid = newSid();
    keepHandshake(session, request);
    session->age.start();
    m_sessions.insert(session->sid, session);
    ++m_traffic.sessionsOpened;
    ++m_traffic.pollingSessions;
    HttpResponse r = baseResponse(request);
    r.body = openPacket(session->sid, true);
    connection->respond(r);
    schedulePing(session);
    m_handler->onSessionOpen(session);
}

void EioServer::handshakeWebSocket(Connection *connection, const HttpRequest &request)
{
    if (request.header("sec-websocket-key").isEmpty() ||
        request.header("sec-websocket-version") != "13")
        return connection->rejectUpgrade(400, "Bad request");
    auto *session = new EioSession;
    session->sid = newSid();
    session->transport = EioSession::Transport::WebSocket;
    keepHandshake(session, request);
    session->age.start();
    session->socket = connection;
    m_sessions.insert(session->sid, session);
    ++m_traffic.sessionsOpened;
    m_wsOwners.insert(connection, session);
    connection->acceptWebSocket(request, this);
    connection->sendText(openPacket(session->sid, false));
    schedulePing(session);
    m_handler->onSessionOpen(session);
}

void EioServer::handleIncoming(EioSession *session, const eio::Packet &packet)
{
    ++session->packetsIn;
    switch (packet.type) {
    case eio::PacketType::Message:
        ++m_traffic.packetsIn;
        m_traffic.bytesIn += quint64(packet.data.size());
        m_handler->onSessionPacket(session, packet);
        return;
    case eio::PacketType::Pong:
        if (closeIfNotPolling(session)) return;
        if (session->heartbeat == EioSession::Heartbeat::WaitingForPong) schedulePing(session);
        return;
    case eio::PacketType::Close:
        answerParkedGet(session, "6");
        destroy(session, QStringLiteral("transport close"));
        return;
    case eio::PacketType::Noop:
        return;
    default:
        // A client ping is the v3 heartbeat direction; open/upgrade do not
        // belong here either. Either is a protocol error.
        qCInfo(lcEio) << "closing session" << session->sid << ": unexpected packet type"
                      << char(packet.type);
        destroy(session, QStringLiteral("parse error"));
    }
}

void EioServer::send(EioSession *session, OutPacket packet)
{
    if (session->closing || session->cutOff) return;
    if (packet.binary || packet.text.size() > 1) { // a bare ping is not counted, as in Node
        ++m_traffic.packetsOut;
        m_traffic.bytesOut += quint64(packet.text.size());
    }
    if (session->isWebSocket()) {
        if (Connection *socket = session->socket) {
            socket->sendFrame(packet.wsFrame());
            ++session->packetsOut;
        }
        return;
    }
    // A binary packet goes out base64-encoded ('b' + 4 bytes per 3).
    session->queueBytes +=
        packet.binary ? 1 + (packet.text.size() + 2) / 3 * 4 : packet.text.size() + 1;
    session->queue.append(std::move(packet));
    if (m_settings.maxOutboundBytes > 0 && session->queueBytes > m_settings.maxOutboundBytes) {
        cutOffSlowConsumer(session);
        return;
    }
    if (session->parkedGet && !session->upgrading) scheduleFlush(session);
}

void EioServer::cutOffSlowConsumer(EioSession *session)
{
    // The same line as a WebSocket reader's (SocketConnection::write).
    qCWarning(lcTransport).nospace()
        << "disconnecting slow consumer " << session->handshake.peer << ": " << session->queueBytes
        << " bytes unsent (limit " << m_settings.maxOutboundBytes << ")";
    // What it pinned goes now; the session goes on the next pass, since
    // send() runs inside broadcasts that a synchronous close would pull
    // the room entries out from under.
    session->cutOff = true;
    session->queue.clear();
    session->queueBytes = 0;
    memoryrelease::releaseSoon();
    const QByteArray sid = session->sid;
    QMetaObject::invokeMethod(
        this,
        [this, sid] {
            if (EioSession *s = m_sessions.value(sid))
                destroy(s, QStringLiteral("transport error"));
        },
        Qt::QueuedConnection);
}

bool EioServer::closeIfNotPolling(EioSession *session)
{
    if (session->isWebSocket() || session->parkedGet || session->upgrading || session->probe)
        return false;
    const qint64 silentMs = session->age.elapsed() - session->lastPollMs;
    if (silentMs <= qint64(m_settings.pingIntervalMs) + m_settings.pingTimeoutMs) return false;
    qCInfo(lcEio).nospace() << "closing polling session " << session->sid << " from "
                            << session->handshake.peer << ": no GET for " << silentMs
                            << " ms (pingInterval + pingTimeout)";
    destroy(session, QStringLiteral("ping timeout"));
    return true;
}

void EioServer::scheduleFlush(EioSession *session)
{
    if (session->flushScheduled) return;
    session->flushScheduled = true;
    m_dirty.append(session->sid);
    if (!m_flushQueued) {
        // One response per parked GET per event-loop pass: packets emitted in
        // the same pass share a single HTTP response.
        m_flushQueued = true;
        QMetaObject::invokeMethod(this, &EioServer::flushDirty, Qt::QueuedConnection);
    }
}

void EioServer::flushDirty()
{
    m_flushQueued = false;
    const QList<QByteArray> dirty = std::move(m_dirty);
    m_dirty.clear();
    for (const QByteArray &sid : dirty) {
        EioSession *session = m_sessions.value(sid);
        if (!session) continue;
        session->flushScheduled = false;
        if (session->parkedGet && !session->isWebSocket()) respondPoll(session);
    }
}

void EioServer::close(EioSession *session, const QString &reason)
{
    if (session->closing) return;
    if (session->isWebSocket()) {
        Connection *socket = session->socket;
        session->socket = nullptr;
        if (socket) {
            m_wsOwners.remove(socket);
            socket->closeWebSocket(ws::CloseNormal);
        }
        destroy(session, reason);
        return;
    }
    ++m_traffic.closedByReason[reason];
    m_handler->onSessionClosed(session, reason);
    session->userData = nullptr;
    abortUpgrade(session);
    session->heartbeatTimer.disarm();
    session->closing = true;
    if (session->parkedGet)
        respondPoll(session);
    else
        m_drainTimers.arm(session->drainTimer, session);
}

void EioServer::closeAll(const QString &reason)
{
    const auto sessions = m_sessions.values();
    for (EioSession *s : sessions)
        if (m_sessions.contains(s->sid)) close(s, reason);
}

void EioServer::destroy(EioSession *session, const QString &reason, bool notify)
{
    if (!m_sessions.remove(session->sid)) return;
    if (!session->isWebSocket()) --m_traffic.pollingSessions;
    if (notify && !session->closing) ++m_traffic.closedByReason[reason];
    session->heartbeatTimer.disarm();
    session->upgradeTimer.disarm();
    session->drainTimer.disarm();
    if (notify && !session->closing) m_handler->onSessionClosed(session, reason);
    answerParkedGet(session, "1");
    for (Connection *c : {session->socket.data(), session->probe.data()}) {
        if (!c) continue;
        m_wsOwners.remove(c);
        c->closeWebSocket(ws::CloseNormal);
    }
    m_dirty.removeAll(session->sid);
    delete session;
}

void EioServer::schedulePing(EioSession *session)
{
    session->heartbeat = EioSession::Heartbeat::WaitingToPing;
    session->pongDeadline = 0;
    m_pingTimers.arm(session->heartbeatTimer, session);
}

bool EioServer::pongOverdue(EioSession *session) const
{
    return session->heartbeat == EioSession::Heartbeat::WaitingForPong &&
           session->age.elapsed() > session->pongDeadline;
}

void EioServer::sendPing(EioSession *session)
{
    if (closeIfNotPolling(session)) return;
    session->heartbeat = EioSession::Heartbeat::WaitingForPong;
    session->pongDeadline = session->age.elapsed() + m_settings.pingTimeoutMs;
    m_pongTimers.arm(session->heartbeatTimer, session);
    send(session, {"2", {}, false});
}
