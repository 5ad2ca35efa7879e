#include "roomspage.h"

#include "keyedtablemodel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace {
// Accepts rooms of one site (or all) whose name starts with the prefix.
class RoomFilter : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    QString site; // empty: all
    QString prefix;
    void refresh() { invalidateFilter(); }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override
    {
        const QAbstractItemModel *m = sourceModel();
        if (!site.isEmpty() && m->index(row, 0, parent).data().toString() != site) return false;
        return m->index(row, 1, parent).data().toString().startsWith(prefix);
    }
};
} // namespace

RoomsPage::RoomsPage(QWidget *parent)
    : QWidget(parent),
      m_model(new KeyedTableModel({tr("Site"), tr("Room"), tr("Members"), tr("Users")}, this)),
      m_proxy(new RoomFilter(this)), m_view(new QTableView(this)), m_site(new QComboBox(this)),
      m_prefix(new QLineEdit(this)), m_members(new QListWidget(this))
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(KeyedTableModel::SortRole);
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(2, Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);

    m_site->addItem(tr("All sites"), QString());
    m_prefix->setPlaceholderText(tr("Room name prefix, e.g. doc: or user:"));
    m_prefix->setClearButtonEnabled(true);

    auto *filters = new QHBoxLayout;
    filters->addWidget(new QLabel(tr("Site:"), this));
    filters->addWidget(m_site);
    filters->addWidget(new QLabel(tr("Prefix:"), this));
    filters->addWidget(m_prefix, 1);

    auto *side = new QWidget(this);
    auto *sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    sideLayout->addWidget(new QLabel(tr("Members of the selected room"), side));
    sideLayout->addWidget(m_members);

    auto *splitter = new QSplitter(this);
    splitter->addWidget(m_view);
    splitter->addWidget(side);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(filters);
    layout->addWidget(splitter, 1);

    auto *filter = static_cast<RoomFilter *>(m_proxy);
    connect(m_prefix, &QLineEdit::textChanged, this, [filter](const QString &text) {
        filter->prefix = text;
        filter->refresh();
    });
    connect(m_site, &QComboBox::currentIndexChanged, this, [this, filter] {
        filter->site = m_site->currentData().toString();
        filter->refresh();
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        showMembers();
        Q_EMIT selectedRoomChanged();
    });
}

QPair<QString, QString> RoomsPage::selectedRoom() const
{
    const QModelIndex current = m_view->currentIndex();
    if (!current.isValid()) return {};
    const RoomRow room = m_rooms.value(current.data(KeyedTableModel::KeyRole).toString());
    return {room.site, room.room};
}

void RoomsPage::applySnapshot(const MonitorSnapshot &snapshot)
{
    for (const SiteRow &site : snapshot.sites)
        if (m_site->findData(site.site) < 0) m_site->addItem(site.site, site.site);

    m_rooms.clear();
    QList<KeyedTableModel::Row> rows;
    for (const RoomRow &room : snapshot.rooms) {
        KeyedTableModel::Row row;
        row.key = room.site + QLatin1Char('\n') + room.room;
        row.display = {room.site, room.room, room.members, room.users.join(QStringLiteral(", "))};
        rows.append(row);
        m_rooms.insert(row.key, room);
    }
    m_model->setRows(rows);
    showMembers();
}

void RoomsPage::showMembers()
{
    m_members->clear();
    const QModelIndex current = m_view->currentIndex();
    if (!current.isValid()) return;
    const QString key = current.data(KeyedTableModel::KeyRole).toString();
    const RoomRow room = m_rooms.value(key);
    for (qsizetype i = 0; i < room.memberIds.size(); ++i) {
        const QString &id = room.memberIds.at(i);
        const QString user = room.memberUsers.value(i);
        m_members->addItem(user.isEmpty() ? id : QStringLiteral("%1  (%2)").arg(id, user));
    }
    if (!room.memberIds.isEmpty() && room.members > room.memberIds.size())
        m_members->addItem(tr("… and %1 more").arg(room.members - room.memberIds.size()));
}
