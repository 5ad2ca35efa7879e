// Connected sockets: one row per socket (sid, user, site, transport, remote
// address, origin, connected since, rooms, traffic), sortable and filterable,
// with the admin actions (disconnect, join/leave a room, emit to it, trace it)
// and a details dialog on double-click. Actions are requests to the engine
// thread; the next snapshot shows their effect. Rows come only while this
// tab shows, at most SnapshotRequest::maxSockets in connection order (the
// note above the table says so). GUI thread.
#pragma once

#include "monitor/monitoractions.h"
#include "monitor/monitorsnapshot.h"

#include <QWidget>

class KeyedTableModel;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;
class QPushButton;

class SocketsPage : public QWidget {
    Q_OBJECT
public:
    explicit SocketsPage(QWidget *parent = nullptr);
    void applySnapshot(const MonitorSnapshot &snapshot);

    KeyedTableModel *model() const { return m_model; }
    QSortFilterProxyModel *proxy() const { return m_proxy; }
    QTableView *view() const { return m_view; }
    QLineEdit *filter() const { return m_filter; }
    // The socket of the current row, if any.
    std::optional<SocketRow> currentSocket() const;
    bool selectSocket(const QString &socketId);

    // Actions on the current socket (buttons and context menu use these; tests
    // pass the arguments the dialogs would ask for).
    void disconnectCurrent();
    void joinCurrent(const QString &room);
    void leaveCurrent(const QString &room);
    void emitToCurrent(const QString &event, const QByteArray &payloadJson);
    void toggleTraceCurrent();
    void showDetailsOfCurrent();

Q_SIGNALS:
    void actionRequested(const SocketAction &action);

private:
    void askJoin();
    void askLeave();
    void askEmit();
    void updateButtons();

    KeyedTableModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QLineEdit *m_filter;
    QLabel *m_note;
    QPushButton *m_disconnect, *m_join, *m_leave, *m_emit, *m_trace, *m_details;
    QHash<QString, SocketRow> m_sockets; // by key
};
