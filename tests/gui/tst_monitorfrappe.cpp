// The monitor against the engine in Frappe mode: a real redis-server, the
// Node Frappe web stub for get_user_info, and WebSocket clients that connect
// as desk users of a site. Checks what the views show (users, sites without
// connections, the rooms Frappe joins on connect, Redis state), that the
// publish console reaches a client through Redis exactly as Frappe would, and
// the Handlers view over the fixture apps of tests/fixtures/apps (copied into
// a temporary bench).
#include "monitortestsupport.h"

#include "engine.h"
#include "handlerspage.h"
#include "inspectorpage.h"
#include "keyedtablemodel.h"
#include "monitorwindow.h"
#include "publishpage.h"
#include "roomspage.h"
#include "sitespage.h"
#include "socketspage.h"
#include "throughputpage.h"
#include "tracemodel.h"

#include <QDir>
#include <QLabel>
#include <QProcess>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTreeWidget>
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

        const QString fixtures = QFINDTESTDATA("../fixtures/apps");
        QVERIFY(!fixtures.isEmpty() && m_bench.isValid());
        for (const QString &app : {QStringLiteral("deskhelp"), QStringLiteral("thrower"),
                                   QStringLiteral("broken_syntax")})
            QVERIFY(copyTree(fixtures + QLatin1Char('/') + app,
                             m_bench.path() + QStringLiteral("/apps/") + app));
        m_stub.start(node,
                     {stub, QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--apps"),
                      QStringLiteral("frappe,deskhelp,thrower,broken_syntax")});
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
        config.benchDir = m_bench.path();
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
        m_window->tabs()->setCurrentWidget(m_window->socketsPage());
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
        m_window->tabs()->setCurrentWidget(m_window->roomsPage());
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
        m_window->tabs()->setCurrentWidget(publish);
        publish->setForm(QStringLiteral("site1.local"), QStringLiteral("all"),
                         QStringLiteral("msgprint"), QStringLiteral("{\"message\": \"héllo\"}"),
                         true);
        QVERIFY(publish->send());
        // The last argument is the connection-state recovery offset.
        QTRY_VERIFY_WITH_TIMEOUT(m_desk->receivedStartingWith(QStringLiteral(
                                     "42/site1.local,[\"msgprint\",{\"message\":\"héllo\"},\"")),
                                 5000);
        QTRY_VERIFY(publish->history()->item(0, 6)->text().startsWith(QStringLiteral("published")));

        // The engine saw it arrive on `events` and routed it to one socket.
        m_window->tabs()->setCurrentWidget(m_window->inspectorPage());
        const TraceModel *trace = m_window->inspectorPage()->model();
        QTRY_VERIFY([&] {
            for (int r = 0; r < trace->rowCount(); ++r)
                if (trace->entry(r).kind == TraceEntry::Kind::RedisIn &&
                    trace->entry(r).event == QLatin1String("msgprint"))
                    return trace->entry(r).recipients == 1 &&
                           trace->entry(r).site == QLatin1String("site1.local");
            return false;
        }());
        m_window->tabs()->setCurrentWidget(m_window->throughputPage());
        QTRY_VERIFY_WITH_TIMEOUT(
            m_window->throughputPage()->pointCount(ThroughputPage::RedisIn) > 0, 5000);

        // Frappe sends no timestamp: the chart shows receive -> write latency.
        ThroughputPage *chart = m_window->throughputPage();
        QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount(ThroughputPage::P50) > 0, 5000);
        QVERIFY(chart->pointCount(ThroughputPage::P99) > 0);
        for (const auto series : {ThroughputPage::P50, ThroughputPage::P99}) {
            const double ms = chart->lastValue(series);
            QVERIFY2(ms >= 0 && ms < 10000, qPrintable(QString::number(ms)));
        }
    }

    void handlersViewListsTheAppsAndTheirLoadState()
    {
        HandlersPage *page = m_window->handlersPage();
        m_window->tabs()->setCurrentWidget(page);
        QTRY_VERIFY(page->appItem(QStringLiteral("deskhelp")));
        QTRY_VERIFY(page->appItem(QStringLiteral("broken_syntax")));
        QTreeWidgetItem *desk = page->appItem(QStringLiteral("deskhelp"));
        QVERIFY2(desk->text(HandlersPage::Status).startsWith(QStringLiteral("loaded at ")),
                 qPrintable(desk->text(HandlersPage::Status)));
        QCOMPARE(desk->text(HandlersPage::Detail),
                 m_bench.path() + QStringLiteral("/apps/deskhelp/realtime/handlers.js"));
        for (const QString &event : {QStringLiteral("ping"), QStringLiteral("view_ticket"),
                                     QStringLiteral("ticket_typing")})
            QVERIFY2(page->eventItem(QStringLiteral("deskhelp"), event), qPrintable(event));

        QTreeWidgetItem *broken = page->appItem(QStringLiteral("broken_syntax"));
        QCOMPARE(broken->text(HandlersPage::Status), QStringLiteral("failed"));
        QVERIFY2(broken->text(HandlersPage::Detail).contains(QStringLiteral("SyntaxError")),
                 qPrintable(broken->text(HandlersPage::Detail)));
        QCOMPARE(broken->childCount(), 0);
        QVERIFY(page->summary()->text().contains(QStringLiteral("1 failed")));
    }

    void handlersViewCountsCallsAndErrors()
    {
        HandlersPage *page = m_window->handlersPage();
        QTRY_VERIFY(page->eventItem(QStringLiteral("deskhelp"), QStringLiteral("ping")));
        QCOMPARE(page->eventItem(QStringLiteral("deskhelp"), QStringLiteral("ping"))
                     ->text(HandlersPage::Calls),
                 QStringLiteral("0"));
        m_desk->emitEvent("[\"ping\"]");
        m_desk->emitEvent("[\"ping\"]");
        QTRY_VERIFY(m_desk->received(QStringLiteral("42/site1.local,[\"pong\"]")));
        QTRY_COMPARE(page->eventItem(QStringLiteral("deskhelp"), QStringLiteral("ping"))
                         ->text(HandlersPage::Calls),
                     QStringLiteral("2"));
        // thrower listens to ping too, and throws on boom.
        m_desk->emitEvent("[\"boom\"]");
        QTRY_COMPARE(page->eventItem(QStringLiteral("thrower"), QStringLiteral("boom"))
                         ->text(HandlersPage::Errors),
                     QStringLiteral("1"));
        QCOMPARE(page->eventItem(QStringLiteral("thrower"), QStringLiteral("boom"))
                     ->text(HandlersPage::Calls),
                 QStringLiteral("1"));
        QCOMPARE(page->eventItem(QStringLiteral("thrower"), QStringLiteral("ping"))
                     ->text(HandlersPage::Errors),
                 QStringLiteral("0"));
        QCOMPARE(page->appItem(QStringLiteral("thrower"))->text(HandlersPage::Errors),
                 QStringLiteral("1"));
    }

    void handlersViewShowsAHotReload()
    {
        HandlersPage *page = m_window->handlersPage();
        const QString path = m_bench.path() + QStringLiteral("/apps/deskhelp/realtime/handlers.js");
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QByteArray source = file.readAll();
        file.close();
        QVERIFY(source.contains("socket.on(\"ping\""));
        source.replace("socket.on(\"ping\"", "socket.on(\"ping_v2\"");
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(source);
        file.close();

        QTRY_VERIFY_WITH_TIMEOUT(page->appItem(QStringLiteral("deskhelp"))
                                     ->text(HandlersPage::Status)
                                     .startsWith(QStringLiteral("reloaded at ")),
                                 10000);
        // The new version serves new connections; its listeners show once one sets it up.
        RawSioClient *late = connectAs("sys2", QStringLiteral("site1.local"));
        QTRY_VERIFY_WITH_TIMEOUT(!late->socketId.isEmpty(), 10000);
        QTRY_VERIFY(page->eventItem(QStringLiteral("deskhelp"), QStringLiteral("ping_v2")));
        // The old event keeps its count (calls made before the reload).
        QTreeWidgetItem *old = page->eventItem(QStringLiteral("deskhelp"), QStringLiteral("ping"));
        QVERIFY(old);
        QCOMPARE(old->text(HandlersPage::Calls), QStringLiteral("2"));
    }

    void refusedConnectionsAreCountedAndTraced()
    {
        RawSioClient *denied = connectAs("denied1", QStringLiteral("site1.local"));
        m_window->tabs()->setCurrentWidget(m_window->inspectorPage());
        QTRY_VERIFY_WITH_TIMEOUT(denied->receivedStartingWith(QStringLiteral("44/site1.local,")),
                                 10000);
        const TraceModel *trace = m_window->inspectorPage()->model();
        QTRY_VERIFY([&] {
            for (int r = 0; r < trace->rowCount(); ++r)
                if (trace->entry(r).kind == TraceEntry::Kind::Refused) return true;
            return false;
        }());
        m_window->tabs()->setCurrentWidget(m_window->throughputPage());
        QTRY_VERIFY_WITH_TIMEOUT(
            m_window->throughputPage()->pointCount(ThroughputPage::AuthFailures) > 0, 5000);
    }

    void sitesShowRecoveriesWithoutThePid()
    {
        const auto *model = m_window->sitesPage()->model();
        m_window->tabs()->setCurrentWidget(m_window->sitesPage());
        auto sockets = [&] {
            return cell(model, findRow(model, 0, QStringLiteral("site1.local")), 2).toInt();
        };
        QTRY_VERIFY(findRow(model, 0, QStringLiteral("site1.local")) >= 0);
        const int before = sockets();
        RawSioClient *first = connectAs("sysrec", QStringLiteral("site1.local"));
        QTRY_VERIFY_WITH_TIMEOUT(!first->socketId.isEmpty(), 10000);
        const QString pid = first->pid;
        QVERIFY(!pid.isEmpty());
        QTRY_COMPARE(sockets(), before + 1);
        first->close(); // the transport drops: the session is kept
        QTRY_COMPARE(sockets(), before);

        // It never received an event, so it presents its pid alone.
        RawSioClient *back = connectAs("sysrec", QStringLiteral("site1.local"),
                                       "{\"pid\":\"" + pid.toLatin1() + "\"}");
        QTRY_VERIFY_WITH_TIMEOUT(!back->socketId.isEmpty(), 10000);
        QCOMPARE(back->socketId, first->socketId);
        RawSioClient *forged = connectAs("sysrec", QStringLiteral("site1.local"),
                                         "{\"pid\":\"not-a-pid\",\"offset\":\"x\"}");
        QTRY_VERIFY_WITH_TIMEOUT(!forged->socketId.isEmpty(), 10000);
        QVERIFY(forged->socketId != first->socketId);

        const int row = findRow(model, 0, QStringLiteral("site1.local"));
        QTRY_COMPARE(cell(model, findRow(model, 0, QStringLiteral("site1.local")), 5),
                     QStringLiteral("1"));
        QTRY_COMPARE(cell(model, findRow(model, 0, QStringLiteral("site1.local")), 6),
                     QStringLiteral("1"));
        const QString tip = model->data(model->index(row, 0), Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(QStringLiteral("invalid pid: 1")), qPrintable(tip));
        QVERIFY(!tip.contains(pid));
        back->close();
        forged->close();
    }

private:
    RawSioClient *connectAs(const QByteArray &sid, const QString &site,
                            const QByteArray &connectAuth = {})
    {
        auto *client = new RawSioClient(QLatin1Char('/') + site, this);
        client->connectAuth = connectAuth;
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

    QTemporaryDir m_bench;
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
