// RedisSubscriber against a real redis-server that each test starts itself on a free port:
// delivery, bursts, outages (server not up yet, killed, paused, CLIENT KILL), AUTH/SELECT,
// Unix sockets, and peers that never answer or answer garbage.
#include "redis/redissubscriber.h"
#include "redis/respencoder.h"
#include "redis/respreader.h"

#include <QElapsedTimer>
#include <QLocalSocket>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>

#include "redistestserver.h"

using State = RedisSubscriber::State;

// Records every state change and message, so a test can assert the whole sequence.
class Recorder : public QObject {
public:
    explicit Recorder(RedisSubscriber *s)
    {
        connect(s, &RedisSubscriber::stateChanged, this,
                [this](State state, const QString &) { states << state; });
        connect(s, &RedisSubscriber::message, this,
                [this](const QByteArray &channel, const QByteArray &payload) {
                    channels << channel;
                    payloads << payload;
                });
    }
    QList<State> states;
    QList<QByteArray> channels;
    QList<QByteArray> payloads;
};

constexpr int Timeout = 15000; // correctness, not timing: generous for a loaded CI box

class TestRedisSubscriber : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void subscribeAndReceive();
    void burstArrivesInOrder();
    void subscribeWhileConnected();
    void patternsAndUnsubscribe();
    void startsBeforeServer();
    void survivesServerRestarts();
    void clientKillResubscribes();
    void unixSocket();
    void authAndSelect();
    void wrongPasswordRetries();
    void halfOpenLinkDetectedByPing();
    void silentServerTimesOut_data();
    void silentServerTimesOut();
    void garbageFromServerReconnects();
    void stopStaysStopped();

private:
    std::unique_ptr<RedisSubscriber> makeSubscriber(const QString &url);
};

void TestRedisSubscriber::initTestCase()
{
    if (RedisTestServer::binary().isEmpty()) QSKIP("redis-server not found (set RT_REDIS_SERVER)");
}

std::unique_ptr<RedisSubscriber> TestRedisSubscriber::makeSubscriber(const QString &url)
{
    QString error;
    const std::optional<RedisEndpoint> ep = RedisEndpoint::parse(url, &error);
    if (!ep) qFatal("bad test URL %s: %s", qPrintable(url), qPrintable(error));
    auto s = std::make_unique<RedisSubscriber>(*ep);
    s->setReconnectBackoff(20, 300); // quick retries keep the outage tests short
    return s;
}

void TestRedisSubscriber::subscribeAndReceive()
{
    RedisTestServer redis;
    QVERIFY(redis.startTcp(RedisTestServer::freePort()));
    auto sub = makeSubscriber(redis.url());
    Recorder rec(sub.get());
    sub->subscribe("events");
    sub->subscribe("events"); // a duplicate is recorded once
    QCOMPARE(sub->channels(), QList<QByteArray>{"events"});
    QCOMPARE(sub->state(), State::Stopped);
    sub->start();
    QCOMPARE(sub->state(), State::Connecting);
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Subscribed, Timeout);
    QCOMPARE(rec.states, (QList<State>{State::Connecting, State::Subscribed}));

    const QByteArray payload = "{\n \"event\": \"msgprint\",\n \"room\": \"user:a@b.c\"\n}";
    QCOMPARE(redis.publish("events", payload), 1);
    QCOMPARE(redis.publish("other", "not for us"), 0);
    QTRY_COMPARE_WITH_TIMEOUT(rec.payloads.size(), 1, Timeout);
    QCOMPARE(rec.channels.first(), QByteArray("events"));
    QCOMPARE(rec.payloads.first(), payload);
    QCOMPARE(sub->messagesReceived(), 1u);
    QCOMPARE(sub->reconnects(), 0u);
}

void TestRedisSubscriber::burstArrivesInOrder()
{
    RedisTestServer redis;
    QVERIFY(redis.startTcp(RedisTestServer::freePort()));
    auto sub = makeSubscriber(redis.url());
    Recorder rec(sub.get());
    sub->subscribe("events");
    sub->start();
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Subscribed, Timeout);

    // One write of 500 PUBLISH commands: the subscriber sees them as few large reads.
    QList<QList<QByteArray>> commands;
    QList<QByteArray> expected;
    for (int i = 0; i < 500; ++i) {
        // Varied sizes, with bytes that must survive untouched (CR/LF, NUL, UTF-8).
        const QByteArray payload = "{\"n\": " + QByteArray::number(i) + ", \"pad\": \"" +
                                   QByteArray(i * 7 % 3000, 'x') + "\"}" +
                                   QByteArray("\r\n\0\xc3\xa9", 5);
        expected << payload;
        commands << QList<QByteArray>{"PUBLISH", "events", payload};
    }
    const QList<RedisValue> replies = redis.run(commands);
    QCOMPARE(replies.size(), 500);
    QTRY_COMPARE_WITH_TIMEOUT(rec.payloads.size(), 500, Timeout);
    QCOMPARE(rec.payloads, expected);
    QCOMPARE(sub->messagesReceived(), 500u);
}

void TestRedisSubscriber::subscribeWhileConnected()
{
    RedisTestServer redis;
    QVERIFY(redis.startTcp(RedisTestServer::freePort()));
    auto sub = makeSubscriber(redis.url());
    Recorder rec(sub.get());
    sub->start(); // no channels yet: connected, nothing to confirm
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Subscribed, Timeout);
    sub->subscribe("late");
    // Publish once the server has the subscription (QTRY would re-run a publish expression).
    QTRY_COMPARE_WITH_TIMEOUT(
        redis.run({{"PUBSUB", "NUMSUB", "late"}}).value(0).elements.value(1).integer, 1, Timeout);
    QCOMPARE(redis.publish("late", "hello"), 1);
    QTRY_COMPARE_WITH_TIMEOUT(rec.payloads, QList<QByteArray>{"hello"}, Timeout);
    QCOMPARE(rec.states, (QList<State>{State::Connecting, State::Subscribed}));
}

void TestRedisSubscriber::startsBeforeServer()
{
    const quint16 port = RedisTestServer::freePort();
    auto sub = makeSubscriber(QStringLiteral("redis://127.0.0.1:%1").arg(port));
    Recorder rec(sub.get());
    sub->subscribe("events");
    sub->start();
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Disconnected, Timeout);
    QVERIFY2(sub->lastError().contains(QStringLiteral("refused")), qPrintable(sub->lastError()));
    QTest::qWait(500); // several retries fail meanwhile, without any further state change
    QCOMPARE(rec.states, (QList<State>{State::Connecting, State::Disconnected}));

    RedisTestServer redis;
    QVERIFY(redis.startTcp(port));
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Subscribed, Timeout);
    QCOMPARE(rec.states, (QList<State>{State::Connecting, State::Disconnected, State::Subscribed}));
    QCOMPARE(redis.publish("events", "up"), 1);
    QTRY_COMPARE_WITH_TIMEOUT(rec.payloads, QList<QByteArray>{"up"}, Timeout);
    QCOMPARE(sub->reconnects(), 0u); // never lost a working link
}

// The cluster's use: PSUBSCRIBE per namespace, UNSUBSCRIBE when it goes, both replayed
// (only what is still wanted) after a restart.
void TestRedisSubscriber::patternsAndUnsubscribe()
{
    const quint16 port = RedisTestServer::freePort();
    RedisTestServer redis;
    QVERIFY(redis.startTcp(port));
    auto sub = makeSubscriber(redis.url());
    Recorder rec(sub.get());
    sub->subscribe("plain");
    sub->psubscribe("p#/a#*");
    sub->psubscribe("p#/a#*"); // recorded once
    QCOMPARE(sub->patterns(), QList<QByteArray>{"p#/a#*"});
    sub->start();
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Subscribed, Timeout);
    QCOMPARE(redis.publish("p#/a#room 1#", "r1"), 1);
    QCOMPARE(redis.publish("p#/b#", "other namespace"), 0);
    QCOMPARE(redis.publish("plain", "p"), 1);
    QTRY_COMPARE_WITH_TIMEOUT(rec.payloads, (QList<QByteArray>{"r1", "p"}), Timeout);
    QCOMPARE(rec.channels.first(), QByteArray("p#/a#room 1#")); // the channel, not the pattern

    sub->psubscribe("q#*"); // while connected
    QTRY_COMPARE_WITH_TIMEOUT(redis.run({{"PUBSUB", "NUMPAT"}}).value(0).integer, 2, Timeout);
    sub->unsubscribe("plain");
    sub->punsubscribe("p#/a#*");
    QTRY_COMPARE_WITH_TIMEOUT(
        redis.run({{"PUBSUB", "NUMSUB", "plain"}}).value(0).elements.value(1).integer, 0, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(redis.run({{"PUBSUB", "NUMPAT"}}).value(0).integer, 1, Timeout);
    QCOMPARE(sub->channels(), QList<QByteArray>());
    QCOMPARE(sub->patterns(), QList<QByteArray>{"q#*"});

    redis.stop();
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Disconnected, Timeout);
    QVERIFY(redis.startTcp(port));
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Subscribed, Timeout);
    QCOMPARE(redis.publish("plain", "gone"), 0);
    QCOMPARE(redis.publish("p#/a#x#", "gone"), 0);
    QCOMPARE(redis.publish("q#1", "q"), 1);
    QTRY_COMPARE_WITH_TIMEOUT(rec.payloads, (QList<QByteArray>{"r1", "p", "q"}), Timeout);
}

void TestRedisSubscriber::survivesServerRestarts()
{
    const quint16 port = RedisTestServer::freePort();
    RedisTestServer redis;
    QVERIFY(redis.startTcp(port));
    auto sub = makeSubscriber(redis.url());
    Recorder rec(sub.get());
    sub->subscribe("events");
    sub->subscribe("second");
    sub->start();
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Subscribed, Timeout);

    QList<QByteArray> expected;
    for (int round = 1; round <= 3; ++round) {
        rec.states.clear();
        redis.stop(); // SIGKILL: no goodbye on the wire
        QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Disconnected, Timeout);
        QTest::qWait(100);
        QVERIFY(redis.startTcp(port));
        QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Subscribed, Timeout);
        QCOMPARE(rec.states, (QList<State>{State::Disconnected, State::Subscribed}));
        QCOMPARE(sub->reconnects(), quint64(round));

        const QByteArray a = "round " + QByteArray::number(round);
        const QByteArray b = "second " + QByteArray::number(round);
        QCOMPARE(redis.publish("events", a), 1);
        QCOMPARE(redis.publish("second", b), 1); // every channel was replayed
        expected << a << b;
        QTRY_COMPARE_WITH_TIMEOUT(rec.payloads, expected, Timeout);
    }
}

void TestRedisSubscriber::clientKillResubscribes()
{
    RedisTestServer redis;
    QVERIFY(redis.startTcp(RedisTestServer::freePort()));
    auto sub = makeSubscriber(redis.url());
    Recorder rec(sub.get());
    sub->subscribe("events");
    sub->start();
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Subscribed, Timeout);

    const QList<RedisValue> killed = redis.run({{"CLIENT", "KILL", "TYPE", "pubsub"}});
    QCOMPARE(killed.size(), 1);
    QCOMPARE(killed.first().integer, 1);
    QTRY_COMPARE_WITH_TIMEOUT(sub->reconnects(), 1u, Timeout);
    QCOMPARE(rec.states, (QList<State>{State::Connecting, State::Subscribed, State::Disconnected,
                                       State::Subscribed}));
    QVERIFY2(sub->lastError().contains(QStringLiteral("closed")), qPrintable(sub->lastError()));
    QCOMPARE(redis.publish("events", "after kill"), 1);
    QTRY_COMPARE_WITH_TIMEOUT(rec.payloads, QList<QByteArray>{"after kill"}, Timeout);
}

void TestRedisSubscriber::unixSocket()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    RedisTestServer redis;
    QVERIFY(redis.startUnix(dir.filePath(QStringLiteral("redis.sock"))));
    auto sub = makeSubscriber(redis.url());
    QVERIFY(sub->endpoint().isUnix());
    Recorder rec(sub.get());
    sub->subscribe("events");
    sub->start();
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Subscribed, Timeout);
    QCOMPARE(redis.publish("events", "over unix"), 1);
    QTRY_COMPARE_WITH_TIMEOUT(rec.payloads, QList<QByteArray>{"over unix"}, Timeout);

    redis.stop(); // restart on the same path
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Disconnected, Timeout);
    QVERIFY(redis.startUnix(dir.filePath(QStringLiteral("redis.sock"))));
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Subscribed, Timeout);
    QCOMPARE(redis.publish("events", "again"), 1);
    QTRY_COMPARE_WITH_TIMEOUT(rec.payloads, (QList<QByteArray>{"over unix", "again"}), Timeout);
}

void TestRedisSubscriber::authAndSelect()
{
    RedisTestServer redis;
    QVERIFY(redis.startTcp(RedisTestServer::freePort(), {"--requirepass", "s3cret"}));
    auto sub = makeSubscriber(QStringLiteral("redis://:s3cret@127.0.0.1:%1/3").arg(redis.port()));
    Recorder rec(sub.get());
    sub->subscribe("events");
    sub->start();
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Subscribed, Timeout);
    // The connection really logged in and switched database before subscribing.
    const QList<RedisValue> clients = redis.run({{"CLIENT", "LIST", "TYPE", "pubsub"}}, "s3cret");
    QCOMPARE(clients.size(), 1);
    QVERIFY2(clients.first().string.contains(" db=3 "), clients.first().string.constData());
    QCOMPARE(redis.publish("events", "authed", "s3cret"), 1);
    QTRY_COMPARE_WITH_TIMEOUT(rec.payloads, QList<QByteArray>{"authed"}, Timeout);
}

void TestRedisSubscriber::wrongPasswordRetries()
{
    RedisTestServer redis;
    QVERIFY(redis.startTcp(RedisTestServer::freePort(), {"--requirepass", "s3cret"}));
    auto sub = makeSubscriber(QStringLiteral("redis://:hunter2x@127.0.0.1:%1").arg(redis.port()));
    sub->subscribe("events");
    sub->start();
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Disconnected, Timeout);
    QVERIFY2(sub->lastError().contains(QStringLiteral("AUTH failed")) &&
                 sub->lastError().contains(QStringLiteral("WRONGPASS")),
             qPrintable(sub->lastError()));
    QVERIFY(!sub->lastError().contains(QStringLiteral("hunter2x"))); // never echo a password

    // Fixing the server side is enough: the subscriber keeps trying.
    QCOMPARE(redis.run({{"CONFIG", "SET", "requirepass", "hunter2x"}}, "s3cret").size(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Subscribed, Timeout);
}

void TestRedisSubscriber::halfOpenLinkDetectedByPing()
{
    RedisTestServer redis;
    QVERIFY(redis.startTcp(RedisTestServer::freePort()));
    auto sub = makeSubscriber(redis.url());
    sub->setHealthCheck(200, 500);
    sub->setConnectTimeout(1000);
    Recorder rec(sub.get());
    sub->subscribe("events");
    sub->start();
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Subscribed, Timeout);
    QTest::qWait(600); // a few PINGs answered: a healthy link is left alone
    QCOMPARE(sub->state(), State::Subscribed);

    redis.pause();
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Disconnected, Timeout);
    QVERIFY2(sub->lastError().contains(QStringLiteral("no PING reply within 500 ms")),
             qPrintable(sub->lastError()));
    QTest::qWait(1500); // retries against the paused server time out too (SUBSCRIBE unanswered)
    QCOMPARE(sub->state(), State::Disconnected);

    redis.resume();
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Subscribed, Timeout);
    QCOMPARE(redis.publish("events", "alive"), 1);
    QTRY_COMPARE_WITH_TIMEOUT(rec.payloads, QList<QByteArray>{"alive"}, Timeout);
}

void TestRedisSubscriber::silentServerTimesOut_data()
{
    QTest::addColumn<QString>("userInfo");
    QTest::addColumn<QString>("errorContains");

    QTest::newRow("no auth: SUBSCRIBE unanswered") << ""
                                                   << "no SUBSCRIBE confirmation within";
    QTest::newRow("auth: AUTH unanswered") << ":pw@"
                                           << "timed out after 300 ms waiting for the "
                                              "AUTH/SELECT reply";
}

void TestRedisSubscriber::silentServerTimesOut()
{
    QFETCH(QString, userInfo);
    QFETCH(QString, errorContains);
    QTcpServer silent; // accepts connections (the kernel does), never says a word
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    auto sub = makeSubscriber(QStringLiteral("redis://") + userInfo +
                              QStringLiteral("127.0.0.1:%1").arg(silent.serverPort()));
    sub->setConnectTimeout(300);
    sub->subscribe("events");
    QElapsedTimer clock;
    clock.start();
    sub->start();
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Disconnected, Timeout);
    QVERIFY2(sub->lastError().contains(errorContains), qPrintable(sub->lastError()));
    QVERIFY(clock.elapsed() < Timeout);
}

void TestRedisSubscriber::garbageFromServerReconnects()
{
    QTcpServer fake; // speaks HTTP instead of RESP
    QVERIFY(fake.listen(QHostAddress::LocalHost, 0));
    int accepted = 0;
    connect(&fake, &QTcpServer::newConnection, &fake, [&] {
        while (QTcpSocket *c = fake.nextPendingConnection()) {
            ++accepted;
            c->write("HTTP/1.1 400 Bad Request\r\n\r\n");
        }
    });
    auto sub = makeSubscriber(QStringLiteral("redis://127.0.0.1:%1").arg(fake.serverPort()));
    sub->subscribe("events");
    sub->start();
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Disconnected, Timeout);
    QVERIFY2(sub->lastError().contains(QStringLiteral("protocol error")),
             qPrintable(sub->lastError()));
    QTRY_VERIFY_WITH_TIMEOUT(accepted >= 3, Timeout); // and it keeps retrying
}

void TestRedisSubscriber::stopStaysStopped()
{
    const quint16 port = RedisTestServer::freePort();
    auto sub = makeSubscriber(QStringLiteral("redis://127.0.0.1:%1").arg(port));
    Recorder rec(sub.get());
    sub->subscribe("events");
    sub->start();
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Disconnected, Timeout);
    sub->stop();
    QCOMPARE(sub->state(), State::Stopped);

    RedisTestServer redis;
    QVERIFY(redis.startTcp(port));
    QTest::qWait(800); // several backoff periods: no retry may be left scheduled
    QCOMPARE(sub->state(), State::Stopped);
    QCOMPARE(redis.run({{"PUBSUB", "NUMSUB", "events"}}).first().elements.at(1).integer, 0);

    sub->start(); // and it can be started again
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), State::Subscribed, Timeout);
    QCOMPARE(rec.states, (QList<State>{State::Connecting, State::Disconnected, State::Stopped,
                                       State::Connecting, State::Subscribed}));
}

QTEST_GUILESS_MAIN(TestRedisSubscriber)
#include "tst_redissubscriber.moc"
