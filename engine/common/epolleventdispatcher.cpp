#include "epolleventdispatcher.h"

#include "logging.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QThread>
#include <QTimerEvent>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace {

// epoll_data of the wake-up eventfd. Socket registrations use
// (generation << 32 | fd) with generation >= 1 and fd < 2^31, never this value.
constexpr quint64 kWakeKey = ~quint64(0);
// Ready fds taken per epoll_wait; more stay ready (level-triggered) for the next pass.
constexpr int kMaxEvents = 256;
constexpr qint64 kNsPerMs = 1'000'000;

quint64 keyFor(int fd, quint32 generation)
{
    return (quint64(generation) << 32) | quint32(fd);
}

} // namespace

EpollEventDispatcher::EpollEventDispatcher(QObject *parent) : QAbstractEventDispatcher(parent)
{
    // Created here (usually in the thread that installs us) so that wakeUp() works
    // even for events posted before the target thread starts.
    m_epollFd = epoll_create1(EPOLL_CLOEXEC);
    m_wakeFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m_epollFd < 0 || m_wakeFd < 0)
        qFatal("EpollEventDispatcher: cannot create epoll/eventfd: %s", strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeKey;
    if (epoll_ctl(m_epollFd, EPOLL_CTL_ADD, m_wakeFd, &ev) != 0)
        qFatal("EpollEventDispatcher: cannot watch the eventfd: %s", strerror(errno));
}

EpollEventDispatcher::~EpollEventDispatcher()
{
    ::close(m_wakeFd);
    ::close(m_epollFd);
}

qint64 EpollEventDispatcher::nowNs()
{
    // steady_clock is CLOCK_MONOTONIC on Linux, the clock Qt's timers use too.
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// ---------------------------------------------------------------- event loop

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    const bool includeNotifiers = !(flags & QEventLoop::ExcludeSocketNotifiers);
    const bool includeTimers = !(flags & QEventLoop::X11ExcludeTimers);

    if (!m_owner.load(std::memory_order_relaxed))
        m_owner.store(QThread::currentThreadId(), std::memory_order_relaxed);

    Q_EMIT awake();
    // Cleared before delivery: whatever these events post in turn sets it again
    // and is delivered by the next pass, which then must not block.
    m_ownWake = false;
    QCoreApplication::sendPostedEvents();

    // An interrupt() that arrived during the previous pass ends this one at once;
    // one that arrives later makes the eventfd readable, so the wait below returns.
    if (m_interrupted.fetchAndStoreAcquire(0)) return false;

    int timeoutMs = 0;
    if (flags & QEventLoop::WaitForMoreEvents) {
        timeoutMs = waitTimeoutMs(includeTimers);
        if (m_ownWake || (includeNotifiers && m_alwaysReadyCount > 0)) timeoutMs = 0;
    }
    if (timeoutMs != 0) Q_EMIT aboutToBlock();

    int handled = 0;
    bool woke = false;
    if (includeNotifiers) {
        handled += waitAndActivateSockets(timeoutMs, woke);
        if (m_alwaysReadyCount > 0) handled += activateAlwaysReady();
    } else {
        // Registered sockets stay ready (level-triggered) while excluded, so they
        // must not be waited on: wait on the eventfd alone.
        pollfd pfd{m_wakeFd, POLLIN, 0};
        if (::poll(&pfd, 1, timeoutMs) > 0 && (pfd.revents & POLLIN)) {
            drainWakeUps();
            woke = true;
        }
    }
    if (includeTimers) handled += activateTimers();
    if (woke || m_ownWake) {
        // What other threads posted while we waited, and what this pass's socket
        // and timer handlers posted (queued writes, mostly), is delivered now:
        // the writes leave before the next wait, and it saves a loop pass.
        m_ownWake = false;
        QCoreApplication::sendPostedEvents();
        ++handled;
    }
    return handled > 0;
}

int EpollEventDispatcher::waitTimeoutMs(bool timersIncluded) const
{
    if (!timersIncluded || m_heap.empty()) return -1;
    const qint64 left = m_heap.front()->deadlineNs - nowNs();
    if (left <= 0) return 0;
    // Rounded up: waking before the deadline would only spin an empty pass.
    return int(std::min<qint64>((left + kNsPerMs - 1) / kNsPerMs, INT_MAX));
}

int EpollEventDispatcher::waitAndActivateSockets(int timeoutMs, bool &woke)
{
    epoll_event events[kMaxEvents];
    int count = epoll_wait(m_epollFd, events, kMaxEvents, timeoutMs);
    if (count < 0) {
        if (errno != EINTR) qCWarning(lcEngine, "epoll_wait: %s", strerror(errno));
        return 0;
    }
    int activated = 0;
    for (int i = 0; i < count; ++i) {
        const quint64 key = events[i].data.u64;
        if (key == kWakeKey) {
            drainWakeUps();
            woke = true;
            continue;
        }
        activated += activateFd(int(key & 0xffffffffu), quint32(key >> 32), events[i].events);
    }
    return activated;
}

int EpollEventDispatcher::activateFd(int fd, quint32 generation, quint32 events)
{
    int activated = 0;
    for (int type = QSocketNotifier::Read; type <= QSocketNotifier::Exception; ++type) {
        // Looked up again before each activation: the previous one may have
        // disabled or deleted notifiers of this fd, or closed and reused the fd.
        const auto it = m_fds.constFind(fd);
        if (it == m_fds.cend() || it->generation != generation) return activated;
        QSocketNotifier *notifier = it->notifiers[type];
        if (!notifier || !(events & activationMask(*it, type))) continue;
        QEvent event(QEvent::SockAct);
        QCoreApplication::sendEvent(notifier, &event);
        ++activated;
    }
    return activated;
}

int EpollEventDispatcher::activateAlwaysReady()
{
    std::vector<std::pair<int, quint32>> ready;
    for (auto it = m_fds.cbegin(); it != m_fds.cend(); ++it)
        if (it->alwaysReady) ready.emplace_back(it.key(), it->generation);
    int activated = 0;
    for (const auto &[fd, generation] : ready)
        activated += activateFd(fd, generation, EPOLLIN | EPOLLOUT);
    return activated;
}

// ---------------------------------------------------------------- wake-ups

void EpollEventDispatcher::wakeUp()
{
    // Every postEvent() calls this. Posts from our own thread (the usual case:
    // queued invocations within the engine) cost no syscall; from other threads
    // only the first one since the last drain pays for the write().
    if (QThread::currentThreadId() == m_owner.load(std::memory_order_relaxed)) {
        m_ownWake = true;
        return;
    }
    if (!m_wakePending.testAndSetAcquire(0, 1)) return;
    const quint64 one = 1;
    ssize_t written;
    do {
        written = ::write(m_wakeFd, &one, sizeof one);
    } while (written < 0 && errno == EINTR);
}

void EpollEventDispatcher::interrupt()
{
    m_interrupted.storeRelease(1);
    wakeUp();
}

void EpollEventDispatcher::drainWakeUps()
{
    quint64 value;
    ssize_t got;
    do {
        got = ::read(m_wakeFd, &value, sizeof value);
    } while (got < 0 && errno == EINTR);
    // Cleared only after the read: a wakeUp() that still sees the flag set posted
    // its event before this point, so the sendPostedEvents() that follows sees it.
    m_wakePending.storeRelease(0);
}

// ---------------------------------------------------------------- socket notifiers

quint32 EpollEventDispatcher::epollEventsFor(const FdEntry &entry)
{
    quint32 events = 0;
    if (entry.notifiers[QSocketNotifier::Read]) events |= EPOLLIN;
    if (entry.notifiers[QSocketNotifier::Write]) events |= EPOLLOUT;
    if (entry.notifiers[QSocketNotifier::Exception]) events |= EPOLLPRI;
    return events;
}

quint32 EpollEventDispatcher::activationMask(const FdEntry &entry, int type)
{
    // Hang-up and error go to the read notifier (a read then reports EOF or the
    // error, as with poll()). epoll reports them even when not asked for, so with
    // no read notifier they go to the others: otherwise the level-triggered fd
    // would stay ready forever with nobody to handle it.
    const bool hasRead = entry.notifiers[QSocketNotifier::Read];
    const bool hasWrite = entry.notifiers[QSocketNotifier::Write];
    switch (type) {
    case QSocketNotifier::Read:
        return EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP;
    case QSocketNotifier::Write:
        return EPOLLOUT | EPOLLERR | (hasRead ? 0u : quint32(EPOLLHUP));
    default:
        return EPOLLPRI | (hasRead || hasWrite ? 0u : quint32(EPOLLHUP | EPOLLERR));
    }
}

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    const qintptr socket = notifier->socket();
    const int type = notifier->type();
    if (socket < 0 || socket > INT_MAX || type < QSocketNotifier::Read ||
        type > QSocketNotifier::Exception) {
        qCWarning(lcEngine, "registerSocketNotifier: invalid socket %lld or type %d",
                  qlonglong(socket), type);
        return;
    }
    const int fd = int(socket);
    auto it = m_fds.find(fd);
    const bool isNew = it == m_fds.end();
    if (isNew) it = m_fds.insert(fd, FdEntry{});
    if (it->notifiers[type] && it->notifiers[type] != notifier)
        qCWarning(lcEngine, "multiple socket notifiers for socket %d and type %d", fd, type);
    it->notifiers[type] = notifier;
    updateRegistration(fd, *it, isNew);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    const qintptr socket = notifier->socket();
    const int type = notifier->type();
    if (socket < 0 || socket > INT_MAX || type < QSocketNotifier::Read ||
        type > QSocketNotifier::Exception)
        return;
    const int fd = int(socket);
    auto it = m_fds.find(fd);
    if (it == m_fds.end() || it->notifiers[type] != notifier) return;
    it->notifiers[type] = nullptr;
    updateRegistration(fd, *it, false);
}

void EpollEventDispatcher::updateRegistration(int fd, FdEntry &entry, bool isNew)
{
    const quint32 wanted = epollEventsFor(entry);
    if (wanted == 0) {
        if (entry.alwaysReady)
            --m_alwaysReadyCount;
        else
            // Fails harmlessly (EBADF/ENOENT) when the fd was closed first: the
            // kernel already dropped it from the set.
            epoll_ctl(m_epollFd, EPOLL_CTL_DEL, fd, nullptr);
        m_fds.remove(fd);
        return;
    }
    if (isNew) {
        entry.generation = m_nextGeneration++;
        if (m_nextGeneration == 0) m_nextGeneration = 1;
    }
    if (entry.alwaysReady) return;

    epoll_event ev{};
    ev.events = wanted;
    ev.data.u64 = keyFor(fd, entry.generation);
    const int op = isNew ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    if (epoll_ctl(m_epollFd, op, fd, &ev) == 0) return;
    if (op == EPOLL_CTL_ADD && errno == EEXIST) {
        // Still in the set under a stale registration (a dup of a closed fd):
        // take it over.
        if (epoll_ctl(m_epollFd, EPOLL_CTL_MOD, fd, &ev) == 0) return;
    } else if (op == EPOLL_CTL_MOD && errno == ENOENT) {
        if (epoll_ctl(m_epollFd, EPOLL_CTL_ADD, fd, &ev) == 0) return;
    } else if (op == EPOLL_CTL_ADD && errno == EPERM) {
        // Regular files and the like: poll() calls them always ready, so do we.
        entry.alwaysReady = true;
        ++m_alwaysReadyCount;
        return;
    }
    qCWarning(lcEngine, "epoll_ctl on socket %d: %s", fd, strerror(errno));
}

// ---------------------------------------------------------------- timers

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                         QObject *object)
{
    if (timerId < 1 || interval < 0 || !object) {
        qCWarning(lcEngine, "registerTimer: invalid arguments");
        return;
    }
    if (m_timers.count(timerId)) {
        qCWarning(lcEngine, "registerTimer: timer id %d already registered", timerId);
        unregisterTimer(timerId);
    }
    auto timer = std::make_unique<Timer>();
    timer->id = timerId;
    timer->intervalMs = interval;
    timer->type = timerType;
    timer->object = object;
    timer->deadlineNs = nowNs() + interval * kNsPerMs;
    timer->serial = m_nextSerial++;
    Timer *raw = timer.get();
    m_timers.emplace(timerId, std::move(timer));
    m_timersByObject[object].push_back(timerId);
    heapPush(raw);
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    const auto it = m_timers.find(timerId);
    if (it == m_timers.end()) return false;
    Timer *timer = it->second.get();
    if (timer->heapIndex >= 0) heapRemove(timer);
    const auto byObject = m_timersByObject.find(timer->object);
    if (byObject != m_timersByObject.end()) {
        auto &ids = byObject->second;
        ids.erase(std::remove(ids.begin(), ids.end(), timerId), ids.end());
        if (ids.empty()) m_timersByObject.erase(byObject);
    }
    m_timers.erase(it);
    return true;
}

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    const auto byObject = m_timersByObject.find(object);
    if (byObject == m_timersByObject.end()) return false;
    const std::vector<int> ids = std::move(byObject->second);
    m_timersByObject.erase(byObject);
    for (const int id : ids) {
        const auto it = m_timers.find(id);
        if (it == m_timers.end()) continue;
        if (it->second->heapIndex >= 0) heapRemove(it->second.get());
        m_timers.erase(it);
    }
    return true;
}

QList<QAbstractEventDispatcher::TimerInfo>
EpollEventDispatcher::registeredTimers(QObject *object) const
{
    QList<TimerInfo> result;
    const auto byObject = m_timersByObject.find(object);
    if (byObject == m_timersByObject.end()) return result;
    for (const int id : byObject->second) {
        const auto it = m_timers.find(id);
        if (it != m_timers.end())
            result.append(TimerInfo(id, int(it->second->intervalMs), it->second->type));
    }
    return result;
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    const auto it = m_timers.find(timerId);
    if (it == m_timers.end()) return -1;
    const qint64 left = it->second->deadlineNs - nowNs();
    if (left <= 0) return 0;
    return int(std::min<qint64>((left + kNsPerMs / 2) / kNsPerMs, INT_MAX));
}

qint64 EpollEventDispatcher::nextDeadline(const Timer &timer, qint64 now)
{
    const qint64 interval = timer.intervalMs * kNsPerMs;
    if (timer.type == Qt::PreciseTimer) {
        // No drift: counted from the previous deadline, unless we fell so far
        // behind that it would be due again at once (missed ticks are skipped).
        const qint64 next = timer.deadlineNs + interval;
        return next < now ? now + interval : next;
    }
    return now + interval;
}

int EpollEventDispatcher::activateTimers()
{
    if (m_heap.empty()) return 0;
    const qint64 now = nowNs();
    if (m_heap.front()->deadlineNs > now) return 0;

    // Snapshot of the due timers, in deadline order. Each fires at most once in
    // this pass, so a zero-interval timer re-armed below cannot starve sockets.
    std::vector<Timer *> dueTimers;
    collectDue(0, now, dueTimers);
    std::sort(dueTimers.begin(), dueTimers.end(), earlier);
    // Kept by (id, serial), never by pointer: any event below may unregister
    // timers, and an id may be reused by a new timer at once.
    std::vector<std::pair<int, quint64>> due;
    due.reserve(dueTimers.size());
    for (const Timer *timer : dueTimers)
        due.emplace_back(timer->id, timer->serial);

    int fired = 0;
    for (const auto &[id, serial] : due) {
        auto it = m_timers.find(id);
        if (it == m_timers.end()) continue;
        Timer *timer = it->second.get();
        // Skipped when replaced, or already fired by a nested loop, or being
        // delivered right now further up the stack (it is out of the heap then).
        if (timer->serial != serial || timer->heapIndex < 0 || timer->deadlineNs > now) continue;
        heapRemove(timer);
        timer->deadlineNs = nextDeadline(*timer, now);
        QTimerEvent event(id);
        QCoreApplication::sendEvent(timer->object, &event);
        ++fired;
        // Back into the heap only if the event did not kill it. Out of the heap
        // meanwhile, so a nested event loop in the handler does not re-enter it.
        it = m_timers.find(id);
        if (it != m_timers.end() && it->second->serial == serial) heapPush(it->second.get());
    }
    return fired;
}

// ---------------------------------------------------------------- heap

bool EpollEventDispatcher::earlier(const Timer *a, const Timer *b)
{
    return a->deadlineNs < b->deadlineNs ||
           (a->deadlineNs == b->deadlineNs && a->serial < b->serial);
}

void EpollEventDispatcher::heapPlace(int index, Timer *timer)
{
    m_heap[size_t(index)] = timer;
    timer->heapIndex = index;
}

void EpollEventDispatcher::heapPush(Timer *timer)
{
    m_heap.push_back(timer);
    timer->heapIndex = int(m_heap.size()) - 1;
    siftUp(timer->heapIndex);
}

void EpollEventDispatcher::heapRemove(Timer *timer)
{
    const int index = timer->heapIndex;
    Timer *last = m_heap.back();
    m_heap.pop_back();
    timer->heapIndex = -1;
    if (last == timer) return;
    heapPlace(index, last);
    siftUp(index);
    siftDown(last->heapIndex);
}

void EpollEventDispatcher::siftUp(int index)
{
    Timer *timer = m_heap[size_t(index)];
    while (index > 0) {
        const int parent = (index - 1) / 2;
        if (!earlier(timer, m_heap[size_t(parent)])) break;
        heapPlace(index, m_heap[size_t(parent)]);
        index = parent;
    }
    heapPlace(index, timer);
}

void EpollEventDispatcher::siftDown(int index)
{
    Timer *timer = m_heap[size_t(index)];
    const int size = int(m_heap.size());
    for (;;) {
        int child = 2 * index + 1;
        if (child >= size) break;
        if (child + 1 < size && earlier(m_heap[size_t(child) + 1], m_heap[size_t(child)])) ++child;
        if (!earlier(m_heap[size_t(child)], timer)) break;
        heapPlace(index, m_heap[size_t(child)]);
        index = child;
    }
    heapPlace(index, timer);
}

void EpollEventDispatcher::collectDue(int index, qint64 now, std::vector<Timer *> &out) const
{
    // A heap node is never due before its parent: prune at the first one that is not.
    if (index >= int(m_heap.size()) || m_heap[size_t(index)]->deadlineNs > now) return;
    out.push_back(m_heap[size_t(index)]);
    collectDue(2 * index + 1, now, out);
    collectDue(2 * index + 2, now, out);
}
