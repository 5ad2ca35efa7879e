#include "engine.h"

Engine::Engine(EngineConfig config, QObject *parent) : QObject(parent), m_config(std::move(config))
{
    qRegisterMetaType<StartResult>();
    m_thread.setObjectName(QStringLiteral("rt-engine"));
}

Engine::~Engine()
{
    stop();
}

StartResult Engine::start()
{
    if (m_core) return {false, QStringLiteral("engine already running"), 0, {}};
    m_core = new EngineCore(m_config);
    m_core->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_core, &QObject::deleteLater);
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
