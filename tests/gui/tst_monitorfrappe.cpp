// The monitor against the engine in Frappe mode: a real redis-server, the
// Node Frappe web stub for get_user_info, and WebSocket clients that connect
// as desk users of a site. Checks what the views show (users, sites without
// connections, the rooms Frappe joins on connect, Redis state) and that the
// publish console reaches a client through Redis exactly as Frappe would.
#include "monitortestsupport.h"

#include "engine.h"
#include "inspectorpage.h"
#include "keyedtablemodel.h"
#include "monitorwindow.h"
#include "publishpage.h"
#include "roomspage.h"
#include "sitespage.h"
#include "socketspage.h"
#include "throughputpage.h"
#include "tracemodel.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTcpServer>
#include <QtTest>

namespace {
QString cell(const QAbstractItemModel *model, int row, int column)
{
    return model->index(row, column).data().toString();
}

int findRow(const QAbstractItemModel *model, int column, const QString &text)
{
    for (int r = 0; r < model->rowCount(); ++r)
        if (cell(model, r, column) == text) return r;
    return -1;
}

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}
} // namespace

class tst_MonitorFrappe : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("frappe-realtime-tests"));
        const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
        QString redis = qEnvironmentVariable("RT_REDIS_SERVER");
        if (redis.isEmpty()) redis = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
        const QString stub = QFINDTESTDATA("../support/frappe-stub.js");
        if (node.isEmpty() || redis.isEmpty() || stub.isEmpty())
            QSKIP("needs node, redis-server and tests/support/frappe-stub.js");

        m_redisPort = freePort();
        m_redis.start(redis, {QStringLiteral("--port"), QString::number(m_redisPort),
                              QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                              QStringLiteral("--save"), QString(), QStringLiteral("--appendonly"),
                              QStringLiteral("no")});
        QVERIFY(m_redis.waitForStarted());
        QTRY_VERIFY(m_redis.readAllStandardOutput().contains("Ready to accept connections") ||
                    probeRedis());

        m_stub.start(node, {stub, QStringLiteral("--port"), QStringLiteral("0")});
        QVERIFY(m_stub.waitForStarted());
        QByteArray line;
        QTRY_VERIFY((line += m_stub.readAllStandardOutput()).contains("listening on"));
        const QByteArray address = line.mid(line.indexOf("listening on ") + 13).trimmed();

        EngineConfig config;
        config.mode = AppMode::Frappe;
        config.bindAddress = QHostAddress::LocalHost;
        config.port = 0;
        config.sites = {QStringLiteral("site1.local"), QStringLiteral("site2.local")};
        config.authUrlOverride = QStringLiteral("http://") + QString::fromLatin1(address);
        config.redisUrl = QStringLiteral("redis://127.0.0.1:%1").arg(m_redisPort);
        m_engine = new Engine(config, this);
        m_window = new MonitorWindow(m_engine);
        m_window->setPollInterval(50);
        QVERIFY(m_window->startEngine());
        m_port = m_window->lastStart().port;
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window));

        m_desk = connectAs("sys1", QStringLiteral("site1.local"));
        QTRY_VERIFY_WITH_TIMEOUT(!m_desk->socketId.isEmpty(), 10000);
    }

    void cleanupTestCase()
    {
        delete m_window;
        if (m_engine) m_engine->stop();
        for (QProcess *p : {&m_stub, &m_redis})
            if (p->state() != QProcess::NotRunning) {
                p->terminate();
                p->waitForFinished(3000);
            }
    }

    void socketsShowTheFrappeUser()
    {
        const auto *model = m_window->socketsPage()->model();
        QTRY_COMPARE(model->rowCount(), 1);
        QCOMPARE(cell(model, 0, 1), QStringLiteral("sys1@example.com"));
        QCOMPARE(cell(model, 0, 2), QStringLiteral("System User"));
        QCOMPARE(cell(model, 0, 3), QStringLiteral("site1.local"));
    }

    void sitesIncludeSitesWithoutConnections()
    {
        const auto *model = m_window->sitesPage()->model();
        QTRY_COMPARE(model->rowCount(), 2);
        const int idle = findRow(model, 0, QStringLiteral("site2.local"));
        QVERIFY(idle >= 0);
        QCOMPARE(cell(model, idle, 1), QStringLiteral("yes"));
        QCOMPARE(cell(model, idle, 2), QStringLiteral("0"));
        const int busy = findRow(model, 0, QStringLiteral("site1.local"));
        QCOMPARE(cell(model, busy, 2), QStringLiteral("1"));
        QCOMPARE(cell(model, busy, 3), QStringLiteral("1"));
    }

    void roomsShowWhatFrappeJoinsOnConnect()
    {
        const auto *model = m_window->roomsPage()->model();
        for (const QString room : {QStringLiteral("all"), QStringLiteral("website"),
                                   QStringLiteral("user:sys1@example.com")}) {
            QTRY_VERIFY2(findRow(model, 1, room) >= 0, qPrintable(room));
            QCOMPARE(cell(model, findRow(model, 1, room), 2), QStringLiteral("1"));
        }
    }

    void statusBarShowsRedisAndTheAuthEndpoint()
    {
        QTRY_VERIFY2(m_window->statusText().contains(QStringLiteral("Redis: subscribed")) ||
                         m_window->statusText().contains(QStringLiteral("Redis: connected")),
                     qPrintable(m_window->statusText()));
        QVERIFY(m_window->statusText().contains(QStringLiteral("Auth: http://127.0.0.1:")));
    }

    void publishThroughRedisReachesTheClient()
    {
        PublishPage *publish = m_window->publishPage();
        publish->setForm(QStringLiteral("site1.local"), QStringLiteral("all"),
                         QStringLiteral("msgprint"), QStringLiteral("{\"message\": \"héllo\"}"),
                         true);
        QVERIFY(publish->send());
        QTRY_VERIFY_WITH_TIMEOUT(m_desk->received(QStringLiteral(
                                     "42/site1.local,[\"msgprint\",{\"message\":\"héllo\"}]")),
                                 5000);
        QTRY_VERIFY(publish->history()->item(0, 6)->text().startsWith(QStringLiteral("published")));

        // The engine saw it arrive on `events` and routed it to one socket.
        const TraceModel *trace = m_window->inspectorPage()->model();
        QTRY_VERIFY([&] {
            for (int r = 0; r < trace->rowCount(); ++r)
                if (trace->entry(r).kind == TraceEntry::Kind::RedisIn &&
                    trace->entry(r).event == QLatin1String("msgprint"))
                    return trace->entry(r).recipients == 1 &&
                           trace->entry(r).site == QLatin1String("site1.local");
            return false;
        }());
        QTRY_VERIFY_WITH_TIMEOUT(
            m_window->throughputPage()->pointCount(ThroughputPage::RedisIn) > 0, 5000);
    }

    void refusedConnectionsAreCountedAndTraced()
    {
        RawSioClient *denied = connectAs("denied1", QStringLiteral("site1.local"));
        QTRY_VERIFY_WITH_TIMEOUT(denied->receivedStartingWith(QStringLiteral("44/site1.local,")),
                                 10000);
        const TraceModel *trace = m_window->inspectorPage()->model();
        QTRY_VERIFY([&] {
            for (int r = 0; r < trace->rowCount(); ++r)
                if (trace->entry(r).kind == TraceEntry::Kind::Refused) return true;
            return false;
        }());
        QTRY_VERIFY_WITH_TIMEOUT(
            m_window->throughputPage()->pointCount(ThroughputPage::AuthFailures) > 0, 5000);
    }

private:
    RawSioClient *connectAs(const QByteArray &sid, const QString &site)
    {
        auto *client = new RawSioClient(QLatin1Char('/') + site, this);
        client->open(m_port,
                     {{"Cookie", "sid=" + sid + "; system_user=yes"},
                      {"Origin", QByteArray("http://127.0.0.1:") + QByteArray::number(m_port)},
                      {"X-Frappe-Site-Name", site.toUtf8()}});
        return client;
    }

    bool probeRedis()
    {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, m_redisPort);
        return s.waitForConnected(100);
    }

    QProcess m_redis;
    QProcess m_stub;
    quint16 m_redisPort = 0;
    Engine *m_engine = nullptr;
    MonitorWindow *m_window = nullptr;
    RawSioClient *m_desk = nullptr;
    quint16 m_port = 0;
};

QTEST_MAIN(tst_MonitorFrappe)
#include "tst_monitorfrappe.moc"
