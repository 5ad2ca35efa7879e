// renderMetrics: the whole /metrics page, read from the live engine objects
// at scrape time (connections per site and transport, rooms, events in and
// out, deliveries, auth, Redis state and reconnects, dropped messages). Any
// of the sources may be null (protocol test mode has no FrappeApp). Engine
// thread only: it walks the Socket.IO namespaces.
#pragma once

#include <QByteArray>

class SioServer;
class Listener;
class FrappeApp;
class Telemetry;
class ClusterLink;

struct MetricsSources {
    const SioServer *sio = nullptr;
    const Listener *listener = nullptr;
    const FrappeApp *frappe = nullptr;
    const Telemetry *telemetry = nullptr;
    const ClusterLink *cluster = nullptr; // --adapter redis only
};

QByteArray renderMetrics(const MetricsSources &sources);
