#include "publishpage.h"

#include "formatting.h"

#include <QComboBox>
#include <QCompleter>
#include <QDateTime>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QStringListModel>
#include <QTableWidget>
#include <QVBoxLayout>

PublishPage::PublishPage(QWidget *parent)
    : QWidget(parent), m_site(new QComboBox(this)), m_room(new QComboBox(this)),
      m_roomNames(new QStringListModel(this)), m_event(new QLineEdit(this)),
      m_payload(new QPlainTextEdit(this)), m_validation(new QLabel(this)),
      m_direct(new QRadioButton(tr("Directly into the engine"), this)),
      m_redis(new QRadioButton(tr("Through Redis `events`, as Frappe publishes"), this)),
      m_send(new QPushButton(tr("Send"), this)), m_history(new QTableWidget(0, 7, this))
{
    m_site->setEditable(true);
    m_room->setEditable(true);
    m_room->setModel(m_roomNames);
    m_room->setInsertPolicy(QComboBox::NoInsert);
    m_room->lineEdit()->setPlaceholderText(tr("empty: every socket of the site"));
    m_room->completer()->setCompletionMode(QCompleter::PopupCompletion);
    m_room->completer()->setFilterMode(Qt::MatchContains);
    m_event->setPlaceholderText(QStringLiteral("msgprint"));
    m_event->setText(QStringLiteral("msgprint"));
    m_payload->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_payload->setPlainText(QStringLiteral("{\n  \"message\": \"Hello from the monitor\"\n}"));
    m_direct->setChecked(true);
    m_direct->setToolTip(
        tr("Encodes 42/<site>,[event,payload] once and broadcasts it to the room"));
    m_redis->setToolTip(tr("PUBLISH on `events` of redis_queue, formatted like frappe.as_json, "
                           "with namespace=<site>"));

    auto *form = new QFormLayout;
    form->addRow(tr("Site"), m_site);
    form->addRow(tr("Room"), m_room);
    form->addRow(tr("Event"), m_event);
    form->addRow(tr("Payload (JSON)"), m_payload);
    form->addRow(QString(), m_validation);
    auto *mode = new QHBoxLayout;
    mode->addWidget(m_direct);
    mode->addWidget(m_redis);
    mode->addStretch(1);
    mode->addWidget(m_send);
    form->addRow(tr("Send"), mode);

    m_history->setHorizontalHeaderLabels({tr("Time"), tr("Via"), tr("Site"), tr("Room"),
                                          tr("Event"), tr("Recipients"), tr("Result")});
    m_history->verticalHeader()->hide();
    m_history->horizontalHeader()->setStretchLastSection(true);
    m_history->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_history->setSelectionBehavior(QAbstractItemView::SelectRows);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(form, 3);
    layout->addWidget(new QLabel(tr("Sent messages"), this));
    layout->addWidget(m_history, 2);

    connect(m_payload, &QPlainTextEdit::textChanged, this, &PublishPage::validate);
    connect(m_event, &QLineEdit::textChanged, this, &PublishPage::validate);
    connect(m_site, &QComboBox::currentTextChanged, this, &PublishPage::updateRoomCompletions);
    connect(m_send, &QPushButton::clicked, this, &PublishPage::send);
    // Double-click a sent message to load it into the form again.
    connect(m_history, &QTableWidget::cellDoubleClicked, this, [this](int row) {
        setForm(m_history->item(row, 2)->text(), m_history->item(row, 3)->text(),
                m_history->item(row, 4)->text(),
                m_history->item(row, 0)->data(Qt::UserRole).toString(),
                m_history->item(row, 1)->text() == QLatin1String("redis"));
    });
    validate();
}

void PublishPage::applySnapshot(const MonitorSnapshot &snapshot)
{
    m_snapshot = snapshot;
    const QString current = m_site->currentText();
    for (const SiteRow &site : snapshot.sites)
        if (m_site->findText(site.site) < 0) m_site->addItem(site.site);
    if (current.isEmpty() && m_site->count() > 0) m_site->setCurrentIndex(0);
    updateRoomCompletions();
}

void PublishPage::updateRoomCompletions()
{
    const QStringList names = m_snapshot.roomNames(m_site->currentText());
    if (names == m_roomNames->stringList()) return;
    const QString typed = m_room->currentText();
    m_roomNames->setStringList(names);
    m_room->setEditText(typed); // the model swap must not eat what the user typed
}

void PublishPage::setForm(const QString &site, const QString &room, const QString &event,
                          const QString &payload, bool viaRedis)
{
    m_site->setEditText(site);
    m_room->setEditText(room);
    m_event->setText(event);
    m_payload->setPlainText(payload);
    (viaRedis ? m_redis : m_direct)->setChecked(true);
}

bool PublishPage::payloadIsValid() const
{
    QJsonParseError error;
    const QByteArray text = m_payload->toPlainText().toUtf8();
    QJsonDocument::fromJson("[" + text + "]", &error);
    return error.error == QJsonParseError::NoError && !text.trimmed().isEmpty();
}

void PublishPage::validate()
{
    QJsonParseError error;
    const QByteArray text = m_payload->toPlainText().toUtf8();
    const QJsonDocument doc = QJsonDocument::fromJson("[" + text + "]", &error);
    QString problem;
    if (text.trimmed().isEmpty())
        problem = tr("The payload is empty (use {} for none)");
    else if (error.error != QJsonParseError::NoError)
        problem = tr("Not valid JSON: %1 (near character %2)")
                      .arg(error.errorString())
                      .arg(qMax(0, error.offset - 1));
    else if (doc.array().size() != 1)
        problem = tr("Exactly one JSON value, please");
    else if (m_event->text().trimmed().isEmpty())
        problem = tr("The event name is empty");
    m_validation->setText(problem.isEmpty() ? tr("✓ valid JSON") : problem);
    m_validation->setStyleSheet(problem.isEmpty() ? QStringLiteral("color: #2a7a2a")
                                                  : QStringLiteral("color: #b01e1e"));
    m_send->setEnabled(problem.isEmpty());
}

bool PublishPage::send()
{
    if (!m_send->isEnabled() || m_site->currentText().isEmpty()) return false;
    PublishRequest request;
    request.id = m_nextId++;
    request.site = m_site->currentText().trimmed();
    request.room = m_room->currentText().trimmed();
    request.event = m_event->text().trimmed();
    request.payloadJson = m_payload->toPlainText().toUtf8();
    request.viaRedis = m_redis->isChecked();

    const int row = 0; // newest first
    m_history->insertRow(row);
    auto *time = new QTableWidgetItem(fmt::clockTime(QDateTime::currentMSecsSinceEpoch()));
    time->setData(Qt::UserRole, m_payload->toPlainText());
    m_history->setItem(row, 0, time);
    m_history->setItem(row, 1,
                       new QTableWidgetItem(request.viaRedis ? QStringLiteral("redis")
                                                             : QStringLiteral("direct")));
    m_history->setItem(row, 2, new QTableWidgetItem(request.site));
    m_history->setItem(row, 3, new QTableWidgetItem(request.room));
    m_history->setItem(row, 4, new QTableWidgetItem(request.event));
    m_history->setItem(row, 5, new QTableWidgetItem(QStringLiteral("…")));
    m_history->setItem(row, 6, new QTableWidgetItem(tr("sending")));
    // Rows shift down as new ones are inserted: remember the item, not the row.
    m_pendingRows.insert(request.id, 0);
    m_history->item(row, 5)->setData(Qt::UserRole, request.id);
    while (m_history->rowCount() > 500)
        m_history->removeRow(m_history->rowCount() - 1);
    Q_EMIT publishRequested(request);
    return true;
}

void PublishPage::onPublishFinished(const PublishResult &result)
{
    if (!m_pendingRows.remove(result.id)) return;
    for (int row = 0; row < m_history->rowCount(); ++row) {
        QTableWidgetItem *item = m_history->item(row, 5);
        if (item->data(Qt::UserRole).toULongLong() != result.id) continue;
        item->setText(result.ok ? QString::number(result.recipients) : QStringLiteral("—"));
        QString text;
        if (!result.ok)
            text = tr("failed: %1").arg(result.error);
        else if (result.viaRedis)
            text = tr("published; %n Redis subscriber(s) got it", nullptr, result.recipients);
        else
            text = tr("delivered to %n socket(s)", nullptr, result.recipients);
        m_history->item(row, 6)->setText(text);
        m_history->item(row, 6)->setToolTip(QString::fromUtf8(result.wire));
        break;
    }
}
