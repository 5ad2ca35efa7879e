// FifoTimerQueue: expiry in arming order, re-arming moves an entry to the
// back (or into another queue), disarming and destroying owners remove it,
// callbacks may re-arm and disarm, and the queue keeps running afterwards.
#include "common/fifotimerqueue.h"

#include <QTest>

#include <algorithm>
#include <memory>
#include <vector>

class TestFifoTimerQueue : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void expiresInArmingOrder();
    void rearmMovesToBack();
    void disarm();
    void destroyedLinkLeavesQueue();
    void moveBetweenQueues();
    void callbackRearmsAndDisarms();
    void zeroTimeoutWaitsForNextPass();
    void laterArmsAfterIdle();
};

namespace {
struct Owner {
    int id = 0;
    FifoTimerLink link;
};

void settle(int ms)
{
    QTest::qWait(ms);
}
} // namespace

void TestFifoTimerQueue::expiresInArmingOrder()
{
    QObject context;
    std::vector<int> fired;
    FifoTimerQueue q(
        30, [&](void *o) { fired.push_back(static_cast<Owner *>(o)->id); }, &context);
    Owner a{1, {}}, b{2, {}}, c{3, {}};
    q.arm(a.link, &a);
    QTest::qSleep(5);
    q.arm(b.link, &b);
    q.arm(c.link, &c);
    QCOMPARE(q.size(), 3);
    QVERIFY(a.link.isArmed());
    QCOMPARE(a.link.queue(), &q);
    QTRY_COMPARE_WITH_TIMEOUT(fired.size(), size_t(3), 2000);
    QCOMPARE(fired, (std::vector<int>{1, 2, 3}));
    QVERIFY(q.isEmpty());
    QVERIFY(!a.link.isArmed() && !b.link.isArmed() && !c.link.isArmed());
}

void TestFifoTimerQueue::rearmMovesToBack()
{
    QObject context;
    std::vector<int> fired;
    FifoTimerQueue q(
        60, [&](void *o) { fired.push_back(static_cast<Owner *>(o)->id); }, &context);
    Owner a{1, {}}, b{2, {}};
    q.arm(a.link, &a);
    q.arm(b.link, &b);
    q.arm(a.link, &a); // a is now due after b
    QCOMPARE(q.size(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(fired.size(), size_t(2), 2000);
    QCOMPARE(fired, (std::vector<int>{2, 1}));
}

void TestFifoTimerQueue::disarm()
{
    QObject context;
    std::vector<int> fired;
    FifoTimerQueue q(
        20, [&](void *o) { fired.push_back(static_cast<Owner *>(o)->id); }, &context);
    Owner a{1, {}}, b{2, {}}, c{3, {}};
    q.arm(a.link, &a);
    q.arm(b.link, &b);
    q.arm(c.link, &c);
    a.link.disarm();  // the head
    q.disarm(c.link); // the tail
    QCOMPARE(q.size(), 1);
    QVERIFY(!a.link.isArmed());
    a.link.disarm(); // twice is harmless
    QTRY_COMPARE_WITH_TIMEOUT(fired.size(), size_t(1), 2000);
    settle(60);
    QCOMPARE(fired, (std::vector<int>{2}));

    // Disarming everything stops the timer; nothing fires later.
    q.arm(a.link, &a);
    a.link.disarm();
    QVERIFY(q.isEmpty());
    settle(60);
    QCOMPARE(fired.size(), size_t(1));
}

void TestFifoTimerQueue::destroyedLinkLeavesQueue()
{
    QObject context;
    std::vector<int> fired;
    FifoTimerQueue q(
        20, [&](void *o) { fired.push_back(static_cast<Owner *>(o)->id); }, &context);
    auto a = std::make_unique<Owner>();
    a->id = 1;
    Owner b{2, {}};
    q.arm(a->link, a.get());
    q.arm(b.link, &b);
    a.reset();
    QCOMPARE(q.size(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(fired.size(), size_t(1), 2000);
    QCOMPARE(fired.front(), 2);

    // A queue that goes first leaves its links disarmed.
    Owner c{3, {}};
    {
        FifoTimerQueue gone(
            50, [](void *) {}, &context);
        gone.arm(c.link, &c);
    }
    QVERIFY(!c.link.isArmed());
}

void TestFifoTimerQueue::moveBetweenQueues()
{
    QObject context;
    std::vector<int> slow, fast;
    FifoTimerQueue q1(
        200, [&](void *o) { slow.push_back(static_cast<Owner *>(o)->id); }, &context);
    FifoTimerQueue q2(
        20, [&](void *o) { fast.push_back(static_cast<Owner *>(o)->id); }, &context);
    Owner a{1, {}};
    q1.arm(a.link, &a);
    q2.arm(a.link, &a);
    QCOMPARE(q1.size(), 0);
    QCOMPARE(q2.size(), 1);
    QCOMPARE(a.link.queue(), &q2);
    QTRY_COMPARE_WITH_TIMEOUT(fast.size(), size_t(1), 2000);
    settle(250);
    QVERIFY(slow.empty());
    QCOMPARE(fast.size(), size_t(1));
}

void TestFifoTimerQueue::callbackRearmsAndDisarms()
{
    // The heartbeat pattern: each expiry re-arms its own link, and the
    // callback of one owner may drop another owner's entry.
    QObject context;
    Owner a{1, {}}, b{2, {}}, c{3, {}};
    std::vector<int> fired;
    FifoTimerQueue *self = nullptr;
    FifoTimerQueue q(
        15,
        [&](void *o) {
            auto *owner = static_cast<Owner *>(o);
            fired.push_back(owner->id);
            if (owner->id == 1) {
                b.link.disarm();
                if (std::count(fired.begin(), fired.end(), 1) < 3) self->arm(owner->link, owner);
            }
        },
        &context);
    self = &q;
    q.arm(a.link, &a);
    q.arm(b.link, &b);
    q.arm(c.link, &c);
    QTRY_COMPARE_WITH_TIMEOUT(std::count(fired.begin(), fired.end(), 1), 3, 2000);
    settle(50);
    QVERIFY(std::find(fired.begin(), fired.end(), 2) == fired.end());
    QCOMPARE(std::count(fired.begin(), fired.end(), 3), 1);
    QCOMPARE(fired.front(), 1);
    QVERIFY(q.isEmpty());
}

void TestFifoTimerQueue::zeroTimeoutWaitsForNextPass()
{
    QObject context;
    Owner a{1, {}};
    int count = 0;
    FifoTimerQueue *self = nullptr;
    FifoTimerQueue q(
        0,
        [&](void *o) {
            ++count;
            self->arm(static_cast<Owner *>(o)->link, o); // would spin forever if it fired at once
        },
        &context);
    self = &q;
    QCOMPARE(q.timeoutMs(), 1);
    q.arm(a.link, &a);
    QTRY_VERIFY_WITH_TIMEOUT(count >= 3, 2000);
    a.link.disarm();
    const int seen = count;
    settle(20);
    QCOMPARE(count, seen);
}

void TestFifoTimerQueue::laterArmsAfterIdle()
{
    // After the queue drained, a new entry restarts the timer.
    QObject context;
    std::vector<int> fired;
    FifoTimerQueue q(
        10, [&](void *o) { fired.push_back(static_cast<Owner *>(o)->id); }, &context);
    Owner a{1, {}};
    for (int round = 0; round < 3; ++round) {
        q.arm(a.link, &a);
        QTRY_COMPARE_WITH_TIMEOUT(fired.size(), size_t(round + 1), 2000);
        settle(15);
    }
    QCOMPARE(fired, (std::vector<int>{1, 1, 1}));
}

QTEST_GUILESS_MAIN(TestFifoTimerQueue)
#include "tst_fifotimerqueue.moc"
