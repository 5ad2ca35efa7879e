#include "common/fifotimerqueue.h"

#include <chrono>

qint64 FifoTimerQueue::nowMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

FifoTimerQueue::FifoTimerQueue(int timeoutMs, Expired expired, QObject *context)
    : m_timeoutMs(qMax(1, timeoutMs)), m_expired(std::move(expired)), m_timer(new QTimer(context))
{
    m_timer->setSingleShot(true);
    m_timer->setTimerType(Qt::PreciseTimer);
    QObject::connect(m_timer, &QTimer::timeout, m_timer, [this] { onTimeout(); });
}

FifoTimerQueue::~FifoTimerQueue()
{
    while (m_head)
        unlink(*m_head);
    delete m_timer;
}

void FifoTimerQueue::arm(FifoTimerLink &link, void *owner)
{
    if (link.m_queue) link.m_queue->unlink(link);
    link.m_owner = owner;
    link.m_dueMs = nowMs() + m_timeoutMs;
    link.m_queue = this;
    link.m_prev = m_tail;
    link.m_next = nullptr;
    if (m_tail)
        m_tail->m_next = &link;
    else
        m_head = &link;
    m_tail = &link;
    ++m_size;
    // A running timer is due no later than this entry, which went to the
    // back; during onTimeout() the timer is re-aimed once at the end.
    if (!m_timer->isActive() && !m_inTimeout) m_timer->start(m_timeoutMs);
}

void FifoTimerQueue::disarm(FifoTimerLink &link)
{
    if (link.m_queue != this) return;
    unlink(link);
    // A disarmed head leaves the timer early; it finds nothing due and
    // re-aims, which is cheaper than re-aiming on every disarm.
    if (!m_head) m_timer->stop();
}

void FifoTimerQueue::unlink(FifoTimerLink &link)
{
    if (link.m_prev)
        link.m_prev->m_next = link.m_next;
    else
        m_head = link.m_next;
    if (link.m_next)
        link.m_next->m_prev = link.m_prev;
    else
        m_tail = link.m_prev;
    link.m_prev = link.m_next = nullptr;
    link.m_queue = nullptr;
    --m_size;
}

void FifoTimerQueue::onTimeout()
{
    // Entries re-armed by a callback are due at least 1 ms after `now`, so
    // the loop ends.
    const qint64 now = nowMs();
    m_inTimeout = true;
    while (m_head && m_head->m_dueMs <= now) {
        FifoTimerLink &link = *m_head;
        unlink(link);
        m_expired(link.m_owner);
    }
    m_inTimeout = false;
    if (m_head)
        m_timer->start(int(qMax<qint64>(0, m_head->m_dueMs - now)));
    else
        m_timer->stop();
}
