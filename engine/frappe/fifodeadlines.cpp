#include "frappe/fifodeadlines.h"

#include <QDeadlineTimer>

namespace {
qint64 nowMs()
{
    return QDeadlineTimer::current().deadline();
}
} // namespace

FifoDeadlines::FifoDeadlines(int timeoutMs, QObject *parent)
    : QObject(parent), m_timeoutMs(qMax(0, timeoutMs)), m_timer(this)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &FifoDeadlines::onTimer);
}

FifoDeadlines::Ticket FifoDeadlines::arm(std::function<void()> expired)
{
    const Ticket ticket = ++m_next;
    m_armed.insert(ticket, std::move(expired));
    m_order.emplace_back(nowMs() + m_timeoutMs, ticket);
    if (!m_timer.isActive()) schedule();
    return ticket;
}

void FifoDeadlines::disarm(Ticket ticket)
{
    m_armed.remove(ticket);
    if (m_armed.isEmpty()) {
        // Nothing left to time out: drop the lingering entries and the timer.
        m_order.clear();
        m_timer.stop();
    }
}

void FifoDeadlines::schedule()
{
    while (!m_order.empty() && !m_armed.contains(m_order.front().second))
        m_order.pop_front();
    if (m_order.empty()) return;
    m_timer.start(int(qMax<qint64>(0, m_order.front().first - nowMs())));
}

void FifoDeadlines::onTimer()
{
    const qint64 now = nowMs();
    while (!m_order.empty() && m_order.front().first <= now) {
        const Ticket ticket = m_order.front().second;
        m_order.pop_front();
        const auto it = m_armed.find(ticket);
        if (it == m_armed.end()) continue;
        const std::function<void()> expired = std::move(it.value());
        m_armed.erase(it);
        expired();
    }
    if (!m_timer.isActive()) schedule();
}
