// Cluster: this node's membership of a socket.io Redis-adapter cluster
// (--adapter redis): the link, the traffic through Redis, request latency and
// the nodes seen on the channels. Says so when the cluster is off. GUI thread.
#pragma once

#include "monitor/monitorsnapshot.h"

#include <QWidget>

class KeyedTableModel;
class QLabel;
class QTableView;

class ClusterPage : public QWidget {
    Q_OBJECT
public:
    explicit ClusterPage(QWidget *parent = nullptr);
    void applySnapshot(const MonitorSnapshot &snapshot);
    KeyedTableModel *nodes() const { return m_nodes; }
    QString summaryText() const;
    QString trafficText() const;

private:
    QLabel *m_summary;
    QLabel *m_traffic;
    KeyedTableModel *m_nodes;
    QTableView *m_view;
};
