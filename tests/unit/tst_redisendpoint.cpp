// Redis URL parsing: every form Frappe configs and node-redis/redis-py users write, and the
// error text for the ones that cannot work.
#include "redis/redisendpoint.h"

#include <QTest>

class TestRedisEndpoint : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parseValid_data();
    void parseValid();
    void parseInvalid_data();
    void parseInvalid();
    void display_data();
    void display();
};

void TestRedisEndpoint::parseValid_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("unixPath");
    QTest::addColumn<int>("db");
    QTest::addColumn<QString>("username");
    QTest::addColumn<QString>("password");

    QTest::newRow("frappe default") << "redis://127.0.0.1:11000"
                                    << "127.0.0.1" << 11000 << "" << 0 << ""
                                    << "";
    QTest::newRow("no port") << "redis://redis-queue"
                             << "redis-queue" << 6379 << "" << 0 << ""
                             << "";
    QTest::newRow("db path") << "redis://localhost:6380/2"
                             << "localhost" << 6380 << "" << 2 << ""
                             << "";
    QTest::newRow("trailing slash") << "redis://h:1/"
                                    << "h" << 1 << "" << 0 << ""
                                    << "";
    QTest::newRow("db trailing slash") << "redis://h:1/3/"
                                       << "h" << 1 << "" << 3 << ""
                                       << "";
    QTest::newRow("password only") << "redis://:s3cret@10.0.0.5"
                                   << "10.0.0.5" << 6379 << "" << 0 << ""
                                   << "s3cret";
    QTest::newRow("user and password") << "redis://default:pw@h:7000/1"
                                       << "h" << 7000 << "" << 1 << "default"
                                       << "pw";
    QTest::newRow("user only") << "redis://alice@h"
                               << "h" << 6379 << "" << 0 << "alice"
                               << "";
    QTest::newRow("percent-encoded password") << "redis://:p%40ss%3Aw%2Frd@h"
                                              << "h" << 6379 << "" << 0 << ""
                                              << "p@ss:w/rd";
    QTest::newRow("raw @ and : in password") << "redis://u:a:b@c@h:1"
                                             << "h" << 1 << "" << 0 << "u"
                                             << "a:b@c";
    QTest::newRow("upper-case scheme") << "REDIS://H:2"
                                       << "H" << 2 << "" << 0 << ""
                                       << "";
    QTest::newRow("surrounding spaces") << "  redis://h:3  "
                                        << "h" << 3 << "" << 0 << ""
                                        << "";
    QTest::newRow("empty host") << "redis://"
                                << "localhost" << 6379 << "" << 0 << ""
                                << "";
    QTest::newRow("empty host with port") << "redis://:6390"
                                          << "localhost" << 6390 << "" << 0 << ""
                                          << "";
    QTest::newRow("query db and password") << "redis://h?db=4&password=x%26y"
                                           << "h" << 6379 << "" << 4 << ""
                                           << "x&y";
    QTest::newRow("query db wins over path") << "redis://h/1?db=5"
                                             << "h" << 6379 << "" << 5 << ""
                                             << "";
    QTest::newRow("unknown query ignored") << "redis://h?socket_timeout=5"
                                           << "h" << 6379 << "" << 0 << ""
                                           << "";
    QTest::newRow("ipv6 bracketed") << "redis://[::1]:6380"
                                    << "::1" << 6380 << "" << 0 << ""
                                    << "";
    QTest::newRow("ipv6 bare") << "::1"
                               << "::1" << 6379 << "" << 0 << ""
                               << "";
    QTest::newRow("bare host:port") << "127.0.0.1:6379"
                                    << "127.0.0.1" << 6379 << "" << 0 << ""
                                    << "";
    QTest::newRow("bare host") << "cache"
                               << "cache" << 6379 << "" << 0 << ""
                               << "";
    QTest::newRow("bare host:port/db") << "h:1/9"
                                       << "h" << 1 << "" << 9 << ""
                                       << "";
    QTest::newRow("unix") << "unix:///var/run/redis/redis.sock"
                          << "" << 6379 << "/var/run/redis/redis.sock" << 0 << ""
                          << "";
    QTest::newRow("unix with db") << "unix:///tmp/r.sock?db=2"
                                  << "" << 6379 << "/tmp/r.sock" << 2 << ""
                                  << "";
    QTest::newRow("unix with password") << "unix://:pw@/tmp/r.sock?db=1"
                                        << "" << 6379 << "/tmp/r.sock" << 1 << ""
                                        << "pw";
    QTest::newRow("unix password in query") << "unix:///tmp/r.sock?password=pw"
                                            << "" << 6379 << "/tmp/r.sock" << 0 << ""
                                            << "pw";
    QTest::newRow("bare path") << "/tmp/redis.sock"
                               << "" << 6379 << "/tmp/redis.sock" << 0 << ""
                               << "";
}

void TestRedisEndpoint::parseValid()
{
    QFETCH(QString, url);
    QString error;
    const std::optional<RedisEndpoint> ep = RedisEndpoint::parse(url, &error);
    QVERIFY2(ep, qPrintable(error));
    QVERIFY(error.isEmpty());
    QFETCH(QString, unixPath);
    QCOMPARE(ep->unixPath, unixPath);
    QCOMPARE(ep->isUnix(), !unixPath.isEmpty());
    if (!ep->isUnix()) {
        QTEST(ep->host, "host");
        QTEST(int(ep->port), "port");
    }
    QTEST(ep->db, "db");
    QTEST(ep->username, "username");
    QTEST(ep->password, "password");
}

void TestRedisEndpoint::parseInvalid_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("errorContains");

    QTest::newRow("empty") << ""
                           << "empty";
    QTest::newRow("blank") << "   "
                           << "empty";
    QTest::newRow("http scheme") << "http://h:6379"
                                 << "unsupported scheme 'http://'";
    QTest::newRow("tls scheme") << "rediss://h:6380"
                                << "TLS";
    QTest::newRow("port not a number") << "redis://h:abc"
                                       << "bad port 'abc'";
    QTest::newRow("port zero") << "redis://h:0"
                               << "bad port '0'";
    QTest::newRow("port too big") << "redis://h:65536"
                                  << "bad port '65536'";
    QTest::newRow("port huge") << "redis://h:99999999999"
                               << "bad port";
    QTest::newRow("port signed") << "redis://h:+5"
                                 << "bad port '+5'";
    QTest::newRow("bare port not a number") << "h:x"
                                            << "bad port 'x'";
    QTest::newRow("db not a number") << "redis://h:1/abc"
                                     << "bad database 'abc'";
    QTest::newRow("db negative") << "redis://h/-1"
                                 << "bad database '-1'";
    QTest::newRow("query db not a number") << "unix:///tmp/s?db=x"
                                           << "bad database 'x'";
    QTest::newRow("ipv6 unterminated") << "redis://[::1:6379"
                                       << "unterminated IPv6";
    QTest::newRow("ipv6 junk after") << "redis://[::1]x"
                                     << "after IPv6";
    QTest::newRow("unix without path") << "unix://"
                                       << "missing socket path";
}

void TestRedisEndpoint::parseInvalid()
{
    QFETCH(QString, url);
    QFETCH(QString, errorContains);
    QString error;
    QVERIFY(!RedisEndpoint::parse(url, &error));
    QVERIFY2(error.contains(errorContains), qPrintable(error));
    QVERIFY(!RedisEndpoint::parse(url)); // a null error pointer is allowed
}

void TestRedisEndpoint::display_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("display");

    QTest::newRow("plain") << "redis://127.0.0.1:11000"
                           << "redis://127.0.0.1:11000";
    QTest::newRow("default port shown") << "h"
                                        << "redis://h:6379";
    QTest::newRow("db") << "redis://h:1/2"
                        << "redis://h:1/2";
    QTest::newRow("password hidden") << "redis://:topsecret@h:1"
                                     << "redis://:***@h:1";
    QTest::newRow("user kept, password hidden") << "redis://bob:topsecret@h:1"
                                                << "redis://bob:***@h:1";
    QTest::newRow("ipv6") << "redis://[::1]:6380"
                          << "redis://[::1]:6380";
    QTest::newRow("unix") << "unix:///tmp/r.sock?db=3&password=topsecret"
                          << "unix://:***@/tmp/r.sock?db=3";
}

void TestRedisEndpoint::display()
{
    QFETCH(QString, url);
    const std::optional<RedisEndpoint> ep = RedisEndpoint::parse(url);
    QVERIFY(ep);
    QTEST(ep->display(), "display");
    QVERIFY(!ep->display().contains(QStringLiteral("topsecret")));
    // What display() prints must parse back to the same place.
    const std::optional<RedisEndpoint> again = RedisEndpoint::parse(ep->display());
    QVERIFY(again);
    QCOMPARE(again->host, ep->host);
    QCOMPARE(again->port, ep->port);
    QCOMPARE(again->unixPath, ep->unixPath);
    QCOMPARE(again->db, ep->db);
}

QTEST_GUILESS_MAIN(TestRedisEndpoint)
#include "tst_redisendpoint.moc"
