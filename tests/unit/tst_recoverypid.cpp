// RecoveryPids: a pid names its socket, works only in its namespace and only
// for the process that made it, and survives no tampering.
#include "common/randomid.h"
#include "socketio/recoverypid.h"

#include <QTest>

class TestRecoveryPid : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void aPidNamesItsSocket()
    {
        RecoveryPids pids;
        const QString sid = randomid::string();
        const QString pid = pids.make(QStringLiteral("/site1"), sid);
        QVERIFY(!pid.contains(QLatin1Char('"')));
        QCOMPARE(pids.verify(QStringLiteral("/site1"), pid), std::optional<QString>(sid));
        // Same socket, same pid: a recovered socket keeps it (socket.recovered needs that).
        QCOMPARE(pids.make(QStringLiteral("/site1"), sid), pid);
    }

    void otherNamespacesProcessesAndForgeriesAreRefused()
    {
        RecoveryPids pids;
        RecoveryPids otherProcess;
        const QString sid = randomid::string();
        const QString pid = pids.make(QStringLiteral("/site1"), sid);
        QVERIFY(!pids.verify(QStringLiteral("/site2"), pid)); // never across tenants
        QVERIFY(!otherProcess.verify(QStringLiteral("/site1"), pid));
        QString flipped = pid;
        flipped[pid.size() - 1] =
            pid.back() == QLatin1Char('A') ? QLatin1Char('B') : QLatin1Char('A');
        QVERIFY(!pids.verify(QStringLiteral("/site1"), flipped));
        QString otherSocket = pid;
        otherSocket[0] = pid.front() == QLatin1Char('A') ? QLatin1Char('B') : QLatin1Char('A');
        QVERIFY(!pids.verify(QStringLiteral("/site1"), otherSocket));
        QVERIFY(!pids.verify(QStringLiteral("/site1"), sid));
        QVERIFY(!pids.verify(QStringLiteral("/site1"), QString()));
        QVERIFY(!pids.verify(QStringLiteral("/site1"), pid + QLatin1Char('x')));
    }

    void theDigestIsNotThePid()
    {
        const QString pid = RecoveryPids().make(QStringLiteral("/s"), randomid::string());
        const QByteArray digest = RecoveryPids::digest(pid);
        QCOMPARE(digest.size(), 32);
        QVERIFY(!digest.contains(pid.toLatin1()));
        QCOMPARE(RecoveryPids::digest(pid), digest);
    }
};

QTEST_GUILESS_MAIN(TestRecoveryPid)
#include "tst_recoverypid.moc"
