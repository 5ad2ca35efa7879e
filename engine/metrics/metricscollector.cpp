#include "metrics/metricscollector.h"

#include "metrics/clustermetrics.h"
#include "frappe/frappeapp.h"
#include "metrics/promtext.h"
#include "socketio/sioserver.h"
#include "telemetry/telemetry.h"
#include "transport/listener.h"

#include <QMap>

namespace {

// Namespace "/site1.localhost" -> "site1.localhost"; the label is the site
// users know, not the Socket.IO namespace syntax.
QString siteLabel(const QString &nsp)
{
    return nsp.startsWith(QLatin1Char('/')) ? nsp.mid(1) : nsp;
}

void writeSockets(PromText &out, const SioServer &sio)
{
    // Sorted, so two scrapes list the series in the same order.
    QMap<QString, QPair<int, int>> perSite; // site -> (websocket, polling)
    QMap<QString, int> rooms;
    for (const SioNamespace *nsp : sio.namespaces()) {
        const QString site = siteLabel(nsp->name());
        auto &counts = perSite[site];
        for (const SioSocket *socket : nsp->sockets())
            (socket->isWebSocket() ? counts.first : counts.second)++;
        rooms[site] = int(nsp->rooms().size());
    }
    out.family("frappe_realtime_sockets", "gauge",
               "Admitted Socket.IO sockets by site and current transport.");
    for (auto it = perSite.cbegin(); it != perSite.cend(); ++it) {
        out.sample("frappe_realtime_sockets", double(it->first),
                   {{"site", it.key()}, {"transport", QStringLiteral("websocket")}});
        out.sample("frappe_realtime_sockets", double(it->second),
                   {{"site", it.key()}, {"transport", QStringLiteral("polling")}});
    }
    out.family("frappe_realtime_rooms", "gauge", "Rooms with at least one member, by site.");
    for (auto it = rooms.cbegin(); it != rooms.cend(); ++it)
        out.sample("frappe_realtime_rooms", double(it.value()), {{"site", it.key()}});
    // Connection-state recovery: what each site keeps for dropped sockets.
    out.family("frappe_realtime_recovery_sessions", "gauge",
               "Sessions of dropped sockets waiting to be recovered, by site.");
    for (const SioNamespace *nsp : sio.namespaces())
        if (const RecoveryStore *store = nsp->recovery())
            out.sample("frappe_realtime_recovery_sessions", double(store->sessionCount()),
                       {{"site", siteLabel(nsp->name())}});
    out.family("frappe_realtime_recovery_buffer_events", "gauge",
               "Events kept for replay to recovering sockets, by site.");
    for (const SioNamespace *nsp : sio.namespaces())
        if (const RecoveryStore *store = nsp->recovery())
            out.sample("frappe_realtime_recovery_buffer_events", double(store->packetCount()),
                       {{"site", siteLabel(nsp->name())}});
    out.family("frappe_realtime_recovery_buffer_bytes", "gauge",
               "Bytes of the events kept for replay, by site.");
    for (const SioNamespace *nsp : sio.namespaces())
        if (const RecoveryStore *store = nsp->recovery())
            out.sample("frappe_realtime_recovery_buffer_bytes", double(store->bytes()),
                       {{"site", siteLabel(nsp->name())}});
    out.family("frappe_realtime_sessions", "gauge", "Open Engine.IO sessions (browser tabs).");
    out.sample("frappe_realtime_sessions", double(sio.clientCount()));

    const SioCounters &c = sio.counters();
    const struct {
        const char *name;
        const char *help;
        quint64 value;
    } counters[] = {
        {"frappe_realtime_socket_connects_total", "Sockets admitted to a namespace.",
         c.connects.load()},
        {"frappe_realtime_socket_disconnects_total", "Sockets that left a namespace.",
         c.disconnects.load()},
        {"frappe_realtime_connect_errors_total",
         "Namespace connections refused (invalid namespace, origin, auth).",
         c.connectErrors.load()},
        {"frappe_realtime_events_in_total", "Events received from clients.", c.clientEvents.load()},
        {"frappe_realtime_events_out_total", "Event packets written to sockets (deliveries).",
         c.deliveries.load()},
        {"frappe_realtime_parse_errors_total", "Malformed Socket.IO packets from clients.",
         c.parseErrors.load()},
    };
    for (const auto &counter : counters) {
        out.family(counter.name, "counter", counter.help);
        out.sample(counter.name, counter.value);
    }
}

void writeRedis(PromText &out, const FrappeApp &frappe)
{
    const FrappeStats s = frappe.stats();
    out.family("frappe_realtime_redis_up", "gauge",
               "1 while subscribed to the Redis `events` channel, else 0.");
    out.sample("frappe_realtime_redis_up", s.redisState == QLatin1String("subscribed") ? 1.0 : 0.0);
    out.family("frappe_realtime_redis_state", "gauge", "The Redis subscriber state (value 1).");
    out.sample("frappe_realtime_redis_state", 1.0, {{"state", s.redisState}});
    out.family("frappe_realtime_redis_reconnects_total", "counter",
               "Reconnections to Redis after a lost connection.");
    out.sample("frappe_realtime_redis_reconnects_total", s.redisReconnects);
    out.family("frappe_realtime_redis_messages_total", "counter",
               "Messages received on the Redis `events` channel.");
    out.sample("frappe_realtime_redis_messages_total", s.redisMessages);

    out.family("frappe_realtime_redis_events_routed_total", "counter",
               "Redis messages routed to sockets (even to none).");
    out.sample("frappe_realtime_redis_events_routed_total", s.eventsRouted);
    out.family("frappe_realtime_redis_events_dropped_total", "counter",
               "Redis messages skipped, by reason (bad JSON, missing fields, ...).");
    // Sorted, so two scrapes list the series in the same order.
    QMap<QString, quint64> reasons;
    for (auto it = s.dropReasons.cbegin(); it != s.dropReasons.cend(); ++it)
        reasons.insert(it.key(), it.value());
    for (auto it = reasons.cbegin(); it != reasons.cend(); ++it)
        out.sample("frappe_realtime_redis_events_dropped_total", it.value(),
                   {{"reason", it.key()}});
}

void writeTelemetry(PromText &out, const Telemetry &telemetry)
{
    const TelemetryTotals t = telemetry.totals();
    out.family("frappe_realtime_auth_requests_total", "counter",
               "Calls to the Frappe web server that identify a connecting client.");
    out.sample("frappe_realtime_auth_requests_total", t.authOk, {{"result", QStringLiteral("ok")}});
    out.sample("frappe_realtime_auth_requests_total", t.authFailed,
               {{"result", QStringLiteral("failed")}});
    out.family("frappe_realtime_auth_latency_seconds", "gauge",
               "Median duration of those calls since start.");
    out.sample("frappe_realtime_auth_latency_seconds", t.authP50Ms / 1000.0,
               {{"quantile", QStringLiteral("0.5")}});
    out.family("frappe_realtime_delivery_latency_seconds", "gauge",
               "Redis publish to socket write, since start (for messages carrying a "
               "publish time).");
    out.sample("frappe_realtime_delivery_latency_seconds", t.latencyP50Ms / 1000.0,
               {{"quantile", QStringLiteral("0.5")}});
    out.sample("frappe_realtime_delivery_latency_seconds", t.latencyP99Ms / 1000.0,
               {{"quantile", QStringLiteral("0.99")}});
    const QMap<QString, RecoveryStats> recoveries = telemetry.recoveriesBySite();
    out.family("frappe_realtime_recoveries_total", "counter",
               "Reconnects that presented a connection-state recovery pid: recovered, or failed "
               "(a fresh session) with the reason.");
    for (auto it = recoveries.cbegin(); it != recoveries.cend(); ++it) {
        out.sample("frappe_realtime_recoveries_total", it->recovered,
                   {{"site", it.key()}, {"result", QStringLiteral("recovered")}});
        for (auto f = it->failures.cbegin(); f != it->failures.cend(); ++f)
            out.sample(
                "frappe_realtime_recoveries_total", f.value(),
                {{"site", it.key()}, {"result", QStringLiteral("failed")}, {"reason", f.key()}});
    }
    out.family("frappe_realtime_recovery_replayed_events_total", "counter",
               "Missed events replayed to recovered sockets.");
    for (auto it = recoveries.cbegin(); it != recoveries.cend(); ++it)
        out.sample("frappe_realtime_recovery_replayed_events_total", it->replayed,
                   {{"site", it.key()}});
    out.family("frappe_realtime_start_time_seconds", "gauge",
               "Unix time at which the server started listening.");
    out.sample("frappe_realtime_start_time_seconds", double(t.startedAtMs) / 1000.0);
}

} // namespace

QByteArray renderMetrics(const MetricsSources &sources)
{
    PromText out;
    out.family("frappe_realtime_build_info", "gauge", "Version of this frappe-realtime binary.");
    out.sample("frappe_realtime_build_info", 1.0,
               {{"version", QStringLiteral(RT_VERSION)}, {"qt", QString::fromLatin1(qVersion())}});
    if (sources.listener) {
        out.family("frappe_realtime_http_connections", "gauge",
                   "Open TCP/Unix connections on the service port.");
        out.sample("frappe_realtime_http_connections", double(sources.listener->openConnections()));
        out.family("frappe_realtime_io_thread_connections", "gauge",
                   "Open connections held by each I/O thread (0 = the engine thread).");
        const QList<int> perThread = sources.listener->connectionsPerThread();
        for (qsizetype i = 0; i < perThread.size(); ++i)
            out.sample("frappe_realtime_io_thread_connections", double(perThread[i]),
                       {{"thread", QString::number(i)}});
    }
    if (sources.sio) writeSockets(out, *sources.sio);
    if (sources.frappe) writeRedis(out, *sources.frappe);
    if (sources.telemetry) writeTelemetry(out, *sources.telemetry);
    if (sources.cluster) writeClusterMetrics(out, *sources.cluster);
    return out.text();
}
