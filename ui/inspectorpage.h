// Event inspector: the live event trace (Redis messages routed or dropped,
// console publishes, client events, connects, traced connections), filtered
// by site, room, event and text; pause/resume; the selected payload as
// pretty JSON; "copy as publish_realtime call"; tracing one connection.
// The window feeds it from the engine's trace ring by sequence id. GUI thread.
#pragma once

#include "telemetry/traceentry.h"

#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableView;
class TraceFilter;
class TraceModel;

class InspectorPage : public QWidget {
    Q_OBJECT
public:
    explicit InspectorPage(QWidget *parent = nullptr);

    // New entries from the ring. `gap`: entries were lost between the last
    // pull and these (the ring moved on, e.g. while paused).
    void appendEntries(const QList<TraceEntry> &entries, bool gap);
    bool isPaused() const;
    void setPaused(bool paused);
    void clear();

    TraceModel *model() const { return m_model; }
    TraceFilter *filter() const { return m_filter; }
    QTableView *view() const { return m_view; }
    QPlainTextEdit *payloadView() const { return m_payload; }
    QLineEdit *siteFilter() const { return m_site; }
    QLineEdit *roomFilter() const { return m_room; }
    QLineEdit *eventFilter() const { return m_event; }
    QLineEdit *textFilter() const { return m_text; }
    QCheckBox *tracedOnly() const { return m_tracedOnly; }
    // The publish_realtime line for the selected entry (also what Copy puts on
    // the clipboard); empty without a selection.
    QString publishCallOfCurrent() const;

Q_SIGNALS:
    void pausedChanged(bool paused);
    // "Trace one connection": the window forwards it to the engine.
    void traceRequested(const QString &socketId);

private:
    void showCurrent();
    void askTrace();

    TraceModel *m_model;
    TraceFilter *m_filter;
    QTableView *m_view;
    QLineEdit *m_site, *m_room, *m_event, *m_text;
    QCheckBox *m_tracedOnly;
    QPushButton *m_pause;
    QLabel *m_status;
    QPlainTextEdit *m_payload;
    bool m_follow = true; // keep the newest row in view
};
