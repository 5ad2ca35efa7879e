#include "keyedtablemodel.h"

KeyedTableModel::KeyedTableModel(QStringList headers, QObject *parent)
    : QAbstractTableModel(parent), m_headers(std::move(headers))
{}

void KeyedTableModel::reindex()
{
    m_index.clear();
    for (int i = 0; i < m_rows.size(); ++i)
        m_index.insert(m_rows.at(i).key, i);
}

void KeyedTableModel::setRows(const QList<Row> &rows)
{
    QHash<QString, int> incoming;
    for (int i = 0; i < rows.size(); ++i)
        incoming.insert(rows.at(i).key, i);

    // 1. Drop rows that are gone, in contiguous runs from the end.
    for (int i = int(m_rows.size()) - 1; i >= 0;) {
        if (incoming.contains(m_rows.at(i).key)) {
            --i;
            continue;
        }
        int first = i;
        while (first > 0 && !incoming.contains(m_rows.at(first - 1).key))
            --first;
        beginRemoveRows({}, first, i);
        m_rows.remove(first, i - first + 1);
        endRemoveRows();
        i = first - 1;
    }
    reindex();

    // 2. Update the rows that stay, in place.
    bool changed = false;
    for (Row &row : m_rows) {
        const Row &fresh = rows.at(incoming.value(row.key));
        if (row.display != fresh.display || row.sort != fresh.sort ||
            row.toolTip != fresh.toolTip) {
            row = fresh;
            changed = true;
        }
    }
    if (changed && !m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, columnCount() - 1));

    // 3. Append the new ones, in snapshot order.
    QList<Row> added;
    for (const Row &row : rows)
        if (!m_index.contains(row.key)) added.append(row);
    if (!added.isEmpty()) {
        beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + added.size()) - 1);
        m_rows.append(added);
        reindex();
        endInsertRows();
    }
}

QString KeyedTableModel::keyAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).key : QString();
}

int KeyedTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int KeyedTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_headers.size());
}

QVariant KeyedTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size()) return {};
    const Row &row = m_rows.at(index.row());
    const int col = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return row.display.value(col);
    case SortRole:
        return col < row.sort.size() ? row.sort.at(col) : row.display.value(col);
    case KeyRole:
        return row.key;
    case Qt::ToolTipRole:
        return row.toolTip.isEmpty() ? row.display.value(col) : row.toolTip;
    default:
        return {};
    }
}

QVariant KeyedTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::DisplayRole) return m_headers.value(section);
    return QAbstractTableModel::headerData(section, orientation, role);
}
