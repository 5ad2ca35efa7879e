#include "inspectorpage.h"

#include "formatting.h"
#include "pythonliteral.h"
#include "tracemodel.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace {
QString prettyJson(const QByteArray &json)
{
    const QJsonDocument doc = QJsonDocument::fromJson("[" + json + "]");
    if (!doc.isArray() || doc.array().size() != 1) return QString::fromUtf8(json);
    const QJsonValue value = doc.array().at(0);
    if (value.isObject()) return QString::fromUtf8(QJsonDocument(value.toObject()).toJson());
    if (value.isArray()) return QString::fromUtf8(QJsonDocument(value.toArray()).toJson());
    return QString::fromUtf8(json);
}
} // namespace

InspectorPage::InspectorPage(QWidget *parent)
    : QWidget(parent), m_model(new TraceModel(5000, this)), m_filter(new TraceFilter(this)),
      m_view(new QTableView(this)), m_site(new QLineEdit(this)), m_room(new QLineEdit(this)),
      m_event(new QLineEdit(this)), m_text(new QLineEdit(this)),
      m_tracedOnly(new QCheckBox(tr("Traced connections only"), this)),
      m_pause(new QPushButton(tr("Pause"), this)), m_status(new QLabel(this)),
      m_payload(new QPlainTextEdit(this))
{
    m_filter->setSourceModel(m_model);
    m_view->setModel(m_filter);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(20);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setColumnWidth(TraceModel::Time, 95);
    m_view->setColumnWidth(TraceModel::Kind, 75);
    m_view->setColumnWidth(TraceModel::Room, 160);
    m_view->setColumnWidth(TraceModel::Event, 120);
    m_view->setColumnWidth(TraceModel::Size, 60);
    m_view->setColumnWidth(TraceModel::Recipients, 75);

    m_site->setPlaceholderText(tr("site"));
    m_room->setPlaceholderText(tr("room"));
    m_event->setPlaceholderText(tr("event"));
    m_text->setPlaceholderText(tr("text in payload, socket or detail"));
    for (QLineEdit *e : {m_site, m_room, m_event, m_text})
        e->setClearButtonEnabled(true);
    m_pause->setCheckable(true);

    m_payload->setReadOnly(true);
    m_payload->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_payload->setPlaceholderText(tr("Select an event to see its payload"));
    auto *copy = new QPushButton(tr("Copy as publish_realtime call"), this);
    auto *trace = new QPushButton(tr("Trace connection…"), this);
    auto *clearButton = new QPushButton(tr("Clear"), this);

    auto *filters = new QHBoxLayout;
    filters->addWidget(m_site);
    filters->addWidget(m_room);
    filters->addWidget(m_event);
    filters->addWidget(m_text, 2);
    filters->addWidget(m_tracedOnly);
    filters->addWidget(m_pause);
    filters->addWidget(clearButton);

    auto *detail = new QWidget(this);
    auto *detailLayout = new QVBoxLayout(detail);
    detailLayout->setContentsMargins(0, 0, 0, 0);
    detailLayout->addWidget(m_payload, 1);
    auto *detailButtons = new QHBoxLayout;
    detailButtons->addWidget(copy);
    detailButtons->addWidget(trace);
    detailButtons->addStretch(1);
    detailLayout->addLayout(detailButtons);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_view);
    splitter->addWidget(detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(filters);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_status);

    connect(m_site, &QLineEdit::textChanged, m_filter, &TraceFilter::setSite);
    connect(m_room, &QLineEdit::textChanged, m_filter, &TraceFilter::setRoom);
    connect(m_event, &QLineEdit::textChanged, m_filter, &TraceFilter::setEvent);
    connect(m_text, &QLineEdit::textChanged, m_filter, &TraceFilter::setText);
    connect(m_tracedOnly, &QCheckBox::toggled, m_filter, &TraceFilter::setTracedOnly);
    connect(m_pause, &QPushButton::toggled, this, [this](bool paused) {
        m_pause->setText(paused ? tr("Resume") : tr("Pause"));
        Q_EMIT pausedChanged(paused);
    });
    connect(clearButton, &QPushButton::clicked, this, &InspectorPage::clear);
    connect(copy, &QPushButton::clicked, this, [this] {
        const QString call = publishCallOfCurrent();
        if (!call.isEmpty()) QApplication::clipboard()->setText(call);
    });
    connect(trace, &QPushButton::clicked, this, &InspectorPage::askTrace);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &InspectorPage::showCurrent);
    // Follow the newest rows only while the user is at the bottom.
    connect(m_view->verticalScrollBar(), &QScrollBar::valueChanged, this,
            [this](int value) { m_follow = value >= m_view->verticalScrollBar()->maximum() - 2; });
    m_status->setText(tr("Live"));
}

bool InspectorPage::isPaused() const
{
    return m_pause->isChecked();
}

void InspectorPage::setPaused(bool paused)
{
    m_pause->setChecked(paused);
}

void InspectorPage::clear()
{
    m_model->clear();
    m_payload->clear();
}

void InspectorPage::appendEntries(const QList<TraceEntry> &entries, bool gap)
{
    if (entries.isEmpty()) return;
    m_model->append(entries);
    m_status->setText(gap ? tr("Live — some events were not shown (the trace moved on while "
                               "paused or during a burst); last at %1")
                                .arg(fmt::clockTime(entries.last().timeMs))
                          : tr("Live — %1 events in view").arg(m_model->rowCount()));
    if (m_follow) m_view->scrollToBottom();
}

void InspectorPage::showCurrent()
{
    const QModelIndex current = m_filter->mapToSource(m_view->currentIndex());
    if (!current.isValid()) {
        m_payload->clear();
        return;
    }
    const TraceEntry &e = m_model->entry(current.row());
    QString text = prettyJson(e.payload);
    if (e.truncated) text += tr("\n… (truncated at 64 KB)");
    m_payload->setPlainText(text);
}

QString InspectorPage::publishCallOfCurrent() const
{
    const QModelIndex current = m_filter->mapToSource(m_view->currentIndex());
    if (!current.isValid()) return {};
    const TraceEntry &e = m_model->entry(current.row());
    if (e.event.isEmpty()) return {};
    return publishRealtimeCall(e.site, e.room, e.event, e.payload.isEmpty() ? "{}" : e.payload);
}

void InspectorPage::askTrace()
{
    QString preset;
    const QModelIndex current = m_filter->mapToSource(m_view->currentIndex());
    if (current.isValid()) preset = m_model->entry(current.row()).socketId;
    bool ok = false;
    const QString id = QInputDialog::getText(this, tr("Trace connection"), tr("Socket id:"),
                                             QLineEdit::Normal, preset, &ok);
    if (ok && !id.trimmed().isEmpty()) {
        m_tracedOnly->setChecked(true);
        Q_EMIT traceRequested(id.trimmed());
    }
}
