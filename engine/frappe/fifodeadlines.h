// FifoDeadlines: timeouts of many operations that all share one duration.
// Equal durations expire in the order they were armed, so a FIFO and one
// QTimer do the work of a QTimer per operation; each of those would cost a
// sorted insert into the event dispatcher's timer list, which already holds
// a ping timer per client, on every callback into the web server.
// Thread affinity: lives on one thread (the engine thread); use it only there.
#pragma once

#include <QHash>
#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>

class FifoDeadlines : public QObject {
    Q_OBJECT
public:
    using Ticket = quint64;

    explicit FifoDeadlines(int timeoutMs, QObject *parent = nullptr);

    int timeoutMs() const { return m_timeoutMs; }

    // expired runs once, timeoutMs from now, from the event loop, unless
    // disarmed first. It may arm and disarm other tickets.
    Ticket arm(std::function<void()> expired);
    // Unknown or already expired tickets are ignored.
    void disarm(Ticket ticket);

private:
    void onTimer();
    void schedule();

    const int m_timeoutMs;
    QTimer m_timer;                                // parented: moveToThread() must take it along
    std::deque<std::pair<qint64, Ticket>> m_order; // deadline (ms), ticket; disarmed ones linger
    QHash<Ticket, std::function<void()>> m_armed;
    Ticket m_next = 0;
};
