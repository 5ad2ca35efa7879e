// RemoteMirror: what a remote server told us over the Admin UI protocol,
// kept as the monitor's own value types so the same views show it: sites
// (from server_stats namespaces), sockets and rooms (all_sockets plus the
// socket/room events, development mode only), throughput (one RateSample per
// stats tick, from aggregatedEvents and our server's frappe_realtime:stats)
// and the inspector feed (event_received/event_sent, connects, disconnects).
// Thread affinity: the thread of the AdminClient feeding it (the GUI thread).
#pragma once

#include "monitor/monitorsnapshot.h"
#include "telemetry/ratesample.h"
#include "telemetry/traceentry.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QStringList>
#include <deque>

class RemoteMirror {
public:
    static constexpr int MaxTraceEntries = 5000;
    static constexpr int MaxRateSamples = 3600;

    // The admin namespace itself (its sockets are the watchers, not shown).
    void setAdminNamespace(const QString &name) { m_adminNamespace = name; }
    // A new admission: everything known about the server starts over.
    void reset();
    void apply(const QString &event, const QJsonArray &args);

    bool configReceived() const { return m_configReceived; }
    QStringList features() const { return m_features; }
    // The server mirrors sockets, rooms and events (development mode).
    bool development() const { return m_features.contains(QStringLiteral("ALL_EVENTS")); }
    bool canDisconnect() const { return m_features.contains(QStringLiteral("DISCONNECT")); }
    bool canJoinLeave() const { return m_features.contains(QStringLiteral("JOIN")); }
    // Our own server on the other end (it sends frappe_realtime:stats).
    bool extrasAvailable() const { return !m_extras.isEmpty(); }
    const QJsonObject &lastStats() const { return m_stats; }
    const QJsonObject &extras() const { return m_extras; }
    QString serverId() const { return m_stats.value(QStringLiteral("serverId")).toString(); }

    MonitorSnapshot snapshot(const SnapshotRequest &request) const;
    QList<RateSample> ratesSince(quint64 afterSeq) const;
    RateSample latestRate() const;
    QList<TraceEntry> traceSince(quint64 afterSeq, int max = 2000) const;
    int socketCount() const { return int(m_sockets.size()); }

private:
    static QString key(const QString &nsp, const QString &id)
    {
        return nsp + QLatin1Char('\n') + id;
    }
    void addTrace(TraceEntry entry);
    void onStats(const QJsonObject &stats);
    SocketRow socketRow(const QJsonObject &s) const;

    QString m_adminNamespace = QStringLiteral("/admin");
    bool m_configReceived = false;
    QStringList m_features;
    QJsonObject m_stats;
    QJsonObject m_extras;
    QHash<QString, QJsonObject> m_sockets; // serialized sockets by key
    QHash<QString, quint64> m_order;       // key -> arrival order
    quint64 m_nextOrder = 0;
    std::deque<TraceEntry> m_trace;
    quint64 m_traceSeq = 0;
    std::deque<RateSample> m_rates;
    quint64 m_rateSeq = 0;
    qint64 m_lastTickMs = 0;
};
