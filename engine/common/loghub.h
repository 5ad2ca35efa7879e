// LogHub: the one Qt message handler of the process. Formats every log line
// once (UTC time, level, category), writes it to stdout (journald and grep
// friendly) and keeps the last lines in a bounded ring with sequence ids, so a
// window can pull what it has not seen yet. Any thread may log or read.
//
// A line never starts with text a message chose: a line break inside a
// message continues on an indented line and other control characters are
// escaped, so a client string that reaches a log call unescaped still cannot
// forge a line. Messages are cut at kMaxMessageChars, and the ring is bounded
// in bytes as well as entries.
#pragma once

#include <QList>
#include <QMutex>
#include <QString>
#include <deque>

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

    static constexpr qsizetype kMaxMessageChars = 16 * 1024;
    static constexpr qsizetype kRingBudgetBytes = 4 * 1024 * 1024; // messages, UTF-16
    // What append() makes of a message: cut, line breaks indented, controls escaped.
    static QString sanitized(const QString &message);
    qsizetype ringBytes() const;

private:
    LogHub() = default;

    mutable QMutex m_mutex;
    std::deque<LogEntry> m_ring;
    qsizetype m_ringBytes = 0;
    quint64 m_seq = 0;
    int m_capacity = 5000;
    QtMsgType m_minimum = QtInfoMsg;
    bool m_echo = true;
};
