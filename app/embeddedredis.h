// EmbeddedRedis: a private redis-server for a first run without a bench, so
// events published to it reach clients with nothing else installed. It listens
// on a Unix socket in its own 0700 temporary folder (no TCP port), so only the
// user who started it can reach it (issue 13); it keeps nothing on disk (--save '' --appendonly no,
// a temporary working folder) and never outlives this process: it is stopped
// by the destructor, and the kernel kills it if we die first (PDEATHSIG).
//
// Thread affinity: the main thread. The child is forked from it on purpose,
// because PR_SET_PDEATHSIG fires when the forking *thread* ends.
#pragma once

#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <memory>

struct AppOptions;

class EmbeddedRedis {
public:
    EmbeddedRedis() = default;
    ~EmbeddedRedis();
    EmbeddedRedis(const EmbeddedRedis &) = delete;
    EmbeddedRedis &operator=(const EmbeddedRedis &) = delete;

    // Starts redis-server and waits until it answers PING. On failure returns
    // false with a one-line reason in *error.
    bool start(QString *error);
    // SIGTERM, then SIGKILL after a grace period; blocks until it is gone.
    void stop();

    bool isRunning() const;
    QString socketPath() const { return m_socketPath; }
    qint64 pid() const { return m_pid; }
    QString url() const;
    QString binary() const { return m_binary; }
    QString workDir() const { return m_dir ? m_dir->path() : QString(); }

    // redis-server on PATH, else the Debian location; empty when not installed.
    static QString findBinary();

private:
    bool launch(QString *error);
    bool waitUntilReady(int timeoutMs);
    QString logTail() const;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_process;
    QString m_binary;
    QString m_socketPath;
    qint64 m_pid = 0;
};

// main(): when resolveStartupConfig asked for it, starts `redis` and points
// options.engine.redisUrl at it. Returns false (already logged) on failure.
bool startEmbeddedRedisIfWanted(AppOptions &options, EmbeddedRedis &redis);
