// KeyedTableModel: a table whose rows are replaced wholesale by each snapshot
// but diffed by key, so selection, scroll position and sort survive the
// refresh (a reset at 2 Hz would make every table unusable). Display and sort
// values are kept per cell; sorting goes through a QSortFilterProxyModel with
// sortRole SortRole. GUI thread.
#pragma once

#include <QAbstractTableModel>
#include <QStringList>
#include <QVariantList>

class KeyedTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    static constexpr int SortRole = Qt::UserRole + 1;
    static constexpr int KeyRole = Qt::UserRole + 2;

    struct Row {
        QString key;
        QVariantList display;
        QVariantList sort; // optional; falls back to display
        QString toolTip;
    };

    explicit KeyedTableModel(QStringList headers, QObject *parent = nullptr);

    void setRows(const QList<Row> &rows);
    QString keyAt(int row) const;
    int rowOfKey(const QString &key) const { return m_index.value(key, -1); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    void reindex();

    QStringList m_headers;
    QList<Row> m_rows;
    QHash<QString, int> m_index;
};
