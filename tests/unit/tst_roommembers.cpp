// RoomMembers: a room's sockets as a sorted array; set semantics for every
// operation SioNamespace, the monitor and the handlers use.
#include "socketio/roommembers.h"

#include <QRandomGenerator>
#include <QTest>

#include <vector>

class TestRoomMembers : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void oneMember();
    void duplicatesAndAbsentees();
    void matchesQSetUnderRandomChurn();
    void growsGeometrically();
};

namespace {
// Distinct fake addresses; never dereferenced.
SioSocket *fake(quintptr n)
{
    return reinterpret_cast<SioSocket *>(n * 16 + 4096);
}
} // namespace

void TestRoomMembers::oneMember()
{
    RoomMembers room;
    QVERIFY(room.isEmpty());
    QVERIFY(room.insert(fake(1)));
    QCOMPARE(room.size(), 1);
    QVERIFY(room.contains(fake(1)));
    QCOMPARE(*room.cbegin(), fake(1));
    QVERIFY(room.remove(fake(1)));
    QVERIFY(room.isEmpty());
}

void TestRoomMembers::duplicatesAndAbsentees()
{
    RoomMembers room;
    QVERIFY(room.insert(fake(5)));
    QVERIFY(!room.insert(fake(5)));
    QVERIFY(!room.remove(fake(6)));
    QCOMPARE(room.size(), 1);
    QCOMPARE(room.toSet(), QSet<SioSocket *>{fake(5)});
}

void TestRoomMembers::matchesQSetUnderRandomChurn()
{
    RoomMembers room;
    QSet<SioSocket *> reference;
    QRandomGenerator rng(42);
    for (int i = 0; i < 20000; ++i) {
        SioSocket *s = fake(rng.bounded(3000));
        if (rng.bounded(3) == 0)
            QCOMPARE(room.remove(s), reference.remove(s));
        else {
            const bool fresh = !reference.contains(s);
            reference.insert(s);
            QCOMPARE(room.insert(s), fresh);
        }
    }
    QCOMPARE(room.size(), reference.size());
    QCOMPARE(room.toSet(), reference);
    std::vector<SioSocket *> seen(room.begin(), room.end());
    QVERIFY(std::is_sorted(seen.begin(), seen.end()));
    for (SioSocket *s : reference)
        QVERIFY(room.contains(s));
}

void TestRoomMembers::growsGeometrically()
{
    // A room everybody joins ("all") must not be reallocated on every join:
    // count how often its storage moves while 4096 members arrive, in
    // descending address order so that every insert is at the front.
    RoomMembers room;
    int moves = 0;
    const void *storage = nullptr;
    for (quintptr n = 4096; n > 0; --n) {
        QVERIFY(room.insert(fake(n)));
        if (room.cbegin() != storage) {
            storage = room.cbegin();
            ++moves;
        }
    }
    QCOMPARE(room.size(), 4096);
    QVERIFY2(moves <= 16, qPrintable(QString::number(moves)));
    QCOMPARE(*room.cbegin(), fake(1));
}

QTEST_GUILESS_MAIN(TestRoomMembers)
#include "tst_roommembers.moc"
