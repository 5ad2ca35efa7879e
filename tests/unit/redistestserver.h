// RedisTestServer: a throw-away redis-server on a free loopback port (or a Unix
// socket) for the Redis unit tests: start, stop, kill, pause, restart on the
// same port. Header-only because each tests/unit/tst_*.cpp is its own
// executable. Test thread only.
#pragma once

#include <QElapsedTimer>
#include <QLocalSocket>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>

class RedisTestServer {
public:
    ~RedisTestServer() { stop(); }

    static QString binary()
    {
        const QString fromEnv = qEnvironmentVariable("RT_REDIS_SERVER");
        return fromEnv.isEmpty() ? QStandardPaths::findExecutable(QStringLiteral("redis-server"))
                                 : fromEnv;
    }

    static quint16 freePort()
    {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost, 0)) return 0;
        return probe.serverPort(); // closed on return; redis-server binds it right after
    }

    bool startTcp(quint16 port, const QStringList &extra = {})
    {
        m_port = port;
        m_unixPath.clear();
        return start(QStringList{QStringLiteral("--port"), QString::number(port)} + extra);
    }

    bool startUnix(const QString &path, const QStringList &extra = {})
    {
        m_port = 0;
        m_unixPath = path;
        return start(QStringList{QStringLiteral("--port"), QStringLiteral("0"),
                                 QStringLiteral("--unixsocket"), path} +
                     extra);
    }

    void stop()
    {
        if (!m_process) return;
        resume();
        m_process->kill();
        m_process->waitForFinished(5000);
        m_process.reset();
    }

    // SIGSTOP: the kernel still accepts connections and buffers data, the server answers
    // nothing: what a half-open link or a hung server looks like from outside.
    void pause() { signal(SIGSTOP); }
    void resume() { signal(SIGCONT); }

    quint16 port() const { return m_port; }
    QString url() const
    {
        return m_unixPath.isEmpty() ? QStringLiteral("redis://127.0.0.1:%1").arg(m_port)
                                    : QStringLiteral("unix://") + m_unixPath;
    }

    // Sends commands on a fresh connection and waits for their replies (blocking: the objects
    // under test just read later from their kernel buffers).
    QList<RedisValue> run(const QList<QList<QByteArray>> &commands, const QByteArray &password = {})
    {
        std::unique_ptr<QIODevice> device;
        if (m_unixPath.isEmpty()) {
            auto *tcp = new QTcpSocket;
            device.reset(tcp);
            tcp->connectToHost(QHostAddress::LocalHost, m_port);
            if (!tcp->waitForConnected(5000)) return {};
        } else {
            auto *local = new QLocalSocket;
            device.reset(local);
            local->connectToServer(m_unixPath);
            if (!local->waitForConnected(5000)) return {};
        }
        QByteArray out;
        if (!password.isEmpty()) appendRedisCommand(&out, {"AUTH", password});
        for (const QList<QByteArray> &c : commands)
            appendRedisCommand(&out, c);
        device->write(out);
        const qsizetype expected = commands.size() + (password.isEmpty() ? 0 : 1);
        RespReader reader;
        QList<RedisValue> replies;
        QElapsedTimer clock;
        clock.start();
        while (replies.size() < expected && clock.elapsed() < 10000) {
            waitForIo(device.get());
            reader.feed(device->readAll());
            RedisValue v;
            while (reader.next(&v) == RespReader::Status::Reply)
                replies << v;
        }
        if (!password.isEmpty() && !replies.isEmpty()) replies.removeFirst();
        return replies;
    }

    qint64 publish(const QByteArray &channel, const QByteArray &payload,
                   const QByteArray &password = {})
    {
        const QList<RedisValue> r = run({{"PUBLISH", channel, payload}}, password);
        return r.isEmpty() ? -1 : r.first().integer;
    }

private:
    static void waitForIo(QIODevice *device)
    {
        if (auto *tcp = qobject_cast<QTcpSocket *>(device)) {
            tcp->flush();
            tcp->waitForBytesWritten(100);
            tcp->waitForReadyRead(100);
        } else if (auto *local = qobject_cast<QLocalSocket *>(device)) {
            local->flush();
            local->waitForBytesWritten(100);
            local->waitForReadyRead(100);
        }
    }

    bool start(const QStringList &args)
    {
        stop();
        m_process = std::make_unique<QProcess>();
        m_process->setProcessChannelMode(QProcess::MergedChannels);
        m_process->start(binary(),
                         QStringList{QStringLiteral("--save"), QString(),
                                     QStringLiteral("--appendonly"), QStringLiteral("no"),
                                     QStringLiteral("--bind"), QStringLiteral("127.0.0.1")} +
                             args);
        if (!m_process->waitForStarted(5000)) return false;
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < 10000) {
            if (m_process->state() != QProcess::Running) return false;
            // Any reply (PONG or NOAUTH) means the server is accepting commands.
            if (!run({{"PING"}}).isEmpty()) return true;
            QTest::qWait(20);
        }
        return false;
    }

    void signal(int sig)
    {
        if (m_process && m_process->processId() > 0) ::kill(pid_t(m_process->processId()), sig);
    }

    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
    QString m_unixPath;
};
