// RateSample: one second of engine activity, as the throughput chart and the
// status bar show it. Thread-agnostic value type.
#pragma once

#include <QMetaType>
#include <QtGlobal>

struct RateSample {
    quint64 seq = 0;
    qint64 timeMs = 0;        // end of the second it covers (epoch ms)
    double seconds = 1.0;     // length of the interval (timer jitter)
    quint32 redisIn = 0;      // messages read from Redis `events`
    quint32 redisDropped = 0; // of those, routed nowhere
    quint32 deliveries = 0;   // packets written to sockets
    quint32 clientEvents = 0;
    quint32 connects = 0;
    quint32 disconnects = 0;
    quint32 authFailures = 0; // refused namespace connects (auth or invalid namespace)
    double p50Ms = 0;         // Redis publish -> socket write, over this second
    double p99Ms = 0;
    quint32 latencySamples = 0;
    int connections = 0; // sockets connected at the end of the second
    int sessions = 0;    // Engine.IO sessions

    double perSecond(quint32 count) const { return seconds > 0 ? count / seconds : count; }
};
Q_DECLARE_METATYPE(RateSample)
