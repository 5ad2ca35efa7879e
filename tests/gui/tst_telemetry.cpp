// The engine-side telemetry pieces the monitor relies on, without a window:
// percentiles, the bounded trace ring and its sequence ids, the rate history,
// the frappe.as_json encoder, header masking and the headless stats line.
#include "common/credentialmask.h"
#include "monitor/monitorcontrol.h"
#include "statsprinter.h"
#include "telemetry/latencyhistogram.h"
#include "telemetry/ratehistory.h"
#include "telemetry/tracering.h"
#include "json/pythonjson.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

class tst_Telemetry : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void percentilesAreCloseToTheTruth()
    {
        LatencyHistogram h;
        for (int i = 1; i <= 1000; ++i)
            h.add(i * 1000); // 1 ms .. 1000 ms
        const double p50 = h.percentile(0.5) / 1000.0;
        const double p99 = h.percentile(0.99) / 1000.0;
        QVERIFY2(p50 > 500 * 0.85 && p50 < 500 * 1.15, qPrintable(QString::number(p50)));
        QVERIFY2(p99 > 990 * 0.85 && p99 < 990 * 1.15, qPrintable(QString::number(p99)));
        h.clear();
        QCOMPARE(h.percentile(0.5), 0);
    }

    void traceRingIsBoundedAndResumesBySequence()
    {
        TraceRing ring(100);
        for (int i = 0; i < 250; ++i) {
            TraceEntry e;
            e.event = QStringLiteral("e%1").arg(i);
            ring.append(e);
        }
        QCOMPARE(ring.size(), 100);
        QCOMPARE(ring.lastSeq(), quint64(250));
        const auto tail = ring.since(240);
        QCOMPARE(tail.size(), 10);
        QCOMPARE(tail.first().seq, quint64(241));
        QCOMPARE(tail.last().event, QStringLiteral("e249"));
        // A reader that fell behind gets what is left, newest last.
        const auto behind = ring.since(3);
        QCOMPARE(behind.first().seq, quint64(151));
        QVERIFY(ring.since(250).isEmpty());
    }

    void traceRingTruncatesLargePayloadsAndKeepsItsByteBudget()
    {
        TraceRing ring(1000, 200 * 1024);
        TraceEntry big;
        big.payload = QByteArray(100 * 1024, 'x');
        ring.append(big);
        const auto first = ring.since(0);
        QCOMPARE(first.first().payload.size(), TraceRing::MaxPayloadBytes);
        QVERIFY(first.first().truncated);
        for (int i = 0; i < 10; ++i)
            ring.append(big);
        QVERIFY(ring.size() <= 3); // 64 KB each, 200 KB budget
    }

    void rateHistoryKeepsTheLastHour()
    {
        RateHistory history(3600);
        for (int i = 0; i < 4000; ++i) {
            RateSample s;
            s.deliveries = quint32(i);
            history.append(s);
        }
        const auto all = history.since(0);
        QCOMPARE(all.size(), 3600);
        QCOMPARE(all.last().deliveries, quint32(3999));
        QCOMPARE(history.latest().seq, quint64(4000));
    }

    void redisMessageIsFormattedLikeFrappeAsJson()
    {
        const QJsonObject message{{QStringLiteral("b"), 1},
                                  {QStringLiteral("a"), QStringLiteral("é")},
                                  {QStringLiteral("f"), 1.5},
                                  {QStringLiteral("n"), QJsonValue()},
                                  {QStringLiteral("l"), QJsonArray{true, QJsonObject()}}};
        const QByteArray text = MonitorControl::frappeRedisMessage(
            QStringLiteral("site1.local"), QStringLiteral("user:a@b.c"), QStringLiteral("msgprint"),
            message);
        // What python3 -c 'import json; print(json.dumps({...}, indent=1, sort_keys=True))' prints.
        const QByteArray expected = "{\n"
                                    " \"event\": \"msgprint\",\n"
                                    " \"message\": {\n"
                                    "  \"a\": \"\\u00e9\",\n"
                                    "  \"b\": 1,\n"
                                    "  \"f\": 1.5,\n"
                                    "  \"l\": [\n"
                                    "   true,\n"
                                    "   {}\n"
                                    "  ],\n"
                                    "  \"n\": null\n"
                                    " },\n"
                                    " \"namespace\": \"site1.local\",\n"
                                    " \"room\": \"user:a@b.c\"\n"
                                    "}";
        QCOMPARE(text, expected);
        QVERIFY(!QJsonDocument::fromJson(text).isNull());
    }

    void credentialsAreMasked()
    {
        // One rule with the log masker: 4 characters of a long secret, none of a short one.
        const HeaderList masked =
            maskedHeaders({{"cookie", "sid=abc123def456ghi789; system_user=yes"},
                           {"authorization", "token key:secret"},
                           {"authorization", "token 0123456789abcdef:fedcba9876543210"},
                           {"x-frappe-socket-secret", "s3cr3t-0123456789"},
                           {"origin", "http://site1.local"}});
        QCOMPARE(masked.at(0).second, QByteArray("sid=abc1…; system_user=…"));
        QCOMPARE(masked.at(1).second, QByteArray("token …"));
        QCOMPARE(masked.at(2).second, QByteArray("token 0123…"));
        QCOMPARE(masked.at(3).second, QByteArray("s3cr…"));
        QCOMPARE(masked.at(4).second, QByteArray("http://site1.local"));
        // URLs, also when they do not parse: no password, no sid value.
        QCOMPARE(redactedUrlText(QStringLiteral("redis://default:hunter2@[::1:6379/0")),
                 QStringLiteral("redis://default:***@[::1:6379/0"));
        QCOMPARE(redactedUrlText(QStringLiteral("unix:///run/r.sock?password=hunter2&db=1")),
                 QStringLiteral("unix:///run/r.sock?password=…&db=1"));
        QCOMPARE(redactedUrl(QUrl(QStringLiteral("http://u:hunter2@web:8000/x"))),
                 QStringLiteral("http://u:***@web:8000/x"));
    }

    void statsLineShowsRatesOverTheInterval()
    {
        TelemetryTotals before, now;
        now.connections = 12;
        now.redisIn = 100;
        now.deliveries = 5000;
        const QString line = StatsPrinter::formatLine(before, now, 10.0);
        QVERIFY2(line.contains(QStringLiteral("connections=12")), qPrintable(line));
        QVERIFY2(line.contains(QStringLiteral("events/s=10.0")), qPrintable(line));
        QVERIFY2(line.contains(QStringLiteral("deliveries/s=500.0")), qPrintable(line));
    }
};

QTEST_GUILESS_MAIN(tst_Telemetry)
#include "tst_telemetry.moc"
