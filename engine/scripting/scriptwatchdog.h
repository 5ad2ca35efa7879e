// ScriptWatchdog: stops runaway handler scripts. The engine thread arms it
// before handing control to JavaScript and disarms it afterwards; a helper
// thread interrupts the QJSEngine (QJSEngine::setInterrupted is the one call
// that is safe from another thread) once a call has run longer than its
// budget. QJSEngine has no notion of time, so without this an infinite loop
// in one app's handler would freeze every socket of the server.
//
// Thread affinity: arm()/disarm() on the thread that runs the engines; the
// watchdog's own thread only calls setInterrupted. An engine must stay alive
// while it is armed (disarm before deleting it).
#pragma once

#include <QtGlobal>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

class QJSEngine;

class ScriptWatchdog {
public:
    explicit ScriptWatchdog(int budgetMs);
    ~ScriptWatchdog();

    ScriptWatchdog(const ScriptWatchdog &) = delete;
    ScriptWatchdog &operator=(const ScriptWatchdog &) = delete;

    int budgetMs() const { return m_budgetMs; }

    // Starts timing a call into `engine`; returns the token for disarm().
    quint64 arm(QJSEngine *engine);
    // Stops timing. Returns true when the watchdog interrupted the call; the
    // engine's interrupt flag is cleared again so the engine stays usable.
    bool disarm(quint64 token);

private:
    struct Watch {
        QJSEngine *engine = nullptr;
        std::chrono::steady_clock::time_point deadline;
        bool interrupted = false;
    };

    void run();

    const int m_budgetMs;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::map<quint64, Watch> m_watches;
    quint64 m_nextToken = 1;
    bool m_stop = false;
    std::thread m_thread;
};
