#include "telemetry/ratehistory.h"

#include <QMutexLocker>

void RateHistory::append(RateSample sample)
{
    QMutexLocker lock(&m_mutex);
    sample.seq = ++m_seq;
    m_samples.push_back(sample);
    while (m_samples.size() > size_t(m_capacity))
        m_samples.pop_front();
}

QList<RateSample> RateHistory::since(quint64 afterSeq) const
{
    QMutexLocker lock(&m_mutex);
    QList<RateSample> out;
    if (m_samples.empty() || afterSeq >= m_seq) return out;
    const quint64 first = m_samples.front().seq;
    const size_t index = afterSeq < first ? 0 : size_t(afterSeq + 1 - first);
    for (size_t i = index; i < m_samples.size(); ++i)
        out.append(m_samples[i]);
    return out;
}

RateSample RateHistory::latest() const
{
    QMutexLocker lock(&m_mutex);
    return m_samples.empty() ? RateSample{} : m_samples.back();
}
