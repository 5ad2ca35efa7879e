// MonitorWindow: the desktop monitor's main window. Tabs for sites, rooms,
// sockets, throughput, the event inspector, app handlers, the publish console
// and the log;
// a status bar (listening address, Redis, auth endpoint, uptime, connections,
// rates); Start/Stop/Restart and Settings.
//
// It never blocks on the engine in steady state: a 4 Hz timer asks for a
// snapshot (queued; the next request waits for the answer, so a busy engine
// just gets fewer requests), and pulls rate samples, trace entries and log
// lines by sequence id from the thread-safe Telemetry and LogHub rings. A
// snapshot carries socket rows only while the Sockets tab shows, and room
// members only for the selected room: an open window must not slow the
// engine down.
// Start/Stop are the only blocking calls (the user asked to wait for them).
// GUI thread.
#pragma once

#include "engine.h"
#include "guisettings.h"

#include <QMainWindow>

class HandlersPage;
class InspectorPage;
class LogPage;
class PublishPage;
class RemoteAttachment;
class QLabel;
class QTabWidget;
class QTimer;
class RoomsPage;
class SitesPage;
class ClusterPage;
class SocketsPage;
class ThroughputPage;

class MonitorWindow : public QMainWindow {
    Q_OBJECT
public:
    // `engine` must outlive the window; it may be running or not.
    explicit MonitorWindow(Engine *engine, QWidget *parent = nullptr);
    ~MonitorWindow() override;

    void setPollInterval(int ms);
    bool startEngine();
    void stopEngine();
    bool restartEngine();
    // Saves `settings`, lays them over the startup config and restarts.
    bool applySettings(const GuiSettings &settings);

    SitesPage *sitesPage() const { return m_sites; }
    ClusterPage *clusterPage() const { return m_cluster; }
    RoomsPage *roomsPage() const { return m_rooms; }
    SocketsPage *socketsPage() const { return m_sockets; }
    ThroughputPage *throughputPage() const { return m_throughput; }
    InspectorPage *inspectorPage() const { return m_inspector; }
    HandlersPage *handlersPage() const { return m_handlers; }
    PublishPage *publishPage() const { return m_publish; }
    LogPage *logPage() const { return m_log; }
    QTabWidget *tabs() const { return m_tabs; }
    QString statusText() const; // every status bar field, for tests and screenshots
    quint64 snapshotsReceived() const { return m_snapshotsReceived; }
    const StartResult &lastStart() const { return m_lastStart; }
    const MonitorSnapshot &lastSnapshot() const { return m_lastSnapshot; }
    // Watching a remote server over the Admin UI protocol ("Connect to server…").
    RemoteAttachment *remote() const { return m_remote; }

private:
    friend class RemoteAttachment; // feeds the views while attached
    void buildUi();
    void poll();
    // Asks for a snapshot now unless one is in flight.
    void requestSnapshot();
    void onSnapshot(const MonitorSnapshot &snapshot);
    void onActionFinished(const SocketActionResult &result);
    void updateStatusBar();
    void updateActions();
    void traceSocket(const QString &socketId);
    void openSettings();
    void resetFeeds();

    Engine *m_engine;
    EngineConfig m_baseConfig; // from bench + CLI, before GUI settings
    QTabWidget *m_tabs = nullptr;
    SitesPage *m_sites = nullptr;
    ClusterPage *m_cluster = nullptr;
    RoomsPage *m_rooms = nullptr;
    SocketsPage *m_sockets = nullptr;
    ThroughputPage *m_throughput = nullptr;
    InspectorPage *m_inspector = nullptr;
    HandlersPage *m_handlers = nullptr;
    PublishPage *m_publish = nullptr;
    LogPage *m_log = nullptr;
    QAction *m_start = nullptr, *m_stop = nullptr, *m_restart = nullptr;
    QLabel *m_listen = nullptr, *m_redis = nullptr, *m_auth = nullptr, *m_uptime = nullptr,
           *m_connections = nullptr, *m_rates = nullptr;
    QTimer *m_timer = nullptr;

    MonitorSnapshot m_lastSnapshot;
    quint64 m_snapshotsReceived = 0;
    quint64 m_snapshotId = 0;
    bool m_snapshotPending = false;
    int m_tick = 0;
    quint64 m_rateSeq = 0;
    quint64 m_traceSeq = 0;
    QString m_lastError;
    StartResult m_lastStart;
    RemoteAttachment *m_remote = nullptr;
};
