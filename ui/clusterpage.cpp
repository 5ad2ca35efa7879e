#include "clusterpage.h"

#include "keyedtablemodel.h"

#include <QDateTime>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace {

qulonglong count(const QJsonObject &o, const char *key)
{
    return qulonglong(o.value(QLatin1String(key)).toDouble());
}

} // namespace

ClusterPage::ClusterPage(QWidget *parent)
    : QWidget(parent), m_summary(new QLabel(this)), m_traffic(new QLabel(this)),
      m_nodes(new KeyedTableModel({tr("Node (uid)"), tr("This node"), tr("Address"),
                                   tr("Connections"), tr("Messages in"), tr("Last seen")},
                                  this)),
      m_view(new QTableView(this))
{
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_traffic->setWordWrap(true);
    m_traffic->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_nodes);
    proxy->setSortRole(KeyedTableModel::SortRole);
    m_view->setModel(proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(1, Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_summary);
    layout->addWidget(m_traffic);
    layout->addWidget(m_view, 1);
    m_summary->setText(tr("No snapshot yet."));
}

QString ClusterPage::summaryText() const
{
    return m_summary->text();
}
QString ClusterPage::trafficText() const
{
    return m_traffic->text();
}

void ClusterPage::applySnapshot(const MonitorSnapshot &snapshot)
{
    const QJsonObject &c = snapshot.cluster;
    if (c.isEmpty()) {
        m_summary->setText(tr("Cluster off: this node serves its clients alone. Start it with "
                              "--adapter redis (bench key realtime_adapter) to share rooms and "
                              "broadcasts with other nodes."));
        m_traffic->clear();
        m_traffic->hide();
        m_nodes->setRows({});
        return;
    }
    m_traffic->show();
    m_summary->setText(
        tr("Adapter %1 through %2, key prefix \"%3\"; link %4; namespaces served: %5")
            .arg(c.value(QLatin1String("adapter")).toString(),
                 c.value(QLatin1String("redis")).toString(),
                 c.value(QLatin1String("key")).toString(),
                 c.value(QLatin1String("linked")).toBool() ? tr("up") : tr("DOWN"))
            .arg(c.value(QLatin1String("namespaces")).toArray().size()));
    m_traffic->setText(tr("Broadcasts out %1, in %2 · requests out %3, in %4 · responses out %5 · "
                          "request timeouts %6 · failed publishes %7 · last request %8 ms")
                           .arg(count(c, "broadcastsOut"))
                           .arg(count(c, "broadcastsIn"))
                           .arg(count(c, "requestsOut"))
                           .arg(count(c, "requestsIn"))
                           .arg(count(c, "responsesOut"))
                           .arg(count(c, "requestTimeouts"))
                           .arg(count(c, "publishFailures"))
                           .arg(count(c, "lastRequestMs")));
    QList<KeyedTableModel::Row> rows;
    const QString own = c.value(QLatin1String("uid")).toString();
    KeyedTableModel::Row self;
    self.key = own;
    self.display = {own,       tr("yes"), snapshot.listenAddress, snapshot.sessions,
                    QString(), tr("now")};
    self.sort = {own, 1, snapshot.listenAddress, snapshot.sessions, -1, 0};
    rows.append(self);
    const qint64 now = snapshot.takenAtMs;
    for (const QJsonValue &v : c.value(QLatin1String("nodes")).toArray()) {
        const QJsonObject n = v.toObject();
        const QString uid = n.value(QLatin1String("uid")).toString();
        const qint64 seen = qint64(n.value(QLatin1String("lastSeenMs")).toDouble());
        const qint64 ago = now > seen ? (now - seen) / 1000 : 0;
        KeyedTableModel::Row row;
        row.key = uid;
        row.display = {uid,
                       tr("no"),
                       tr("not on the wire"),
                       tr("unknown"),
                       QVariant(count(n, "messagesIn")),
                       tr("%1 s ago").arg(ago)};
        row.sort = {uid, 0, QString(), -1, QVariant(count(n, "messagesIn")), ago};
        row.toolTip = tr("Seen on the adapter's channels (broadcasts and requests it published). "
                         "The protocol carries neither a node's address nor its client count.");
        rows.append(row);
    }
    m_nodes->setRows(rows);
}
