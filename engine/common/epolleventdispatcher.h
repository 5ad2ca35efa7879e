// EpollEventDispatcher: the engine thread's event dispatcher (Linux only).
//
// Why: Qt's default glib dispatcher hands every socket to poll() on every loop
// pass, so with thousands of connections the kernel's per-socket poll work
// dominated the server's CPU, and QObject::startTimer paid a sorted list
// insert. Here sockets live in one level-triggered epoll set (the kernel only
// reports the ready ones) and timers in a binary min-heap keyed by deadline.
//
// Engine (engine.cpp) installs it on the engine thread before starting it.
// Setting the environment variable RT_EVENT_DISPATCHER=qt keeps Qt's default
// dispatcher instead (for comparison, or if this one is suspected of a bug).
//
// Semantics kept from Qt's dispatchers:
// - read/write/exception notifiers of one fd share one epoll registration
//   with the union of their events; enabling/disabling = (un)registering;
// - a notifier disabled or deleted by an earlier activation of the same pass
//   is not activated;
// - each due timer fires at most once per pass (zero-interval timers cannot
//   starve sockets), in order of deadline; a timer is not re-entered while its
//   own event is being delivered (nested event loops);
// - PreciseTimer repeats from its previous deadline, the coarse types from now;
// - fds epoll refuses (regular files) count as always ready, as with poll().
//
// Thread affinity: the thread it is installed on (QThread::setEventDispatcher
// moves it there). wakeUp() and interrupt() may be called from any thread;
// everything else only from that thread, as Qt already guarantees.
#pragma once

#include <QAbstractEventDispatcher>
#include <QAtomicInt>
#include <QHash>

#include <atomic>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

class QSocketNotifier;

class EpollEventDispatcher : public QAbstractEventDispatcher {
    Q_OBJECT
public:
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;

    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                       QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;

    void wakeUp() override;
    void interrupt() override;

private:
    // One epoll registration: the notifiers of one fd, by QSocketNotifier::Type.
    struct FdEntry {
        QSocketNotifier *notifiers[3] = {nullptr, nullptr, nullptr};
        // Changes on every EPOLL_CTL_ADD, so events queued for an fd number that
        // was closed and reused within one pass are recognised as stale.
        quint32 generation = 0;
        bool alwaysReady = false; // epoll refused it (EPERM): treated as ready
    };

    struct Timer {
        int id = 0;
        qint64 intervalMs = 0;
        Qt::TimerType type = Qt::CoarseTimer;
        QObject *object = nullptr;
        qint64 deadlineNs = 0; // steady clock
        quint64 serial = 0;    // registration order: tie-break, identity check
        int heapIndex = -1;    // -1 while out of the heap (being delivered)
    };

    static qint64 nowNs();
    static quint32 epollEventsFor(const FdEntry &entry);
    static quint32 activationMask(const FdEntry &entry, int type);

    void updateRegistration(int fd, FdEntry &entry, bool isNew);
    int waitAndActivateSockets(int timeoutMs, bool &woke);
    int activateAlwaysReady();
    int activateFd(int fd, quint32 generation, quint32 events);
    void drainWakeUps();
    int waitTimeoutMs(bool timersIncluded) const;
    int activateTimers();

    // Heap primitives: the heap is ordered by (deadlineNs, serial).
    static bool earlier(const Timer *a, const Timer *b);
    static qint64 nextDeadline(const Timer &timer, qint64 now);
    void heapPush(Timer *timer);
    void heapRemove(Timer *timer);
    void siftUp(int index);
    void siftDown(int index);
    void heapPlace(int index, Timer *timer);
    void collectDue(int index, qint64 now, std::vector<Timer *> &out) const;

    int m_epollFd = -1;
    int m_wakeFd = -1; // eventfd
    QAtomicInt m_wakePending;
    QAtomicInt m_interrupted;
    // The thread running processEvents (set by its first call). A wakeUp() from
    // it needs no eventfd: that thread is not blocked, it only has to skip the
    // next wait, which m_ownWake (touched by that thread only) asks for.
    std::atomic<Qt::HANDLE> m_owner{nullptr};
    bool m_ownWake = false;

    QHash<int, FdEntry> m_fds;
    quint32 m_nextGeneration = 1;
    int m_alwaysReadyCount = 0;

    std::unordered_map<int, std::unique_ptr<Timer>> m_timers;
    std::unordered_map<QObject *, std::vector<int>> m_timersByObject;
    std::vector<Timer *> m_heap;
    quint64 m_nextSerial = 1;
};
