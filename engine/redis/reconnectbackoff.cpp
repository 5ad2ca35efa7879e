#include "redis/reconnectbackoff.h"

#include <QRandomGenerator>

#include <algorithm>

ReconnectBackoff::ReconnectBackoff(int minMs, int maxMs)
{
    setRange(minMs, maxMs);
}

void ReconnectBackoff::setRange(int minMs, int maxMs)
{
    m_minMs = std::max(1, minMs);
    m_maxMs = std::max(m_minMs, maxMs);
}

int ReconnectBackoff::nextDelayMs()
{
    // Shift capped so the doubling cannot overflow however long an outage lasts.
    const qint64 doubled = qint64(m_minMs) << std::min(m_failures, 30);
    const int ceiling = int(std::min<qint64>(doubled, m_maxMs));
    ++m_failures;
    // "Equal jitter": a random point in the upper half. Many realtime processes restarted with
    // one Redis then spread out instead of reconnecting in lockstep, and none retries at ~0 ms.
    const int floor = std::max(1, ceiling / 2);
    return int(QRandomGenerator::global()->bounded(floor, ceiling + 1));
}
