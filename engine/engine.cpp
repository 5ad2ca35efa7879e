#include "engine.h"

#include "common/epolleventdispatcher.h"
#include "telemetry/telemetry.h"

namespace {

// The engine thread runs on EpollEventDispatcher (see its header for why);
// RT_EVENT_DISPATCHER=qt keeps Qt's default dispatcher instead.
bool useEpollDispatcher()
{
    return qEnvironmentVariable("RT_EVENT_DISPATCHER") != QLatin1String("qt");
}

} // namespace

Engine::Engine(EngineConfig config, QObject *parent) : QObject(parent), m_config(std::move(config))
{
    qRegisterMetaType<StartResult>();
    qRegisterMetaType<MonitorSnapshot>();
    qRegisterMetaType<SnapshotRequest>();
    qRegisterMetaType<PublishRequest>();
    qRegisterMetaType<PublishResult>();
    qRegisterMetaType<SocketAction>();
    qRegisterMetaType<SocketActionResult>();
    m_thread.setObjectName(QStringLiteral("rt-engine"));
}

Engine::~Engine()
{
    stop();
}

StartResult Engine::start()
{
    if (m_core) return {false, QStringLiteral("engine already running"), 0, {}};
    // Must precede start(). The thread deletes its dispatcher when it finishes,
    // so every restart installs a fresh one.
    if (useEpollDispatcher() && !m_thread.eventDispatcher())
        m_thread.setEventDispatcher(new EpollEventDispatcher);
    m_core = new EngineCore(m_config);
    m_core->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_core, &QObject::deleteLater);
    // The core emits in the engine thread; these arrive queued in ours.
    connect(m_core, &EngineCore::snapshotReady, this, &Engine::snapshotReady);
    connect(m_core, &EngineCore::publishFinished, this, &Engine::publishFinished);
    connect(m_core, &EngineCore::socketActionFinished, this, &Engine::socketActionFinished);
    m_thread.start();
    StartResult result;
    QMetaObject::invokeMethod(m_core, &EngineCore::start, Qt::BlockingQueuedConnection, &result);
    if (!result.ok) {
        m_thread.quit();
        m_thread.wait();
        m_core = nullptr;
    }
    Q_EMIT started(result);
    return result;
}

void Engine::stop()
{
    if (!m_core) return;
    QMetaObject::invokeMethod(m_core, &EngineCore::stop, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    m_core = nullptr;
    Q_EMIT stopped();
}

const Telemetry *Engine::telemetry() const
{
    return m_core ? m_core->telemetry() : nullptr;
}

void Engine::requestSnapshot(const SnapshotRequest &request)
{
    if (m_core)
        QMetaObject::invokeMethod(m_core, "requestSnapshot", Qt::QueuedConnection,
                                  Q_ARG(SnapshotRequest, request));
}

void Engine::publish(const PublishRequest &request)
{
    if (m_core)
        QMetaObject::invokeMethod(m_core, "publish", Qt::QueuedConnection,
                                  Q_ARG(PublishRequest, request));
}

void Engine::applySocketAction(const SocketAction &action)
{
    if (m_core)
        QMetaObject::invokeMethod(m_core, "applySocketAction", Qt::QueuedConnection,
                                  Q_ARG(SocketAction, action));
}
