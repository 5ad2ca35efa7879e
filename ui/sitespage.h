// Sites: every site of the bench (also those nobody is connected to) with its
// sockets, distinct users and rooms. GUI thread.
#pragma once

#include "monitor/monitorsnapshot.h"

#include <QWidget>

class KeyedTableModel;
class QTableView;

class SitesPage : public QWidget {
    Q_OBJECT
public:
    explicit SitesPage(QWidget *parent = nullptr);
    void applySnapshot(const MonitorSnapshot &snapshot);
    KeyedTableModel *model() const { return m_model; }

private:
    KeyedTableModel *m_model;
    QTableView *m_view;
};
