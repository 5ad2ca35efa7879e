#include "socketspage.h"

#include "formatting.h"
#include "keyedtablemodel.h"
#include "socketdetailsdialog.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace {
enum Column { Sid, User, UserType, Site, Transport, Remote, Origin, Since, Rooms, In, Out, Count };

QString keyOf(const SocketRow &s)
{
    return s.nsp + QLatin1Char('\n') + s.id;
}
} // namespace

SocketsPage::SocketsPage(QWidget *parent)
    : QWidget(parent),
      m_model(new KeyedTableModel({tr("Socket id"), tr("User"), tr("User type"), tr("Site"),
                                   tr("Transport"), tr("Remote address"), tr("Origin"),
                                   tr("Connected since"), tr("Rooms"), tr("In (events / bytes)"),
                                   tr("Out (events / bytes)")},
                                  this)),
      m_proxy(new QSortFilterProxyModel(this)), m_view(new QTableView(this)),
      m_filter(new QLineEdit(this)), m_note(new QLabel(this))
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(KeyedTableModel::SortRole);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(Since, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->horizontalHeader()->setStretchLastSection(true);

    m_filter->setPlaceholderText(tr("Filter: any text of a row (user, site, room, address…)"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, m_proxy,
            &QSortFilterProxyModel::setFilterFixedString);

    m_disconnect = new QPushButton(tr("Disconnect"), this);
    m_join = new QPushButton(tr("Join room…"), this);
    m_leave = new QPushButton(tr("Leave room…"), this);
    m_emit = new QPushButton(tr("Emit to socket…"), this);
    m_trace = new QPushButton(tr("Trace"), this);
    m_trace->setToolTip(tr("Record every event to and from this socket in the inspector"));
    m_details = new QPushButton(tr("Details…"), this);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_filter, 1);
    for (QPushButton *b : {m_disconnect, m_join, m_leave, m_emit, m_trace, m_details})
        buttons->addWidget(b);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(buttons);
    layout->addWidget(m_note);
    layout->addWidget(m_view, 1);
    m_note->hide();

    connect(m_disconnect, &QPushButton::clicked, this, &SocketsPage::disconnectCurrent);
    connect(m_join, &QPushButton::clicked, this, &SocketsPage::askJoin);
    connect(m_leave, &QPushButton::clicked, this, &SocketsPage::askLeave);
    connect(m_emit, &QPushButton::clicked, this, &SocketsPage::askEmit);
    connect(m_trace, &QPushButton::clicked, this, &SocketsPage::toggleTraceCurrent);
    connect(m_details, &QPushButton::clicked, this, &SocketsPage::showDetailsOfCurrent);
    connect(m_view, &QTableView::doubleClicked, this, &SocketsPage::showDetailsOfCurrent);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &SocketsPage::updateButtons);
    connect(m_view, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        if (!currentSocket()) return;
        QMenu menu(this);
        menu.addAction(tr("Disconnect"), this, &SocketsPage::disconnectCurrent);
        menu.addAction(tr("Join room…"), this, &SocketsPage::askJoin);
        menu.addAction(tr("Leave room…"), this, &SocketsPage::askLeave);
        menu.addAction(tr("Emit to socket…"), this, &SocketsPage::askEmit);
        menu.addAction(m_trace->text(), this, &SocketsPage::toggleTraceCurrent);
        menu.addSeparator();
        menu.addAction(tr("Details…"), this, &SocketsPage::showDetailsOfCurrent);
        menu.exec(m_view->viewport()->mapToGlobal(pos));
    });
    updateButtons();
}

void SocketsPage::applySnapshot(const MonitorSnapshot &snapshot)
{
    m_sockets.clear();
    QList<KeyedTableModel::Row> rows;
    rows.reserve(snapshot.sockets.size());
    for (const SocketRow &s : snapshot.sockets) {
        KeyedTableModel::Row row;
        row.key = keyOf(s);
        const QString since = fmt::dateTime(s.connectedAtMs);
        row.display = {s.traced ? s.id + QStringLiteral("  ●") : s.id,
                       s.user,
                       s.userType,
                       s.site,
                       s.transportText(),
                       s.remote,
                       s.origin,
                       since,
                       s.rooms.join(QStringLiteral(", ")),
                       QStringLiteral("%1 / %2").arg(s.eventsIn).arg(fmt::bytes(s.bytesIn)),
                       QStringLiteral("%1 / %2").arg(s.eventsOut).arg(fmt::bytes(s.bytesOut))};
        row.sort = row.display;
        row.sort[Since] = s.connectedAtMs;
        row.sort[In] = s.eventsIn;
        row.sort[Out] = s.eventsOut;
        rows.append(row);
        m_sockets.insert(row.key, s);
    }
    m_note->setVisible(snapshot.socketsTruncated);
    if (snapshot.socketsTruncated)
        m_note->setText(tr("Showing the first %1 of %2 sockets (oldest connections first).")
                            .arg(snapshot.sockets.size())
                            .arg(snapshot.connections));
    const bool first = m_model->rowCount() == 0 && !rows.isEmpty();
    m_model->setRows(rows);
    if (first) m_view->resizeColumnsToContents(); // once: later the user's widths stay
    updateButtons();
}

std::optional<SocketRow> SocketsPage::currentSocket() const
{
    const QModelIndex current = m_view->currentIndex();
    if (!current.isValid()) return std::nullopt;
    const auto it = m_sockets.constFind(current.data(KeyedTableModel::KeyRole).toString());
    if (it == m_sockets.constEnd()) return std::nullopt;
    return *it;
}

bool SocketsPage::selectSocket(const QString &socketId)
{
    for (int r = 0; r < m_proxy->rowCount(); ++r) {
        const QString key = m_proxy->index(r, 0).data(KeyedTableModel::KeyRole).toString();
        if (key.section(QLatin1Char('\n'), 1) == socketId) {
            m_view->setCurrentIndex(m_proxy->index(r, 0));
            return true;
        }
    }
    return false;
}

void SocketsPage::updateButtons()
{
    const auto socket = currentSocket();
    for (QPushButton *b : {m_disconnect, m_join, m_leave, m_emit, m_trace, m_details})
        b->setEnabled(socket.has_value());
    m_trace->setText(socket && socket->traced ? tr("Stop tracing") : tr("Trace"));
}

void SocketsPage::disconnectCurrent()
{
    const auto s = currentSocket();
    if (!s) return;
    Q_EMIT actionRequested({SocketAction::Kind::Disconnect, s->nsp, s->id, {}, {}, {}});
}

void SocketsPage::joinCurrent(const QString &room)
{
    const auto s = currentSocket();
    if (!s || room.isEmpty()) return;
    Q_EMIT actionRequested({SocketAction::Kind::Join, s->nsp, s->id, room, {}, {}});
}

void SocketsPage::leaveCurrent(const QString &room)
{
    const auto s = currentSocket();
    if (!s || room.isEmpty()) return;
    Q_EMIT actionRequested({SocketAction::Kind::Leave, s->nsp, s->id, room, {}, {}});
}

void SocketsPage::emitToCurrent(const QString &event, const QByteArray &payloadJson)
{
    const auto s = currentSocket();
    if (!s || event.isEmpty()) return;
    Q_EMIT actionRequested({SocketAction::Kind::Emit, s->nsp, s->id, {}, event, payloadJson});
}

void SocketsPage::toggleTraceCurrent()
{
    const auto s = currentSocket();
    if (!s) return;
    Q_EMIT actionRequested({s->traced ? SocketAction::Kind::Untrace : SocketAction::Kind::Trace,
                            s->nsp,
                            s->id,
                            {},
                            {},
                            {}});
}

void SocketsPage::showDetailsOfCurrent()
{
    const auto s = currentSocket();
    if (!s) return;
    auto *dialog = new SocketDetailsDialog(*s, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
}

void SocketsPage::askJoin()
{
    bool ok = false;
    const QString room = QInputDialog::getText(this, tr("Join room"), tr("Room:"),
                                               QLineEdit::Normal, QString(), &ok);
    if (ok) joinCurrent(room.trimmed());
}

void SocketsPage::askLeave()
{
    const auto s = currentSocket();
    if (!s) return;
    bool ok = false;
    const QString room =
        QInputDialog::getItem(this, tr("Leave room"), tr("Room:"), s->rooms, 0, true, &ok);
    if (ok) leaveCurrent(room.trimmed());
}

void SocketsPage::askEmit()
{
    bool ok = false;
    const QString event = QInputDialog::getText(this, tr("Emit to socket"), tr("Event:"),
                                                QLineEdit::Normal, QStringLiteral("msgprint"), &ok);
    if (!ok || event.isEmpty()) return;
    const QString payload = QInputDialog::getMultiLineText(
        this, tr("Emit to socket"), tr("Payload (JSON):"), QStringLiteral("{}"), &ok);
    if (ok) emitToCurrent(event.trimmed(), payload.toUtf8());
}
