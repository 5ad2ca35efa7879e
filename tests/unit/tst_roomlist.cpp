// RoomList keeps set semantics (no duplicates, membership, removal) in a
// sorted list; these pin them down, since every join and leave goes through it.
#include "socketio/roomlist.h"

#include <QTest>

class TestRoomList : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void insertIsIdempotentAndSorted()
    {
        RoomList rooms;
        QVERIFY(rooms.isEmpty());
        QVERIFY(rooms.insert(QStringLiteral("user:b")));
        QVERIFY(rooms.insert(QStringLiteral("all")));
        QVERIFY(rooms.insert(QStringLiteral("doc:ToDo/1")));
        QVERIFY(!rooms.insert(QStringLiteral("all")));
        QCOMPARE(rooms.size(), 3);
        QCOMPARE(rooms.values(),
                 (QList<QString>{QStringLiteral("all"), QStringLiteral("doc:ToDo/1"),
                                 QStringLiteral("user:b")}));
    }

    void containsAndRemove()
    {
        RoomList rooms;
        for (const char *r : {"c", "a", "b"})
            rooms.insert(QString::fromLatin1(r));
        QVERIFY(rooms.contains(QStringLiteral("b")));
        QVERIFY(!rooms.contains(QStringLiteral("d")));
        QVERIFY(!rooms.contains(QString()));
        QVERIFY(rooms.remove(QStringLiteral("b")));
        QVERIFY(!rooms.remove(QStringLiteral("b")));
        QVERIFY(!rooms.contains(QStringLiteral("b")));
        QCOMPARE(rooms.size(), 2);
        QStringList seen(rooms.begin(), rooms.end());
        QCOMPARE(seen, (QStringList{QStringLiteral("a"), QStringLiteral("c")}));
        rooms.clear();
        QVERIFY(rooms.isEmpty());
        QVERIFY(!rooms.contains(QStringLiteral("a")));
    }

    void manyRoomsStayConsistent()
    {
        RoomList rooms;
        for (int i = 999; i >= 0; --i)
            QVERIFY(rooms.insert(QStringLiteral("doc:%1").arg(i)));
        QCOMPARE(rooms.size(), 1000);
        for (int i = 0; i < 1000; i += 2)
            QVERIFY(rooms.remove(QStringLiteral("doc:%1").arg(i)));
        for (int i = 0; i < 1000; ++i)
            QCOMPARE(rooms.contains(QStringLiteral("doc:%1").arg(i)), i % 2 == 1);
        QVERIFY(std::is_sorted(rooms.begin(), rooms.end()));
    }

    void growsWithoutSpareSlots()
    {
        // Front, back and middle inserts, as a socket's id, user: and all
        // rooms arrive: the list ends exactly as large as its contents.
        RoomList rooms;
        for (const char *room : {"m", "a", "z", "k", "b"}) {
            QVERIFY(rooms.insert(QString::fromLatin1(room)));
            QCOMPARE(rooms.values().capacity(), rooms.size());
        }
        QCOMPARE(rooms.values(), (QList<QString>{"a", "b", "k", "m", "z"}));
        QVERIFY(rooms.remove(QStringLiteral("k")));
        QVERIFY(rooms.insert(QStringLiteral("c")));
        QCOMPARE(rooms.values(), (QList<QString>{"a", "b", "c", "m", "z"}));
    }
};

QTEST_APPLESS_MAIN(TestRoomList)
#include "tst_roomlist.moc"
