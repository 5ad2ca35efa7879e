// FifoTimerQueue: one timeout duration shared by many owners (every session's
// ping interval, every client's connect timeout, ...). Equal durations expire
// in the order they were armed, so the armed entries form a FIFO and a single
// QTimer, set to the oldest, serves all of them. A QObject::startTimer per
// owner would instead register a timer in the event dispatcher (several heap
// blocks and a heap-ordered insert) plus an id -> owner hash entry, for every
// connection, each time it is re-armed.
//
// The entries are links embedded in their owners (FifoTimerLink), so arming,
// re-arming and disarming are O(1), allocate nothing, and leave no stale
// entries behind. A link is in at most one queue at a time; arming it in
// another queue moves it there.
//
// Thread affinity: a queue and its links belong to the thread that created
// the queue's context object (the engine thread) and are used only there.
#pragma once

#include <QObject>
#include <QTimer>

#include <functional>

class FifoTimerQueue;

class FifoTimerLink {
public:
    FifoTimerLink() = default;
    // An owner that goes away must not stay in its queue.
    ~FifoTimerLink() { disarm(); }
    FifoTimerLink(const FifoTimerLink &) = delete;
    FifoTimerLink &operator=(const FifoTimerLink &) = delete;

    bool isArmed() const { return m_queue != nullptr; }
    FifoTimerQueue *queue() const { return m_queue; }
    void disarm();

private:
    friend class FifoTimerQueue;
    FifoTimerLink *m_prev = nullptr;
    FifoTimerLink *m_next = nullptr;
    FifoTimerQueue *m_queue = nullptr;
    void *m_owner = nullptr;
    qint64 m_dueMs = 0; // steady clock
};

class FifoTimerQueue {
public:
    // expired(owner) runs from the event loop once a link's timeout has
    // passed; the link is already disarmed then, so the callback may re-arm
    // it (here or in another queue), disarm others, or destroy the owner.
    using Expired = std::function<void(void *owner)>;

    // The timer is a child of context, so it follows context to another
    // thread. Durations below 1 ms count as 1 ms: an entry re-armed by its
    // own expiry then waits for the next event-loop pass, as a zero-interval
    // QObject timer would, instead of firing again in the same pass.
    FifoTimerQueue(int timeoutMs, Expired expired, QObject *context);
    ~FifoTimerQueue();
    FifoTimerQueue(const FifoTimerQueue &) = delete;
    FifoTimerQueue &operator=(const FifoTimerQueue &) = delete;

    int timeoutMs() const { return m_timeoutMs; }
    qsizetype size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }

    // (Re)arms link for owner: it expires timeoutMs from now, after every
    // entry armed before it.
    void arm(FifoTimerLink &link, void *owner);
    void disarm(FifoTimerLink &link);

    static qint64 nowMs();

private:
    void unlink(FifoTimerLink &link);
    void onTimeout();

    const int m_timeoutMs;
    Expired m_expired;
    QTimer *m_timer;
    FifoTimerLink *m_head = nullptr;
    FifoTimerLink *m_tail = nullptr;
    qsizetype m_size = 0;
    bool m_inTimeout = false;
};

inline void FifoTimerLink::disarm()
{
    if (m_queue) m_queue->disarm(*this);
}
