#include "telemetry/latencyhistogram.h"

#include <cmath>

int LatencyHistogram::bucketOf(qint64 micros)
{
    if (micros < 1) return 0;
    const int bucket = int(std::log2(double(micros)) * 4.0) + 1;
    return qBound(0, bucket, BucketCount - 1);
}

qint64 LatencyHistogram::bucketMidpoint(int bucket)
{
    if (bucket <= 0) return 0;
    // Bucket b holds log2(v)*4 in [b-1, b): report the geometric middle.
    return qint64(std::exp2((bucket - 0.5) / 4.0));
}

void LatencyHistogram::add(qint64 micros)
{
    ++m_buckets[size_t(bucketOf(micros))];
    ++m_count;
}

void LatencyHistogram::clear()
{
    m_buckets.fill(0);
    m_count = 0;
}

qint64 LatencyHistogram::percentile(double fraction) const
{
    if (m_count == 0) return 0;
    const double target = qBound(0.0, fraction, 1.0) * double(m_count);
    quint64 seen = 0;
    for (int b = 0; b < BucketCount; ++b) {
        seen += m_buckets[size_t(b)];
        if (seen > 0 && double(seen) >= target) return bucketMidpoint(b);
    }
    return bucketMidpoint(BucketCount - 1);
}
