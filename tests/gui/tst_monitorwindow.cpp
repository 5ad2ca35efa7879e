// The desktop monitor against a real engine (protocol test server mode, on
// 127.0.0.1 port 0) with real WebSocket clients: what the views show, and
// that the actions taken in them reach the clients.
#include "monitortestsupport.h"

#include "engine.h"
#include "inspectorpage.h"
#include "keyedtablemodel.h"
#include "monitorwindow.h"
#include "publishpage.h"
#include "qcustomplotinclude.h"
#include "roomspage.h"
#include "settingsdialog.h"
#include "sitespage.h"
#include "socketdetailsdialog.h"
#include "socketspage.h"
#include "throughputpage.h"
#include "tracemodel.h"

#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
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

// The entry a traced connection got for this event (or ack), or nullptr.
const TraceEntry *tracedEntry(const TraceModel *model, TraceEntry::Kind kind, const QString &event,
                              const QString &detail = {})
{
    for (int r = 0; r < model->rowCount(); ++r) {
        const TraceEntry &e = model->entry(r);
        if (e.fromTracedSocket && e.kind == kind && e.event == event &&
            (detail.isEmpty() || e.detail == detail))
            return &e;
    }
    return nullptr;
}

int countTrace(const TraceModel *model, TraceEntry::Kind kind, const QString &event)
{
    int n = 0;
    for (int r = 0; r < model->rowCount(); ++r)
        if (model->entry(r).kind == kind && (event.isEmpty() || model->entry(r).event == event))
            ++n;
    return n;
}
} // namespace

class tst_MonitorWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("frappe-realtime-tests"));
        EngineConfig config;
        config.mode = AppMode::ProtocolTestServer;
        config.bindAddress = QHostAddress::LocalHost;
        config.port = 0;
        config.ioThreads = 2; // one client's socket on the engine thread, the other's on a shard
        m_engine = new Engine(config, this);
        m_window = new MonitorWindow(m_engine);
        m_window->setPollInterval(50);
        QVERIFY(m_window->startEngine());
        m_port = m_window->lastStart().port;
        QVERIFY(m_port > 0);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window));

        m_alice = new RawSioClient(QStringLiteral("/"), this);
        m_bob = new RawSioClient(QStringLiteral("/custom"), this);
        m_alice->open(m_port, {{"Cookie", "sid=topsecret; system_user=yes"},
                               {"Origin", "http://site1.local"}});
        m_bob->open(m_port);
        QTRY_VERIFY(!m_alice->socketId.isEmpty());
        QTRY_VERIFY(!m_bob->socketId.isEmpty());
    }

    void devAuthIsShownOnlyInDevMode()
    {
        QVERIFY(!m_window->findChild<QLabel *>(QStringLiteral("devAuthWarning")));
        EngineConfig config;
        config.devAuthUser = QStringLiteral("Administrator");
        Engine devEngine(config);
        MonitorWindow devWindow(&devEngine); // not started: the banner depends on config only
        auto *warning = devWindow.findChild<QLabel *>(QStringLiteral("devAuthWarning"));
        QVERIFY(warning);
        QVERIFY(warning->text().contains(QStringLiteral("DEV AUTH")));
        QVERIFY(warning->text().contains(QStringLiteral("Administrator")));
    }

    void cleanupTestCase()
    {
        delete m_window;
        m_engine->stop();
    }

    void socketRowsComeOnlyWhileTheSocketsTabShows()
    {
        m_window->tabs()->setCurrentWidget(m_window->sitesPage());
        const quint64 before = m_window->snapshotsReceived();
        QTRY_VERIFY(m_window->snapshotsReceived() > before + 1);
        QVERIFY(!m_window->lastSnapshot().socketsIncluded);
        QVERIFY(m_window->lastSnapshot().sockets.isEmpty());
        QCOMPARE(m_window->lastSnapshot().connections, 2);
        m_window->tabs()->setCurrentWidget(m_window->socketsPage());
        QTRY_COMPARE(m_window->lastSnapshot().sockets.size(), 2);
    }

    void socketsTableListsTheConnectedClients()
    {
        m_window->tabs()->setCurrentWidget(m_window->socketsPage());
        const auto *model = m_window->socketsPage()->model();
        QTRY_COMPARE(model->rowCount(), 2);
        const int alice = findRow(model, 0, m_alice->socketId);
        QVERIFY(alice >= 0);
        QCOMPARE(cell(model, alice, 4), QStringLiteral("websocket"));
        QVERIFY(cell(model, alice, 5).contains(QStringLiteral("127.0.0.1")));
        QCOMPARE(cell(model, alice, 6), QStringLiteral("http://site1.local"));
        QVERIFY(findRow(model, 0, m_bob->socketId) >= 0);

        // The filter narrows the table by any text of a row.
        m_window->socketsPage()->filter()->setText(QStringLiteral("site1.local"));
        QCOMPARE(m_window->socketsPage()->proxy()->rowCount(), 1);
        m_window->socketsPage()->filter()->clear();
        QCOMPARE(m_window->socketsPage()->proxy()->rowCount(), 2);

        QVERIFY(m_window->statusText().contains(QStringLiteral("Listening on 127.0.0.1:")));
        QTRY_VERIFY(m_window->statusText().contains(QStringLiteral("2 connection(s)")));
        // The status bar shows how the sockets spread over the two I/O threads.
        QTRY_VERIFY2(m_window->statusText().contains(QStringLiteral("I/O threads: 1 / 1")),
                     qPrintable(m_window->statusText()));
    }

    void sitesShowEveryNamespaceWithItsSockets()
    {
        const auto *model = m_window->sitesPage()->model();
        QTRY_COMPARE(model->rowCount(), 2);
        const int custom = findRow(model, 0, QStringLiteral("custom"));
        QVERIFY(custom >= 0);
        QCOMPARE(cell(model, custom, 2), QStringLiteral("1"));
    }

    void joinAndLeaveChangeRoomMembership()
    {
        SocketsPage *page = m_window->socketsPage();
        RoomsPage *rooms = m_window->roomsPage();
        QTabWidget *tabs = m_window->tabs();
        tabs->setCurrentWidget(page);
        QTRY_VERIFY(page->selectSocket(m_bob->socketId));
        page->joinCurrent(QStringLiteral("doc:ToDo/1"));
        QTRY_VERIFY(cell(page->model(), findRow(page->model(), 0, m_bob->socketId), 8)
                        .contains(QStringLiteral("doc:ToDo/1")));
        tabs->setCurrentWidget(rooms);
        QTRY_VERIFY(findRow(rooms->model(), 1, QStringLiteral("doc:ToDo/1")) >= 0);
        int row = findRow(rooms->model(), 1, QStringLiteral("doc:ToDo/1"));
        QCOMPARE(cell(rooms->model(), row, 2), QStringLiteral("1"));

        // The prefix filter keeps only matching rooms.
        rooms->prefixFilter()->setText(QStringLiteral("doc:"));
        QCOMPARE(rooms->proxy()->rowCount(), 1);
        rooms->prefixFilter()->setText(QStringLiteral("user:"));
        QCOMPARE(rooms->proxy()->rowCount(), 0);
        rooms->prefixFilter()->clear();

        tabs->setCurrentWidget(page);
        page->leaveCurrent(QStringLiteral("doc:ToDo/1"));
        QTRY_VERIFY(!cell(page->model(), findRow(page->model(), 0, m_bob->socketId), 8)
                         .contains(QStringLiteral("doc:ToDo/1")));
        tabs->setCurrentWidget(rooms);
        QTRY_COMPARE(findRow(rooms->model(), 1, QStringLiteral("doc:ToDo/1")), -1);
        tabs->setCurrentWidget(page);
        page->joinCurrent(QStringLiteral("doc:ToDo/1")); // for the publish test
        QTRY_VERIFY(cell(page->model(), findRow(page->model(), 0, m_bob->socketId), 8)
                        .contains(QStringLiteral("doc:ToDo/1")));

        // Selected in the Rooms tab, the room lists its member.
        tabs->setCurrentWidget(rooms);
        QTRY_VERIFY(findRow(rooms->model(), 1, QStringLiteral("doc:ToDo/1")) >= 0);
        rooms->view()->selectRow(
            rooms->proxy()
                ->mapFromSource(rooms->model()->index(
                    findRow(rooms->model(), 1, QStringLiteral("doc:ToDo/1")), 0))
                .row());
        QTRY_COMPARE(rooms->members()->count(), 1);
        QCOMPARE(rooms->members()->item(0)->text(), m_bob->socketId);
    }

    void publishConsoleDeliversToTheRoom()
    {
        PublishPage *publish = m_window->publishPage();
        m_window->tabs()->setCurrentWidget(publish);
        publish->setForm(QStringLiteral("custom"), QStringLiteral("doc:ToDo/1"),
                         QStringLiteral("doc_update"), QStringLiteral("{\"name\": \"1\"}"), false);
        QVERIFY(publish->payloadIsValid());
        QVERIFY(publish->send());
        QTRY_VERIFY(m_bob->received(QStringLiteral("42/custom,[\"doc_update\",{\"name\":\"1\"}]")));
        QVERIFY(!m_alice->receivedStartingWith(QStringLiteral("42[\"doc_update\"")));
        QTRY_COMPARE(publish->history()->item(0, 5)->text(), QStringLiteral("1"));

        // Receive -> write latency of that publish reaches the chart.
        ThroughputPage *chart = m_window->throughputPage();
        m_window->tabs()->setCurrentWidget(chart);
        QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount(ThroughputPage::P50) > 0, 5000);
        QVERIFY(chart->pointCount(ThroughputPage::P99) > 0);
        for (const auto series : {ThroughputPage::P50, ThroughputPage::P99}) {
            const double ms = chart->lastValue(series);
            QVERIFY2(ms >= 0 && ms < 10000, qPrintable(QString::number(ms)));
        }

        // Invalid JSON is refused before anything is sent.
        m_window->tabs()->setCurrentWidget(publish);
        publish->setForm(QStringLiteral("custom"), QString(), QStringLiteral("x"),
                         QStringLiteral("{\"a\": }"), false);
        QVERIFY(!publish->payloadIsValid());
        QVERIFY(!publish->send());
        QVERIFY(publish->validation()->text().startsWith(QStringLiteral("Not valid JSON")));
    }

    void inspectorShowsPublishesAndClientEvents()
    {
        m_window->tabs()->setCurrentWidget(m_window->inspectorPage());
        m_alice->emitEvent("[\"hello-server\",{\"n\":1}]");
        const TraceModel *trace = m_window->inspectorPage()->model();
        QTRY_VERIFY(
            countTrace(trace, TraceEntry::Kind::ClientEvent, QStringLiteral("hello-server")) == 1);
        QTRY_VERIFY(
            countTrace(trace, TraceEntry::Kind::ConsolePublish, QStringLiteral("doc_update")) >= 1);

        // Filter by event; select the row; the payload shows pretty-printed,
        // and "copy as publish_realtime" gives the Python call.
        InspectorPage *inspector = m_window->inspectorPage();
        inspector->eventFilter()->setText(QStringLiteral("doc_update"));
        QCOMPARE(inspector->view()->model()->rowCount(), 1);
        inspector->view()->setCurrentIndex(inspector->view()->model()->index(0, 0));
        QVERIFY(
            inspector->payloadView()->toPlainText().contains(QStringLiteral("\"name\": \"1\"")));
        const QString call = inspector->publishCallOfCurrent();
        QVERIFY2(call.contains(QStringLiteral("frappe.publish_realtime(")), qPrintable(call));
        QVERIFY2(call.contains(QStringLiteral("room=\"doc:ToDo/1\"")), qPrintable(call));
        inspector->eventFilter()->clear();

        // Paused: nothing new appears; resumed: it catches up by sequence id.
        inspector->setPaused(true);
        const int before = trace->rowCount();
        m_alice->emitEvent("[\"while-paused\"]");
        QTest::qWait(300);
        QCOMPARE(trace->rowCount(), before);
        inspector->setPaused(false);
        QTRY_COMPARE(
            countTrace(trace, TraceEntry::Kind::ClientEvent, QStringLiteral("while-paused")), 1);
    }

    void chartPlotsPerSecondRates()
    {
        ThroughputPage *chart = m_window->throughputPage();
        m_window->tabs()->setCurrentWidget(chart);
        for (int i = 0; i < 5; ++i)
            m_alice->emitEvent("[\"burst\"]");
        // The sampler runs every second on the engine thread.
        QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount(ThroughputPage::ClientEvents) >= 2, 5000);
        // The burst shows in the second that counted it (maybe the next sample).
        const auto maxClientEvents = [chart] {
            double max = 0;
            const auto data = chart->plot()->graph(ThroughputPage::ClientEvents)->data();
            for (auto it = data->constBegin(); it != data->constEnd(); ++it)
                max = qMax(max, it->value);
            return max;
        };
        QTRY_VERIFY_WITH_TIMEOUT(maxClientEvents() >= 1, 5000);

        QTemporaryDir dir;
        QVERIFY(chart->exportCsv(dir.filePath(QStringLiteral("rates.csv"))));
        QFile csv(dir.filePath(QStringLiteral("rates.csv")));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QVERIFY(csv.readLine().startsWith("time_ms,redis_in_per_s,deliveries_per_s"));
        QVERIFY(chart->exportPng(dir.filePath(QStringLiteral("rates.png"))));
        QVERIFY(QImage(dir.filePath(QStringLiteral("rates.png"))).width() > 100);
    }

    void emitToSocketAndTraceIt()
    {
        SocketsPage *page = m_window->socketsPage();
        m_window->tabs()->setCurrentWidget(page);
        QTRY_VERIFY(page->selectSocket(m_alice->socketId));
        page->toggleTraceCurrent();
        QTRY_VERIFY(page->currentSocket() && page->currentSocket()->traced);
        page->emitToCurrent(QStringLiteral("notice"), "[1,2]");
        QTRY_VERIFY(m_alice->received(QStringLiteral("42[\"notice\",[1,2]]")));
        m_alice->emitEvent("[\"traced-event\"]");
        m_window->tabs()->setCurrentWidget(m_window->inspectorPage());
        const TraceModel *trace = m_window->inspectorPage()->model();
        QTRY_VERIFY([&] {
            for (int r = 0; r < trace->rowCount(); ++r)
                if (trace->entry(r).event == QLatin1String("traced-event") &&
                    trace->entry(r).fromTracedSocket)
                    return true;
            return false;
        }());
    }

    void traceRecordsEveryPacketOfTheConnection()
    {
        SocketsPage *page = m_window->socketsPage();
        m_window->tabs()->setCurrentWidget(page);
        QTRY_VERIFY(page->selectSocket(m_alice->socketId));
        if (!page->currentSocket()->traced) page->toggleTraceCurrent();
        QTRY_VERIFY(page->currentSocket() && page->currentSocket()->traced);
        m_window->tabs()->setCurrentWidget(m_window->inspectorPage());
        const TraceModel *trace = m_window->inspectorPage()->model();

        // Client -> server event with its payload; the test server echoes it.
        m_alice->emitEvent("[\"message\",{\"k\":\"v\"}]");
        QTRY_VERIFY(tracedEntry(trace, TraceEntry::Kind::ClientEvent, QStringLiteral("message")));
        const TraceEntry *in =
            tracedEntry(trace, TraceEntry::Kind::ClientEvent, QStringLiteral("message"));
        QCOMPARE(in->payload, QByteArray("{\"k\":\"v\"}"));
        QCOMPARE(in->socketId, m_alice->socketId);
        QCOMPARE(TraceEntry::kindName(in->kind), QStringLiteral("from client"));
        QTRY_VERIFY(
            tracedEntry(trace, TraceEntry::Kind::ServerPacket, QStringLiteral("message-back")));
        const TraceEntry *echo =
            tracedEntry(trace, TraceEntry::Kind::ServerPacket, QStringLiteral("message-back"));
        QCOMPARE(echo->payload, QByteArray("{\"k\":\"v\"}"));
        QCOMPARE(TraceEntry::kindName(echo->kind), QStringLiteral("to client"));

        // An event asking for an ack, and the server's ack.
        m_alice->emitWithAck(7, "[\"message-with-ack\",{\"a\":1}]");
        QTRY_VERIFY(m_alice->received(QStringLiteral("437[{\"a\":1}]")));
        QTRY_VERIFY(tracedEntry(trace, TraceEntry::Kind::ClientEvent,
                                QStringLiteral("message-with-ack"), QStringLiteral("asks ack 7")));
        QTRY_VERIFY(
            tracedEntry(trace, TraceEntry::Kind::ServerPacket, QString(), QStringLiteral("ack 7")));
        QCOMPARE(
            tracedEntry(trace, TraceEntry::Kind::ServerPacket, QString(), QStringLiteral("ack 7"))
                ->payload,
            QByteArray("{\"a\":1}"));

        // A broadcast to the whole namespace reaches the traced socket too.
        PublishPage *publish = m_window->publishPage();
        publish->setForm(QStringLiteral("/"), QString(), QStringLiteral("to-everyone"),
                         QStringLiteral("{\"b\": 2}"), false);
        QVERIFY(publish->send());
        QTRY_VERIFY(m_alice->received(QStringLiteral("42[\"to-everyone\",{\"b\":2}]")));
        QTRY_VERIFY(
            tracedEntry(trace, TraceEntry::Kind::ServerPacket, QStringLiteral("to-everyone")));
        QCOMPARE(tracedEntry(trace, TraceEntry::Kind::ServerPacket, QStringLiteral("to-everyone"))
                     ->payload,
                 QByteArray("{\"b\":2}"));

        // Nothing of the untraced socket is recorded as traced.
        for (int r = 0; r < trace->rowCount(); ++r)
            if (trace->entry(r).fromTracedSocket)
                QCOMPARE(trace->entry(r).socketId, m_alice->socketId);
    }

    void detailsDialogMasksCredentials()
    {
        SocketsPage *page = m_window->socketsPage();
        m_window->tabs()->setCurrentWidget(page);
        QTRY_VERIFY(page->selectSocket(m_alice->socketId));
        SocketDetailsDialog dialog(*page->currentSocket());
        auto *headers = dialog.findChild<QTableWidget *>(QStringLiteral("handshakeHeaders"));
        QVERIFY(headers);
        QString all;
        for (int r = 0; r < headers->rowCount(); ++r)
            all += headers->item(r, 0)->text() + QLatin1Char('=') + headers->item(r, 1)->text() +
                   QLatin1Char('\n');
        QVERIFY2(all.contains(QStringLiteral("cookie=sid=…; system_user=…")), qPrintable(all));
        QVERIFY(!all.contains(QStringLiteral("topsecret")));
    }

    void settingsDialogMasksPasswords()
    {
        GuiSettings saved;
        saved.redisUrl = QStringLiteral("redis://default:hunter2@127.0.0.1:6379/0");
        saved.authUrlOverride = QStringLiteral("http://web:s3cretpw@10.0.0.5:8000");
        {
            SettingsDialog dialog(saved);
            QString shown;
            for (const QLineEdit *edit : dialog.findChildren<QLineEdit *>())
                shown += edit->text() + QLatin1Char('\n');
            QVERIFY2(!shown.contains(QLatin1String("hunter2")), qPrintable(shown));
            QVERIFY2(!shown.contains(QLatin1String("s3cretpw")), qPrintable(shown));
            QVERIFY2(shown.contains(QLatin1String("redis://default:***@127.0.0.1:6379/0")),
                     qPrintable(shown));
            // Saved unchanged: the real values are kept, not the masked text.
            QCOMPARE(dialog.settings().redisUrl, saved.redisUrl);
            QCOMPARE(dialog.settings().authUrlOverride, saved.authUrlOverride);
        }
        {
            // A URL that does not parse is masked too.
            saved.redisUrl = QStringLiteral("redis://:hunter2@[::1:6379");
            SettingsDialog dialog(saved);
            for (const QLineEdit *edit : dialog.findChildren<QLineEdit *>())
                QVERIFY2(!edit->text().contains(QLatin1String("hunter2")),
                         qPrintable(edit->text()));
            // A field the user changed is taken as typed.
            for (QLineEdit *edit : dialog.findChildren<QLineEdit *>())
                if (edit->text().startsWith(QLatin1String("redis://")))
                    edit->setText(QStringLiteral("redis://:newpw@127.0.0.1:6380"));
            QCOMPARE(dialog.settings().redisUrl, QStringLiteral("redis://:newpw@127.0.0.1:6380"));
        }
    }

    void disconnectActionReachesTheClient()
    {
        SocketsPage *page = m_window->socketsPage();
        QTRY_VERIFY(page->selectSocket(m_bob->socketId));
        page->disconnectCurrent();
        QTRY_VERIFY(m_bob->received(QStringLiteral("41/custom,")));
        QTRY_COMPARE(findRow(page->model(), 0, m_bob->socketId), -1);
        QTRY_COMPARE(page->model()->rowCount(), 1);
    }

    void stopAndStartAgain()
    {
        m_window->stopEngine();
        QVERIFY(!m_engine->isRunning());
        QCOMPARE(m_window->socketsPage()->model()->rowCount(), 0);
        QVERIFY(m_window->statusText().startsWith(QStringLiteral("Stopped")));
        QTRY_VERIFY(m_alice->closed);
        QVERIFY(m_window->startEngine());
        QVERIFY(m_window->statusText().contains(QStringLiteral("Listening on")));
    }

private:
    Engine *m_engine = nullptr;
    MonitorWindow *m_window = nullptr;
    RawSioClient *m_alice = nullptr;
    RawSioClient *m_bob = nullptr;
    quint16 m_port = 0;
};

QTEST_MAIN(tst_MonitorWindow)
#include "tst_monitorwindow.moc"
