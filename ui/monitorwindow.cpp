#include "monitorwindow.h"

#include "clusterpage.h"
#include "formatting.h"
#include "handlerspage.h"
#include "inspectorpage.h"
#include "logpage.h"
#include "publishpage.h"
#include "remoteattachment.h"
#include "roomspage.h"
#include "settingsdialog.h"
#include "sitespage.h"
#include "socketspage.h"
#include "telemetry/telemetry.h"
#include "throughputpage.h"

#include <QDateTime>
#include <QLabel>
#include <QMessageBox>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>

MonitorWindow::MonitorWindow(Engine *engine, QWidget *parent)
    : QMainWindow(parent), m_engine(engine), m_baseConfig(engine->config())
{
    buildUi();
    connect(m_engine, &Engine::snapshotReady, this, &MonitorWindow::onSnapshot);
    connect(m_engine, &Engine::publishFinished, m_publish, &PublishPage::onPublishFinished);
    connect(m_engine, &Engine::socketActionFinished, this, &MonitorWindow::onActionFinished);
    m_remote = new RemoteAttachment(this);
    // Socket actions go to whichever server the window shows.
    connect(m_sockets, &SocketsPage::actionRequested, this, [this](const SocketAction &action) {
        if (m_remote->active())
            m_remote->applySocketAction(action);
        else
            m_engine->applySocketAction(action);
    });
    connect(m_publish, &PublishPage::publishRequested, m_engine, &Engine::publish);
    connect(m_inspector, &InspectorPage::traceRequested, this, &MonitorWindow::traceSocket);
    // What a snapshot carries depends on the tab and the selected room: ask
    // again at once when they change, not at the next tick.
    connect(m_tabs, &QTabWidget::currentChanged, this, &MonitorWindow::requestSnapshot);
    connect(m_rooms, &RoomsPage::selectedRoomChanged, this, &MonitorWindow::requestSnapshot);

    m_timer = new QTimer(this);
    connect(m_timer, &QTimer::timeout, this, &MonitorWindow::poll);
    m_timer->start(250);
    updateActions();
    updateStatusBar();
}

MonitorWindow::~MonitorWindow() = default;

void MonitorWindow::buildUi()
{
    setWindowTitle(tr("frappe-realtime monitor"));
    m_tabs = new QTabWidget(this);
    m_sites = new SitesPage(this);
    m_cluster = new ClusterPage(this);
    m_rooms = new RoomsPage(this);
    m_sockets = new SocketsPage(this);
    m_throughput = new ThroughputPage(this);
    m_inspector = new InspectorPage(this);
    m_handlers = new HandlersPage(this);
    m_publish = new PublishPage(this);
    m_log = new LogPage(this);
    m_tabs->addTab(m_sites, tr("Sites"));
    m_tabs->addTab(m_rooms, tr("Rooms"));
    m_tabs->addTab(m_sockets, tr("Sockets"));
    m_tabs->addTab(m_throughput, tr("Throughput"));
    m_tabs->addTab(m_inspector, tr("Event inspector"));
    m_tabs->addTab(m_handlers, tr("Handlers"));
    m_tabs->addTab(m_publish, tr("Publish"));
    m_tabs->addTab(m_log, tr("Log"));
    m_tabs->addTab(m_cluster, tr("Cluster"));
    setCentralWidget(m_tabs);

    QToolBar *bar = addToolBar(tr("Engine"));
    bar->setObjectName(QStringLiteral("engineToolBar"));
    bar->setMovable(false);
    m_start = bar->addAction(tr("Start"), this, &MonitorWindow::startEngine);
    m_stop = bar->addAction(tr("Stop"), this, &MonitorWindow::stopEngine);
    m_restart = bar->addAction(tr("Restart"), this, &MonitorWindow::restartEngine);
    bar->addSeparator();
    bar->addAction(tr("Settings…"), this, &MonitorWindow::openSettings);
    const QString devUser = m_engine->config().devAuthUser;
    if (!devUser.isEmpty()) {
        // Dev auth admits every loopback client without asking Frappe: say so
        // where nobody can miss it, not only in the log.
        bar->addSeparator();
        auto *warning = new QLabel(
            tr("  DEV AUTH: every local client is admitted as %1 without a login  ").arg(devUser),
            this);
        warning->setObjectName(QStringLiteral("devAuthWarning"));
        warning->setStyleSheet(QStringLiteral(
            "QLabel { background: #b00020; color: white; font-weight: bold; padding: 3px; }"));
        bar->addWidget(warning);
    }

    m_listen = new QLabel(this);
    m_redis = new QLabel(this);
    m_auth = new QLabel(this);
    m_uptime = new QLabel(this);
    m_connections = new QLabel(this);
    m_rates = new QLabel(this);
    for (QLabel *label : {m_listen, m_redis, m_auth, m_uptime, m_connections, m_rates})
        statusBar()->addPermanentWidget(label);
    resize(1200, 720);
}

void MonitorWindow::setPollInterval(int ms)
{
    m_timer->start(ms);
}

void MonitorWindow::resetFeeds()
{
    // A new engine starts its sequence ids from zero again.
    m_snapshotPending = false;
    m_rateSeq = 0;
    m_traceSeq = 0;
}

bool MonitorWindow::startEngine()
{
    if (m_engine->isRunning()) return true;
    resetFeeds();
    const StartResult result = m_engine->start();
    m_lastStart = result;
    m_lastError = result.ok ? QString() : result.error;
    if (!result.ok) statusBar()->showMessage(tr("Engine failed to start: %1").arg(result.error));
    updateActions();
    updateStatusBar();
    poll();
    return result.ok;
}

void MonitorWindow::stopEngine()
{
    m_engine->stop();
    resetFeeds();
    m_lastSnapshot = MonitorSnapshot();
    // Empty on purpose: nothing is connected any more.
    m_lastSnapshot.roomsIncluded = m_lastSnapshot.socketsIncluded = true;
    onSnapshot(m_lastSnapshot);
    updateActions();
    updateStatusBar();
}

bool MonitorWindow::restartEngine()
{
    stopEngine();
    return startEngine();
}

bool MonitorWindow::applySettings(const GuiSettings &settings)
{
    EngineConfig config = m_baseConfig;
    const QString error = settings.applyTo(config);
    if (!error.isEmpty()) {
        statusBar()->showMessage(tr("Settings not applied: %1").arg(error));
        return false;
    }
    settings.save();
    stopEngine();
    m_engine->setConfig(config);
    return startEngine();
}

void MonitorWindow::openSettings()
{
    SettingsDialog dialog(GuiSettings::fromConfig(m_engine->config()), this);
    if (dialog.exec() == QDialog::Accepted) applySettings(dialog.settings());
}

void MonitorWindow::updateActions()
{
    const bool running = m_engine->isRunning();
    m_start->setEnabled(!running);
    m_stop->setEnabled(running);
    m_restart->setEnabled(running);
}

void MonitorWindow::poll()
{
    m_log->poll();
    if (m_remote->active()) {
        m_remote->poll();
        updateStatusBar();
        return;
    }
    const Telemetry *telemetry = m_engine->telemetry();
    if (!telemetry) {
        updateStatusBar();
        return;
    }
    // Snapshots at half the poll rate; one in flight at most.
    if (m_tick++ % 2 == 0) requestSnapshot();
    const QList<RateSample> rates = telemetry->ratesSince(m_rateSeq);
    if (!rates.isEmpty()) {
        m_rateSeq = rates.last().seq;
        m_throughput->appendSamples(rates);
    }
    // Hidden, the inspector pulls nothing: the engine's ring keeps the same
    // last 5000 entries its table would, and it catches up when shown.
    if (!m_inspector->isPaused() && m_inspector->isVisible()) {
        const QList<TraceEntry> entries = telemetry->traceSince(m_traceSeq, 2000);
        if (!entries.isEmpty()) {
            const bool gap = entries.first().seq > m_traceSeq + 1;
            m_traceSeq = entries.last().seq;
            m_inspector->appendEntries(entries, gap);
        }
    }
    updateStatusBar();
}

void MonitorWindow::requestSnapshot()
{
    if (m_remote->active()) return; // fed by RemoteAttachment::poll()
    if (m_snapshotPending || !m_engine->isRunning()) return;
    m_snapshotPending = true;
    SnapshotRequest request;
    request.id = ++m_snapshotId;
    request.rooms = m_rooms->isVisible() || m_publish->isVisible();
    request.sockets = m_sockets->isVisible();
    if (m_rooms->isVisible()) {
        const auto [site, room] = m_rooms->selectedRoom();
        request.membersSite = site;
        request.membersRoom = room;
    }
    m_engine->requestSnapshot(request);
}

void MonitorWindow::onSnapshot(const MonitorSnapshot &snapshot)
{
    if (snapshot.requestId == m_snapshotId) m_snapshotPending = false;
    ++m_snapshotsReceived;
    m_lastSnapshot = snapshot;
    m_sites->applySnapshot(snapshot);
    m_cluster->applySnapshot(snapshot);
    if (snapshot.roomsIncluded) {
        m_rooms->applySnapshot(snapshot);
        m_publish->applySnapshot(snapshot);
    }
    if (snapshot.socketsIncluded) m_sockets->applySnapshot(snapshot);
    m_handlers->applySnapshot(snapshot);
}

void MonitorWindow::onActionFinished(const SocketActionResult &result)
{
    statusBar()->showMessage(result.message, 5000);
    // Show the effect without waiting for the next tick.
    requestSnapshot();
}

void MonitorWindow::traceSocket(const QString &socketId)
{
    // No namespace: the engine looks the id up (socket rows may not be loaded).
    if (socketId.isEmpty()) return;
    const SocketAction trace{SocketAction::Kind::Trace, {}, socketId, {}, {}, {}};
    if (m_remote->active())
        m_remote->applySocketAction(trace);
    else
        m_engine->applySocketAction(trace);
}

void MonitorWindow::updateStatusBar()
{
    if (m_remote->active()) {
        const QStringList fields = m_remote->statusFields();
        QList<QLabel *> labels{m_listen, m_redis, m_auth, m_uptime, m_connections, m_rates};
        for (int i = 0; i < labels.size(); ++i)
            labels[i]->setText(fields.value(i));
        return;
    }
    const Telemetry *telemetry = m_engine->telemetry();
    if (!telemetry) {
        m_listen->setText(m_lastError.isEmpty() ? tr("Stopped")
                                                : tr("Failed: %1").arg(m_lastError));
        m_redis->setText(QString());
        m_auth->setText(tr("Auth: %1").arg(describeAuthEndpoint(m_engine->config())));
        m_uptime->setText(QString());
        m_connections->setText(QString());
        m_rates->setText(QString());
        return;
    }
    const TelemetryTotals t = telemetry->totals();
    const RateSample last = telemetry->latestRate();
    m_listen->setText(tr("Listening on %1").arg(t.listenAddress));
    m_redis->setText(tr("Redis: %1").arg(t.redisState));
    m_redis->setToolTip(t.redisDetail); // can be long (URL, channels, last error)
    m_auth->setText(tr("Auth: %1").arg(describeAuthEndpoint(m_engine->config())));
    m_uptime->setText(
        tr("Up %1").arg(fmt::duration(QDateTime::currentMSecsSinceEpoch() - t.startedAtMs)));
    QString connections = tr("%n connection(s)", nullptr, t.connections);
    if (t.ioThreadConnections.size() > 1) {
        // How the sockets spread over the I/O threads (--io-threads), engine thread first.
        QStringList perThread;
        for (int n : t.ioThreadConnections)
            perThread.append(QString::number(n));
        connections += tr(", I/O threads: %1").arg(perThread.join(QStringLiteral(" / ")));
    }
    m_connections->setText(connections);
    m_rates->setText(tr("%1 events/s, %2 deliveries/s")
                         .arg(fmt::rate(last.perSecond(last.redisIn + last.clientEvents)),
                              fmt::rate(last.perSecond(last.deliveries))));
}

QString MonitorWindow::statusText() const
{
    QStringList parts;
    for (QLabel *label : {m_listen, m_redis, m_auth, m_uptime, m_connections, m_rates})
        if (!label->text().isEmpty()) parts.append(label->text());
    return parts.join(QStringLiteral(" | "));
}
