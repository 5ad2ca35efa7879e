// The desktop monitor attached to a second, headless engine over the Admin UI
// protocol (issue 17): the window's own engine stays stopped, the remote one
// runs --admin (development mode, read-write, a bcrypt password) with dev
// auth, and real WebSocket clients connect to it. Checks what a user sees:
// site and socket rows and counts, a disconnect that reaches the remote
// client, notes instead of empty tables for views the protocol cannot feed,
// the banner when the connection is lost and the reconnect after it; then a
// production-mode, read-only server: its sockets view says why it is empty
// and a disconnect is refused.
#include "admin/bcryptverify.h"
#include "engine.h"
#include "handlerspage.h"
#include "keyedtablemodel.h"
#include "monitortestsupport.h"
#include "monitorwindow.h"
#include "remoteattachment.h"
#include "sitespage.h"
#include "socketspage.h"

#include <QLabel>
#include <QStatusBar>
#include <QTabWidget>
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

const QString kPassword = QStringLiteral("remote-pw");

EngineConfig remoteConfig(bool development, quint16 port = 0)
{
    EngineConfig c;
    c.mode = AppMode::Frappe;
    c.bindAddress = QHostAddress::LocalHost;
    c.port = port;
    c.sites = {QStringLiteral("site1.local"), QStringLiteral("site2.local")};
    c.devAuthUser = QStringLiteral("Administrator");
    c.ioThreads = 1;
    c.admin.enabled = true;
    c.admin.development = development;
    c.admin.readOnly = !development;
    c.admin.serverId = QStringLiteral("remote-node");
    c.admin.passwordHash = makeBcryptHash(kPassword.toUtf8(), 4);
    c.admin.statsIntervalMs = 300;
    return c;
}

} // namespace

class TestRemoteMonitor : public QObject {
    Q_OBJECT

private:
    Engine *m_local = nullptr;
    Engine *m_remote = nullptr;
    MonitorWindow *m_window = nullptr;
    quint16 m_port = 0;
    QList<RawSioClient *> m_clients;

    RawSioClient *connectClient(const QString &site)
    {
        auto *c = new RawSioClient(QLatin1Char('/') + site, this);
        c->open(m_port, {{"x-frappe-site-name", site.toUtf8()}});
        m_clients.append(c);
        return c;
    }

    // Kept in the build tree (<build>/test-artifacts), like the Admin UI test's screenshots.
    void saveArtifact(const QString &name)
    {
        const QString dir = qEnvironmentVariable(
            "RT_ARTIFACT_DIR", QCoreApplication::applicationDirPath() + "/../../test-artifacts");
        QDir().mkpath(dir);
        QVERIFY(m_window->grab().save(dir + QLatin1Char('/') + name));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("frappe-realtime-tests"));
        m_remote = new Engine(remoteConfig(true), this);
        const StartResult started = m_remote->start();
        QVERIFY2(started.ok, qPrintable(started.error));
        m_port = started.port;
        m_local = new Engine(EngineConfig(), this); // never started: the window watches the remote
        m_window = new MonitorWindow(m_local);
        m_window->setPollInterval(50);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window));
        m_window->remote()->client()->setReconnectDelays(100, 400);
        AdminTarget target;
        target.serverUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port));
        target.password = kPassword;
        m_window->remote()->attach(target);
        QTRY_COMPARE_WITH_TIMEOUT(m_window->remote()->client()->state(),
                                  AdminClient::State::Connected, 10000);
    }

    void cleanupTestCase()
    {
        qDeleteAll(m_clients);
        delete m_window;
        if (m_remote) m_remote->stop();
    }

    void sitesAndSocketsOfTheRemoteServer()
    {
        RawSioClient *a = connectClient(QStringLiteral("site1.local"));
        RawSioClient *b = connectClient(QStringLiteral("site1.local"));
        QTRY_VERIFY_WITH_TIMEOUT(!a->socketId.isEmpty() && !b->socketId.isEmpty(), 10000);

        const auto *sites = m_window->sitesPage()->model();
        QTRY_VERIFY_WITH_TIMEOUT(findRow(sites, 0, QStringLiteral("site1.local")) >= 0, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(cell(sites, findRow(sites, 0, QStringLiteral("site1.local")), 2),
                                  QStringLiteral("2"), 5000);
        QVERIFY(findRow(sites, 0, QStringLiteral("site2.local")) >= 0); // idle, still listed

        m_window->tabs()->setCurrentWidget(m_window->socketsPage());
        const auto *sockets = m_window->socketsPage()->model();
        QTRY_COMPARE_WITH_TIMEOUT(sockets->rowCount(), 2, 5000);
        const int row = findRow(sockets, 0, a->socketId);
        QVERIFY(row >= 0);
        QCOMPARE(cell(sockets, row, 1), QStringLiteral("Administrator"));
        QCOMPARE(cell(sockets, row, 3), QStringLiteral("site1.local"));
        QTRY_VERIFY(m_window->statusText().contains(QStringLiteral("Remote: remote-node")));
        QTRY_VERIFY(m_window->statusText().contains(QStringLiteral("2 socket(s)")));
        QVERIFY(m_window->statusText().contains(QStringLiteral("development mode")));
        saveArtifact(QStringLiteral("monitor-remote-sockets.png"));
    }

    void aDisconnectReachesTheRemoteClient()
    {
        RawSioClient *target = m_clients.at(0);
        RawSioClient *other = m_clients.at(1);
        QVERIFY(m_window->socketsPage()->selectSocket(target->socketId));
        m_window->socketsPage()->disconnectCurrent();
        QTRY_VERIFY_WITH_TIMEOUT(target->received(QStringLiteral("41/site1.local,")), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(m_window->socketsPage()->model()->rowCount(), 1, 5000);
        QVERIFY(!other->received(QStringLiteral("41/site1.local,"))); // only the one asked for
    }

    void viewsTheProtocolCannotFeedSaySo()
    {
        auto *note =
            qobject_cast<QLabel *>(m_window->remote()->placeholderFor(m_window->handlersPage()));
        QVERIFY(note);
        QVERIFY(note->text().contains(QStringLiteral("not part of the Admin UI protocol")));
        QCOMPARE(m_window->tabs()->indexOf(m_window->handlersPage()), -1);
        // Development mode: sockets and rooms are real views, not notes.
        QVERIFY(!m_window->remote()->placeholderFor(m_window->socketsPage()));
    }

    void aLostConnectionShowsABannerAndReconnects()
    {
        QLabel *banner = m_window->remote()->banner();
        QVERIFY(!banner->isVisible());
        m_remote->stop();
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 5000);
        QVERIFY(banner->text().contains(QStringLiteral("Reconnecting")));
        m_remote->setConfig(remoteConfig(true, m_port));
        QVERIFY(m_remote->start().ok);
        // A new process knows no session: the client logs in again by itself.
        QTRY_COMPARE_WITH_TIMEOUT(m_window->remote()->client()->state(),
                                  AdminClient::State::Connected, 10000);
        QTRY_VERIFY(!banner->isVisible());
        RawSioClient *again = connectClient(QStringLiteral("site2.local"));
        QTRY_VERIFY_WITH_TIMEOUT(!again->socketId.isEmpty(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(findRow(m_window->socketsPage()->model(), 0, again->socketId) >= 0,
                                 5000);
    }

    void productionReadOnlyServer()
    {
        m_remote->stop();
        m_remote->setConfig(remoteConfig(false, m_port));
        QVERIFY(m_remote->start().ok);
        RawSioClient *c = connectClient(QStringLiteral("site1.local"));
        QTRY_VERIFY_WITH_TIMEOUT(!c->socketId.isEmpty(), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_window->remote()->client()->state(),
                                  AdminClient::State::Connected, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->statusText().contains(QStringLiteral("production mode")),
                                 5000);
        auto *note =
            qobject_cast<QLabel *>(m_window->remote()->placeholderFor(m_window->socketsPage()));
        QVERIFY(note);
        QVERIFY(note->text().contains(QStringLiteral("--admin-mode development")));
        // Counts still come from server_stats.
        const auto *sites = m_window->sitesPage()->model();
        QTRY_VERIFY_WITH_TIMEOUT(findRow(sites, 0, QStringLiteral("site1.local")) >= 0 &&
                                     cell(sites, findRow(sites, 0, QStringLiteral("site1.local")),
                                          2) == QStringLiteral("1"),
                                 5000);
        // Read-only: a disconnect is refused in the window, and the client stays.
        m_window->remote()->applySocketAction({SocketAction::Kind::Disconnect,
                                               QStringLiteral("/site1.local"),
                                               c->socketId,
                                               {},
                                               {},
                                               {}});
        QVERIFY(m_window->statusBar()->currentMessage().contains(QStringLiteral("read-only")));
    }

    void detachReturnsToTheLocalEngine()
    {
        m_window->remote()->detach();
        QVERIFY(!m_window->remote()->active());
        QVERIFY(m_window->tabs()->indexOf(m_window->handlersPage()) >= 0);
        QVERIFY(m_window->tabs()->indexOf(m_window->socketsPage()) >= 0);
        QTRY_VERIFY(m_window->statusText().contains(QStringLiteral("Stopped")));
    }
};

QTEST_MAIN(TestRemoteMonitor)
#include "tst_remotemonitor.moc"
