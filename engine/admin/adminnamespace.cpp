#include "admin/adminnamespace.h"

#include "admin/adminauth.h"
#include "admin/adminserialize.h"
#include "common/logging.h"
#include "socketio/sionamespace.h"
#include "socketio/siosocket.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QPointer>
#include <QSysInfo>

namespace {

// A stats interval far longer than usual must not let the buffer grow
// without bound: past this many distinct (second, type) keys, new ones are
// dropped until the next tick.
constexpr qsizetype kMaxAggregatedKeys = 4096;

} // namespace

void AdminObserverTee::socketConnected(SioSocket *s)
{
    m_primary->socketConnected(s);
    // Mirror what this socket is sent (event_sent): SioServer reports the
    // outgoing packets of traced sockets only.
    if (s->nspName() != m_admin->name()) s->traced = true;
    m_admin->socketConnected(s);
}

AdminNamespace::AdminNamespace(const AdminConfig &config, QStringList siteNamespaces,
                               SioServer *sio, QObject *parent)
    : QObject(parent), m_config(config), m_siteNamespaces(std::move(siteNamespaces)), m_sio(sio),
      m_auth(new AdminAuth(config, this))
{
    if (m_config.serverId.isEmpty()) m_config.serverId = QSysInfo::machineHostName();
    m_uptime.start();
    m_statsTimer.setInterval(qMax(100, m_config.statsIntervalMs));
    connect(&m_statsTimer, &QTimer::timeout, this, &AdminNamespace::emitStats);
    m_sampleTimer.setInterval(1000);
    connect(&m_sampleTimer, &QTimer::timeout, this, &AdminNamespace::sampleTraffic);
}

AdminNamespace::~AdminNamespace() = default;

void AdminNamespace::start()
{
    m_lastTraffic = m_sio->eio()->traffic();
    m_statsTimer.start();
    m_sampleTimer.start();
    qCInfo(lcEngine).noquote() << "admin: Admin UI namespace" << name() << "on,"
                               << (m_config.development ? "development" : "production") << "mode,"
                               << (m_config.readOnly
                                       ? "read-only,"
                                       : "commands allowed (join, leave, disconnect),")
                               << (m_config.noAuth ? "NO AUTHENTICATION (loopback clients only)"
                                                   : "basic auth as " + m_config.username);
}

void AdminNamespace::stop()
{
    m_statsTimer.stop();
    m_sampleTimer.stop();
}

QStringList AdminNamespace::supportedFeatures() const
{
    // EMIT is never offered: it would let an admin send any event to every
    // Frappe user (msgprint to a whole site); the 0.5.1 UI does not use it.
    QStringList features;
    if (!m_config.readOnly)
        features << QStringLiteral("JOIN") << QStringLiteral("LEAVE")
                 << QStringLiteral("DISCONNECT") << QStringLiteral("MJOIN")
                 << QStringLiteral("MLEAVE") << QStringLiteral("MDISCONNECT");
    features << QStringLiteral("AGGREGATED_EVENTS");
    if (m_config.development) features << QStringLiteral("ALL_EVENTS");
    return features;
}

bool AdminNamespace::adminsConnected() const
{
    const SioNamespace *ns = m_sio->findNamespace(name());
    return ns && ns->socketCount() > 0;
}

void AdminNamespace::broadcast(const QString &event, const QJsonArray &args)
{
    SioNamespace *ns = m_sio->findNamespace(name());
    if (!ns || ns->socketCount() == 0) return;
    sio::Packet packet;
    packet.type = sio::PacketType::Event;
    packet.nsp = name();
    QJsonArray data{event};
    for (const QJsonValue &a : args)
        data.append(a);
    packet.data = data;
    ns->broadcast(sio::encode(packet));
}

void AdminNamespace::sendTo(SioSocket *socket, const QString &event, const QJsonArray &args)
{
    socket->emitEvent(event, args);
}

void AdminNamespace::authorize(SioSocket *socket, const QJsonValue &auth,
                               std::function<void(std::optional<QString>)> done)
{
    const QByteArray eioSid = socket->eioSid();
    const QString nsp = socket->nspName();
    const QString socketId = socket->id();
    QPointer<AdminNamespace> self(this);
    m_auth->check(socket->handshake(), auth,
                  [self, eioSid, nsp, socketId, done](AdminAuthResult result) {
                      if (!self) return done(QStringLiteral("server shutting down"));
                      if (!result.ok) return done(result.error);
                      // The UI stores the session id; Node sends it before the
                      // CONNECT packet, straight to the socket.
                      if (!result.sessionId.isEmpty())
                          if (SioSocket *s = self->m_sio->pendingSocket(eioSid, nsp, socketId))
                              s->emitEvent(QStringLiteral("session"), {result.sessionId});
                      done(std::nullopt);
                  });
}

void AdminNamespace::onConnection(SioSocket *socket)
{
    qCInfo(lcEngine).noquote() << "admin: client" << socket->id() << "from"
                               << socket->handshake().peer << "connected";
    sendTo(socket, QStringLiteral("config"),
           {QJsonObject{{QStringLiteral("supportedFeatures"),
                         QJsonArray::fromStringList(supportedFeatures())}}});
    if (m_config.development) {
        // One argument, the array (a braced {array} would copy it instead).
        sendTo(socket, QStringLiteral("all_sockets"), QJsonArray{QJsonValue(allSockets())});
    }
    // Not in Node (the UI waits for the next tick): lets a new UI fill its
    // server list at once. Aggregated events stay for the next broadcast.
    sendTo(socket, QStringLiteral("server_stats"), {serverStats(false)});
}

QJsonArray AdminNamespace::allSockets() const
{
    QJsonArray sockets;
    for (const SioNamespace *ns : m_sio->namespaces())
        for (const SioSocket *s : ns->sockets())
            sockets.append(admin::serializeSocket(s));
    return sockets;
}

void AdminNamespace::onEvent(SioSocket *socket, const QString &event, const QJsonArray &args,
                             const QList<QByteArray> &, const AckSender &)
{
    static const QStringList commands{QStringLiteral("join"), QStringLiteral("leave"),
                                      QStringLiteral("_disconnect"), QStringLiteral("emit")};
    if (!commands.contains(event)) return; // events the UI may add later: ignored, as Node
    if (m_config.readOnly) {
        qCWarning(lcEngine).noquote() << "admin: refused" << event << "from" << socket->id()
                                      << "(read-only; --admin-read-write allows commands)";
        return;
    }
    if (event == QLatin1String("emit")) {
        qCWarning(lcEngine).noquote()
            << "admin: refused emit from" << socket->id() << "(not offered by this server)";
        return;
    }
    runCommand(socket, event, args);
}

QList<SioSocket *> AdminNamespace::targets(const QString &nsp, const QJsonValue &filter) const
{
    const SioNamespace *ns = m_sio->findNamespace(nsp);
    if (!ns) return {};
    if (filter.isString()) {
        const QSet<SioSocket *> members = ns->roomMembers(filter.toString());
        return {members.cbegin(), members.cend()};
    }
    return ns->sockets().values();
}

void AdminNamespace::runCommand(SioSocket *admin, const QString &event, const QJsonArray &args)
{
    const QString nsp = args.at(0).toString();
    if (nsp.isEmpty()) {
        qCWarning(lcEngine).noquote() << "admin:" << event << "without a namespace, ignored";
        return;
    }
    if (event == QLatin1String("_disconnect")) {
        const bool close = args.at(1).toBool(false);
        const QJsonValue filter = args.at(2);
        QStringList ids;
        for (const SioSocket *s : targets(nsp, filter))
            ids.append(s->id());
        qCInfo(lcEngine).noquote()
            << "admin:" << admin->id() << "disconnects" << ids.size() << "socket(s) of" << nsp
            << (filter.isString() ? "in " + filter.toString() : "")
            << (close ? "(closing their connections)" : "");
        // One at a time, looked up again: a disconnect may end the namespace.
        for (const QString &id : std::as_const(ids)) {
            SioNamespace *ns = m_sio->findNamespace(nsp);
            if (SioSocket *s = ns ? ns->socket(id) : nullptr) s->disconnect(close);
        }
        return;
    }
    const QString room = args.at(1).toString();
    if (room.isEmpty()) {
        qCWarning(lcEngine).noquote() << "admin:" << event << "without a room, ignored";
        return;
    }
    const QJsonValue filter = args.at(2);
    const QList<SioSocket *> sockets = targets(nsp, filter);
    qCInfo(lcEngine).noquote() << "admin:" << admin->id() << event << room << "for"
                               << sockets.size() << "socket(s) of" << nsp;
    for (SioSocket *s : sockets) {
        if (event == QLatin1String("join"))
            s->join(room);
        else
            s->leave(room);
    }
}

void AdminNamespace::socketConnected(SioSocket *socket)
{
    broadcast(QStringLiteral("socket_connected"),
              {admin::serializeSocket(socket), admin::isoNow()});
}

void AdminNamespace::socketDisconnected(SioSocket *socket, const QString &reason)
{
    broadcast(QStringLiteral("socket_disconnected"),
              {socket->nspName(), socket->id(), reason, admin::isoNow()});
}

void AdminNamespace::roomJoined(SioSocket *socket, const QString &room)
{
    broadcast(QStringLiteral("room_joined"),
              {socket->nspName(), room, socket->id(), admin::isoNow()});
}

void AdminNamespace::roomLeft(SioSocket *socket, const QString &room)
{
    if (!adminsConnected()) return;
    // Deferred like Node's (process.nextTick), so after a disconnect the UI
    // sees socket_disconnected first, then room_left for each room.
    const QJsonArray args{socket->nspName(), room, socket->id(), admin::isoNow()};
    QMetaObject::invokeMethod(
        this, [this, args] { broadcast(QStringLiteral("room_left"), args); }, Qt::QueuedConnection);
}

void AdminNamespace::clientEvent(SioSocket *socket, const sio::Packet &packet)
{
    if (socket->nspName() == name() || !adminsConnected()) return;
    QJsonArray call{packet.eventName()};
    for (const QJsonValue &a : packet.eventArgs())
        call.append(a);
    broadcast(QStringLiteral("event_received"),
              {socket->nspName(), socket->id(), call, admin::isoNow()});
}

void AdminNamespace::tracedServerPacket(SioSocket *socket, const QByteArray &eioText)
{
    if (socket->nspName() == name() || !adminsConnected()) return;
    // Only plain EVENTs are mirrored ("42..."); acks, connects and binary
    // events (whose attachments follow separately) are not.
    if (eioText.size() < 3 || eioText.at(0) != '4' || eioText.at(1) != '2') return;
    sio::Decoder decoder;
    sio::Packet packet;
    QString error;
    if (decoder.decodeText(eioText.mid(1), packet, error) != sio::Decoder::Status::Complete) return;
    QJsonArray call{packet.eventName()};
    for (const QJsonValue &a : packet.eventArgs())
        call.append(a);
    broadcast(QStringLiteral("event_sent"),
              {socket->nspName(), socket->id(), call, admin::isoNow()});
}

void AdminNamespace::sampleTraffic()
{
    const EioTraffic &now = m_sio->eio()->traffic();
    const qint64 second = QDateTime::currentMSecsSinceEpoch() / 1000 * 1000;
    auto add = [this, second](const QString &type, const QString &subType, quint64 count) {
        if (count == 0) return;
        const QString key = QStringLiteral("%1|%2|%3").arg(second).arg(type, subType);
        auto it = m_aggregated.find(key);
        if (it == m_aggregated.end()) {
            if (m_aggregated.size() >= kMaxAggregatedKeys) return;
            QJsonObject entry{{QStringLiteral("timestamp"), double(second)},
                              {QStringLiteral("type"), type}};
            if (!subType.isEmpty()) entry.insert(QStringLiteral("subType"), subType);
            entry.insert(QStringLiteral("count"), 0);
            it = m_aggregated.insert(key, entry);
            m_aggregatedOrder.append(key);
        }
        it->insert(QStringLiteral("count"),
                   it->value(QStringLiteral("count")).toDouble() + double(count));
    };
    add(QStringLiteral("rawConnection"), {}, now.sessionsOpened - m_lastTraffic.sessionsOpened);
    for (auto it = now.closedByReason.cbegin(); it != now.closedByReason.cend(); ++it)
        add(QStringLiteral("rawDisconnection"), it.key(),
            it.value() - m_lastTraffic.closedByReason.value(it.key()));
    add(QStringLiteral("packetsIn"), {}, now.packetsIn - m_lastTraffic.packetsIn);
    add(QStringLiteral("bytesIn"), {}, now.bytesIn - m_lastTraffic.bytesIn);
    add(QStringLiteral("packetsOut"), {}, now.packetsOut - m_lastTraffic.packetsOut);
    add(QStringLiteral("bytesOut"), {}, now.bytesOut - m_lastTraffic.bytesOut);
    m_lastTraffic = now;
}

QJsonObject AdminNamespace::serverStats(bool drain)
{
    QJsonArray aggregated;
    if (drain) {
        sampleTraffic();
        for (const QString &key : std::as_const(m_aggregatedOrder))
            aggregated.append(m_aggregated.value(key));
        m_aggregated.clear();
        m_aggregatedOrder.clear();
    }
    QHash<QString, int> counts;
    for (const QString &site : std::as_const(m_siteNamespaces))
        counts.insert(site, 0);
    for (const SioNamespace *ns : m_sio->namespaces())
        counts.insert(ns->name(), ns->socketCount());
    QStringList names = counts.keys();
    names.sort();
    QJsonArray namespaces;
    for (const QString &n : std::as_const(names))
        namespaces.append(QJsonObject{{QStringLiteral("name"), n},
                                      {QStringLiteral("socketsCount"), counts.value(n)}});
    QJsonObject stats{
        {QStringLiteral("serverId"), m_config.serverId},
        {QStringLiteral("hostname"), QSysInfo::machineHostName()},
        {QStringLiteral("pid"), double(QCoreApplication::applicationPid())},
        {QStringLiteral("uptime"), double(m_uptime.nsecsElapsed()) / 1e9},
        {QStringLiteral("clientsCount"), m_sio->clientCount()},
        {QStringLiteral("pollingClientsCount"), m_sio->eio()->traffic().pollingSessions},
        {QStringLiteral("aggregatedEvents"), aggregated},
        {QStringLiteral("namespaces"), namespaces},
    };
    return stats;
}

void AdminNamespace::emitStats()
{
    if (!adminsConnected()) {
        // Nobody to tell: keep the buffer from growing, but keep the totals current.
        sampleTraffic();
        m_aggregated.clear();
        m_aggregatedOrder.clear();
        return;
    }
    broadcast(QStringLiteral("server_stats"), {serverStats(true)});
    if (m_extraStats) broadcast(QStringLiteral("frappe_realtime:stats"), {m_extraStats()});
}
