// Renders every view of the monitor, with live data from a real engine and
// real clients, into PNG files for docs/screenshots (scripts/screenshots.sh).
// Skipped unless RT_SCREENSHOT_DIR is set, so the normal suite stays fast.
#include "monitortestsupport.h"

#include "engine.h"
#include "inspectorpage.h"
#include "monitorwindow.h"
#include "publishpage.h"
#include "roomspage.h"
#include "settingsdialog.h"
#include "socketdetailsdialog.h"
#include "socketspage.h"
#include "throughputpage.h"

#include <QDir>
#include <QHeaderView>
#include <QTabWidget>
#include <QTableView>
#include <QtTest>

class tst_Screenshots : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void grabEveryView()
    {
        const QString dir = qEnvironmentVariable("RT_SCREENSHOT_DIR");
        if (dir.isEmpty()) QSKIP("set RT_SCREENSHOT_DIR to write the screenshots");
        QDir().mkpath(dir);
        QCoreApplication::setOrganizationName(QStringLiteral("frappe-realtime-screenshots"));

        FrappeBackends backends;
        if (!backends.start(QFINDTESTDATA("../support/frappe-stub.js")))
            QSKIP("needs node, redis-server and tests/support/frappe-stub.js");
        EngineConfig config;
        config.mode = AppMode::Frappe;
        config.bindAddress = QHostAddress::LocalHost;
        config.port = 0;
        config.sites = {QStringLiteral("erp.example.com"), QStringLiteral("portal.example.com"),
                        QStringLiteral("staging.example.com")};
        config.authUrlOverride = backends.stubUrl;
        config.redisUrl = backends.redisUrl();
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
        QTRY_VERIFY(sockets->selectSocket(clients[1]->socketId));
        sockets->toggleTraceCurrent();

        // Some traffic for the chart and the inspector, over a few seconds.
        PublishPage *publish = window.publishPage();
        for (int second = 0; second < 8; ++second) {
            for (int i = 0; i < 2 + second; ++i)
                clients[i % 4]->emitEvent("[\"ping\"]");
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
        const QStringList names = {QStringLiteral("sites"),     QStringLiteral("rooms"),
                                   QStringLiteral("sockets"),   QStringLiteral("throughput"),
                                   QStringLiteral("inspector"), QStringLiteral("publish"),
                                   QStringLiteral("log")};
        for (int i = 0; i < window.tabs()->count(); ++i) {
            window.tabs()->setCurrentIndex(i);
            if (names.value(i) == QLatin1String("rooms")) window.roomsPage()->view()->selectRow(0);
            if (names.value(i) == QLatin1String("inspector")) {
                QTableView *view = window.inspectorPage()->view();
                for (int r = view->model()->rowCount() - 1; r >= 0; --r)
                    if (view->model()->index(r, 4).data().toString() ==
                        QLatin1String("doc_update")) {
                        view->selectRow(r);
                        break;
                    }
            }
            save(&window, QStringLiteral("%1-%2.png").arg(i + 1).arg(names.value(i)));
        }

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
#include "tst_screenshots.moc"
