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

        EngineConfig config;
        config.mode = AppMode::ProtocolTestServer;
        config.bindAddress = QHostAddress::LocalHost;
        config.port = 0;
        Engine engine(config);
        MonitorWindow window(&engine);
        window.setPollInterval(100);
        QVERIFY(window.startEngine());
        const quint16 port = window.lastStart().port;
        window.resize(1180, 660);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        QList<RawSioClient *> clients;
        for (int i = 0; i < 6; ++i) {
            auto *c = new RawSioClient(i % 3 == 0 ? QStringLiteral("/") : QStringLiteral("/custom"),
                                       this);
            c->open(port, {{"Origin", "http://site1.local"},
                           {"Cookie", "sid=0123456789abcdef; full_name=Jane"},
                           {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}});
            clients.append(c);
        }
        for (RawSioClient *c : clients)
            QTRY_VERIFY(!c->socketId.isEmpty());

        // Rooms as a desk would have them, joined through the monitor's own actions.
        SocketsPage *sockets = window.socketsPage();
        const QStringList rooms = {QStringLiteral("all"), QStringLiteral("website"),
                                   QStringLiteral("doc:Sales Invoice/SINV-0001"),
                                   QStringLiteral("doctype:ToDo"),
                                   QStringLiteral("task_progress:8f2c")};
        for (int i = 0; i < clients.size(); ++i) {
            QTRY_VERIFY(sockets->selectSocket(clients[i]->socketId));
            for (int r = 0; r <= i % rooms.size(); ++r)
                sockets->joinCurrent(rooms[r]);
        }
        QTRY_VERIFY(sockets->selectSocket(clients[1]->socketId));
        sockets->toggleTraceCurrent();

        // Some traffic for the chart and the inspector, over a few seconds.
        PublishPage *publish = window.publishPage();
        for (int second = 0; second < 6; ++second) {
            for (int i = 0; i < 3 + second * 2; ++i)
                clients[i % clients.size()]->emitEvent("[\"doc_subscribe\",\"ToDo\",\"TD-0001\"]");
            publish->setForm(QStringLiteral("custom"),
                             QStringLiteral("doc:Sales Invoice/SINV-0001"),
                             QStringLiteral("doc_update"),
                             QStringLiteral("{\"doctype\": \"Sales Invoice\", \"name\": "
                                            "\"SINV-0001\", \"modified\": \"2026-11-28 20:%1:00\"}")
                                 .arg(10 + second),
                             false);
            publish->send();
            publish->setForm(QStringLiteral("custom"), QStringLiteral("all"),
                             QStringLiteral("list_update"),
                             QStringLiteral("{\"doctype\": \"ToDo\", \"name\": \"TD-%1\", "
                                            "\"user\": \"jane@example.com\"}")
                                 .arg(second),
                             false);
            publish->send();
            QTest::qWait(1000);
        }
        publish->setForm(QStringLiteral("custom"), QStringLiteral("doctype:ToDo"),
                         QStringLiteral("msgprint"),
                         QStringLiteral("{\n  \"message\": \"Hello from the monitor\",\n  "
                                        "\"indicator\": \"green\"\n}"),
                         false);

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
