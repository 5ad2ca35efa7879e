#include "enginecore.h"

#include "common/logging.h"
#include "frappe/frappeapp.h"
#include "metrics/metricscollector.h"
#include "metrics/metricsserver.h"
#include "socketio/sioserver.h"
#include "testapp/protocoltestapp.h"
#include "transport/eioserver.h"
#include "transport/listener.h"

#include <QJsonDocument>
#include <QJsonObject>

EngineCore::EngineCore(EngineConfig config) : m_config(std::move(config)) {}

EngineCore::~EngineCore()
{
    stop();
}

StartResult EngineCore::start()
{
    StartResult result;
    EioSettings eio;
    eio.pingIntervalMs = m_config.pingIntervalMs;
    eio.pingTimeoutMs = m_config.pingTimeoutMs;
    eio.upgradeTimeoutMs = m_config.upgradeTimeoutMs;
    eio.maxPayload = m_config.maxPayload;
    const bool testMode = m_config.mode == AppMode::ProtocolTestServer;
    eio.corsEchoOrigin = !testMode;

    m_sio = new SioServer(eio, m_config.connectTimeoutMs, this);
    m_sio->setMaxNamespacesPerClient(m_config.maxNamespacesPerClient);
    m_sio->setMaxRoomsPerSocket(m_config.maxRoomsPerSocket);
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
        m_frappe = std::make_unique<FrappeApp>(m_config, m_sio);
        m_sio->setNamespaceResolver(
            [this](const QString &nsp) { return m_frappe->handlerFor(nsp); });
    }

    ConnectionLimits limits;
    limits.maxHeaderBytes = m_config.maxHttpHeaderBytes;
    limits.maxPayload = m_config.maxPayload;
    m_listener = new Listener(this, limits, this);
    m_listener->setMaxConnections(m_config.maxConnections, m_config.maxConnectionsPerIp);
    QString error;
    const bool listening = m_config.unixSocketPath.isEmpty()
                               ? m_listener->listenTcp(m_config.bindAddress, m_config.port, &error)
                               : m_listener->listenUnix(m_config.unixSocketPath, &error);
    if (!listening) {
        result.error = error;
        return result;
    }
    if (m_config.metricsPort >= 0) {
        // Off by default; own listener on 127.0.0.1, read at scrape time.
        m_metrics = new MetricsServer(
            [this] { return renderMetrics({m_sio, m_listener, m_frappe.get(), nullptr}); }, this);
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
    return result;
}

void EngineCore::stop()
{
    if (m_listener) m_listener->close();
    if (m_metrics) m_metrics->close();
    if (m_sio) m_sio->eio()->closeAll(QStringLiteral("server shutting down"));
    if (m_echo) m_echo->closeAll(QStringLiteral("server shutting down"));
    if (m_frappe) m_frappe->stop();
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

void EngineCore::respondHealth(Connection *connection, const HttpRequest &)
{
    QJsonObject health{{QStringLiteral("status"), QStringLiteral("ok")},
                       {QStringLiteral("connections"), m_listener->openConnections()},
                       {QStringLiteral("sessions"), m_sio->clientCount()}};
    if (m_frappe) m_frappe->describeHealth(health);
    connection->respond(
        {200, "application/json", {}, QJsonDocument(health).toJson(QJsonDocument::Compact), false});
}
