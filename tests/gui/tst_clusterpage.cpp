// The monitor's Cluster tab against real engines: one alone says the cluster
// is off; one with --adapter redis on a real redis-server shows its uid, the
// link, the traffic and the other nodes seen on the adapter's channels (here
// a node that publishes a SERVER_SIDE_EMIT request through redis-cli, as any
// socket.io node with the Redis adapter would).
#include "monitortestsupport.h"

#include "clusterpage.h"
#include "engine.h"
#include "keyedtablemodel.h"
#include "monitorwindow.h"

#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

namespace {

int rowOf(const QAbstractItemModel *model, const QString &text)
{
    for (int r = 0; r < model->rowCount(); ++r)
        if (model->index(r, 0).data().toString() == text) return r;
    return -1;
}

} // namespace

class tst_ClusterPage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("frappe-realtime-tests"));
        QString redisBin = qEnvironmentVariable("RT_REDIS_SERVER");
        if (redisBin.isEmpty())
            redisBin = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
        m_redisCli = QStandardPaths::findExecutable(QStringLiteral("redis-cli"));
        QVERIFY2(!redisBin.isEmpty() && !m_redisCli.isEmpty(), "redis-server and redis-cli needed");
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            m_redisPort = probe.serverPort();
        }
        m_redis.start(redisBin, {QStringLiteral("--port"), QString::number(m_redisPort),
                                 QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                                 QStringLiteral("--save"), QString(),
                                 QStringLiteral("--appendonly"), QStringLiteral("no")});
        QVERIFY(m_redis.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(
            [this] {
                QTcpSocket s;
                s.connectToHost(QHostAddress::LocalHost, m_redisPort);
                return s.waitForConnected(100);
            }(),
            10000);
    }

    void cleanupTestCase()
    {
        m_redis.terminate();
        m_redis.waitForFinished(3000);
    }

    void aloneTheTabSaysTheClusterIsOff()
    {
        EngineConfig config;
        config.mode = AppMode::ProtocolTestServer;
        config.bindAddress = QHostAddress::LocalHost;
        config.port = 0;
        Engine engine(config);
        MonitorWindow window(&engine);
        window.setPollInterval(50);
        QVERIFY(window.startEngine());
        const quint64 before = window.snapshotsReceived();
        QTRY_VERIFY(window.snapshotsReceived() > before);
        QVERIFY(window.clusterPage()->summaryText().startsWith(QStringLiteral("Cluster off")));
        QCOMPARE(window.clusterPage()->nodes()->rowCount(), 0);
        window.stopEngine();
    }

    void inAClusterItShowsTheLinkTrafficAndNodesSeen()
    {
        EngineConfig config;
        config.mode = AppMode::ProtocolTestServer;
        config.bindAddress = QHostAddress::LocalHost;
        config.port = 0;
        config.adapter = QStringLiteral("redis");
        config.adapterRedisUrl = QStringLiteral("redis://127.0.0.1:%1").arg(m_redisPort);
        Engine engine(config);
        MonitorWindow window(&engine);
        window.setPollInterval(50);
        QVERIFY(window.startEngine());
        const quint16 port = window.lastStart().port;
        ClusterPage *page = window.clusterPage();

        // The node serves "/" once a client is there: the other node's request reaches it.
        RawSioClient client(QStringLiteral("/"));
        client.open(port);
        QTRY_VERIFY(!client.socketId.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(page->summaryText().contains(QStringLiteral("link up")), 10000);
        const QString uid = window.lastSnapshot().cluster.value(QLatin1String("uid")).toString();
        QVERIFY(!uid.isEmpty());
        QVERIFY(page->summaryText().contains(QStringLiteral("namespaces served: 1")));
        QCOMPARE(rowOf(page->nodes(), uid), 0); // only this node so far
        QCOMPARE(page->nodes()->rowCount(), 1);
        QCOMPARE(page->nodes()->index(0, 1).data().toString(), QStringLiteral("yes"));

        const QString other = QStringLiteral("otherNodeUid01");
        for (int i = 0; i < 2; ++i) {
            QProcess cli;
            cli.start(
                m_redisCli,
                {QStringLiteral("-p"), QString::number(m_redisPort), QStringLiteral("PUBLISH"),
                 QStringLiteral("socket.io-request#/#"),
                 QStringLiteral(R"({"uid":"%1","type":6,"data":["hello",%2]})").arg(other).arg(i)});
            QVERIFY(cli.waitForFinished(5000));
            QCOMPARE(cli.readAllStandardOutput().trimmed(), QByteArray("1")); // our node heard it
        }
        QTRY_VERIFY_WITH_TIMEOUT(
            rowOf(page->nodes(), other) >= 0 &&
                page->nodes()->index(rowOf(page->nodes(), other), 4).data().toULongLong() == 2,
            5000);
        const int row = rowOf(page->nodes(), other);
        QCOMPARE(page->nodes()->index(row, 1).data().toString(), QStringLiteral("no"));
        QVERIFY(page->trafficText().contains(QStringLiteral("requests out 0, in 2")));
        window.stopEngine();
    }

private:
    QProcess m_redis;
    QString m_redisCli;
    quint16 m_redisPort = 0;
};

QTEST_MAIN(tst_ClusterPage)
#include "tst_clusterpage.moc"
