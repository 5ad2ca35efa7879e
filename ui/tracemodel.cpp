#include "tracemodel.h"

#include "formatting.h"

#include <QBrush>
#include <QColor>

TraceModel::TraceModel(int capacity, QObject *parent)
    : QAbstractTableModel(parent), m_capacity(qMax(1, capacity))
{}

void TraceModel::append(const QList<TraceEntry> &entries)
{
    if (entries.isEmpty()) return;
    qsizetype first = 0;
    if (entries.size() > m_capacity) first = entries.size() - m_capacity;
    const int incoming = int(entries.size() - first);
    const int overflow = int(m_entries.size()) + incoming - m_capacity;
    if (overflow > 0) {
        beginRemoveRows({}, 0, overflow - 1);
        m_entries.erase(m_entries.begin(), m_entries.begin() + overflow);
        endRemoveRows();
    }
    beginInsertRows({}, int(m_entries.size()), int(m_entries.size()) + incoming - 1);
    for (qsizetype i = first; i < entries.size(); ++i)
        m_entries.push_back(entries.at(i));
    endInsertRows();
}

void TraceModel::clear()
{
    beginResetModel();
    m_entries.clear();
    endResetModel();
}

int TraceModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int TraceModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TraceModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || size_t(index.row()) >= m_entries.size()) return {};
    const TraceEntry &e = m_entries.at(size_t(index.row()));
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Time:
            return fmt::clockTime(e.timeMs);
        case Kind:
            return TraceEntry::kindName(e.kind);
        case Site:
            return e.site;
        case Room:
            return e.room;
        case Event:
            return e.event;
        case Socket:
            return e.socketId;
        case Size:
            return e.bytes > 0 ? QVariant(e.bytes) : QVariant();
        case Recipients:
            return e.recipients >= 0 ? QVariant(e.recipients) : QVariant();
        case Detail:
            return e.detail;
        }
    }
    if (role == Qt::ForegroundRole) {
        if (e.kind == TraceEntry::Kind::RedisDropped || e.kind == TraceEntry::Kind::Refused)
            return QBrush(QColor(190, 30, 30));
        if (e.kind == TraceEntry::Kind::RedisIn && e.recipients == 0)
            return QBrush(QColor(170, 110, 0));
        if (e.fromTracedSocket) return QBrush(QColor(20, 90, 200));
    }
    return {};
}

QVariant TraceModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char *names[ColumnCount] = {"Time",   "Kind", "Site",       "Room",  "Event",
                                             "Socket", "Size", "Recipients", "Detail"};
    return tr(names[section]);
}

void TraceFilter::setSite(const QString &site)
{
    m_site = site;
    invalidateFilter();
}

void TraceFilter::setRoom(const QString &room)
{
    m_room = room;
    invalidateFilter();
}

void TraceFilter::setEvent(const QString &event)
{
    m_event = event;
    invalidateFilter();
}

void TraceFilter::setText(const QString &text)
{
    m_text = text;
    invalidateFilter();
}

void TraceFilter::setTracedOnly(bool on)
{
    m_tracedOnly = on;
    invalidateFilter();
}

bool TraceFilter::filterAcceptsRow(int sourceRow, const QModelIndex &) const
{
    const auto *model = static_cast<const TraceModel *>(sourceModel());
    const TraceEntry &e = model->entry(sourceRow);
    if (m_tracedOnly && !e.fromTracedSocket) return false;
    if (!m_site.isEmpty() && !e.site.contains(m_site, Qt::CaseInsensitive)) return false;
    if (!m_room.isEmpty() && !e.room.contains(m_room, Qt::CaseInsensitive)) return false;
    if (!m_event.isEmpty() && !e.event.contains(m_event, Qt::CaseInsensitive)) return false;
    if (!m_text.isEmpty()) {
        const bool hit = e.detail.contains(m_text, Qt::CaseInsensitive) ||
                         e.socketId.contains(m_text, Qt::CaseInsensitive) ||
                         e.payload.contains(m_text.toUtf8());
        if (!hit) return false;
    }
    return true;
}
