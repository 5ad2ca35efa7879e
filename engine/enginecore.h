// EngineCore: the root object of the server inside its worker thread. It owns
// the listener, the Engine.IO/Socket.IO servers and the application layer
// (Frappe, or the protocol test app), and routes HTTP requests by path.
// Thread affinity: the engine thread. Created without a parent, moved to the
// thread by Engine, and only ever called through queued invocations.
#pragma once

#include "engineconfig.h"
#include "monitor/monitoractions.h"
#include "monitor/monitorsnapshot.h"
#include "transport/connection.h"

#include <QObject>
#include <memory>

class Listener;
class SioServer;
class EioServer;
class EngineIoEchoHandler;
class SocketIoTestHandler;
class FrappeApp;
class FrappeSiteWeb;
class AppHandlers;
class MetricsServer;
class Telemetry;
class MonitorControl;
class ClusterLink;
class AdminNamespace;
class AdminObserverTee;

// I/O threads when --io-threads is not given: one per core but one, at least 1.
int defaultIoThreads();
// The number of I/O threads the engine runs with this config.
int effectiveIoThreads(const EngineConfig &config);

struct StartResult {
    bool ok = false;
    QString error;
    quint16 port = 0;
    QString unixPath;
};
Q_DECLARE_METATYPE(StartResult)

class EngineCore : public QObject, public RequestHandler {
    Q_OBJECT
public:
    explicit EngineCore(EngineConfig config);
    ~EngineCore() override;

    Q_INVOKABLE StartResult start();
    Q_INVOKABLE void stop();

    const EngineConfig &config() const { return m_config; }
    SioServer *sio() const { return m_sio; }
    ClusterLink *cluster() const { return m_cluster; } // null unless --adapter redis*
    FrappeApp *frappe() const { return m_frappe.get(); }
    Listener *listener() const { return m_listener; }
    // Created with the core, so the application layer can be handed it in
    // start(). Its reader methods are safe from any thread (see telemetry.h).
    Telemetry *telemetry() const { return m_telemetry; }

    // --- the desktop monitor's requests; call them queued. Each answers with
    // the matching signal below.
    Q_INVOKABLE void requestSnapshot(const SnapshotRequest &request);
    Q_INVOKABLE void publish(const PublishRequest &request);
    Q_INVOKABLE void applySocketAction(const SocketAction &action);

    // RequestHandler
    void handleRequest(Connection *connection, HttpRequest &&request) override;

Q_SIGNALS:
    void snapshotReady(const MonitorSnapshot &snapshot);
    void publishFinished(const PublishResult &result);
    void socketActionFinished(const SocketActionResult &result);

private:
    void respondHealth(Connection *connection, const HttpRequest &request);
    void connectFrappeTelemetry();
    void attachAppHandlers();
    // Sets up the admin namespace; an error when its settings are unusable.
    QString startAdmin();

    EngineConfig m_config;
    Listener *m_listener = nullptr;
    SioServer *m_sio = nullptr;
    EioServer *m_echo = nullptr;
    std::unique_ptr<EngineIoEchoHandler> m_echoHandler;
    std::unique_ptr<SocketIoTestHandler> m_rootTestHandler;
    std::unique_ptr<SocketIoTestHandler> m_customTestHandler;
    std::unique_ptr<FrappeApp> m_frappe;
    // Custom apps' realtime/handlers.js, wired into the site handler's hooks;
    // only with a bench folder. Declared after m_frappe: destroyed before the
    // web client they call.
    std::unique_ptr<FrappeSiteWeb> m_siteWeb;
    std::unique_ptr<AppHandlers> m_apps;
    MetricsServer *m_metrics = nullptr;  // child; only with --metrics-port
    Telemetry *m_telemetry = nullptr;    // child: moves to the engine thread with us
    MonitorControl *m_control = nullptr; // child, made in start()
    ClusterLink *m_cluster = nullptr;    // child; only with --adapter redis*
    // Admin UI namespace (--admin): child, made in start(); the tee feeds it
    // the socket/room/event mirror in development mode.
    AdminNamespace *m_admin = nullptr;
    std::unique_ptr<AdminObserverTee> m_adminTee;
};
