#include "remoteattachment.h"

#include "connectdialog.h"
#include "formatting.h"
#include "handlerspage.h"
#include "inspectorpage.h"
#include "logpage.h"
#include "monitorwindow.h"
#include "publishpage.h"
#include "roomspage.h"
#include "socketspage.h"
#include "throughputpage.h"

#include <QLabel>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QVBoxLayout>

namespace {

const char *const kNeedsDevelopment = QT_TRANSLATE_NOOP(
    "RemoteAttachment",
    "The remote server runs its admin namespace in production mode, which sends server "
    "statistics only. Start it with --admin-mode development to see its sockets, rooms and "
    "events here.");

} // namespace

RemoteAttachment::RemoteAttachment(MonitorWindow *window)
    : QObject(window), m_window(window), m_banner(new QLabel(window))
{
    m_banner->setObjectName(QStringLiteral("remoteBanner"));
    m_banner->setWordWrap(true);
    m_banner->setStyleSheet(QStringLiteral(
        "QLabel { background: #b00020; color: white; font-weight: bold; padding: 6px; }"));
    m_banner->hide();
    // Banner above the tabs.
    QWidget *tabs = window->takeCentralWidget();
    auto *central = new QWidget(window);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_banner);
    layout->addWidget(tabs);
    window->setCentralWidget(central);

    if (auto *bar = window->findChild<QToolBar *>(QStringLiteral("engineToolBar"))) {
        bar->addSeparator();
        QAction *connectAction =
            bar->addAction(tr("Connect to server…"), this, &RemoteAttachment::promptAndAttach);
        connectAction->setObjectName(QStringLiteral("connectToServer"));
        m_detachAction = bar->addAction(tr("Back to this engine"), this, &RemoteAttachment::detach);
        m_detachAction->setObjectName(QStringLiteral("detachFromServer"));
        m_detachAction->setEnabled(false);
    }
    connect(&m_client, &AdminClient::stateChanged, this, &RemoteAttachment::onState);
    connect(&m_client, &AdminClient::eventReceived, this, &RemoteAttachment::onEvent);
    connect(&m_client, &AdminClient::admitted, this, [this] { m_mirror.reset(); });
}

RemoteAttachment::~RemoteAttachment() = default;

void RemoteAttachment::promptAndAttach()
{
    ConnectDialog dialog(m_window);
    if (dialog.exec() != QDialog::Accepted) return;
    dialog.remember();
    attach(dialog.target());
}

void RemoteAttachment::attach(const AdminTarget &target)
{
    m_mirror = RemoteMirror();
    m_mirror.setAdminNamespace(target.namespaceName);
    m_rateSeq = m_traceSeq = 0;
    m_window->throughputPage()->clear();
    m_window->inspectorPage()->clear();
    m_client.connectTo(target);
    m_window->setWindowTitle(
        tr("frappe-realtime monitor — %1 (remote)").arg(target.serverUrl.toString()));
    if (m_detachAction) m_detachAction->setEnabled(true);
    updateViews();
    Q_EMIT activeChanged(true);
}

void RemoteAttachment::detach()
{
    m_client.disconnectFromServer();
    m_banner->hide();
    restorePages();
    m_window->setWindowTitle(tr("frappe-realtime monitor"));
    m_window->throughputPage()->clear();
    m_window->inspectorPage()->clear();
    m_window->resetFeeds();
    if (m_detachAction) m_detachAction->setEnabled(false);
    Q_EMIT activeChanged(false);
}

void RemoteAttachment::onState(AdminClient::State state, const QString &detail)
{
    switch (state) {
    case AdminClient::State::Connected:
        m_banner->hide();
        break;
    case AdminClient::State::Reconnecting:
        m_banner->setText(tr("Connection to %1 lost (%2). Reconnecting; the views show the last "
                             "state received.")
                              .arg(m_client.target().serverUrl.toString(), detail));
        m_banner->show();
        break;
    case AdminClient::State::Refused:
        m_banner->setText(tr("%1 refused the connection: %2")
                              .arg(m_client.target().serverUrl.toString(), detail));
        m_banner->show();
        break;
    case AdminClient::State::Connecting:
        m_banner->hide();
        break;
    case AdminClient::State::Idle:
        break;
    }
    m_window->statusBar()->showMessage(detail, 5000);
}

void RemoteAttachment::onEvent(const QString &event, const QJsonArray &args)
{
    m_mirror.apply(event, args);
    if (event == QLatin1String("config")) updateViews();
}

QWidget *RemoteAttachment::placeholderFor(QWidget *page) const
{
    return m_placeholders.value(page);
}

void RemoteAttachment::setPlaceholder(QWidget *page, const QString &note)
{
    QTabWidget *tabs = m_window->tabs();
    if (QWidget *existing = m_placeholders.value(page)) {
        if (auto *label = qobject_cast<QLabel *>(existing)) label->setText(note);
        return;
    }
    const int index = tabs->indexOf(page);
    if (index < 0) return;
    const QString title = tabs->tabText(index);
    const bool current = tabs->currentIndex() == index;
    auto *label = new QLabel(note);
    label->setObjectName(QStringLiteral("remoteUnavailableNote"));
    label->setWordWrap(true);
    label->setAlignment(Qt::AlignCenter);
    label->setMargin(40);
    tabs->removeTab(index);
    tabs->insertTab(index, label, title);
    page->hide();
    if (current) tabs->setCurrentIndex(index);
    m_placeholders.insert(page, label);
}

void RemoteAttachment::restorePages()
{
    QTabWidget *tabs = m_window->tabs();
    for (auto it = m_placeholders.begin(); it != m_placeholders.end(); ++it) {
        const int index = tabs->indexOf(it.value());
        if (index < 0) continue;
        const QString title = tabs->tabText(index);
        const bool current = tabs->currentIndex() == index;
        tabs->removeTab(index);
        tabs->insertTab(index, it.key(), title);
        if (current) tabs->setCurrentIndex(index);
        it.value()->deleteLater();
    }
    m_placeholders.clear();
}

void RemoteAttachment::updateViews()
{
    if (!active()) return;
    setPlaceholder(m_window->handlersPage(),
                   tr("App handler status is not part of the Admin UI protocol; it shows for "
                      "the engine inside this window only."));
    setPlaceholder(m_window->publishPage(),
                   tr("Publishing is not available on a remote server: the admin protocol's "
                      "emit is not offered by frappe-realtime (it would reach every user of a "
                      "site). Publish through Redis on that server instead."));
    setPlaceholder(m_window->logPage(),
                   tr("The remote server's log is not sent over the admin protocol; read it "
                      "where that server runs (journalctl, supervisor logs). This tab shows "
                      "this window's own log."));
    if (!m_mirror.configReceived()) return;
    const bool dev = m_mirror.development();
    QList<QWidget *> devPages{m_window->roomsPage(), m_window->socketsPage(),
                              m_window->inspectorPage()};
    for (QWidget *page : devPages) {
        if (!dev) {
            setPlaceholder(page, tr(kNeedsDevelopment));
        } else if (QWidget *note = m_placeholders.take(page)) {
            QTabWidget *tabs = m_window->tabs();
            const int index = tabs->indexOf(note);
            const QString title = tabs->tabText(index);
            tabs->removeTab(index);
            tabs->insertTab(index, page, title);
            note->deleteLater();
        }
    }
}

void RemoteAttachment::poll()
{
    SnapshotRequest request;
    request.id = ++m_snapshotId;
    request.rooms = m_window->roomsPage()->isVisible();
    request.sockets = m_window->socketsPage()->isVisible();
    if (request.rooms) {
        const auto [site, room] = m_window->roomsPage()->selectedRoom();
        request.membersSite = site;
        request.membersRoom = room;
    }
    MonitorSnapshot snapshot = m_mirror.snapshot(request);
    m_window->m_snapshotId = snapshot.requestId = request.id;
    m_window->onSnapshot(snapshot);
    const QList<RateSample> rates = m_mirror.ratesSince(m_rateSeq);
    if (!rates.isEmpty()) {
        m_rateSeq = rates.last().seq;
        m_window->throughputPage()->appendSamples(rates);
    }
    InspectorPage *inspector = m_window->inspectorPage();
    if (!inspector->isPaused() && inspector->isVisible()) {
        const QList<TraceEntry> entries = m_mirror.traceSince(m_traceSeq, 2000);
        if (!entries.isEmpty()) {
            const bool gap = entries.first().seq > m_traceSeq + 1;
            m_traceSeq = entries.last().seq;
            inspector->appendEntries(entries, gap);
        }
    }
}

void RemoteAttachment::applySocketAction(const SocketAction &action)
{
    auto finish = [this](bool ok, const QString &message) {
        m_window->onActionFinished({ok, message});
    };
    QString nsp = action.nsp;
    if (nsp.isEmpty())
        for (const SocketRow &row : m_window->lastSnapshot().sockets)
            if (row.id == action.socketId) nsp = row.nsp;
    switch (action.kind) {
    case SocketAction::Kind::Disconnect:
        if (!m_mirror.canDisconnect())
            return finish(false, tr("The remote server is read-only (no disconnect)."));
        m_client.emitEvent(QStringLiteral("_disconnect"), {nsp, false, action.socketId});
        return finish(true,
                      tr("Asked %1 to disconnect %2").arg(m_mirror.serverId(), action.socketId));
    case SocketAction::Kind::Join:
    case SocketAction::Kind::Leave: {
        if (!m_mirror.canJoinLeave())
            return finish(false, tr("The remote server is read-only (no join or leave)."));
        const bool join = action.kind == SocketAction::Kind::Join;
        m_client.emitEvent(join ? QStringLiteral("join") : QStringLiteral("leave"),
                           {nsp, action.room, action.socketId});
        return finish(true, tr("Asked %1 to %2 %3 %4")
                                .arg(m_mirror.serverId(), join ? tr("join") : tr("leave"),
                                     action.socketId, action.room));
    }
    case SocketAction::Kind::Emit:
        return finish(false, tr("Emitting to a socket is not available on a remote server."));
    case SocketAction::Kind::Trace:
    case SocketAction::Kind::Untrace:
        return finish(false, tr("Tracing one connection is not available on a remote server; "
                                "in development mode the inspector shows every event."));
    }
}

QStringList RemoteAttachment::statusFields() const
{
    const QJsonObject stats = m_mirror.lastStats();
    QString state;
    switch (m_client.state()) {
    case AdminClient::State::Connected:
        state = tr("connected");
        break;
    case AdminClient::State::Connecting:
        state = tr("connecting");
        break;
    case AdminClient::State::Reconnecting:
        state = tr("reconnecting");
        break;
    case AdminClient::State::Refused:
        state = tr("refused: %1").arg(m_client.lastError());
        break;
    case AdminClient::State::Idle:
        state = tr("not connected");
        break;
    }
    const QString server = stats.isEmpty()
                               ? m_client.target().serverUrl.toString()
                               : tr("%1 (%2, pid %3)")
                                     .arg(stats.value(QStringLiteral("serverId")).toString(),
                                          m_client.target().serverUrl.toString())
                                     .arg(stats.value(QStringLiteral("pid")).toInt());
    const QString mode = !m_mirror.configReceived() ? QString()
                         : m_mirror.development()   ? tr("development mode")
                                                    : tr("production mode");
    int sockets = 0;
    for (const QJsonValue &n : stats.value(QStringLiteral("namespaces")).toArray())
        if (n.toObject().value(QStringLiteral("name")).toString() !=
            m_client.target().namespaceName)
            sockets += n.toObject().value(QStringLiteral("socketsCount")).toInt();
    const QString redis = m_mirror.extrasAvailable() ? tr("Redis: %1")
                                                           .arg(m_mirror.extras()
                                                                    .value(QStringLiteral("redis"))
                                                                    .toObject()
                                                                    .value(QStringLiteral("state"))
                                                                    .toString())
                                                     : tr("Redis: not reported by this server");
    const RateSample last = m_mirror.latestRate();
    return {tr("Remote: %1").arg(server), tr("%1 %2").arg(state, mode).trimmed(), redis,
            tr("%n socket(s)", nullptr, sockets),
            tr("%1 packets/s out").arg(fmt::rate(last.perSecond(last.deliveries)))};
}
