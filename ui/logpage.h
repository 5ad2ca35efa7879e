// Log view: the process log (LogHub's ring) with a minimum-level filter,
// appended by sequence id from the window's poll. GUI thread.
#pragma once

#include "common/loghub.h"

#include <QWidget>
#include <deque>

class QComboBox;
class QPlainTextEdit;

class LogPage : public QWidget {
    Q_OBJECT
public:
    explicit LogPage(QWidget *parent = nullptr);
    // Pulls what LogHub has after the last entry shown.
    void poll();
    QPlainTextEdit *text() const { return m_text; }
    void setMinimumLevel(QtMsgType level);

private:
    void rebuild();
    bool accepts(const LogEntry &entry) const;
    static QString format(const LogEntry &entry);

    QComboBox *m_level;
    QPlainTextEdit *m_text;
    std::deque<LogEntry> m_entries; // the last MaxEntries, whatever their level
    quint64 m_lastSeq = 0;
};
