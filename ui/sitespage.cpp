#include "sitespage.h"

#include "keyedtablemodel.h"

#include <QHeaderView>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

SitesPage::SitesPage(QWidget *parent)
    : QWidget(parent),
      m_model(new KeyedTableModel({tr("Site"), tr("In bench"), tr("Sockets"), tr("Users"),
                                   tr("Rooms"), tr("Recovered"), tr("Not recovered")},
                                  this)),
      m_view(new QTableView(this))
{
    auto *proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_model);
    proxy->setSortRole(KeyedTableModel::SortRole);
    m_view->setModel(proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(0, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_view);
}

void SitesPage::applySnapshot(const MonitorSnapshot &snapshot)
{
    QList<KeyedTableModel::Row> rows;
    for (const SiteRow &site : snapshot.sites) {
        KeyedTableModel::Row row;
        row.key = site.site;
        row.display = {site.site,
                       site.configured ? tr("yes") : tr("no"),
                       site.sockets,
                       site.users,
                       site.rooms,
                       QVariant(qulonglong(site.recovered)),
                       QVariant(qulonglong(site.recoveryFailed))};
        QStringList tips;
        if (!site.configured) tips.append(tr("A namespace that is not a site folder of the bench"));
        if (site.recovered + site.recoveryFailed > 0)
            tips.append(
                tr("Reconnects that asked for their session back (connection-state "
                   "recovery): %1 recovered, %2 got a fresh session%3")
                    .arg(site.recovered)
                    .arg(site.recoveryFailed)
                    .arg(site.recoveryFailures.isEmpty()
                             ? QString()
                             : QStringLiteral(" (") + site.recoveryFailures + QLatin1Char(')')));
        row.toolTip = tips.join(QLatin1Char('\n'));
        rows.append(row);
    }
    m_model->setRows(rows);
}
