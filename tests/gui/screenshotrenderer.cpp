// Renders every view of the monitor, with live data from a real engine and
// real clients (and the fixture apps' handlers.js in a temporary bench), into
// PNG files for docs/screenshots. A tool, not a test: CTest never runs it;
// scripts/screenshots.sh builds and runs it with RT_SCREENSHOT_DIR set.
#include "monitortestsupport.h"

#include "engine.h"
#include "handlerspage.h"
#include "inspectorpage.h"
#include "logpage.h"
#include "monitorwindow.h"
#include "publishpage.h"
#include "roomspage.h"
#include "settingsdialog.h"
#include "sitespage.h"
#include "socketdetailsdialog.h"
#include "socketspage.h"
#include "throughputpage.h"

#include <QCheckBox>
#include <QDir>
#include <QHeaderView>
#include <QListWidget>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

class tst_Screenshots : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void grabEveryView()
    {
        const QString dir = qEnvironmentVariable("RT_SCREENSHOT_DIR");
        if (dir.isEmpty()) QFAIL("set RT_SCREENSHOT_DIR to the folder for the PNG files");
        QDir().mkpath(dir);
        QCoreApplication::setOrganizationName(QStringLiteral("frappe-realtime-screenshots"));

        // A bench with some apps' handlers.js, one of them broken.
        QTemporaryDir bench;
        const QString fixtures = QFINDTESTDATA("../fixtures/apps");
        QVERIFY(bench.isValid() && !fixtures.isEmpty());
        const QStringList apps = {QStringLiteral("deskhelp"), QStringLiteral("meetsuite"),
                                  QStringLiteral("thrower"), QStringLiteral("broken_syntax")};
        for (const QString &app : apps)
            QVERIFY(copyTree(fixtures + QLatin1Char('/') + app,
                             bench.path() + QStringLiteral("/apps/") + app));

        FrappeBackends backends;
        if (!backends.start(QFINDTESTDATA("../support/frappe-stub.js"),
                            {QStringLiteral("--apps"),
                             QStringLiteral("frappe,") + apps.join(QLatin1Char(','))}))
            QFAIL("needs node, redis-server and tests/support/frappe-stub.js");
        EngineConfig config;
        config.mode = AppMode::Frappe;
        config.bindAddress = QHostAddress::LocalHost;
        config.port = 0;
        config.sites = {QStringLiteral("erp.example.com"), QStringLiteral("portal.example.com"),
                        QStringLiteral("staging.example.com")};
        config.authUrlOverride = backends.stubUrl;
        config.redisUrl = backends.redisUrl();
        config.benchDir = bench.path();
        Engine engine(config);
        MonitorWindow window(&engine);
        window.setPollInterval(100);
        QVERIFY(window.startEngine());
        const quint16 port = window.lastStart().port;
        window.resize(1180, 660);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        // Desk users (System Users) and portal users (Website Users).
        const QList<QPair<QByteArray, QString>> who = {
            {"sys.jane", QStringLiteral("erp.example.com")},
            {"sys.omar", QStringLiteral("erp.example.com")},
            {"admin1", QStringLiteral("erp.example.com")},
            {"sys.li", QStringLiteral("erp.example.com")},
            {"web.customer7", QStringLiteral("portal.example.com")},
            {"web.customer9", QStringLiteral("portal.example.com")}};
        QList<RawSioClient *> clients;
        for (const auto &[sid, site] : who)
            clients.append(connectDeskClient(port, sid, site, this));
        for (RawSioClient *c : clients)
            QTRY_VERIFY_WITH_TIMEOUT(!c->socketId.isEmpty(), 10000);

        // The rooms a desk asks for when a user opens lists and forms.
        clients[0]->emitEvent("[\"doc_subscribe\",\"Sales Invoice\",\"SINV-0001\"]");
        clients[1]->emitEvent("[\"doc_subscribe\",\"Sales Invoice\",\"SINV-0001\"]");
        clients[0]->emitEvent("[\"doctype_subscribe\",\"ToDo\"]");
        clients[3]->emitEvent("[\"doc_open\",\"Sales Invoice\",\"SINV-0001\"]");
        clients[2]->emitEvent("[\"task_subscribe\",\"8f2c1a\"]");
        SocketsPage *sockets = window.socketsPage();
        window.tabs()->setCurrentWidget(sockets); // socket rows come while it shows
        QTRY_VERIFY(sockets->selectSocket(clients[1]->socketId));
        sockets->toggleTraceCurrent();
        QTRY_VERIFY(sockets->currentSocket() && sockets->currentSocket()->traced);

        // Some traffic for the chart and the inspector, over a few seconds.
        PublishPage *publish = window.publishPage();
        for (int second = 0; second < 8; ++second) {
            for (int i = 0; i < 2 + second; ++i)
                clients[i % 4]->emitEvent("[\"ping\"]");
            if (second % 2 == 0) clients[1]->emitEvent("[\"boom\"]"); // thrower throws
            if (second == 2) clients[1]->emitEvent("[\"view_ticket\",\"HD-1042\"]");
            publish->setForm(QStringLiteral("erp.example.com"),
                             QStringLiteral("doc:Sales Invoice/SINV-0001"),
                             QStringLiteral("doc_update"),
                             QStringLiteral("{\"doctype\": \"Sales Invoice\", \"name\": "
                                            "\"SINV-0001\", \"modified\": \"2026-11-28 20:%1:00\"}")
                                 .arg(10 + second),
                             true);
            publish->send();
            publish->setForm(QStringLiteral("erp.example.com"), QStringLiteral("doctype:ToDo"),
                             QStringLiteral("list_update"),
                             QStringLiteral("{\"doctype\": \"ToDo\", \"name\": \"TD-%1\", "
                                            "\"user\": \"sys.jane@example.com\"}")
                                 .arg(second),
                             true);
            publish->send();
            if (second % 3 == 0) {
                publish->setForm(QStringLiteral("portal.example.com"), QStringLiteral("website"),
                                 QStringLiteral("refetch_resource"),
                                 QStringLiteral("{\"cache_key\": \"orders\"}"), false);
                publish->send();
            }
            if (second == 4)
                connectDeskClient(port, "denied1", QStringLiteral("erp.example.com"), this);
            QTest::qWait(1000);
        }
        publish->setForm(QStringLiteral("erp.example.com"),
                         QStringLiteral("user:sys.jane@example.com"), QStringLiteral("msgprint"),
                         QStringLiteral("{\n  \"message\": \"Payroll run finished\",\n  "
                                        "\"indicator\": \"green\"\n}"),
                         true);

        auto save = [&](QWidget *w, const QString &name) {
            QTest::qWait(250);
            const QImage image = w->grab().toImage().convertToFormat(QImage::Format_RGB888);
            QVERIFY(image.save(QDir(dir).filePath(name)));
        };
        // File names by view (the numbers are those README links to).
        struct View {
            QWidget *page;
            QString name;
        };
        const QList<View> views = {{window.sitesPage(), QStringLiteral("1-sites")},
                                   {window.roomsPage(), QStringLiteral("2-rooms")},
                                   {window.socketsPage(), QStringLiteral("3-sockets")},
                                   {window.throughputPage(), QStringLiteral("4-throughput")},
                                   {window.inspectorPage(), QStringLiteral("5-inspector")},
                                   {window.publishPage(), QStringLiteral("6-publish")},
                                   {window.logPage(), QStringLiteral("7-log")},
                                   {window.handlersPage(), QStringLiteral("10-handlers")}};
        QCOMPARE(views.size(), window.tabs()->count());
        for (const auto &[page, name] : views) {
            window.tabs()->setCurrentWidget(page);
            if (page == window.roomsPage()) {
                // Room rows come once the tab shows; members once one is selected.
                QTRY_VERIFY(window.roomsPage()->proxy()->rowCount() > 0);
                window.roomsPage()->view()->selectRow(0);
                QTRY_VERIFY(window.roomsPage()->members()->count() > 0);
            }
            if (page == window.handlersPage())
                QTRY_VERIFY(window.handlersPage()->appItem(QStringLiteral("broken_syntax")));
            if (page == window.inspectorPage()) {
                QTableView *view = window.inspectorPage()->view();
                for (int r = view->model()->rowCount() - 1; r >= 0; --r)
                    if (view->model()->index(r, 4).data().toString() ==
                        QLatin1String("doc_update")) {
                        view->selectRow(r);
                        break;
                    }
            }
            save(&window, name + QStringLiteral(".png"));
        }

        // The trace of one connection: everything to and from it, nothing else.
        window.tabs()->setCurrentWidget(window.inspectorPage());
        window.inspectorPage()->tracedOnly()->setChecked(true);
        QTableView *traceView = window.inspectorPage()->view();
        for (int r = traceView->model()->rowCount() - 1; r >= 0; --r)
            if (traceView->model()->index(r, 1).data().toString() == QLatin1String("to client") &&
                traceView->model()->index(r, 4).data().toString() == QLatin1String("doc_update")) {
                traceView->selectRow(r);
                break;
            }
        save(&window, QStringLiteral("11-trace.png"));

        window.tabs()->setCurrentWidget(sockets);
        QTRY_VERIFY(sockets->selectSocket(clients[0]->socketId));
        SocketDetailsDialog details(*sockets->currentSocket());
        details.show();
        QVERIFY(QTest::qWaitForWindowExposed(&details));
        save(&details, QStringLiteral("8-socket-details.png"));

        SettingsDialog settings(GuiSettings::fromConfig(engine.config()));
        settings.show();
        QVERIFY(QTest::qWaitForWindowExposed(&settings));
        save(&settings, QStringLiteral("9-settings.png"));
        engine.stop();
    }
};

QTEST_MAIN(tst_Screenshots)
#include "screenshotrenderer.moc"
