#include "embeddedredis.h"

#include "cli.h"
#include "common/logging.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocalSocket>
#include <QStandardPaths>
#include <QThread>
#include <csignal>
#include <sys/prctl.h>
#include <unistd.h>

namespace {

constexpr int kReadyTimeoutMs = 10000;
constexpr int kStopGraceMs = 3000;

} // namespace

EmbeddedRedis::~EmbeddedRedis()
{
    stop();
}

QString EmbeddedRedis::findBinary()
{
    const QString onPath = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
    if (!onPath.isEmpty()) return onPath;
    const QString debian = QStringLiteral("/usr/bin/redis-server");
    return QFileInfo(debian).isExecutable() ? debian : QString();
}

QString EmbeddedRedis::url() const
{
    return QStringLiteral("unix://") + m_socketPath;
}

bool EmbeddedRedis::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

bool EmbeddedRedis::start(QString *error)
{
    m_binary = findBinary();
    if (m_binary.isEmpty()) {
        *error = QStringLiteral("redis-server not found on PATH or in /usr/bin (install the "
                                "Debian package: apt install redis-server), or pass --redis URL "
                                "or --redis none");
        return false;
    }
    m_dir = std::make_unique<QTemporaryDir>(QDir::tempPath() +
                                            QStringLiteral("/frappe-realtime-redis-XXXXXX"));
    if (!m_dir->isValid()) {
        *error = QStringLiteral("cannot create a temporary folder for redis-server: %1")
                     .arg(m_dir->errorString());
        return false;
    }
    // QTemporaryDir makes the folder 0700: the socket in it (also 0700) is
    // reachable by this user only, and no TCP port is opened at all, so
    // nobody else on the machine can publish events or read the secret.
    m_socketPath = m_dir->filePath(QStringLiteral("redis.sock"));
    return launch(error);
}

bool EmbeddedRedis::launch(QString *error)
{
    m_process = std::make_unique<QProcess>();
    m_process->setWorkingDirectory(m_dir->path());
    // A file, not a pipe: nothing has to drain it while the event loop is busy.
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setStandardOutputFile(m_dir->filePath(QStringLiteral("redis.log")));
    m_process->setStandardInputFile(QProcess::nullDevice());
    const pid_t parent = ::getpid();
    m_process->setChildProcessModifier([parent] {
        // Own process group: a terminal's Ctrl-C reaches only us, and we stop
        // it in order. PDEATHSIG: if we are killed (even SIGKILL), so is it.
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127); // we died before prctl took effect
    });
    m_process->start(m_binary, {
                                   QStringLiteral("--port"),
                                   QStringLiteral("0"),
                                   QStringLiteral("--unixsocket"),
                                   m_socketPath,
                                   QStringLiteral("--unixsocketperm"),
                                   QStringLiteral("700"),
                                   QStringLiteral("--save"),
                                   QString(""),
                                   QStringLiteral("--appendonly"),
                                   QStringLiteral("no"),
                                   QStringLiteral("--dir"),
                                   m_dir->path(),
                                   QStringLiteral("--daemonize"),
                                   QStringLiteral("no"),
                                   QStringLiteral("--protected-mode"),
                                   QStringLiteral("yes"),
                                   QStringLiteral("--loglevel"),
                                   QStringLiteral("warning"),
                               });
    if (!m_process->waitForStarted(5000)) {
        *error = QStringLiteral("cannot run %1: %2").arg(m_binary, m_process->errorString());
        m_process.reset();
        return false;
    }
    m_pid = m_process->processId();
    if (waitUntilReady(kReadyTimeoutMs)) {
        // Our own shutdown disconnects first (stop()); anything else is a crash
        // or a kill from outside, which leaves every client deaf: say so.
        QObject::connect(
            m_process.get(), &QProcess::finished, m_process.get(),
            [this](int code, QProcess::ExitStatus status) {
                const QString how =
                    status == QProcess::CrashExit
                        ? QStringLiteral("was killed or crashed")
                        : QStringLiteral("exited with code %1: %2").arg(code).arg(logTail());
                qCCritical(lcRedis).noquote()
                    << QStringLiteral("embedded redis-server (pid %1) %2; events "
                                      "will not reach clients until restart")
                           .arg(m_pid)
                           .arg(how);
            });
        return true;
    }

    const QString tail = logTail();
    stop();
    *error = QStringLiteral("redis-server did not become ready on %1%2")
                 .arg(m_socketPath, tail.isEmpty() ? QString() : QStringLiteral(": ") + tail);
    return false;
}

// PING until it answers, the process ends, or the time is up. Blocking is
// fine: nothing else runs yet, and startup should not report a deaf Redis.
bool EmbeddedRedis::waitUntilReady(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (m_process->state() == QProcess::NotRunning) return false;
        QLocalSocket socket;
        socket.connectToServer(m_socketPath);
        if (socket.waitForConnected(250)) {
            socket.write("PING\r\n");
            QByteArray reply;
            while (!reply.contains('\n') && socket.waitForReadyRead(500))
                reply += socket.readAll();
            if (reply.startsWith("+PONG")) return true;
        }
        if (m_process->waitForFinished(50)) return false;
    }
    return false;
}

QString EmbeddedRedis::logTail() const
{
    if (!m_dir) return {};
    QFile log(m_dir->filePath(QStringLiteral("redis.log")));
    if (!log.open(QIODevice::ReadOnly)) return {};
    const QList<QByteArray> lines = log.readAll().trimmed().split('\n');
    return QString::fromUtf8(lines.isEmpty() ? QByteArray() : lines.last()).trimmed();
}

void EmbeddedRedis::stop()
{
    if (!m_process) return;
    QObject::disconnect(m_process.get(), &QProcess::finished, nullptr, nullptr);
    if (m_process->state() != QProcess::NotRunning) {
        m_process->terminate();
        if (!m_process->waitForFinished(kStopGraceMs)) {
            m_process->kill();
            m_process->waitForFinished(kStopGraceMs);
        }
    }
    m_process.reset();
}

bool startEmbeddedRedisIfWanted(AppOptions &options, EmbeddedRedis &redis)
{
    if (!options.wantEmbeddedRedis) return true;
    if (EmbeddedRedis::findBinary().isEmpty()) {
        // redis-server is only Recommended by the package: a desktop start
        // without it should still open the monitor, just without events.
        options.redisDescription = QStringLiteral("none (redis-server is not installed)");
        qCWarning(lcRedis) << "redis: none - redis-server is not installed (apt install "
                              "redis-server), so events published by Frappe will not reach "
                              "clients; or pass --redis URL";
        return true;
    }
    QString error;
    if (!redis.start(&error)) {
        qCCritical(lcRedis).noquote() << "embedded redis-server:" << error;
        return false;
    }
    options.engine.redisUrl = redis.url();
    options.redisDescription = QStringLiteral("embedded at %1").arg(redis.url());
    qCInfo(lcRedis).noquote()
        << "redis: embedded redis-server at" << redis.url()
        << QStringLiteral("(pid %1, %2; a Unix socket only you can reach; nothing is saved, it "
                          "stops with us)")
               .arg(redis.pid())
               .arg(redis.binary());
    qCInfo(lcRedis).noquote() << "publish to it with: redis-cli -s" << redis.socketPath()
                              << "PUBLISH events '<json>'";
    return true;
}
