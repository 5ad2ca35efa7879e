// LatencyHistogram: a fixed-size log-scale histogram of microsecond latencies
// (4 buckets per power of two, so any percentile is within ~19% of the true
// value) with no allocation per sample. Not synchronised: the owner locks.
#pragma once

#include <QtGlobal>
#include <array>

class LatencyHistogram {
public:
    static constexpr int BucketCount = 128; // covers 1 us .. ~4 hours

    void add(qint64 micros);
    void clear();
    quint64 count() const { return m_count; }
    // Value below which `fraction` (0..1) of the samples lie, in microseconds;
    // 0 when empty.
    qint64 percentile(double fraction) const;

    static int bucketOf(qint64 micros);
    static qint64 bucketMidpoint(int bucket);

private:
    std::array<quint64, BucketCount> m_buckets{};
    quint64 m_count = 0;
};
