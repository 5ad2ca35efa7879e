// NamespaceMap: the per-client namespace table (sockets, pending connects,
// backlogs) behaves like the QHash it replaced for every operation SioServer uses.
#include "socketio/namespacemap.h"

#include <QTest>

class TestNamespaceMap : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void insertValueRemove();
    void insertReplacesExisting();
    void subscriptCreatesOnce();
    void takeMovesOut();
    void iterationVisitsValues();
};

void TestNamespaceMap::insertValueRemove()
{
    NamespaceMap<int *> map;
    int a = 1, b = 2;
    QVERIFY(map.isEmpty());
    QCOMPARE(map.value(QStringLiteral("/site1")), nullptr);
    map.insert(QStringLiteral("/site1"), &a);
    map.insert(QStringLiteral("/site2"), &b);
    QCOMPARE(map.size(), 2);
    QVERIFY(map.contains(QStringLiteral("/site2")));
    QCOMPARE(map.value(QStringLiteral("/site1")), &a);
    map.remove(QStringLiteral("/site1"));
    QCOMPARE(map.size(), 1);
    QVERIFY(!map.contains(QStringLiteral("/site1")));
    QCOMPARE(map.value(QStringLiteral("/site2")), &b);
    map.remove(QStringLiteral("/absent")); // no-op
    QCOMPARE(map.size(), 1);
}

void TestNamespaceMap::insertReplacesExisting()
{
    NamespaceMap<int> map;
    map.insert(QStringLiteral("/a"), 1);
    map.insert(QStringLiteral("/a"), 2);
    QCOMPARE(map.size(), 1);
    QCOMPARE(map.value(QStringLiteral("/a")), 2);
}

void TestNamespaceMap::subscriptCreatesOnce()
{
    NamespaceMap<QList<int>> map;
    map[QStringLiteral("/a")].append(1);
    map[QStringLiteral("/a")].append(2);
    map[QStringLiteral("/b")].append(3);
    QCOMPARE(map.size(), 2);
    QCOMPARE(map.value(QStringLiteral("/a")), (QList<int>{1, 2}));
}

void TestNamespaceMap::takeMovesOut()
{
    NamespaceMap<QList<int>> map;
    map[QStringLiteral("/a")] = {1, 2};
    map[QStringLiteral("/b")] = {3};
    QCOMPARE(map.take(QStringLiteral("/a")), (QList<int>{1, 2}));
    QCOMPARE(map.take(QStringLiteral("/a")), QList<int>());
    QCOMPARE(map.size(), 1);
    QCOMPARE(map.value(QStringLiteral("/b")), QList<int>{3});
}

void TestNamespaceMap::iterationVisitsValues()
{
    NamespaceMap<int> map;
    for (int i = 0; i < 5; ++i)
        map.insert(QStringLiteral("/n%1").arg(i), i * 10);
    int sum = 0;
    for (int v : map)
        sum += v;
    QCOMPARE(sum, 100);
    QCOMPARE(map.values(), (QList<int>{0, 10, 20, 30, 40}));
}

QTEST_GUILESS_MAIN(TestNamespaceMap)
#include "tst_namespacemap.moc"
