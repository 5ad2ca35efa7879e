#include "scripting/scriptwatchdog.h"

#include <QJSEngine>

ScriptWatchdog::ScriptWatchdog(int budgetMs)
    : m_budgetMs(qMax(1, budgetMs)), m_thread([this] { run(); })
{}

ScriptWatchdog::~ScriptWatchdog()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

quint64 ScriptWatchdog::arm(QJSEngine *engine)
{
    quint64 token;
    {
        std::lock_guard lock(m_mutex);
        token = m_nextToken++;
        m_watches[token] = {
            engine, std::chrono::steady_clock::now() + std::chrono::milliseconds(m_budgetMs),
            false};
    }
    m_wake.notify_all();
    return token;
}

bool ScriptWatchdog::disarm(quint64 token)
{
    std::lock_guard lock(m_mutex);
    const auto it = m_watches.find(token);
    if (it == m_watches.end()) return false;
    const bool interrupted = it->second.interrupted;
    // Cleared under the lock, so the watchdog thread cannot set it again
    // for this call after we have reset it.
    if (interrupted) it->second.engine->setInterrupted(false);
    m_watches.erase(it);
    return interrupted;
}

void ScriptWatchdog::run()
{
    std::unique_lock lock(m_mutex);
    while (!m_stop) {
        const auto now = std::chrono::steady_clock::now();
        auto next = std::chrono::steady_clock::time_point::max();
        for (auto &[token, watch] : m_watches) {
            if (watch.interrupted) continue;
            if (watch.deadline <= now) {
                watch.engine->setInterrupted(true);
                watch.interrupted = true;
            } else {
                next = std::min(next, watch.deadline);
            }
        }
        if (next == std::chrono::steady_clock::time_point::max())
            m_wake.wait(lock);
        else
            m_wake.wait_until(lock, next);
    }
}
