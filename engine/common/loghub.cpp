#include "common/loghub.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <cstdio>

namespace {

void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    LogHub::instance().append(type, QString::fromLatin1(context.category ? context.category : ""),
                              message);
}
} // namespace

int LogHub::severity(QtMsgType t)
{
    switch (t) {
    case QtDebugMsg:
        return 0;
    case QtInfoMsg:
        return 1;
    case QtWarningMsg:
        return 2;
    case QtCriticalMsg:
        return 3;
    case QtFatalMsg:
        return 4;
    }
    return 1;
}

LogHub &LogHub::instance()
{
    static LogHub hub;
    return hub;
}

void LogHub::install(QtMsgType minimumLevel, bool echoToStderr)
{
    {
        QMutexLocker lock(&m_mutex);
        m_minimum = minimumLevel;
        m_echo = echoToStderr;
    }
    if (minimumLevel == QtDebugMsg)
        QLoggingCategory::setFilterRules(QStringLiteral("rt.*.debug=true"));
    qInstallMessageHandler(handler);
}

void LogHub::setEchoToStderr(bool echo)
{
    QMutexLocker lock(&m_mutex);
    m_echo = echo;
}

QString LogHub::levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return QStringLiteral("DEBUG");
    case QtInfoMsg:
        return QStringLiteral("INFO");
    case QtWarningMsg:
        return QStringLiteral("WARN");
    case QtCriticalMsg:
        return QStringLiteral("ERROR");
    case QtFatalMsg:
        return QStringLiteral("FATAL");
    }
    return QStringLiteral("INFO");
}

void LogHub::append(QtMsgType type, const QString &category, const QString &message)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QMutexLocker lock(&m_mutex);
    if (severity(type) < severity(m_minimum)) return;
    LogEntry e{++m_seq, now, type, category == QLatin1String("default") ? QString() : category,
               message};
    if (m_echo) {
        const QString line =
            QStringLiteral("%1 %2 %3%4\n")
                .arg(QDateTime::fromMSecsSinceEpoch(now, Qt::UTC).toString(Qt::ISODateWithMs),
                     levelName(type),
                     e.category.isEmpty() ? QString() : e.category + QStringLiteral(": "), message);
        const QByteArray bytes = line.toUtf8();
        fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
        fflush(stdout);
    }
    if (m_ring.size() < m_capacity) {
        m_ring.append(std::move(e));
    } else {
        m_ring[m_head] = std::move(e);
        m_head = (m_head + 1) % m_capacity;
    }
}

QList<LogEntry> LogHub::since(quint64 afterSeq, int max) const
{
    QMutexLocker lock(&m_mutex);
    QList<LogEntry> out;
    const qsizetype n = m_ring.size();
    for (qsizetype i = 0; i < n && out.size() < max; ++i) {
        const LogEntry &e = m_ring.at((m_head + i) % n);
        if (e.seq > afterSeq) out.append(e);
    }
    return out;
}

quint64 LogHub::lastSeq() const
{
    QMutexLocker lock(&m_mutex);
    return m_seq;
}
