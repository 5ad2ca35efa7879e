#include "telemetry/tracering.h"

#include <QMutexLocker>

TraceRing::TraceRing(int capacity, qint64 payloadBudget)
    : m_capacity(qMax(1, capacity)), m_payloadBudget(payloadBudget)
{}

quint64 TraceRing::append(TraceEntry entry)
{
    if (entry.payload.size() > MaxPayloadBytes) {
        entry.payload.truncate(MaxPayloadBytes);
        entry.truncated = true;
    }
    QMutexLocker lock(&m_mutex);
    entry.seq = ++m_seq;
    m_payloadBytes += entry.payload.size();
    m_entries.push_back(std::move(entry));
    while (m_entries.size() > size_t(m_capacity) ||
           (m_payloadBytes > m_payloadBudget && m_entries.size() > 1)) {
        m_payloadBytes -= m_entries.front().payload.size();
        m_entries.pop_front();
    }
    return m_seq;
}

QList<TraceEntry> TraceRing::since(quint64 afterSeq, int max) const
{
    QMutexLocker lock(&m_mutex);
    QList<TraceEntry> out;
    if (m_entries.empty() || afterSeq >= m_seq) return out;
    const quint64 first = m_entries.front().seq;
    size_t index = afterSeq < first ? 0 : size_t(afterSeq + 1 - first);
    // A reader far behind gets the newest `max`, not the oldest: the view is live.
    const size_t available = m_entries.size() - index;
    if (available > size_t(max)) index = m_entries.size() - size_t(max);
    out.reserve(qsizetype(m_entries.size() - index));
    for (size_t i = index; i < m_entries.size(); ++i)
        out.append(m_entries[i]);
    return out;
}

quint64 TraceRing::lastSeq() const
{
    QMutexLocker lock(&m_mutex);
    return m_seq;
}

int TraceRing::size() const
{
    QMutexLocker lock(&m_mutex);
    return int(m_entries.size());
}
