// EioTraffic: running totals of one EioServer's sessions and message packets,
// for the Admin UI's aggregated events (rawConnection, packetsIn, bytesOut,
// ...). Plain counters bumped on the engine thread, read there by whoever
// samples them; a few additions per packet, no allocation.
#pragma once

#include <QHash>
#include <QString>

struct EioTraffic {
    quint64 sessionsOpened = 0;
    quint64 packetsIn = 0; // packets with data (pings/pongs without data are not counted)
    quint64 bytesIn = 0;
    quint64 packetsOut = 0;
    quint64 bytesOut = 0;
    int pollingSessions = 0;                // open sessions whose transport is long-polling
    QHash<QString, quint64> closedByReason; // "transport close", "ping timeout", ...
};
