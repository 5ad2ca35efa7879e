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

QString LogHub::sanitized(const QString &message)
{
    const qsizetype kept = std::min(message.size(), kMaxMessageChars);
    bool clean = kept == message.size();
    for (qsizetype i = 0; clean && i < kept; ++i)
        clean = message.at(i).unicode() >= 0x20 && message.at(i).unicode() != 0x7f;
    if (clean) return message;
    QString out;
    out.reserve(kept + 64);
    for (qsizetype i = 0; i < kept; ++i) {
        const char16_t u = message.at(i).unicode();
        if (u == '\n')
            out.append(QLatin1String("\n    ")); // a continuation, never a line of its own
        else if (u == '\t')
            out.append(QLatin1Char('\t'));
        else if (u < 0x20 || u == 0x7f)
            out.append(QStringLiteral("\\x%1").arg(uint(u), 2, 16, QLatin1Char('0')));
        else
            out.append(QChar(u));
    }
    if (kept < message.size())
        out.append(QStringLiteral(" ... (message cut at %1 of %2 characters)")
                       .arg(kMaxMessageChars)
                       .arg(message.size()));
    return out;
}

qsizetype LogHub::ringBytes() const
{
    QMutexLocker lock(&m_mutex);
    return m_ringBytes;
}

void LogHub::append(QtMsgType type, const QString &category, const QString &rawMessage)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QMutexLocker lock(&m_mutex);
    if (severity(type) < severity(m_minimum)) return;
    const QString message = sanitized(rawMessage);
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
    m_ringBytes += e.message.size() * qsizetype(sizeof(QChar));
    m_ring.push_back(std::move(e));
    while (m_ring.size() > size_t(m_capacity) ||
           (m_ringBytes > kRingBudgetBytes && m_ring.size() > 1)) {
        m_ringBytes -= m_ring.front().message.size() * qsizetype(sizeof(QChar));
        m_ring.pop_front();
    }
}

QList<LogEntry> LogHub::since(quint64 afterSeq, int max) const
{
    QMutexLocker lock(&m_mutex);
    QList<LogEntry> out;
    for (const LogEntry &e : m_ring) {
        if (out.size() >= max) break;
        if (e.seq > afterSeq) out.append(e);
    }
    return out;
}

quint64 LogHub::lastSeq() const
{
    QMutexLocker lock(&m_mutex);
    return m_seq;
}
