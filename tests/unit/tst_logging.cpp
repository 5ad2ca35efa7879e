// Client text in log lines (issue 14): clientText() escapes what could forge
// a line and cuts long strings; LogHub never lets a message start a line of
// its own, cuts huge messages, and keeps its ring within a byte budget.
#include "common/clienttext.h"
#include "common/logging.h"
#include "common/loghub.h"

#include <QTest>

class TestLogging : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void clientTextEscapesLineBreaksAndControls()
    {
        QCOMPARE(clientText(QStringLiteral("a\r\nb\tc\x01")), QStringLiteral("a\\r\\nb\\tc\\x01"));
        QCOMPARE(clientText(QByteArray("room\nFORGED")), QStringLiteral("room\\nFORGED"));
        QCOMPARE(clientText(QStringLiteral("doc:ToDo/1")), QStringLiteral("doc:ToDo/1"));
    }
    void clientTextCutsLongStrings()
    {
        const QString room = QString(100000, QLatin1Char('r'));
        const QString shown = clientText(room, 50);
        QCOMPARE(shown, QString(50, QLatin1Char('r')) + QStringLiteral("... (100000 characters)"));
        const QString fromBytes = clientText(QByteArray(100000, 'b'), 50);
        QCOMPARE(fromBytes, QString(50, QLatin1Char('b')) + QStringLiteral("... (100000 bytes)"));
    }
    void logHubNeverStartsALineWithMessageText()
    {
        QCOMPARE(LogHub::sanitized(QStringLiteral("plain")), QStringLiteral("plain"));
        const QString s = LogHub::sanitized(QStringLiteral("x\nFORGED\rline\x1b[31m"));
        QCOMPARE(s, QStringLiteral("x\n    FORGED\\x0dline\\x1b[31m"));
        for (const QString &line : s.split(QLatin1Char('\n')).mid(1))
            QVERIFY(line.startsWith(QLatin1String("    ")));
    }
    void logHubCutsHugeMessages()
    {
        const QString huge(LogHub::kMaxMessageChars * 4, QLatin1Char('h'));
        const QString s = LogHub::sanitized(huge);
        QVERIFY(s.size() < LogHub::kMaxMessageChars + 100);
        QVERIFY(s.endsWith(QStringLiteral("characters)")));
    }
    void logRingIsBoundedInBytes()
    {
        LogHub &hub = LogHub::instance();
        hub.setEchoToStderr(false);
        const QString big(LogHub::kMaxMessageChars, QLatin1Char('m'));
        for (int i = 0; i < 1000; ++i)
            hub.append(QtWarningMsg, QStringLiteral("rt.test"), big);
        QVERIFY(hub.ringBytes() <= LogHub::kRingBudgetBytes);
        QVERIFY(hub.ringBytes() > LogHub::kRingBudgetBytes / 2);
        const QList<LogEntry> kept = hub.since(0, 100000);
        QVERIFY(kept.size() < 1000);
        QCOMPARE(kept.last().seq, hub.lastSeq()); // the newest are the ones kept
    }
};

QTEST_MAIN(TestLogging)
#include "tst_logging.moc"
