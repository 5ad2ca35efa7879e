// Engine: the facade the app and the GUI use. It owns the worker thread that
// runs EngineCore (every socket, timer, HTTP and Redis object lives there) and
// crosses into it only with queued invocations. Thread affinity: the thread
// that created it (the GUI or main thread).
#pragma once

#include "enginecore.h"

#include <QObject>
#include <QThread>

class Engine : public QObject {
    Q_OBJECT
public:
    explicit Engine(EngineConfig config, QObject *parent = nullptr);
    ~Engine() override;

    // Starts the worker thread and the server in it; blocks until it listens
    // or fails (startup is the one place where waiting is what the caller wants).
    StartResult start();
    // Closes every session and stops the thread; blocks until done.
    void stop();
    bool isRunning() const { return m_thread.isRunning(); }

    const EngineConfig &config() const { return m_config; }
    // Takes effect at the next start() (the monitor's "apply settings" restarts).
    void setConfig(EngineConfig config) { m_config = std::move(config); }
    // The running engine's telemetry (null when stopped), read-only: its
    // reader methods are safe from this thread (see telemetry.h), its writers
    // belong to the engine thread. It goes away with stop().
    const Telemetry *telemetry() const;

    // Non-blocking requests to the running engine (queued into its thread);
    // answers come back as the signals below. Ignored when stopped.
    void requestSnapshot(const SnapshotRequest &request);
    void publish(const PublishRequest &request);
    void applySocketAction(const SocketAction &action);

Q_SIGNALS:
    void started(const StartResult &result);
    void stopped();
    void snapshotReady(const MonitorSnapshot &snapshot);
    void publishFinished(const PublishResult &result);
    void socketActionFinished(const SocketActionResult &result);

private:
    EngineConfig m_config;
    QThread m_thread;
    EngineCore *m_core = nullptr;
};
