// EpollEventDispatcher driving a real QThread: socket notifiers (a TCP echo
// round trip, one notifier disabled or deleted by another's activation in the
// same pass, the ExcludeSocketNotifiers flag), timers (deadline order, killed
// and restarted from timer events, zero-interval ones not starving sockets, no
// re-entry from a nested loop, bookkeeping), wake-ups from other threads and
// quit(). Only generous upper bounds on time: the box is shared and noisy.
#include "common/epolleventdispatcher.h"

#include <QAbstractEventDispatcher>
#include <QEventLoop>
#include <QPointer>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <thread>

#include <sys/socket.h>
#include <unistd.h>

namespace {

constexpr int kTimeoutMs = 5000;

// A started QThread running EpollEventDispatcher, with a root object living in
// it: code runs there through run(), objects made there are parented to root().
// Thread affinity: created and destroyed in the test's (main) thread.
class DispatcherThread {
public:
    DispatcherThread()
    {
        m_thread.setEventDispatcher(new EpollEventDispatcher);
        m_root = new QObject;
        m_root->moveToThread(&m_thread);
        // Deleted in the worker as it finishes, while its dispatcher still exists.
        QObject::connect(&m_thread, &QThread::finished, m_root, &QObject::deleteLater);
        m_thread.start();
    }
    ~DispatcherThread()
    {
        m_thread.quit();
        m_thread.wait();
    }

    template<typename F> void run(F &&function)
    {
        QVERIFY(QMetaObject::invokeMethod(m_root, std::forward<F>(function),
                                          Qt::BlockingQueuedConnection));
    }
    // A few round trips through the worker's loop: whatever was ready before
    // has had its pass by the time this returns.
    void sync()
    {
        for (int i = 0; i < 3; ++i)
            run([] {});
    }
    QObject *root() const { return m_root; }
    QThread &thread() { return m_thread; }

private:
    QThread m_thread;
    QObject *m_root = nullptr;
};

// A connected AF_UNIX stream pair with one byte waiting on [0]: a fd that stays
// readable (level-triggered) until someone reads it.
struct ReadablePair {
    int fds[2] = {-1, -1};
    ReadablePair()
    {
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0)
            (void)!::write(fds[1], "x", 1);
    }
    ~ReadablePair()
    {
        for (const int fd : fds)
            if (fd >= 0) ::close(fd);
    }
};

// Two timers of one object: the first kills the second and itself.
class KillerObject : public QObject {
public:
    int first = 0;
    int second = 0;
    int firstCount = 0;
    int secondCount = 0;

protected:
    void timerEvent(QTimerEvent *event) override
    {
        if (event->timerId() == first) {
            ++firstCount;
            killTimer(second);
            killTimer(first);
        } else if (event->timerId() == second) {
            ++secondCount;
        }
    }
};

} // namespace

class TestEpollEventDispatcher : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void installed();
    void tcpEchoRoundTrip();
    void notifierDisabledByAnother();
    void notifierDeletedByAnother();
    void excludeSocketNotifiers();
    void timersFireInDeadlineOrder();
    void timerKilledFromAnotherTimer();
    void timerRestartedFromItsOwnEvent();
    void zeroTimerDoesNotStarveSockets();
    void nestedLoopDoesNotReenterTimer();
    void timerBookkeeping();
    void wakeUpFromOtherThreads();
    void quitEndsExec();
};

void TestEpollEventDispatcher::installed()
{
    DispatcherThread worker;
    QByteArray name;
    worker.run([&] { name = QAbstractEventDispatcher::instance()->metaObject()->className(); });
    QCOMPARE(name, QByteArray("EpollEventDispatcher"));
}

void TestEpollEventDispatcher::tcpEchoRoundTrip()
{
    DispatcherThread worker;
    // 4 MiB is more than the loopback socket buffers take, so both sides go
    // through many read and write notifier activations.
    QByteArray payload(4 << 20, Qt::Uninitialized);
    for (int i = 0; i < payload.size(); ++i)
        payload[i] = char(i * 131 % 251);
    std::atomic<int> state{0}; // 1: echoed intact, -1: corrupted
    std::atomic<int> flushes{0};
    QByteArray received;

    worker.run([&] {
        auto *server = new QTcpServer(worker.root());
        QVERIFY(server->listen(QHostAddress::LocalHost, 0));
        QObject::connect(server, &QTcpServer::newConnection, server, [server] {
            while (QTcpSocket *peer = server->nextPendingConnection())
                QObject::connect(peer, &QTcpSocket::readyRead, peer,
                                 [peer] { peer->write(peer->readAll()); });
        });
        auto *client = new QTcpSocket(worker.root());
        QObject::connect(client, &QTcpSocket::connected, client,
                         [&, client] { client->write(payload); });
        QObject::connect(client, &QTcpSocket::bytesWritten, client, [&] { ++flushes; });
        QObject::connect(client, &QTcpSocket::readyRead, client, [&, client] {
            received += client->readAll();
            if (received.size() >= payload.size()) state = received == payload ? 1 : -1;
        });
        client->connectToHost(QHostAddress::LocalHost, server->serverPort());
    });
    QTRY_VERIFY_WITH_TIMEOUT(state.load() != 0, kTimeoutMs);
    QCOMPARE(state.load(), 1);
    QVERIFY(flushes.load() >= 1);
}

void TestEpollEventDispatcher::notifierDisabledByAnother()
{
    DispatcherThread worker;
    ReadablePair a, b;
    std::atomic<int> activations{0};
    QSocketNotifier *na = nullptr;
    QSocketNotifier *nb = nullptr;
    // Both fds are ready before the loop's next pass, so one epoll batch reports
    // both; whichever comes first disables both, the other must not run.
    worker.run([&] {
        na = new QSocketNotifier(a.fds[0], QSocketNotifier::Read, worker.root());
        nb = new QSocketNotifier(b.fds[0], QSocketNotifier::Read, worker.root());
        for (QSocketNotifier *n : {na, nb})
            QObject::connect(n, &QSocketNotifier::activated, n, [&] {
                ++activations;
                na->setEnabled(false);
                nb->setEnabled(false);
            });
    });
    QTRY_VERIFY_WITH_TIMEOUT(activations.load() >= 1, kTimeoutMs);
    worker.sync();
    QCOMPARE(activations.load(), 1);
    worker.run([&] {
        delete na;
        delete nb;
    });
}

void TestEpollEventDispatcher::notifierDeletedByAnother()
{
    DispatcherThread worker;
    ReadablePair a, b;
    std::atomic<int> activations{0};
    QPointer<QSocketNotifier> na, nb;
    worker.run([&] {
        na = new QSocketNotifier(a.fds[0], QSocketNotifier::Read, worker.root());
        nb = new QSocketNotifier(b.fds[0], QSocketNotifier::Read, worker.root());
        for (QSocketNotifier *n : {na.data(), nb.data()})
            QObject::connect(n, &QSocketNotifier::activated, n, [&, n] {
                ++activations;
                delete (n == na ? nb : na).data();
                n->setEnabled(false);
            });
    });
    QTRY_VERIFY_WITH_TIMEOUT(activations.load() >= 1, kTimeoutMs);
    worker.sync();
    QCOMPARE(activations.load(), 1);
    worker.run([&] {
        delete na.data();
        delete nb.data();
    });
}

void TestEpollEventDispatcher::excludeSocketNotifiers()
{
    DispatcherThread worker;
    ReadablePair a;
    std::atomic<int> activations{0};
    QSocketNotifier *notifier = nullptr;
    worker.run([&] {
        notifier = new QSocketNotifier(a.fds[0], QSocketNotifier::Read, worker.root());
        QObject::connect(notifier, &QSocketNotifier::activated, notifier, [&] {
            ++activations;
            notifier->setEnabled(false);
        });
        for (int i = 0; i < 3; ++i)
            QCoreApplication::processEvents(QEventLoop::ExcludeSocketNotifiers);
        QCOMPARE(activations.load(), 0);
    });
    // Back in the thread's own loop the ready fd is reported.
    QTRY_COMPARE_WITH_TIMEOUT(activations.load(), 1, kTimeoutMs);
    worker.run([&] { delete notifier; });
}

void TestEpollEventDispatcher::timersFireInDeadlineOrder()
{
    DispatcherThread worker;
    QStringList log; // touched by the worker only until done
    std::atomic<bool> done{false};
    int repeats = 0;
    bool lastSingleShot = false;

    worker.run([&] {
        // Copied into the slots: this lambda's locals are gone once run() returns.
        auto finishIfComplete = [&] {
            if (lastSingleShot && repeats == 3) done = true;
        };
        auto singleShot = [&](int ms) {
            auto *timer = new QTimer(worker.root());
            timer->setSingleShot(true);
            timer->setTimerType(Qt::PreciseTimer);
            QObject::connect(timer, &QTimer::timeout, timer, [&, ms, finishIfComplete] {
                log << QStringLiteral("s%1").arg(ms);
                if (ms == 300) lastSingleShot = true;
                finishIfComplete();
            });
            timer->start(ms);
        };
        // Registered out of order; the repeating one after s100, so its first
        // deadline falls between s100's and s200's whatever the scheduling.
        singleShot(300);
        singleShot(100);
        auto *repeating = new QTimer(worker.root());
        repeating->setTimerType(Qt::PreciseTimer);
        QObject::connect(repeating, &QTimer::timeout, repeating, [&, repeating, finishIfComplete] {
            log << QStringLiteral("r");
            if (++repeats == 3) repeating->stop();
            finishIfComplete();
        });
        repeating->start(100);
        singleShot(200);
    });
    QTRY_VERIFY_WITH_TIMEOUT(done.load(), kTimeoutMs);
    worker.sync();
    QStringList singles = log;
    singles.removeAll(QStringLiteral("r"));
    QCOMPARE(singles, QStringList({"s100", "s200", "s300"}));
    QCOMPARE(log.count(QStringLiteral("r")), 3);
    const qsizetype firstRepeat = log.indexOf(QStringLiteral("r"));
    QVERIFY2(firstRepeat > log.indexOf(QStringLiteral("s100")) &&
                 firstRepeat < log.indexOf(QStringLiteral("s200")),
             qPrintable(log.join(' ')));
}

void TestEpollEventDispatcher::timerKilledFromAnotherTimer()
{
    DispatcherThread worker;
    KillerObject *killer = nullptr;
    std::atomic<bool> done{false};
    worker.run([&] {
        killer = new KillerObject;
        killer->setParent(worker.root());
        // Same interval, registered later: the second is due no earlier than the
        // first, so the first always runs first and kills it.
        killer->first = killer->startTimer(50, Qt::PreciseTimer);
        killer->second = killer->startTimer(50, Qt::PreciseTimer);
        QTimer::singleShot(300, worker.root(), [&] { done = true; });
    });
    QTRY_VERIFY_WITH_TIMEOUT(done.load(), kTimeoutMs);
    int firstCount = -1, secondCount = -1;
    worker.run([&] {
        firstCount = killer->firstCount;
        secondCount = killer->secondCount;
    });
    QCOMPARE(firstCount, 1);
    QCOMPARE(secondCount, 0);
}

void TestEpollEventDispatcher::timerRestartedFromItsOwnEvent()
{
    DispatcherThread worker;
    std::atomic<int> fired{0};
    worker.run([&] {
        auto *timer = new QTimer(worker.root());
        timer->setSingleShot(true);
        // start() from its own timeout kills the running id and registers a new
        // one, possibly reusing the id: it must fire again, exactly once each.
        QObject::connect(timer, &QTimer::timeout, timer, [&, timer] {
            if (++fired < 4) timer->start(10);
        });
        timer->start(10);
    });
    QTRY_COMPARE_WITH_TIMEOUT(fired.load(), 4, kTimeoutMs);
    QTest::qWait(100);
    QCOMPARE(fired.load(), 4);
}

void TestEpollEventDispatcher::zeroTimerDoesNotStarveSockets()
{
    DispatcherThread worker;
    ReadablePair a;
    std::atomic<int> spins{0};
    std::atomic<bool> socketSeen{false};
    std::atomic<bool> timerSeen{false};
    QTimer *zero = nullptr;
    QSocketNotifier *notifier = nullptr;
    worker.run([&] {
        zero = new QTimer(worker.root());
        QObject::connect(zero, &QTimer::timeout, zero, [&] { ++spins; });
        zero->start(0);
        QTimer::singleShot(20, worker.root(), [&] { timerSeen = true; });
        notifier = new QSocketNotifier(a.fds[0], QSocketNotifier::Read, worker.root());
        QObject::connect(notifier, &QSocketNotifier::activated, notifier, [&] {
            socketSeen = true;
            notifier->setEnabled(false);
        });
    });
    QTRY_VERIFY_WITH_TIMEOUT(socketSeen.load() && timerSeen.load(), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(spins.load() > 1, kTimeoutMs);
    worker.run([&] {
        zero->stop();
        delete notifier;
    });
}

void TestEpollEventDispatcher::nestedLoopDoesNotReenterTimer()
{
    DispatcherThread worker;
    std::atomic<int> depth{0};
    std::atomic<int> maxDepth{0};
    std::atomic<int> ticks{0};
    std::atomic<bool> otherFiredInside{false};
    std::atomic<bool> done{false};
    worker.run([&] {
        auto *repeating = new QTimer(worker.root());
        QObject::connect(repeating, &QTimer::timeout, repeating, [&, repeating] {
            maxDepth = std::max(maxDepth.load(), ++depth);
            if (++ticks == 1) {
                // A nested loop inside the timer's own event: other timers run
                // in it, this one must not be re-entered.
                bool other = false;
                QEventLoop loop;
                QTimer::singleShot(10, &loop, [&] { other = true; });
                QTimer::singleShot(150, &loop, &QEventLoop::quit);
                loop.exec();
                otherFiredInside = other;
            } else if (ticks == 3) {
                repeating->stop();
                done = true;
            }
            --depth;
        });
        repeating->start(0);
    });
    QTRY_VERIFY_WITH_TIMEOUT(done.load(), kTimeoutMs);
    QCOMPARE(maxDepth.load(), 1);
    QVERIFY(otherFiredInside.load());
}

void TestEpollEventDispatcher::timerBookkeeping()
{
    DispatcherThread worker;
    worker.run([&] {
        QAbstractEventDispatcher *dispatcher = QAbstractEventDispatcher::instance();
        auto *owner = new QObject(worker.root());
        const int slow = owner->startTimer(10000, Qt::CoarseTimer);
        const int fast = owner->startTimer(20, Qt::PreciseTimer);
        const int remaining = dispatcher->remainingTime(slow);
        QVERIFY2(remaining > 5000 && remaining <= 10000, qPrintable(QString::number(remaining)));
        QCOMPARE(dispatcher->registeredTimers(owner).size(), 2);
        owner->killTimer(fast);
        const auto timers = dispatcher->registeredTimers(owner);
        QCOMPARE(timers.size(), 1);
        QCOMPARE(timers.first().timerId, slow);
        QCOMPARE(timers.first().interval, 10000);
        QCOMPARE(dispatcher->remainingTime(fast), -1);
        delete owner; // unregisters the rest
        QCOMPARE(dispatcher->remainingTime(slow), -1);
    });
}

void TestEpollEventDispatcher::wakeUpFromOtherThreads()
{
    DispatcherThread worker;
    // Nothing registered: the worker is blocked in epoll_wait with no timeout.
    QTest::qWait(50);
    std::atomic<bool> ran{false};
    std::atomic<bool> inWorker{false};
    QThread *workerThread = &worker.thread();
    QMetaObject::invokeMethod(
        worker.root(),
        [&] {
            inWorker = QThread::currentThread() == workerThread;
            ran = true;
        },
        Qt::QueuedConnection);
    QTRY_VERIFY_WITH_TIMEOUT(ran.load(), kTimeoutMs);
    QVERIFY(inWorker.load());

    // Many posters at once: coalesced wake-ups must lose none.
    constexpr int kPerThread = 5000;
    std::atomic<int> delivered{0};
    auto poster = [&] {
        for (int i = 0; i < kPerThread; ++i)
            QMetaObject::invokeMethod(
                worker.root(), [&] { ++delivered; }, Qt::QueuedConnection);
    };
    std::thread first(poster), second(poster);
    first.join();
    second.join();
    QTRY_COMPARE_WITH_TIMEOUT(delivered.load(), 2 * kPerThread, kTimeoutMs);
}

void TestEpollEventDispatcher::quitEndsExec()
{
    DispatcherThread worker;
    // A far timer keeps epoll_wait blocked with a long timeout: quit() must
    // interrupt it, not wait for it.
    worker.run([&] { QTimer::singleShot(60000, worker.root(), [] {}); });
    QTest::qWait(50);
    worker.thread().quit();
    QVERIFY(worker.thread().wait(kTimeoutMs));
}

QTEST_GUILESS_MAIN(TestEpollEventDispatcher)
#include "tst_epolleventdispatcher.moc"
