// RateHistory: the last hour of per-second samples, with sequence ids so a
// chart can fetch only what it has not drawn. Any thread: an internal mutex
// serialises the sampler (engine thread) and readers.
#pragma once

#include "telemetry/ratesample.h"

#include <QList>
#include <QMutex>
#include <deque>

class RateHistory {
public:
    explicit RateHistory(int capacity = 3600) : m_capacity(qMax(1, capacity)) {}

    void append(RateSample sample);
    QList<RateSample> since(quint64 afterSeq) const;
    // The newest sample (seq 0 when there is none yet).
    RateSample latest() const;

private:
    mutable QMutex m_mutex;
    std::deque<RateSample> m_samples;
    int m_capacity;
    quint64 m_seq = 0;
};
