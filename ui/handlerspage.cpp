#include "handlerspage.h"

#include "formatting.h"

#include <QBrush>
#include <QDateTime>
#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

HandlersPage::HandlersPage(QWidget *parent)
    : QWidget(parent), m_summary(new QLabel(this)), m_tree(new QTreeWidget(this))
{
    m_tree->setColumnCount(ColumnCount);
    m_tree->setHeaderLabels(
        {tr("App / event"), tr("Status"), tr("Calls"), tr("Errors"), tr("File / error")});
    m_tree->setAlternatingRowColors(true);
    m_tree->setUniformRowHeights(true);
    m_tree->header()->setStretchLastSection(true);
    m_summary->setWordWrap(true);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_summary);
    layout->addWidget(m_tree, 1);
    rebuild();
}

QString HandlersPage::statusText(const HandlerAppRow &row)
{
    if (row.state == QLatin1String("loaded")) {
        const QString at =
            QDateTime::fromMSecsSinceEpoch(row.loadedAtMs).toString(QStringLiteral("HH:mm:ss"));
        return row.reloads > 0 ? tr("reloaded at %1").arg(at) : tr("loaded at %1").arg(at);
    }
    if (row.state == QLatin1String("error")) return tr("failed");
    if (row.state == QLatin1String("missing")) return tr("no handlers.js");
    return row.state;
}

void HandlersPage::applySnapshot(const MonitorSnapshot &snapshot)
{
    if (snapshot.handlersAvailable == m_available && snapshot.handlers == m_rows) return;
    m_available = snapshot.handlersAvailable;
    m_rows = snapshot.handlers;
    rebuild();
}

void HandlersPage::rebuild()
{
    int failed = 0;
    for (const HandlerAppRow &row : std::as_const(m_rows))
        if (row.state == QLatin1String("error")) ++failed;
    if (!m_available)
        m_summary->setText(tr("App handlers (apps/<app>/realtime/handlers.js) run in Frappe mode "
                              "with a bench only."));
    else if (m_rows.isEmpty())
        m_summary->setText(tr("No app handlers loaded yet: an app's handlers.js is loaded when "
                              "the first socket of a site that has the app installed connects."));
    else
        m_summary->setText(tr("%n app(s) with realtime/handlers.js", nullptr, int(m_rows.size())) +
                           (failed ? tr(", %n failed to load", nullptr, failed) : QString()) +
                           tr(". A changed file is reloaded for new connections."));

    // Keep which apps the user collapsed.
    QSet<QString> collapsed;
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i)
        if (!m_tree->topLevelItem(i)->isExpanded())
            collapsed.insert(m_tree->topLevelItem(i)->text(Name));
    m_tree->clear();
    const QBrush errorBrush(QColor(190, 30, 30));
    for (const HandlerAppRow &row : std::as_const(m_rows)) {
        auto *app = new QTreeWidgetItem(m_tree);
        app->setText(Name, row.app);
        app->setText(Status, statusText(row));
        app->setText(Calls, QString::number(row.calls));
        app->setText(Errors, QString::number(row.errors));
        const bool failedToLoad = row.state == QLatin1String("error");
        app->setText(Detail, failedToLoad ? row.error : row.path);
        app->setToolTip(Detail, failedToLoad ? row.path + QLatin1Char('\n') + row.error : row.path);
        if (failedToLoad) {
            app->setForeground(Status, errorBrush);
            app->setForeground(Detail, errorBrush);
        }
        for (const HandlerEventRow &e : row.events) {
            auto *event = new QTreeWidgetItem(app);
            event->setText(Name, e.event);
            event->setText(Calls, QString::number(e.calls));
            event->setText(Errors, QString::number(e.errors));
            if (e.errors > 0) event->setForeground(Errors, errorBrush);
        }
        app->setExpanded(!collapsed.contains(row.app));
    }
    for (int c = 0; c < Detail; ++c)
        m_tree->resizeColumnToContents(c);
}

QTreeWidgetItem *HandlersPage::appItem(const QString &app) const
{
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i)
        if (m_tree->topLevelItem(i)->text(Name) == app) return m_tree->topLevelItem(i);
    return nullptr;
}

QTreeWidgetItem *HandlersPage::eventItem(const QString &app, const QString &event) const
{
    QTreeWidgetItem *parent = appItem(app);
    for (int i = 0; parent && i < parent->childCount(); ++i)
        if (parent->child(i)->text(Name) == event) return parent->child(i);
    return nullptr;
}
