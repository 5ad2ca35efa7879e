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
#include "sitespage.h"
#include "socketdetailsdialog.h"
#include "socketspage.h"
#include "throughputpage.h"
#include "tracemodel.h"

#include <QLabel>
#include <QLineEdit>
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

    void socketsTableListsTheConnectedClients()
    {
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
        QTRY_VERIFY(page->selectSocket(m_bob->socketId));
        page->joinCurrent(QStringLiteral("doc:ToDo/1"));
        RoomsPage *rooms = m_window->roomsPage();
        QTRY_VERIFY(findRow(rooms->model(), 1, QStringLiteral("doc:ToDo/1")) >= 0);
        int row = findRow(rooms->model(), 1, QStringLiteral("doc:ToDo/1"));
        QCOMPARE(cell(rooms->model(), row, 2), QStringLiteral("1"));
        QTRY_VERIFY(cell(page->model(), findRow(page->model(), 0, m_bob->socketId), 8)
                        .contains(QStringLiteral("doc:ToDo/1")));

        // The prefix filter keeps only matching rooms.
        rooms->prefixFilter()->setText(QStringLiteral("doc:"));
        QCOMPARE(rooms->proxy()->rowCount(), 1);
        rooms->prefixFilter()->setText(QStringLiteral("user:"));
        QCOMPARE(rooms->proxy()->rowCount(), 0);
        rooms->prefixFilter()->clear();

        page->leaveCurrent(QStringLiteral("doc:ToDo/1"));
        QTRY_COMPARE(findRow(rooms->model(), 1, QStringLiteral("doc:ToDo/1")), -1);
        page->joinCurrent(QStringLiteral("doc:ToDo/1")); // for the publish test
        QTRY_VERIFY(findRow(rooms->model(), 1, QStringLiteral("doc:ToDo/1")) >= 0);
    }

    void publishConsoleDeliversToTheRoom()
    {
        PublishPage *publish = m_window->publishPage();
        publish->setForm(QStringLiteral("custom"), QStringLiteral("doc:ToDo/1"),
                         QStringLiteral("doc_update"), QStringLiteral("{\"name\": \"1\"}"), false);
        QVERIFY(publish->payloadIsValid());
        QVERIFY(publish->send());
        QTRY_VERIFY(m_bob->received(QStringLiteral("42/custom,[\"doc_update\",{\"name\":\"1\"}]")));
        QVERIFY(!m_alice->receivedStartingWith(QStringLiteral("42[\"doc_update\"")));
        QTRY_COMPARE(publish->history()->item(0, 5)->text(), QStringLiteral("1"));

        // Invalid JSON is refused before anything is sent.
        publish->setForm(QStringLiteral("custom"), QString(), QStringLiteral("x"),
                         QStringLiteral("{\"a\": }"), false);
        QVERIFY(!publish->payloadIsValid());
        QVERIFY(!publish->send());
        QVERIFY(publish->validation()->text().startsWith(QStringLiteral("Not valid JSON")));
    }

    void inspectorShowsPublishesAndClientEvents()
    {
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
        for (int i = 0; i < 5; ++i)
            m_alice->emitEvent("[\"burst\"]");
        // The sampler runs every second on the engine thread.
        QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount(ThroughputPage::ClientEvents) >= 2, 5000);
        double maxClientEvents = 0;
        const auto data = chart->plot()->graph(ThroughputPage::ClientEvents)->data();
        for (auto it = data->constBegin(); it != data->constEnd(); ++it)
            maxClientEvents = qMax(maxClientEvents, it->value);
        QVERIFY2(maxClientEvents >= 1, qPrintable(QString::number(maxClientEvents)));

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
        QTRY_VERIFY(page->selectSocket(m_alice->socketId));
        page->toggleTraceCurrent();
        QTRY_VERIFY(page->currentSocket() && page->currentSocket()->traced);
        page->emitToCurrent(QStringLiteral("notice"), "[1,2]");
        QTRY_VERIFY(m_alice->received(QStringLiteral("42[\"notice\",[1,2]]")));
        m_alice->emitEvent("[\"traced-event\"]");
        const TraceModel *trace = m_window->inspectorPage()->model();
        QTRY_VERIFY([&] {
            for (int r = 0; r < trace->rowCount(); ++r)
                if (trace->entry(r).event == QLatin1String("traced-event") &&
                    trace->entry(r).fromTracedSocket)
                    return true;
            return false;
        }());
    }

    void detailsDialogMasksCredentials()
    {
        SocketsPage *page = m_window->socketsPage();
        QTRY_VERIFY(page->selectSocket(m_alice->socketId));
        SocketDetailsDialog dialog(*page->currentSocket());
        auto *headers = dialog.findChild<QTableWidget *>(QStringLiteral("handshakeHeaders"));
        QVERIFY(headers);
        QString all;
        for (int r = 0; r < headers->rowCount(); ++r)
            all += headers->item(r, 0)->text() + QLatin1Char('=') + headers->item(r, 1)->text() +
                   QLatin1Char('\n');
        QVERIFY2(all.contains(QStringLiteral("cookie=sid=***; system_user=***")), qPrintable(all));
        QVERIFY(!all.contains(QStringLiteral("topsecret")));
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
