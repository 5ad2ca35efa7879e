// SioServer's part of connection-state recovery (socket.io 4.6+ wire
// protocol, spec connection-state-recovery.md): pid in the CONNECT reply,
// sessions kept when a transport drops, restored after the namespace
// middleware admitted the client again, missed packets replayed in order.
// Engine thread, like the rest of SioServer.
#include "common/logging.h"
#include "common/randomid.h"
#include "socketio/sioserver.h"

#include <QJsonObject>
#include <QTimer>

namespace {

// socket.io's recoverable close reasons: the client did not mean to leave.
bool recoverableReason(const QString &reason)
{
    static const QStringList reasons = {
        QStringLiteral("transport error"),      QStringLiteral("transport close"),
        QStringLiteral("forced close"),         QStringLiteral("ping timeout"),
        QStringLiteral("server shutting down"), QStringLiteral("forced server close")};
    return reasons.contains(reason);
}

} // namespace

void SioServer::setRecoverySettings(const RecoverySettings &settings)
{
    m_recoverySettings = settings;
    if (!settings.enabled) {
        if (m_recoverySweep) m_recoverySweep->stop();
        return;
    }
    if (!m_recoverySweep) {
        m_recoverySweep = new QTimer(this);
        connect(m_recoverySweep, &QTimer::timeout, this, [this] { sweepRecovery(); });
    }
    // Expiry is also checked when a session is claimed; the sweep frees memory.
    m_recoverySweep->start(int(qBound(qint64(250), settings.windowMs / 4, qint64(15000))));
}

std::optional<SioServer::RecoveryRequest> SioServer::takeRecoveryRequest(NamespaceHandler *handler,
                                                                         QJsonValue &auth)
{
    if (!handler->recoverable()) return std::nullopt;
    QJsonObject object = auth.toObject();
    const QJsonValue pid = object.value(QLatin1String("pid"));
    if (!pid.isString()) return std::nullopt;
    RecoveryRequest request;
    request.pid = pid.toString();
    const QJsonValue offset = object.value(QLatin1String("offset"));
    if (offset.isString()) request.offset = offset.toString();
    // socket.io leaves them in handshake.auth, where app handlers (and
    // fetchSockets answers to other nodes) see them: not here.
    object.remove(QLatin1String("pid"));
    object.remove(QLatin1String("offset"));
    auth = object;
    if (!m_recoverySettings.enabled) return std::nullopt;
    return request;
}

std::optional<SioServer::RestoredSession> SioServer::restoreSession(SioNamespace *ns,
                                                                    SioSocket *socket,
                                                                    const RecoveryRequest &request,
                                                                    QString *failure)
{
    RecoveryStore *store = ns ? ns->recovery() : nullptr;
    const std::optional<QString> sid = m_pids.verify(socket->nspName(), request.pid);
    if (!sid) {
        *failure = QStringLiteral("invalid pid");
        return std::nullopt;
    }
    if (!store) {
        *failure = RecoveryStore::text(RecoveryStore::Failure::UnknownSession);
        return std::nullopt;
    }
    RecoveryStore::Failure why = RecoveryStore::Failure::None;
    std::optional<RecoverySession> session = store->take(*sid, RecoveryStore::nowMs(), &why);
    if (!session) {
        // A genuine pid whose socket is connected: it was copied, or shown a
        // second time. Neither connection keeps the session.
        if (SioSocket *holder = ns->socket(*sid)) {
            qCWarning(lcSio).noquote() << "recovery pid of socket" << *sid << "of" << ns->name()
                                       << "presented while that socket is connected: closing it";
            disconnectSocket(holder, true, QStringLiteral("recovery pid presented twice"));
            *failure = QStringLiteral("pid presented twice");
            return std::nullopt;
        }
        *failure = RecoveryStore::text(why);
        return std::nullopt;
    }
    if (session->pidDigest != RecoveryPids::digest(request.pid)) {
        *failure = QStringLiteral("invalid pid");
        return std::nullopt;
    }
    // The middleware ran again for this connection: it must be the same
    // person on the same site, or the old session is not theirs to resume.
    if (socket->user != session->user || socket->userType != session->userType ||
        socket->siteName != session->siteName) {
        *failure = QStringLiteral("different user");
        return std::nullopt;
    }
    std::optional<QList<StoredPacket>> missed = store->missed(*session, request.offset, &why);
    if (!missed) {
        *failure = RecoveryStore::text(why);
        return std::nullopt;
    }
    return RestoredSession{std::move(*session), std::move(*missed)};
}

QString SioServer::adoptSession(SioSocket *socket, SioNamespace *ns,
                                const RestoredSession *restored)
{
    RecoveryStore *store = ns->recovery();
    if (!restored) {
        socket->m_sequence = ++m_sequence;
        if (!store) return QString();
        socket->m_recoveryBaseSeq = store->lastSeq();
        return m_pids.make(ns->name(), socket->id());
    }
    const RecoverySession &session = restored->session;
    socket->m_id = session.sid;
    socket->m_sequence = session.socketSequence; // its place in connection order
    socket->m_recoveryBaseSeq = session.baseSeq;
    socket->openDocs = session.openDocs;
    socket->m_recovered = true;
    return m_pids.make(ns->name(), socket->id());
}

void SioServer::replayMissed(SioSocket *socket, const RestoredSession &restored)
{
    SioNamespace *ns = socket->m_nsp;
    for (const QString &room : restored.session.rooms)
        ns->join(socket, room);
    for (const StoredPacket &packet : restored.missed) {
        ++socket->eventsOut;
        sendPacket(socket, packet.text, packet.attachments);
    }
}

void SioServer::reportRecovery(const QString &nsp, SioSocket *socket, bool recovered,
                               const QString &failure, int replayed)
{
    // Debug only: after a restart every desk reconnects at once; the monitor
    // and /metrics count these per site.
    if (recovered)
        qCDebug(lcSio).noquote() << "socket" << socket->id() << "of" << nsp << "recovered its"
                                << "session:" << replayed << "missed events replayed";
    else
        qCDebug(lcSio).noquote() << "no recovery on" << nsp << "(" + failure + ")"
                                << (socket ? "- new socket " + socket->id() : QString());
    if (m_observer) m_observer->recoveryAttempted(nsp, socket, recovered, failure, replayed);
}

void SioServer::keepSession(SioSocket *socket, const QString &reason)
{
    SioNamespace *ns = socket->m_nsp;
    RecoveryStore *store = ns ? ns->recovery() : nullptr;
    if (!store || !recoverableReason(reason)) return;
    RecoverySession session;
    session.sid = socket->id();
    session.pidDigest = RecoveryPids::digest(m_pids.make(ns->name(), socket->id()));
    session.rooms = socket->rooms().values();
    session.baseSeq = socket->m_recoveryBaseSeq;
    session.socketSequence = socket->sequence();
    session.disconnectedAtMs = RecoveryStore::nowMs();
    session.user = socket->user;
    session.userType = socket->userType;
    session.siteName = socket->siteName;
    session.openDocs = socket->openDocs;
    store->persist(std::move(session));
    socket->m_sessionKept = true;
}

bool SioServer::namespaceIdle(SioNamespace *ns) const
{
    // A namespace whose sockets all dropped lives on while their sessions
    // wait: events for their rooms must still be kept for them.
    return ns->socketCount() == 0 && !(ns->recovery() && ns->recovery()->hasSessions());
}

void SioServer::sweepRecovery()
{
    const qint64 now = RecoveryStore::nowMs();
    const auto namespaces = m_namespaces.values();
    for (SioNamespace *ns : namespaces) {
        if (!ns->recovery()) continue;
        ns->recovery()->expire(now);
        if (namespaceIdle(ns)) {
            m_namespaces.remove(ns->name());
            delete ns;
        }
    }
}
