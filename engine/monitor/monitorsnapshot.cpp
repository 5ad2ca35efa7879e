#include "monitor/monitorsnapshot.h"

#include "common/credentialmask.h"
#include "engineconfig.h"
#include "frappe/callbackurl.h"
#include "redis/redisendpoint.h"
#include "socketio/sioserver.h"
#include "telemetry/telemetry.h"

#include <QDateTime>
#include <QMap>
#include <QSet>

QString SocketRow::transportText() const
{
    if (!webSocket) return QStringLiteral("polling");
    return upgraded ? QStringLiteral("websocket (upgraded)") : QStringLiteral("websocket");
}

QStringList MonitorSnapshot::roomNames(const QString &site) const
{
    QStringList names;
    for (const RoomRow &room : rooms)
        if (room.site == site) names.append(room.room);
    names.sort();
    return names;
}

QString describeAuthEndpoint(const EngineConfig &config)
{
    if (config.mode != AppMode::Frappe) return QStringLiteral("none (protocol test server)");
    if (!config.devAuthUser.isEmpty()) return QStringLiteral("none (dev auth)");
    const CallbackTarget target = frappeCallbackTarget(config);
    return redactedUrl(target.base);
}

namespace {
SocketRow describeSocket(const SioServer &sio, const SioSocket &socket, bool traced)
{
    SocketRow row;
    const HttpRequest &handshake = socket.handshake();
    row.id = socket.id();
    row.nsp = socket.nspName();
    row.site = socket.siteName.isEmpty() ? Telemetry::siteOf(socket.nspName()) : socket.siteName;
    row.user = socket.user;
    row.userType = socket.userType;
    row.webSocket = socket.isWebSocket();
    row.upgraded = socket.wasUpgraded();
    row.remote = handshake.peer;
    row.origin = QString::fromUtf8(handshake.header("origin"));
    row.connectedAtMs = socket.connectedAtMs();
    for (const QString &room : socket.rooms())
        if (room != socket.id()) row.rooms.append(room);
    row.rooms.sort();
    row.eventsIn = socket.eventsIn;
    row.eventsOut = socket.eventsOut;
    if (const EioSession *session = sio.eio()->session(socket.eioSid())) {
        row.packetsIn = session->packetsIn;
        row.packetsOut = session->packetsOut;
        if (session->isWebSocket() && session->socket) {
            row.bytesIn = qint64(session->socket->bytesIn());
            row.bytesOut = qint64(session->socket->bytesOut());
        }
    }
    row.traced = traced;
    row.headers = maskedHeaders(handshake.headers);
    row.handshakeUrl = QString::fromUtf8(handshake.path);
    return row;
}
} // namespace

MonitorSnapshot buildMonitorSnapshot(const SioServer &sio, const EngineConfig &config,
                                     const Telemetry &telemetry, const SnapshotRequest &request)
{
    MonitorSnapshot snap;
    snap.requestId = request.id;
    snap.roomsIncluded = request.rooms;
    snap.socketsIncluded = request.sockets;
    const int maxSockets =
        request.sockets ? qBound(0, request.maxSockets, MonitorSnapshot::MaxSocketsListed) : 0;
    snap.takenAtMs = QDateTime::currentMSecsSinceEpoch();
    snap.listenAddress = telemetry.totals().listenAddress;
    snap.authEndpoint = describeAuthEndpoint(config);
    if (!config.redisUrl.isEmpty()) {
        const auto endpoint = RedisEndpoint::parse(config.redisUrl);
        // Even a URL that does not parse may carry a password.
        snap.redisUrl = endpoint ? endpoint->display()
                                 : redactedUrlText(config.redisUrl) + QStringLiteral(" (invalid)");
    }
    snap.sessions = sio.clientCount();

    // Sites of the bench first (so an idle site still shows), then any other
    // namespace a client managed to open.
    QMap<QString, SiteRow> sites;
    if (config.mode == AppMode::Frappe)
        for (const QString &site : config.sites) {
            SiteRow row;
            row.site = site;
            row.configured = true;
            sites.insert(site, row);
        }

    const auto namespaces = sio.namespaces();
    for (const SioNamespace *ns : namespaces) {
        const QString site = Telemetry::siteOf(ns->name());
        SiteRow &siteRow = sites[site];
        siteRow.site = site;
        // A namespace may live on with no socket while sessions wait for recovery.
        siteRow.active = ns->socketCount() > 0;
        siteRow.sockets = ns->socketCount();
        QSet<QString> users;
        for (const SioSocket *socket : ns->sockets()) {
            if (!socket->user.isEmpty()) users.insert(socket->user);
            if (!request.sockets) continue;
            if (snap.sockets.size() < maxSockets)
                snap.sockets.append(describeSocket(sio, *socket, socket->traced));
            else
                snap.socketsTruncated = true;
        }
        siteRow.users = int(users.size());
        snap.connections += ns->socketCount();

        for (auto it = ns->rooms().cbegin(); it != ns->rooms().cend(); ++it) {
            // socket.io's per-socket room (named by its id) is noise here.
            if (it->size() == 1 && (*it->cbegin())->id() == it.key()) continue;
            ++siteRow.rooms;
            if (!request.rooms) continue;
            RoomRow room;
            room.site = site;
            room.room = it.key();
            room.members = int(it->size());
            // Every room gets a few user names for its column; only the room
            // selected in the view gets its member list.
            const bool listMembers =
                room.room == request.membersRoom && site == request.membersSite;
            const int scanLimit = listMembers ? MonitorSnapshot::MaxRoomMembersListed
                                              : MonitorSnapshot::MaxRoomUsersListed;
            int scanned = 0;
            for (const SioSocket *member : *it) {
                if (scanned++ >= scanLimit) break;
                if (listMembers) {
                    room.memberIds.append(member->id());
                    room.memberUsers.append(member->user);
                }
                if (!member->user.isEmpty() && !room.users.contains(member->user) &&
                    room.users.size() < MonitorSnapshot::MaxRoomUsersListed)
                    room.users.append(member->user);
            }
            room.users.sort();
            snap.rooms.append(room);
        }
    }
    const QMap<QString, RecoveryStats> recoveries = telemetry.recoveriesBySite();
    for (auto it = recoveries.cbegin(); it != recoveries.cend(); ++it) {
        SiteRow &row = sites[it.key()];
        row.site = it.key();
        row.recovered = it->recovered;
        row.recoveryFailed = it->failed;
        row.recoveryFailures = it->failuresText();
    }
    snap.sites = sites.values();
    return snap;
}
