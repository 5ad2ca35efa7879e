// LogHub: the one Qt message handler of the process. Formats every log line
// once (UTC time, level, category), writes it to stdout (journald and grep
// friendly) and keeps the last lines in a bounded ring with sequence ids, so a
// window can pull what it has not seen yet. Any thread may log or read.
#pragma once

#include <QList>
#include <QMutex>
#include <QString>

struct LogEntry {
    quint64 seq = 0;
    qint64 timeMs = 0;
    QtMsgType type = QtInfoMsg;
    QString category;
    QString message;
};

class LogHub {
public:
    static LogHub &instance();

    // Installs the message handler. minimumLevel: QtDebugMsg, QtInfoMsg, QtWarningMsg.
    void install(QtMsgType minimumLevel, bool echoToStderr = true);
    void setEchoToStderr(bool echo);

    // Entries with seq > afterSeq (at most `max`), oldest first.
    QList<LogEntry> since(quint64 afterSeq, int max = 1000) const;
    quint64 lastSeq() const;

    static QString levelName(QtMsgType type);
    // Debug < Info < Warning < Critical < Fatal (QtMsgType's values are not in that order).
    static int severity(QtMsgType type);
    void append(QtMsgType type, const QString &category, const QString &message);

private:
    LogHub() = default;

    mutable QMutex m_mutex;
    QList<LogEntry> m_ring;
    qsizetype m_head = 0;
    quint64 m_seq = 0;
    int m_capacity = 5000;
    QtMsgType m_minimum = QtInfoMsg;
    bool m_echo = true;
};
