// TraceRing: the bounded event trace behind the inspector. Entries get
// increasing sequence ids; readers ask for what follows the last id they saw
// and notice a gap when the ring has moved past it. Bounded both in entries
// and in payload bytes, so a burst of large messages cannot grow memory.
// Any thread: append and read are serialised by an internal mutex.
#pragma once

#include "telemetry/traceentry.h"

#include <QList>
#include <QMutex>
#include <deque>

class TraceRing {
public:
    static constexpr int MaxPayloadBytes = 64 * 1024;

    explicit TraceRing(int capacity = 5000, qint64 payloadBudget = 32 * 1024 * 1024);

    // Fills in seq (and truncates the payload); returns the seq.
    quint64 append(TraceEntry entry);
    // Entries with seq > afterSeq, oldest first, at most `max`.
    QList<TraceEntry> since(quint64 afterSeq, int max = 2000) const;
    quint64 lastSeq() const;
    int size() const;

private:
    mutable QMutex m_mutex;
    std::deque<TraceEntry> m_entries;
    int m_capacity;
    qint64 m_payloadBudget;
    qint64 m_payloadBytes = 0;
    quint64 m_seq = 0;
};
