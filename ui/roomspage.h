// Rooms: the rooms of each site with member counts, filtered by site and name
// prefix; the selected room's members (socket id and user) on the side. The
// engine lists members only for the room named in the snapshot request
// (selectedRoom()), so they show up one snapshot after the selection.
// GUI thread.
#pragma once

#include "monitor/monitorsnapshot.h"

#include <QWidget>

class KeyedTableModel;
class QComboBox;
class QLineEdit;
class QListWidget;
class QSortFilterProxyModel;
class QTableView;

class RoomsPage : public QWidget {
    Q_OBJECT
public:
    explicit RoomsPage(QWidget *parent = nullptr);
    void applySnapshot(const MonitorSnapshot &snapshot);

    KeyedTableModel *model() const { return m_model; }
    QSortFilterProxyModel *proxy() const { return m_proxy; }
    QLineEdit *prefixFilter() const { return m_prefix; }
    QComboBox *siteFilter() const { return m_site; }
    QTableView *view() const { return m_view; }
    QListWidget *members() const { return m_members; }
    // (site, room) of the current row; empty strings when none.
    QPair<QString, QString> selectedRoom() const;

Q_SIGNALS:
    void selectedRoomChanged();

private:
    void showMembers();

    KeyedTableModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QComboBox *m_site;
    QLineEdit *m_prefix;
    QListWidget *m_members;
    QHash<QString, RoomRow> m_rooms; // by key
};
