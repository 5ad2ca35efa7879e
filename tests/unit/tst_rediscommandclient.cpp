// RedisCommandClient against a real redis-server started per test: GET/SET/PUBLISH, error
// replies, pipelining, Unix socket + SELECT, restarts, and the promise that a dead or silent
// server fails every callback within the timeout instead of hanging the caller.
#include "redis/rediscommandclient.h"
#include "redis/redissubscriber.h"
#include "redis/respencoder.h"
#include "redis/respreader.h"

#include <QElapsedTimer>
#include <QLocalSocket>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>

#include "redistestserver.h"

constexpr int Timeout = 15000; // correctness, not timing: generous for a loaded CI box

// What one callback delivered.
struct Outcome {
    bool called = false;
    RedisValue reply;
    QString error;
};

class TestRedisCommandClient : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void setThenGet();
    void getMissingKey();
    void publishCountsReceivers();
    void errorReplyKeepsLinkUsable();
    void pipelinedRepliesInOrder();
    void unixSocketWithDb();
    void deadPortFailsFast_data();
    void deadPortFailsFast();
    void silentServerFailsWithinTimeout();
    void reconnectsAfterRestart();
    void callbackMayQueueMoreCommands();

private:
    static std::unique_ptr<RedisCommandClient> makeClient(const QString &url);
};

void TestRedisCommandClient::initTestCase()
{
    if (RedisTestServer::binary().isEmpty()) QSKIP("redis-server not found (set RT_REDIS_SERVER)");
}

std::unique_ptr<RedisCommandClient> TestRedisCommandClient::makeClient(const QString &url)
{
    QString error;
    const std::optional<RedisEndpoint> ep = RedisEndpoint::parse(url, &error);
    if (!ep) qFatal("bad test URL %s: %s", qPrintable(url), qPrintable(error));
    return std::make_unique<RedisCommandClient>(*ep);
}

void TestRedisCommandClient::setThenGet()
{
    RedisTestServer redis;
    QVERIFY(redis.startTcp(RedisTestServer::freePort()));
    auto client = makeClient(redis.url());
    QVERIFY(!client->isConnected()); // lazy: nothing happens before the first command

    Outcome set;
    client->command({"SET", "secret_key", "abc\r\n123"}, [&](RedisValue reply, QString error) {
        set = {true, reply, error};
    });
    QVERIFY(!set.called); // never called back from inside command()
    std::optional<QByteArray> value;
    QString getError = QStringLiteral("not called");
    client->get("secret_key", [&](std::optional<QByteArray> v, QString error) {
        value = v;
        getError = error;
    });
    QTRY_VERIFY_WITH_TIMEOUT(getError != QStringLiteral("not called"), Timeout);
    QVERIFY(set.called);
    QVERIFY2(set.error.isEmpty(), qPrintable(set.error));
    QCOMPARE(set.reply.string, QByteArray("OK"));
    QVERIFY2(getError.isEmpty(), qPrintable(getError));
    QCOMPARE(value, std::optional<QByteArray>("abc\r\n123"));
    QVERIFY(client->isConnected());
    QCOMPARE(client->pendingCommands(), 0);

    // A value set by someone else is seen too.
    QCOMPARE(redis.run({{"SET", "other", "from outside"}}).size(), 1);
    value.reset();
    getError = QStringLiteral("not called");
    client->get("other", [&](std::optional<QByteArray> v, QString error) {
        value = v;
        getError = error;
    });
    QTRY_COMPARE_WITH_TIMEOUT(value, std::optional<QByteArray>("from outside"), Timeout);
}

void TestRedisCommandClient::getMissingKey()
{
    RedisTestServer redis;
    QVERIFY(redis.startTcp(RedisTestServer::freePort()));
    auto client = makeClient(redis.url());
    bool called = false;
    std::optional<QByteArray> value = QByteArray("sentinel");
    QString error = QStringLiteral("sentinel");
    client->get("no_such_key", [&](std::optional<QByteArray> v, QString e) {
        called = true;
        value = v;
        error = e;
    });
    QTRY_VERIFY_WITH_TIMEOUT(called, Timeout);
    QVERIFY(!value.has_value());
    QVERIFY(error.isEmpty());
}

void TestRedisCommandClient::publishCountsReceivers()
{
    RedisTestServer redis;
    QVERIFY(redis.startTcp(RedisTestServer::freePort()));
    auto client = makeClient(redis.url());

    qint64 receivers = -2;
    QString error;
    client->publish("events", "{}", [&](qint64 n, QString e) {
        receivers = n;
        error = e;
    });
    QTRY_COMPARE_WITH_TIMEOUT(receivers, qint64(0), Timeout);
    QVERIFY(error.isEmpty());

    RedisSubscriber sub(*RedisEndpoint::parse(redis.url()));
    QByteArray got;
    connect(&sub, &RedisSubscriber::message, this,
            [&](const QByteArray &, const QByteArray &payload) { got = payload; });
    sub.subscribe("events");
    sub.start();
    QTRY_COMPARE_WITH_TIMEOUT(sub.state(), RedisSubscriber::State::Subscribed, Timeout);

    receivers = -2;
    client->publish("events", "{\"event\": \"ping\"}", [&](qint64 n, QString) { receivers = n; });
    QTRY_COMPARE_WITH_TIMEOUT(receivers, qint64(1), Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(got, QByteArray("{\"event\": \"ping\"}"), Timeout);
    client->publish("events", "fire and forget"); // no callback is fine
    QTRY_COMPARE_WITH_TIMEOUT(got, QByteArray("fire and forget"), Timeout);
}

void TestRedisCommandClient::errorReplyKeepsLinkUsable()
{
    RedisTestServer redis;
    QVERIFY(redis.startTcp(RedisTestServer::freePort()));
    auto client = makeClient(redis.url());
    Outcome incr;
    client->command({"SET", "s", "not a number"});
    client->command({"INCR", "s"}, [&](RedisValue r, QString e) { incr = {true, r, e}; });
    std::optional<QByteArray> value;
    QString getError;
    bool got = false;
    client->get("s", [&](std::optional<QByteArray> v, QString e) {
        got = true;
        value = v;
        getError = e;
    });
    QTRY_VERIFY_WITH_TIMEOUT(got, Timeout);
    QVERIFY(incr.called);
    QVERIFY(incr.reply.isError());
    QVERIFY2(incr.error.contains(QStringLiteral("not an integer")), qPrintable(incr.error));
    QCOMPARE(value, std::optional<QByteArray>("not a number"));
    QVERIFY(getError.isEmpty());

    // GET on a hash is a WRONGTYPE error, not a value.
    QCOMPARE(redis.run({{"HSET", "h", "f", "v"}}).size(), 1);
    got = false;
    client->get("h", [&](std::optional<QByteArray> v, QString e) {
        got = true;
        value = v;
        getError = e;
    });
    QTRY_VERIFY_WITH_TIMEOUT(got, Timeout);
    QVERIFY(!value);
    QVERIFY2(getError.contains(QStringLiteral("WRONGTYPE")), qPrintable(getError));
}

void TestRedisCommandClient::pipelinedRepliesInOrder()
{
    RedisTestServer redis;
    QVERIFY(redis.startTcp(RedisTestServer::freePort()));
    auto client = makeClient(redis.url());
    // Half queued before the link is up, half written on the live link.
    QList<qint64> seen;
    auto queueBatch = [&] {
        for (int i = 0; i < 500; ++i) {
            client->command({"INCR", "counter"}, [&](RedisValue r, QString) { seen << r.integer; });
        }
    };
    queueBatch();
    QCOMPARE(client->pendingCommands(), 500);
    QTRY_COMPARE_WITH_TIMEOUT(seen.size(), 500, Timeout);
    queueBatch();
    QTRY_COMPARE_WITH_TIMEOUT(seen.size(), 1000, Timeout);
    for (int i = 0; i < 1000; ++i)
        QCOMPARE(seen.at(i), qint64(i + 1));
}

void TestRedisCommandClient::unixSocketWithDb()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    RedisTestServer redis;
    const QString path = dir.filePath(QStringLiteral("r.sock"));
    QVERIFY(redis.startUnix(path, {"--requirepass", "pw"}));
    auto client = makeClient(QStringLiteral("unix://%1?db=5&password=pw").arg(path));
    bool done = false;
    client->command({"SET", "k", "in db 5"});
    client->get("k", [&](std::optional<QByteArray> v, QString e) {
        QVERIFY2(e.isEmpty(), qPrintable(e));
        QCOMPARE(v, std::optional<QByteArray>("in db 5"));
        done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, Timeout);
    // SELECT really happened: db 0 does not have the key, db 5 does.
    const QList<RedisValue> check = redis.run({{"GET", "k"}, {"SELECT", "5"}, {"GET", "k"}}, "pw");
    QCOMPARE(check.size(), 3);
    QVERIFY(check.at(0).isNil());
    QCOMPARE(check.at(2).string, QByteArray("in db 5"));
}

void TestRedisCommandClient::deadPortFailsFast_data()
{
    QTest::addColumn<bool>("unixSocket");
    QTest::newRow("tcp: refused") << false;
    QTest::newRow("unix: no such socket") << true;
}

void TestRedisCommandClient::deadPortFailsFast()
{
    QFETCH(bool, unixSocket);
    QTemporaryDir dir;
    const QString url =
        unixSocket ? QStringLiteral("unix://%1").arg(dir.filePath(QStringLiteral("none.sock")))
                   : QStringLiteral("redis://127.0.0.1:%1").arg(RedisTestServer::freePort());
    auto client = makeClient(url);
    client->setTimeout(2000);

    QList<QString> errors;
    QElapsedTimer clock;
    clock.start();
    client->get("a", [&](std::optional<QByteArray> v, QString e) {
        QVERIFY(!v);
        errors << e;
    });
    client->publish("events", "{}", [&](qint64 n, QString e) {
        QCOMPARE(n, qint64(-1));
        errors << e;
    });
    client->command({"PING"}, [&](RedisValue, QString e) { errors << e; });
    QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 3, Timeout);
    QVERIFY2(clock.elapsed() < 2000 + 1000, qPrintable(QString::number(clock.elapsed())));
    for (const QString &e : errors) {
        QVERIFY2(e.startsWith(QStringLiteral("cannot connect to ")), qPrintable(e));
        QVERIFY(!e.isEmpty());
    }
    QCOMPARE(client->pendingCommands(), 0);
    QCOMPARE(client->lastError(), errors.first());
}

void TestRedisCommandClient::silentServerFailsWithinTimeout()
{
    QTcpServer silent; // connect succeeds, no reply ever comes
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    auto client = makeClient(QStringLiteral("redis://127.0.0.1:%1").arg(silent.serverPort()));
    client->setTimeout(500);
    QString error;
    QElapsedTimer clock;
    clock.start();
    client->get("secret", [&](std::optional<QByteArray>, QString e) { error = e; });
    QTRY_VERIFY_WITH_TIMEOUT(!error.isEmpty(), Timeout);
    QVERIFY2(error.contains(QStringLiteral("no reply within 500 ms")), qPrintable(error));
    QVERIFY2(clock.elapsed() < 500 + 1500, qPrintable(QString::number(clock.elapsed())));

    // With a password the silence happens during AUTH: the connect timeout covers it.
    auto authed = makeClient(QStringLiteral("redis://:pw@127.0.0.1:%1").arg(silent.serverPort()));
    authed->setTimeout(500);
    error.clear();
    authed->get("secret", [&](std::optional<QByteArray>, QString e) { error = e; });
    QTRY_VERIFY_WITH_TIMEOUT(!error.isEmpty(), Timeout);
    QVERIFY2(error.contains(QStringLiteral("timed out after 500 ms")), qPrintable(error));
}

void TestRedisCommandClient::reconnectsAfterRestart()
{
    const quint16 port = RedisTestServer::freePort();
    RedisTestServer redis;
    QVERIFY(redis.startTcp(port));
    auto client = makeClient(redis.url());
    QString pong;
    client->command({"PING"}, [&](RedisValue r, QString) { pong = QString::fromUtf8(r.string); });
    QTRY_COMPARE_WITH_TIMEOUT(pong, QStringLiteral("PONG"), Timeout);

    redis.stop();
    QTRY_VERIFY_WITH_TIMEOUT(!client->isConnected(), Timeout); // noticed while idle
    QString error;
    client->command({"PING"}, [&](RedisValue, QString e) { error = e; });
    QTRY_VERIFY_WITH_TIMEOUT(!error.isEmpty(), Timeout);

    QVERIFY(redis.startTcp(port));
    pong.clear();
    client->command({"PING"}, [&](RedisValue r, QString e) {
        QVERIFY2(e.isEmpty(), qPrintable(e));
        pong = QString::fromUtf8(r.string);
    });
    QTRY_COMPARE_WITH_TIMEOUT(pong, QStringLiteral("PONG"), Timeout);
}

void TestRedisCommandClient::callbackMayQueueMoreCommands()
{
    const quint16 port = RedisTestServer::freePort();
    auto client = makeClient(QStringLiteral("redis://127.0.0.1:%1").arg(port));
    // A failure callback that retries at once must get a fresh attempt (and its own answer),
    // not join the batch being failed nor be dropped.
    QList<QString> errors;
    client->get("k", [&](std::optional<QByteArray>, QString e) {
        errors << e;
        client->get("k", [&](std::optional<QByteArray>, QString e2) { errors << e2; });
    });
    QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 2, Timeout);
    for (const QString &e : errors)
        QVERIFY2(e.contains(QStringLiteral("cannot connect")), qPrintable(e));
    QCOMPARE(client->pendingCommands(), 0);

    RedisTestServer redis;
    QVERIFY(redis.startTcp(port));
    QCOMPARE(redis.run({{"SET", "k", "v"}}).size(), 1);
    std::optional<QByteArray> value;
    client->get("k", [&](std::optional<QByteArray> v, QString) { value = v; });
    QTRY_COMPARE_WITH_TIMEOUT(value, std::optional<QByteArray>("v"), Timeout);
    QCOMPARE(errors.size(), 2);
}

QTEST_GUILESS_MAIN(TestRedisCommandClient)
#include "tst_rediscommandclient.moc"
