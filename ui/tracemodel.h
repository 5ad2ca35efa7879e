// TraceModel: the inspector's live list, appended from the engine's trace
// ring by sequence id and capped (oldest rows drop first). TraceFilter narrows
// it by site, room, event, free text (payload included) and "traced
// connections only". GUI thread.
#pragma once

#include "telemetry/traceentry.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <deque>

class TraceModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Time, Kind, Site, Room, Event, Socket, Size, Recipients, Detail, ColumnCount };

    explicit TraceModel(int capacity = 5000, QObject *parent = nullptr);

    void append(const QList<TraceEntry> &entries);
    void clear();
    const TraceEntry &entry(int row) const { return m_entries.at(size_t(row)); }
    int capacity() const { return m_capacity; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::deque<TraceEntry> m_entries;
    int m_capacity;
};

class TraceFilter : public QSortFilterProxyModel {
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    void setSite(const QString &site);
    void setRoom(const QString &room);
    void setEvent(const QString &event);
    void setText(const QString &text);
    void setTracedOnly(bool on);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_site, m_room, m_event, m_text;
    bool m_tracedOnly = false;
};
