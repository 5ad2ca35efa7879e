// Handlers: each app's realtime/handlers.js as the engine runs it: file,
// load state (loaded at / reloaded at a time / failed with the error),
// the events it listens to with per-event call and error counts. Fed from
// the snapshot like the other views; rebuilt only when something changed so
// expansion and selection survive the 2 Hz refresh. GUI thread.
#pragma once

#include "monitor/monitorsnapshot.h"

#include <QWidget>

class QLabel;
class QTreeWidget;
class QTreeWidgetItem;

class HandlersPage : public QWidget {
    Q_OBJECT
public:
    enum Column { Name, Status, Calls, Errors, Detail, ColumnCount };

    explicit HandlersPage(QWidget *parent = nullptr);
    void applySnapshot(const MonitorSnapshot &snapshot);

    QTreeWidget *tree() const { return m_tree; }
    QLabel *summary() const { return m_summary; }
    // The top-level row of an app, or nullptr.
    QTreeWidgetItem *appItem(const QString &app) const;
    // The row of one event under an app, or nullptr.
    QTreeWidgetItem *eventItem(const QString &app, const QString &event) const;

    static QString statusText(const HandlerAppRow &row);

private:
    void rebuild();

    QLabel *m_summary;
    QTreeWidget *m_tree;
    bool m_available = false;
    QList<HandlerAppRow> m_rows;
};
