#include "admin/remotemirror.h"

#include "telemetry/telemetry.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QSet>
#include <algorithm>

void RemoteMirror::reset()
{
    // The trace and rates are history: they stay (their sequence goes on).
    m_configReceived = false;
    m_features.clear();
    m_sockets.clear();
    m_order.clear();
}

void RemoteMirror::addTrace(TraceEntry entry)
{
    entry.seq = ++m_traceSeq;
    if (entry.payload.size() > 64 * 1024) {
        entry.payload.truncate(64 * 1024);
        entry.truncated = true;
    }
    m_trace.push_back(std::move(entry));
    while (int(m_trace.size()) > MaxTraceEntries)
        m_trace.pop_front();
}

static qint64 parseIso(const QJsonValue &v)
{
    const QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
    return t.isValid() ? t.toMSecsSinceEpoch() : QDateTime::currentMSecsSinceEpoch();
}

void RemoteMirror::apply(const QString &event, const QJsonArray &args)
{
    if (event == QLatin1String("config")) {
        m_configReceived = true;
        m_features.clear();
        for (const QJsonValue &f :
             args.at(0).toObject().value(QStringLiteral("supportedFeatures")).toArray())
            m_features.append(f.toString());
    } else if (event == QLatin1String("server_stats")) {
        onStats(args.at(0).toObject());
    } else if (event == QLatin1String("frappe_realtime:stats")) {
        m_extras = args.at(0).toObject();
    } else if (event == QLatin1String("all_sockets")) {
        m_sockets.clear();
        m_order.clear();
        for (const QJsonValue &v : args.at(0).toArray()) {
            const QJsonObject s = v.toObject();
            const QString k = key(s.value(QStringLiteral("nsp")).toString(),
                                  s.value(QStringLiteral("id")).toString());
            m_sockets.insert(k, s);
            m_order.insert(k, m_nextOrder++);
        }
    } else if (event == QLatin1String("socket_connected")) {
        const QJsonObject s = args.at(0).toObject();
        const QString nsp = s.value(QStringLiteral("nsp")).toString();
        const QString id = s.value(QStringLiteral("id")).toString();
        m_sockets.insert(key(nsp, id), s);
        m_order.insert(key(nsp, id), m_nextOrder++);
        TraceEntry e;
        e.timeMs = parseIso(args.at(1));
        e.kind = TraceEntry::Kind::Connect;
        e.site = Telemetry::siteOf(nsp);
        e.socketId = id;
        const QString user =
            s.value(QStringLiteral("data")).toObject().value(QStringLiteral("user")).toString();
        const QString address = s.value(QStringLiteral("handshake"))
                                    .toObject()
                                    .value(QStringLiteral("address"))
                                    .toString();
        e.detail = user.isEmpty() ? address : user + QStringLiteral(" from ") + address;
        addTrace(std::move(e));
    } else if (event == QLatin1String("socket_updated")) {
        const QJsonObject patch = args.at(0).toObject();
        const QString k = key(patch.value(QStringLiteral("nsp")).toString(),
                              patch.value(QStringLiteral("id")).toString());
        auto it = m_sockets.find(k);
        if (it != m_sockets.end())
            for (auto p = patch.begin(); p != patch.end(); ++p)
                it->insert(p.key(), p.value());
    } else if (event == QLatin1String("socket_disconnected")) {
        const QString nsp = args.at(0).toString();
        const QString id = args.at(1).toString();
        m_sockets.remove(key(nsp, id));
        m_order.remove(key(nsp, id));
        TraceEntry e;
        e.timeMs = parseIso(args.at(3));
        e.kind = TraceEntry::Kind::Disconnect;
        e.site = Telemetry::siteOf(nsp);
        e.socketId = id;
        e.detail = args.at(2).toString();
        addTrace(std::move(e));
    } else if (event == QLatin1String("room_joined") || event == QLatin1String("room_left")) {
        auto it = m_sockets.find(key(args.at(0).toString(), args.at(2).toString()));
        if (it == m_sockets.end()) return;
        const QString room = args.at(1).toString();
        QJsonArray rooms = it->value(QStringLiteral("rooms")).toArray();
        const bool joined = event == QLatin1String("room_joined");
        QJsonArray updated;
        bool present = false;
        for (const QJsonValue &r : rooms) {
            if (r.toString() == room) {
                present = true;
                if (!joined) continue;
            }
            updated.append(r);
        }
        if (joined && !present) updated.append(room);
        it->insert(QStringLiteral("rooms"), updated);
    } else if (event == QLatin1String("event_received") || event == QLatin1String("event_sent")) {
        const QString nsp = args.at(0).toString();
        const QJsonArray call = args.at(2).toArray();
        TraceEntry e;
        e.timeMs = parseIso(args.at(3));
        e.kind = event == QLatin1String("event_received") ? TraceEntry::Kind::ClientEvent
                                                          : TraceEntry::Kind::ServerPacket;
        e.site = Telemetry::siteOf(nsp);
        e.socketId = args.at(1).toString();
        e.event = call.at(0).toString();
        QJsonArray eventArgs = call;
        if (!eventArgs.isEmpty()) eventArgs.removeFirst();
        e.payload = QJsonDocument(eventArgs).toJson(QJsonDocument::Compact);
        e.bytes = int(e.payload.size());
        e.detail = QStringLiteral("remote");
        addTrace(std::move(e));
    }
}

void RemoteMirror::onStats(const QJsonObject &stats)
{
    m_stats = stats;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    RateSample sample;
    sample.seq = ++m_rateSeq;
    sample.timeMs = now;
    sample.seconds = m_lastTickMs > 0 ? qMax(0.001, (now - m_lastTickMs) / 1000.0) : 2.0;
    m_lastTickMs = now;
    for (const QJsonValue &v : stats.value(QStringLiteral("aggregatedEvents")).toArray()) {
        const QJsonObject a = v.toObject();
        const QString type = a.value(QStringLiteral("type")).toString();
        const quint32 count = quint32(a.value(QStringLiteral("count")).toDouble());
        if (type == QLatin1String("packetsOut"))
            sample.deliveries += count;
        else if (type == QLatin1String("packetsIn"))
            sample.clientEvents += count;
        else if (type == QLatin1String("rawConnection"))
            sample.connects += count;
        else if (type == QLatin1String("rawDisconnection"))
            sample.disconnects += count;
    }
    // Our own server also says how many Redis messages it routed.
    const QJsonObject rates = m_extras.value(QStringLiteral("rates")).toObject();
    sample.redisIn = quint32(rates.value(QStringLiteral("redisIn")).toDouble() * sample.seconds);
    sample.p50Ms = rates.value(QStringLiteral("p50Ms")).toDouble();
    sample.p99Ms = rates.value(QStringLiteral("p99Ms")).toDouble();
    int sockets = 0;
    for (const QJsonValue &n : stats.value(QStringLiteral("namespaces")).toArray())
        sockets += n.toObject().value(QStringLiteral("socketsCount")).toInt();
    sample.connections = sockets;
    sample.sessions = stats.value(QStringLiteral("clientsCount")).toInt();
    m_rates.push_back(sample);
    while (int(m_rates.size()) > MaxRateSamples)
        m_rates.pop_front();
}

QList<RateSample> RemoteMirror::ratesSince(quint64 afterSeq) const
{
    QList<RateSample> out;
    for (const RateSample &r : m_rates)
        if (r.seq > afterSeq) out.append(r);
    return out;
}

RateSample RemoteMirror::latestRate() const
{
    return m_rates.empty() ? RateSample() : m_rates.back();
}

QList<TraceEntry> RemoteMirror::traceSince(quint64 afterSeq, int max) const
{
    QList<TraceEntry> out;
    for (const TraceEntry &e : m_trace) {
        if (e.seq <= afterSeq) continue;
        out.append(e);
        if (out.size() >= max) break;
    }
    return out;
}

SocketRow RemoteMirror::socketRow(const QJsonObject &s) const
{
    SocketRow row;
    row.id = s.value(QStringLiteral("id")).toString();
    row.nsp = s.value(QStringLiteral("nsp")).toString();
    row.site = Telemetry::siteOf(row.nsp);
    const QJsonObject data = s.value(QStringLiteral("data")).toObject();
    row.user = data.value(QStringLiteral("user")).toString();
    row.userType = data.value(QStringLiteral("user_type")).toString();
    row.webSocket = s.value(QStringLiteral("transport")).toString() == QLatin1String("websocket");
    const QJsonObject hs = s.value(QStringLiteral("handshake")).toObject();
    row.remote = hs.value(QStringLiteral("address")).toString();
    const QJsonObject headers = hs.value(QStringLiteral("headers")).toObject();
    row.origin = headers.value(QStringLiteral("origin")).toString();
    row.connectedAtMs = qint64(hs.value(QStringLiteral("issued")).toDouble());
    for (auto it = headers.begin(); it != headers.end(); ++it)
        row.headers.append({it.key().toUtf8(), it.value().toString().toUtf8()});
    row.handshakeUrl = hs.value(QStringLiteral("url")).toString();
    for (const QJsonValue &r : s.value(QStringLiteral("rooms")).toArray())
        if (r.toString() != row.id) row.rooms.append(r.toString());
    return row;
}

MonitorSnapshot RemoteMirror::snapshot(const SnapshotRequest &request) const
{
    MonitorSnapshot snap;
    snap.requestId = request.id;
    snap.takenAtMs = QDateTime::currentMSecsSinceEpoch();
    snap.sessions = m_stats.value(QStringLiteral("clientsCount")).toInt();
    snap.listenAddress = m_extras.value(QStringLiteral("totals"))
                             .toObject()
                             .value(QStringLiteral("listenAddress"))
                             .toString();

    // Sockets in arrival order (what the server sent first comes first).
    QList<QPair<quint64, QString>> ordered;
    for (auto it = m_order.cbegin(); it != m_order.cend(); ++it)
        ordered.append({it.value(), it.key()});
    std::sort(ordered.begin(), ordered.end());
    QList<SocketRow> rows;
    for (const auto &[order, k] : ordered) {
        const QJsonObject s = m_sockets.value(k);
        if (s.value(QStringLiteral("nsp")).toString() != m_adminNamespace)
            rows.append(socketRow(s));
    }

    // Sites: every namespace the server reports, its own admin one aside.
    QHash<QString, QSet<QString>> usersBySite;
    QHash<QString, QHash<QString, QList<const SocketRow *>>> roomsBySite;
    for (const SocketRow &r : std::as_const(rows)) {
        if (!r.user.isEmpty()) usersBySite[r.site].insert(r.user);
        for (const QString &room : r.rooms)
            roomsBySite[r.site][room].append(&r);
    }
    for (const QJsonValue &v : m_stats.value(QStringLiteral("namespaces")).toArray()) {
        const QJsonObject n = v.toObject();
        const QString name = n.value(QStringLiteral("name")).toString();
        if (name == m_adminNamespace) continue;
        SiteRow site;
        site.site = Telemetry::siteOf(name);
        site.sockets = n.value(QStringLiteral("socketsCount")).toInt();
        site.active = site.sockets > 0;
        site.configured = true;
        site.users = int(usersBySite.value(site.site).size());
        site.rooms = int(roomsBySite.value(site.site).size());
        snap.connections += site.sockets;
        snap.sites.append(site);
    }
    if (request.rooms && development()) {
        snap.roomsIncluded = true;
        for (auto s = roomsBySite.cbegin(); s != roomsBySite.cend(); ++s) {
            for (auto r = s->cbegin(); r != s->cend(); ++r) {
                RoomRow room;
                room.site = s.key();
                room.room = r.key();
                room.members = int(r->size());
                QSet<QString> users;
                for (const SocketRow *m : *r)
                    if (!m->user.isEmpty() && users.size() < MonitorSnapshot::MaxRoomUsersListed)
                        users.insert(m->user);
                room.users = users.values();
                room.users.sort();
                if (room.site == request.membersSite && room.room == request.membersRoom)
                    for (const SocketRow *m : *r) {
                        if (room.memberIds.size() >= MonitorSnapshot::MaxRoomMembersListed) break;
                        room.memberIds.append(m->id);
                        room.memberUsers.append(m->user);
                    }
                snap.rooms.append(room);
            }
        }
    }
    if (request.sockets && development()) {
        snap.socketsIncluded = true;
        snap.socketsTruncated = rows.size() > request.maxSockets;
        snap.sockets = rows.mid(0, request.maxSockets);
    }
    return snap;
}
