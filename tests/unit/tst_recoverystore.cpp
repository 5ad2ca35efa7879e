// RecoveryStore: what connection-state recovery replays, and when it must
// refuse (sequence numbers, bounds, single use, expiry).
#include "socketio/recoverystore.h"

#include <QTest>

namespace {

RecoverySettings settings(int maxPackets = 100, qint64 maxBytes = 1 << 20, qint64 windowMs = 1000)
{
    RecoverySettings s;
    s.enabled = true;
    s.maxPackets = maxPackets;
    s.maxBytes = maxBytes;
    s.windowMs = windowMs;
    s.maxSessions = 100;
    return s;
}

// Sends one event to `rooms` (empty: everyone) and returns its offset.
QString send(RecoveryStore &store, const QStringList &rooms, const QByteArray &name = "e",
             const QStringList &except = {}, qint64 now = 0)
{
    const quint64 seq = store.reserve();
    const QByteArray offset = store.offsetOf(seq);
    store.keep(seq, "2/s,[\"" + name + "\",\"" + offset + "\"]", {}, rooms, except, now);
    return QString::fromLatin1(offset);
}

RecoverySession session(const QString &sid, QStringList rooms, quint64 baseSeq = 0,
                        qint64 disconnectedAt = 0)
{
    RecoverySession s;
    s.sid = sid;
    rooms.append(sid);
    rooms.sort();
    s.rooms = rooms;
    s.baseSeq = baseSeq;
    s.disconnectedAtMs = disconnectedAt;
    return s;
}

QStringList names(const QList<StoredPacket> &packets)
{
    QStringList out;
    for (const StoredPacket &p : packets)
        out.append(QString::fromLatin1(p.text.mid(6, p.text.indexOf('"', 6) - 6)));
    return out;
}

} // namespace

class TestRecoveryStore : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void replaysWhatTheRoomsGotAfterTheOffsetInOrder()
    {
        RecoveryStore store(settings(), "ep");
        const QString last = send(store, {"user:a"}, "seen");
        send(store, {"user:a"}, "m1");
        send(store, {"other"}, "notmine");
        send(store, {}, "m2");                        // the whole namespace
        send(store, {"all"}, "excluded", {"user:a"}); // except a room it is in
        send(store, {"sidA"}, "direct");              // its own id room
        send(store, {"other", "all"}, "m3");          // any of several rooms
        RecoveryStore::Failure why;
        const auto missed = store.missed(session("sidA", {"user:a", "all"}), last, &why);
        QVERIFY(missed);
        QCOMPARE(why, RecoveryStore::Failure::None);
        QCOMPARE(names(*missed), (QStringList{"m1", "m2", "direct", "m3"}));
        // The replayed packets carry their original offsets.
        QVERIFY(missed->first().text.contains(store.offsetOf(missed->first().seq)));
    }

    void quietRoomRecoversAfterItsLastEventWasForgotten()
    {
        // socket.io fails here: the client's last offset is no longer buffered.
        RecoveryStore store(settings(/*maxPackets*/ 5), "ep");
        const QString last = send(store, {"user:a"}, "seen");
        for (int i = 0; i < 20; ++i)
            send(store, {"doctype:Other"}, "busy");
        QCOMPARE(store.packetCount(), 5);
        RecoveryStore::Failure why;
        const auto missed = store.missed(session("sidA", {"user:a"}), last, &why);
        QVERIFY(missed);
        QVERIFY(missed->isEmpty());
    }

    void forgottenEventForItsRoomsFailsWhole()
    {
        RecoveryStore store(settings(5), "ep");
        const QString last = send(store, {"user:a"}, "seen");
        for (int i = 0; i < 10; ++i)
            send(store, {"user:a"}, "mine");
        RecoveryStore::Failure why;
        QVERIFY(!store.missed(session("sidA", {"user:a"}), last, &why));
        QCOMPARE(why, RecoveryStore::Failure::Forgotten);
        // A socket in none of those rooms is not affected.
        QVERIFY(store.missed(session("sidB", {"user:b"}), last, &why));
    }

    void forgottenBroadcastToEveryoneFails()
    {
        RecoveryStore store(settings(3), "ep");
        const QString last = send(store, {"user:a"}, "seen");
        send(store, {}, "everyone");
        for (int i = 0; i < 5; ++i)
            send(store, {"x"}, "filler");
        RecoveryStore::Failure why;
        QVERIFY(!store.missed(session("sidA", {"user:a"}), last, &why));
        QCOMPARE(why, RecoveryStore::Failure::Forgotten);
    }

    void byteBoundEvictsAndIsKept()
    {
        RecoveryStore store(settings(1000, 4000), "ep");
        for (int i = 0; i < 100; ++i)
            send(store, {"r"}, QByteArray(100, 'x'));
        QVERIFY(store.bytes() <= 4000);
        QVERIFY(store.packetCount() > 0 && store.packetCount() < 100);
    }

    void clientThatNeverGotAnEventRecoversFromItsConnectPoint()
    {
        RecoveryStore store(settings(), "ep");
        send(store, {"user:a"}, "beforeConnect");
        const quint64 base = store.lastSeq();
        send(store, {"user:a"}, "afterConnect");
        RecoveryStore::Failure why;
        const auto missed = store.missed(session("sidA", {"user:a"}, base), std::nullopt, &why);
        QVERIFY(missed);
        QCOMPARE(names(*missed), QStringList{"afterConnect"});
        // An offset from an earlier session of the same client does not
        // bring back what was sent before this socket existed.
        const QString older = QString::fromLatin1(store.offsetOf(1));
        QCOMPARE(names(*store.missed(session("sidA", {"user:a"}, base), older, &why)),
                 QStringList{"afterConnect"});
    }

    void foreignOrMalformedOffsetsAreRefused()
    {
        RecoveryStore store(settings(), "ep");
        send(store, {"r"});
        RecoveryStore other(settings(), "zz");
        send(other, {"r"});
        RecoveryStore::Failure why;
        for (const QString &offset :
             {QString::fromLatin1(other.offsetOf(1)), QStringLiteral("ep.99"),
              QStringLiteral("ep."), QStringLiteral("ep.1x"), QStringLiteral("Q9J9su1"),
              QStringLiteral("ep.0"), QString()}) {
            QVERIFY2(!store.missed(session("s", {"r"}), offset, &why), qPrintable(offset));
            QCOMPARE(why, RecoveryStore::Failure::BadOffset);
        }
    }

    void sessionIsTakenOnce()
    {
        RecoveryStore store(settings(), "ep");
        store.persist(session("sidA", {"r"}, 0, 100));
        RecoveryStore::Failure why;
        QVERIFY(store.take("sidA", 200, &why));
        QVERIFY(!store.take("sidA", 200, &why));
        QCOMPARE(why, RecoveryStore::Failure::UnknownSession);
    }

    void sessionExpiresAfterTheWindow()
    {
        RecoveryStore store(settings(100, 1 << 20, /*window*/ 1000), "ep");
        store.persist(session("sidA", {"r"}, 0, 100));
        store.persist(session("sidB", {"r"}, 0, 100));
        RecoveryStore::Failure why;
        QVERIFY(!store.take("sidA", 1101, &why));
        QCOMPARE(why, RecoveryStore::Failure::Expired);
        store.expire(1200); // the sweep
        QVERIFY(!store.hasSessions());
        QVERIFY(!store.take("sidB", 1200, &why));
        QCOMPARE(why, RecoveryStore::Failure::Expired);
    }

    void packetsExpireButQuietSessionsStillRecover()
    {
        RecoveryStore store(settings(100, 1 << 20, 1000), "ep");
        const QString last = send(store, {"user:a"}, "old", {}, 0);
        send(store, {"x"}, "otherRoom", {}, 0);
        store.expire(5000);
        QCOMPARE(store.packetCount(), 0);
        RecoveryStore::Failure why;
        QVERIFY(store.missed(session("sidA", {"user:a"}), last, &why));
        QVERIFY(!store.missed(session("sidX", {"x"}), last, &why));
    }

    void sessionCountIsBounded()
    {
        RecoverySettings s = settings();
        s.maxSessions = 3;
        RecoveryStore store(s, "ep");
        for (int i = 0; i < 10; ++i)
            store.persist(session(QStringLiteral("sid%1").arg(i), {"r"}, 0, i));
        QCOMPARE(store.sessionCount(), 3);
        RecoveryStore::Failure why;
        QVERIFY(!store.take("sid0", 10, &why));
        QVERIFY(store.take("sid9", 10, &why));
    }

    void roomTableIsBoundedByAFloor()
    {
        RecoveryStore store(settings(1), "ep");
        const QString last = send(store, {"user:a"}, "seen");
        // Thousands of one-off rooms, all forgotten: the table is folded into
        // a floor, and an offset below it can no longer be judged.
        for (int i = 0; i < 5000; ++i)
            send(store, {QStringLiteral("task_progress:%1").arg(i)}, "p");
        RecoveryStore::Failure why;
        QVERIFY(!store.missed(session("sidA", {"user:a"}), last, &why));
        QCOMPARE(why, RecoveryStore::Failure::Forgotten);
        const QString recent = QString::fromLatin1(store.offsetOf(store.lastSeq()));
        QVERIFY(store.missed(session("sidA", {"user:a"}), recent, &why));
    }
};

QTEST_GUILESS_MAIN(TestRecoveryStore)
#include "tst_recoverystore.moc"
