#include "enginecore.h"

#include "admin/adminnamespace.h"
#include "admin/adminsetup.h"
#include "cluster/clusterlink.h"
#include "cluster/clustersetup.h"
#include "common/logging.h"
#include "common/memoryrelease.h"
#include "frappe/eventsrouter.h"
#include "frappe/frappeapp.h"
#include "frappe/sitenamespacehandler.h"
#include "frappesiteweb.h"
#include "metrics/metricscollector.h"
#include "metrics/metricsserver.h"
#include "monitor/handlerrows.h"
#include "monitor/monitorcontrol.h"
#include "scripting/apphandlers.h"
#include "socketio/sioserver.h"
#include "telemetry/telemetry.h"
#include "testapp/protocoltestapp.h"
#include "transport/eioserver.h"
#include "transport/listener.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QThread>

int defaultIoThreads()
{
    // One per core but one: a socket on a shard costs a thread hop each way
    // for every request, message and close (about 25 % more CPU per connection
    // set up, bench connect scenario), which pays only where the shard gets a
    // core of its own. Measured on 2 cores, a second I/O thread bought no
    // throughput, because the rest of the box (Redis, web workers, here the
    // load generator) needs the other core.
    return qMax(1, QThread::idealThreadCount() - 1);
}

int effectiveIoThreads(const EngineConfig &config)
{
    return config.ioThreads > 0 ? config.ioThreads : defaultIoThreads();
}

EngineCore::EngineCore(EngineConfig config)
    : m_config(std::move(config)), m_telemetry(new Telemetry(this))
{
    if (m_config.mode != AppMode::Frappe)
        m_telemetry->redisStateChanged(QStringLiteral("not used"), QString());
    else if (m_config.redisUrl.isEmpty())
        m_telemetry->redisStateChanged(QStringLiteral("not configured"), QString());
    else
        m_telemetry->redisStateChanged(QStringLiteral("connecting"), QString());
}

EngineCore::~EngineCore()
{
    stop();
}

StartResult EngineCore::start()
{
    memoryrelease::configureAllocator();
    StartResult result;
    EioSettings eio;
    eio.pingIntervalMs = m_config.pingIntervalMs;
    eio.pingTimeoutMs = m_config.pingTimeoutMs;
    eio.upgradeTimeoutMs = m_config.upgradeTimeoutMs;
    eio.maxPayload = m_config.maxPayload;
    eio.maxOutboundBytes = m_config.maxOutboundBytes;
    const bool testMode = m_config.mode == AppMode::ProtocolTestServer;
    eio.corsEchoOrigin = !testMode;

    m_sio = new SioServer(eio, m_config.connectTimeoutMs, this);
    m_sio->setMaxNamespacesPerClient(m_config.maxNamespacesPerClient);
    m_sio->setMaxRoomsPerSocket(m_config.maxRoomsPerSocket);
    m_sio->setMaxNameLength(m_config.maxNameLength);
    m_telemetry->attach(m_sio);
    {
        QString clusterError;
        m_cluster = startCluster(m_config, m_sio, this, &clusterError);
        if (!clusterError.isEmpty()) {
            result.error = clusterError;
            return result;
        }
    }
    m_control = new MonitorControl(m_config, m_sio, m_telemetry, this);
    if (testMode) {
        m_echoHandler = std::make_unique<EngineIoEchoHandler>();
        m_echo = new EioServer(eio, m_echoHandler.get(), this);
        m_echoHandler->setServer(m_echo);
        m_rootTestHandler = std::make_unique<SocketIoTestHandler>(true);
        m_customTestHandler = std::make_unique<SocketIoTestHandler>(false);
        m_sio->setNamespaceResolver([this](const QString &nsp) -> NamespaceHandler * {
            if (nsp == QLatin1String("/")) return m_rootTestHandler.get();
            if (nsp == QLatin1String("/custom")) return m_customTestHandler.get();
            return nullptr;
        });
    } else {
        RecoverySettings recovery;
        recovery.enabled = m_config.recoveryWindowMs > 0;
        recovery.windowMs = m_config.recoveryWindowMs;
        recovery.maxPackets = m_config.recoveryMaxPackets;
        recovery.maxBytes = m_config.recoveryMaxBytes;
        m_sio->setRecoverySettings(recovery);
        m_frappe = std::make_unique<FrappeApp>(m_config, m_sio);
        attachAppHandlers();
        connectFrappeTelemetry();
        m_sio->setNamespaceResolver(
            [this](const QString &nsp) { return m_frappe->handlerFor(nsp); });
    }
    if (const QString adminError = startAdmin(); !adminError.isEmpty()) {
        result.error = adminError;
        return result;
    }

    ConnectionLimits limits;
    limits.maxHeaderBytes = m_config.maxHttpHeaderBytes;
    limits.maxPayload = m_config.maxPayload;
    limits.maxOutboundBytes = m_config.maxOutboundBytes;
    limits.requestHeadTimeoutMs = m_config.requestHeadTimeoutMs;
    limits.keepAliveTimeoutMs = m_config.keepAliveTimeoutMs;
    limits.engineIoIdleTimeoutMs = m_config.keepAliveTimeoutMs <= 0
                                       ? 0
                                       : std::max(m_config.keepAliveTimeoutMs,
                                                  m_config.pingIntervalMs + m_config.pingTimeoutMs);
    m_listener = new Listener(this, limits, this);
    m_listener->setMaxConnections(m_config.maxConnections, m_config.maxConnectionsPerIp);
    m_listener->setIoThreads(effectiveIoThreads(m_config));
    m_telemetry->setIoThreadCounter([this] { return m_listener->connectionsPerThread(); });
    qCInfo(lcEngine).noquote() << "I/O threads:" << m_listener->ioThreads()
                               << "(the engine thread and" << m_listener->ioThreads() - 1
                               << "shard threads; --io-threads)";
    QString error;
    const bool listening = m_config.unixSocketPath.isEmpty()
                               ? m_listener->listenTcp(m_config.bindAddress, m_config.port, &error)
                               : m_listener->listenUnix(m_config.unixSocketPath,
                                                        m_config.unixSocketGroupAccess, &error);
    if (!listening) {
        result.error = error;
        return result;
    }
    if (m_config.metricsPort >= 0) {
        // Off by default; own listener on 127.0.0.1, read at scrape time.
        m_metrics = new MetricsServer(
            [this] {
                return renderMetrics({m_sio, m_listener, m_frappe.get(), m_telemetry, m_cluster});
            },
            this);
        if (!m_metrics->listen(quint16(m_config.metricsPort), &error)) {
            m_listener->close();
            result.error = QStringLiteral("metrics port: %1").arg(error);
            return result;
        }
    }
    if (m_frappe) m_frappe->start();
    result.ok = true;
    result.port = m_listener->tcpPort();
    result.unixPath = m_listener->unixPath();
    m_telemetry->setListenAddress(
        result.unixPath.isEmpty()
            ? QStringLiteral("%1:%2").arg(m_config.bindAddress.toString()).arg(result.port)
            : QStringLiteral("unix:%1").arg(result.unixPath));
    m_telemetry->startSampling();
    return result;
}

void EngineCore::stop()
{
    m_telemetry->stopSampling();
    if (m_admin) m_admin->stop();
    if (m_listener) m_listener->close();
    if (m_metrics) m_metrics->close();
    if (m_sio) m_sio->eio()->closeAll(QStringLiteral("server shutting down"));
    if (m_echo) m_echo->closeAll(QStringLiteral("server shutting down"));
    if (m_frappe) m_frappe->stop();
    if (m_cluster) m_cluster->stop();
    // Last: the sessions closed above have queued their close frames for the shards.
    if (m_listener) m_listener->stopShards();
}

void EngineCore::handleRequest(Connection *connection, HttpRequest &&request)
{
    if (request.path.startsWith("/socket.io/")) {
        m_sio->eio()->handleRequest(connection, std::move(request));
        return;
    }
    if (m_echo && request.path.startsWith("/engine.io/")) {
        m_echo->handleRequest(connection, std::move(request));
        return;
    }
    if (request.path == "/health" && (request.method == "GET" || request.method == "HEAD")) {
        respondHealth(connection, request);
        return;
    }
    if (request.isWebSocketUpgrade()) {
        connection->rejectUpgrade(404, "not found");
        return;
    }
    connection->respond({404, "text/plain", {}, "not found", false});
}

void EngineCore::respondHealth(Connection *connection, const HttpRequest &request)
{
    QJsonObject health{{QStringLiteral("status"), QStringLiteral("ok")}};
    // The public port tells strangers nothing (issue 13): sites, counters and
    // last errors only for a client on this machine that is not a proxy
    // relaying someone else.
    const bool forwarded = request.hasHeader("x-forwarded-for") || request.hasHeader("forwarded") ||
                           request.hasHeader("x-real-ip");
    const bool local =
        request.peer == QLatin1String("unix") || QHostAddress(request.peer).isLoopback();
    if (!local || forwarded) {
        connection->respond({200,
                             "application/json",
                             {},
                             QJsonDocument(health).toJson(QJsonDocument::Compact),
                             false});
        return;
    }
    health.insert(QStringLiteral("connections"), m_listener->openConnections());
    health.insert(QStringLiteral("sessions"), m_sio->clientCount());
    if (m_frappe) m_frappe->describeHealth(health);
    if (m_cluster) health.insert(QStringLiteral("cluster"), m_cluster->describe());
    connection->respond(
        {200, "application/json", {}, QJsonDocument(health).toJson(QJsonDocument::Compact), false});
}

// apps/<app>/realtime/handlers.js of each app installed on the socket's site
// listen on the site namespaces next to the core handlers.
void EngineCore::attachAppHandlers()
{
    if (m_config.benchDir.isEmpty()) return;
    m_siteWeb = std::make_unique<FrappeSiteWeb>(m_frappe->context()->web);
    m_apps =
        std::make_unique<AppHandlers>(m_config.benchDir, m_siteWeb.get(), m_config.scriptBudgetMs);
    AppHandlers *apps = m_apps.get();
    SiteNamespaceHandler *site = m_frappe->siteHandler();
    site->onAttach = [apps](SioSocket *s) { apps->attach(s); };
    site->onAppEvent = [apps](SioSocket *s, const QString &event, const QJsonArray &args,
                              const QList<QByteArray> &attachments, const AckSender &ack) {
        apps->dispatch(s, event, args, attachments, ack);
    };
    site->onDetach = [apps](SioSocket *s, const QString &reason) { apps->detach(s, reason); };
}

// The Frappe layer reports through its hooks; telemetry counts and traces.
// All of it runs on this thread, so plain callbacks suffice.
void EngineCore::connectFrappeTelemetry()
{
    Telemetry *t = m_telemetry;
    connect(m_frappe.get(), &FrappeApp::redisStateChanged, t, &Telemetry::redisStateChanged);
    t->redisStateChanged(m_frappe->redisState(), QString());
    m_frappe->router()->onRouted = [t](const RoutedEvent &e) {
        t->redisEventRouted(e.site, e.room, e.event, e.bytes, e.recipients, e.payloadJson,
                            e.receivedAtNs);
    };
    m_frappe->router()->onDropped = [t](const QString &reason, const QByteArray &raw) {
        t->redisEventDropped(reason, raw);
    };
    m_frappe->siteHandler()->auth().onAuthDone = [t](const QString &site, bool ok, qint64 ms,
                                                     const QString &error) {
        t->authCompleted(site, ok, ms, error);
    };
}

void EngineCore::requestSnapshot(const SnapshotRequest &request)
{
    MonitorSnapshot snapshot;
    if (m_sio) snapshot = buildMonitorSnapshot(*m_sio, m_config, *m_telemetry, request);
    snapshot.requestId = request.id;
    if (m_cluster) snapshot.cluster = m_cluster->describe();
    if (const AppHandlers *apps = m_apps.get()) {
        snapshot.handlersAvailable = true;
        snapshot.handlers = describeHandlers(apps->status());
    }
    Q_EMIT snapshotReady(snapshot);
}

void EngineCore::publish(const PublishRequest &request)
{
    if (!m_control) {
        PublishResult result;
        result.id = request.id;
        result.error = QStringLiteral("the engine is not running");
        Q_EMIT publishFinished(result);
        return;
    }
    if (!request.viaRedis) {
        Q_EMIT publishFinished(m_control->publishDirect(request));
        return;
    }
    QPointer<EngineCore> self(this);
    m_control->publishViaRedis(request, [self](PublishResult result) {
        if (self) Q_EMIT self->publishFinished(result);
    });
}

void EngineCore::applySocketAction(const SocketAction &action)
{
    if (!m_control) {
        Q_EMIT socketActionFinished({false, QStringLiteral("the engine is not running")});
        return;
    }
    Q_EMIT socketActionFinished(m_control->apply(action));
}

QString EngineCore::startAdmin()
{
    if (!m_config.admin.enabled) return {};
    if (const QString error = checkAdminConfig(m_config); !error.isEmpty()) return error;
    m_admin = new AdminNamespace(m_config.admin, siteNamespaces(m_config), m_sio, this);
    // The admin namespace is static and comes first, as in socket.io: it
    // never reaches the application's resolver (no Frappe site, no Frappe auth).
    auto appResolver = m_sio->namespaceResolver();
    AdminNamespace *admin = m_admin;
    m_sio->setNamespaceResolver([admin, appResolver](const QString &nsp) -> NamespaceHandler * {
        if (nsp == admin->name()) return admin;
        return appResolver ? appResolver(nsp) : nullptr;
    });
    if (m_config.admin.development) {
        Telemetry *t = m_telemetry;
        m_adminTee = std::make_unique<AdminObserverTee>(
            t, [t](SioSocket *s) { return t->isTraced(s->nspName(), s->id()); }, admin);
        m_sio->setObserver(m_adminTee.get());
    }
    m_admin->setExtraStatsProvider([this] { return describeAdminExtras(m_telemetry); });
    m_admin->start();
    return {};
}
