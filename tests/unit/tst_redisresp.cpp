// The RESP pieces under the Redis clients, without a server: the reply reader (fed whole and
// one byte at a time), the command encoder, and the reconnect backoff.
#include "redis/reconnectbackoff.h"
#include "redis/respencoder.h"
#include "redis/respreader.h"

#include <QTest>

namespace {

QList<RedisValue> readAll(RespReader &reader, RespReader::Status *last)
{
    QList<RedisValue> out;
    RedisValue v;
    while ((*last = reader.next(&v)) == RespReader::Status::Reply)
        out << v;
    return out;
}

} // namespace

class TestRedisResp : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void reader_data();
    void reader();
    void readerByteByByte_data() { reader_data(); }
    void readerByteByByte();
    void readerManyRepliesInOneFeed();
    void readerBigAndSmallRepliesAcrossFeeds();
    void readerProtocolError();
    void readerLimit();
    void readerReset();
    void encoder_data();
    void encoder();
    void encoderAppendPipelines();
    void backoff_data();
    void backoff();
};

void TestRedisResp::reader_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<QString>("described");

    QTest::newRow("status") << QByteArray("+OK\r\n") << "OK";
    QTest::newRow("error") << QByteArray("-ERR wrong\r\n") << "(error) ERR wrong";
    QTest::newRow("integer") << QByteArray(":-42\r\n") << "(integer) -42";
    QTest::newRow("bulk") << QByteArray("$5\r\nhello\r\n") << "\"hello\"";
    QTest::newRow("bulk with CRLF inside") << QByteArray("$4\r\na\r\nb\r\n") << "\"a\r\nb\"";
    QTest::newRow("empty bulk") << QByteArray("$0\r\n\r\n") << "\"\"";
    QTest::newRow("nil bulk") << QByteArray("$-1\r\n") << "(nil)";
    QTest::newRow("nil array") << QByteArray("*-1\r\n") << "(nil)";
    QTest::newRow("empty array") << QByteArray("*0\r\n") << "[]";
    QTest::newRow("pubsub message")
        << QByteArray("*3\r\n$7\r\nmessage\r\n$6\r\nevents\r\n$2\r\n{}\r\n")
        << "[\"message\", \"events\", \"{}\"]";
    QTest::newRow("subscribe confirmation")
        << QByteArray("*3\r\n$9\r\nsubscribe\r\n$6\r\nevents\r\n:1\r\n")
        << "[\"subscribe\", \"events\", (integer) 1]";
    QTest::newRow("nested") << QByteArray("*2\r\n*2\r\n:1\r\n$-1\r\n+x\r\n")
                            << "[[(integer) 1, (nil)], x]";
}

void TestRedisResp::reader()
{
    QFETCH(QByteArray, wire);
    RespReader reader;
    reader.feed(wire);
    RespReader::Status last;
    const QList<RedisValue> replies = readAll(reader, &last);
    QCOMPARE(last, RespReader::Status::NeedMore);
    QCOMPARE(replies.size(), 1);
    QTEST(replies.first().describe(), "described");
    QCOMPARE(reader.pendingBytes(), 0);
}

void TestRedisResp::readerByteByByte()
{
    QFETCH(QByteArray, wire);
    RespReader reader;
    QList<RedisValue> replies;
    for (qsizetype i = 0; i < wire.size(); ++i) {
        reader.feed(wire.constData() + i, 1);
        RespReader::Status last;
        replies << readAll(reader, &last);
        QCOMPARE(last, RespReader::Status::NeedMore);
        // Nothing may come out before the last byte of the reply is in.
        QCOMPARE(replies.size(), i == wire.size() - 1 ? 1 : 0);
    }
    QTEST(replies.first().describe(), "described");
}

void TestRedisResp::readerManyRepliesInOneFeed()
{
    QByteArray wire;
    for (int i = 0; i < 1000; ++i) {
        const QByteArray payload = "payload-" + QByteArray::number(i);
        wire += "*3\r\n$7\r\nmessage\r\n$6\r\nevents\r\n$" + QByteArray::number(payload.size()) +
                "\r\n" + payload + "\r\n";
    }
    wire += "*3\r\n$7\r\nmessage\r\n$6\r\nev"; // the start of one more, incomplete
    RespReader reader(1024);                   // limit below the whole feed, above one reply
    reader.feed(wire);
    RespReader::Status last;
    const QList<RedisValue> replies = readAll(reader, &last);
    QCOMPARE(last, RespReader::Status::NeedMore);
    QCOMPARE(replies.size(), 1000);
    for (int i = 0; i < 1000; ++i)
        QCOMPARE(replies.at(i).elements.at(2).string, "payload-" + QByteArray::number(i));
    QVERIFY(reader.pendingBytes() > 0);
}

// Replies larger than the reader's internal feed slice, small ones around them, and a
// second feed arriving while part of the first is still unparsed: order and content kept.
void TestRedisResp::readerBigAndSmallRepliesAcrossFeeds()
{
    QList<QByteArray> payloads;
    QByteArray wire;
    for (int i = 0; i < 300; ++i) {
        const QByteArray payload = i % 50 == 7 ? QByteArray(200 * 1024 + i, char('a' + i % 26))
                                               : "small-" + QByteArray::number(i);
        payloads.append(payload);
        wire += "*3\r\n$7\r\nmessage\r\n$6\r\nevents\r\n$" + QByteArray::number(payload.size()) +
                "\r\n" + payload + "\r\n";
    }
    const qsizetype cut = wire.size() / 3 + 5; // somewhere inside a reply
    RespReader reader;
    reader.feed(wire.left(cut));
    QList<RedisValue> replies;
    RedisValue v;
    for (int i = 0; i < 10; ++i) { // take a few, leaving unparsed input behind
        QCOMPARE(reader.next(&v), RespReader::Status::Reply);
        replies.append(v);
    }
    QVERIFY(reader.pendingBytes() > 0);
    reader.feed(wire.mid(cut));
    RespReader::Status last;
    replies += readAll(reader, &last);
    QCOMPARE(last, RespReader::Status::NeedMore);
    QCOMPARE(replies.size(), payloads.size());
    for (int i = 0; i < payloads.size(); ++i)
        QVERIFY2(replies.at(i).elements.at(2).string == payloads.at(i),
                 qPrintable(QString::number(i)));
    QCOMPARE(reader.pendingBytes(), 0);
}

void TestRedisResp::readerProtocolError()
{
    RespReader reader;
    reader.feed(QByteArray("+OK\r\nHTTP/1.1 400 Bad Request\r\n"));
    RedisValue v;
    QCOMPARE(reader.next(&v), RespReader::Status::Reply);
    QCOMPARE(reader.next(&v), RespReader::Status::Error);
    QVERIFY2(reader.errorString().contains(QStringLiteral("protocol error")),
             qPrintable(reader.errorString()));
    // Sticky until reset: the stream position is lost.
    reader.feed(QByteArray("+OK\r\n"));
    QCOMPARE(reader.next(&v), RespReader::Status::Error);
}

void TestRedisResp::readerLimit()
{
    RespReader reader(100);
    reader.feed(QByteArray("$1000\r\n") + QByteArray(200, 'x'));
    RedisValue v;
    QCOMPARE(reader.next(&v), RespReader::Status::Error);
    QVERIFY2(reader.errorString().contains(QStringLiteral("larger than 100")),
             qPrintable(reader.errorString()));
}

void TestRedisResp::readerReset()
{
    RespReader reader;
    reader.feed(QByteArray("!garbage\r\n"));
    RedisValue v;
    QCOMPARE(reader.next(&v), RespReader::Status::Error);
    reader.reset();
    QVERIFY(reader.errorString().isEmpty());
    reader.feed(QByteArray(":7\r\n"));
    QCOMPARE(reader.next(&v), RespReader::Status::Reply);
    QCOMPARE(v.integer, 7);
}

void TestRedisResp::encoder_data()
{
    QTest::addColumn<QList<QByteArray>>("argv");
    QTest::addColumn<QByteArray>("wire");

    QTest::newRow("ping") << QList<QByteArray>{"PING"} << QByteArray("*1\r\n$4\r\nPING\r\n");
    QTest::newRow("publish") << QList<QByteArray>{"PUBLISH", "events", "{\"a\": 1}"}
                             << QByteArray("*3\r\n$7\r\nPUBLISH\r\n$6\r\nevents\r\n$8\r\n"
                                           "{\"a\": 1}\r\n");
    QTest::newRow("empty argument")
        << QList<QByteArray>{"GET", ""} << QByteArray("*2\r\n$3\r\nGET\r\n$0\r\n\r\n");
    QTest::newRow("binary argument") << QList<QByteArray>{"SET", QByteArray("k\r\n\0", 4)}
                                     << QByteArray("*2\r\n$3\r\nSET\r\n$4\r\nk\r\n\0\r\n", 23);
}

void TestRedisResp::encoder()
{
    QFETCH(QList<QByteArray>, argv);
    QTEST(encodeRedisCommand(argv), "wire");
}

void TestRedisResp::encoderAppendPipelines()
{
    QByteArray pipeline;
    appendRedisCommand(&pipeline, {"PING"});
    appendRedisCommand(&pipeline, {"GET", "k"});
    QCOMPARE(pipeline, encodeRedisCommand({"PING"}) + encodeRedisCommand({"GET", "k"}));
}

void TestRedisResp::backoff_data()
{
    QTest::addColumn<int>("minMs");
    QTest::addColumn<int>("maxMs");
    QTest::addColumn<QList<int>>("ceilings"); // the upper bound of each successive delay

    QTest::newRow("defaults") << 100 << 5000
                              << QList<int>{100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000};
    QTest::newRow("max below doubling") << 300 << 500 << QList<int>{300, 500, 500};
    QTest::newRow("max below min") << 200 << 50 << QList<int>{200, 200};
    QTest::newRow("min zero") << 0 << 4 << QList<int>{1, 2, 4, 4};
}

void TestRedisResp::backoff()
{
    QFETCH(int, minMs);
    QFETCH(int, maxMs);
    QFETCH(QList<int>, ceilings);
    for (int round = 0; round < 50; ++round) { // the jitter is random: check the bounds often
        ReconnectBackoff backoff(minMs, maxMs);
        for (int i = 0; i < ceilings.size(); ++i) {
            const int delay = backoff.nextDelayMs();
            QVERIFY2(delay <= ceilings.at(i) && delay >= std::max(1, ceilings.at(i) / 2),
                     qPrintable(QStringLiteral("attempt %1: %2 ms").arg(i).arg(delay)));
        }
        QCOMPARE(backoff.failures(), ceilings.size());
    }
    ReconnectBackoff backoff(minMs, maxMs);
    for (int i = 0; i < 100; ++i) // long outages must not overflow the doubling
        QVERIFY(backoff.nextDelayMs() <= std::max(backoff.minMs(), backoff.maxMs()));
    backoff.reset();
    QCOMPARE(backoff.failures(), 0);
    QVERIFY(backoff.nextDelayMs() <= ceilings.first());
}

QTEST_GUILESS_MAIN(TestRedisResp)
#include "tst_redisresp.moc"
