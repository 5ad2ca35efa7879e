#include "throughputpage.h"

#include "qcustomplotinclude.h"
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace {
constexpr int MaxSamples = 3600;

struct SeriesStyle {
    const char *name;
    QColor color;
    bool latency;
};

const SeriesStyle kSeries[ThroughputPage::SeriesCount] = {
    {QT_TRANSLATE_NOOP("ThroughputPage", "Redis events in/s"), QColor(31, 119, 180), false},
    {QT_TRANSLATE_NOOP("ThroughputPage", "deliveries/s"), QColor(44, 160, 44), false},
    {QT_TRANSLATE_NOOP("ThroughputPage", "client events/s"), QColor(255, 127, 14), false},
    {QT_TRANSLATE_NOOP("ThroughputPage", "connects/s"), QColor(23, 190, 207), false},
    {QT_TRANSLATE_NOOP("ThroughputPage", "disconnects/s"), QColor(148, 103, 189), false},
    {QT_TRANSLATE_NOOP("ThroughputPage", "auth failures/s"), QColor(214, 39, 40), false},
    {QT_TRANSLATE_NOOP("ThroughputPage", "latency p50 (ms)"), QColor(127, 127, 127), true},
    {QT_TRANSLATE_NOOP("ThroughputPage", "latency p99 (ms)"), QColor(60, 60, 60), true},
};

double valueOf(const RateSample &s, int series)
{
    switch (series) {
    case ThroughputPage::RedisIn:
        return s.perSecond(s.redisIn);
    case ThroughputPage::Deliveries:
        return s.perSecond(s.deliveries);
    case ThroughputPage::ClientEvents:
        return s.perSecond(s.clientEvents);
    case ThroughputPage::Connects:
        return s.perSecond(s.connects);
    case ThroughputPage::Disconnects:
        return s.perSecond(s.disconnects);
    case ThroughputPage::AuthFailures:
        return s.perSecond(s.authFailures);
    case ThroughputPage::P50:
        return s.p50Ms;
    case ThroughputPage::P99:
        return s.p99Ms;
    }
    return 0;
}
} // namespace

ThroughputPage::ThroughputPage(QWidget *parent)
    : QWidget(parent), m_plot(new QCustomPlot(this)), m_window(new QComboBox(this)),
      m_pause(new QCheckBox(tr("Pause"), this))
{
    m_window->addItem(tr("Last minute"), 60);
    m_window->addItem(tr("Last 10 minutes"), 600);
    m_window->addItem(tr("Last hour"), 3600);
    auto *png = new QPushButton(tr("Export PNG…"), this);
    auto *csv = new QPushButton(tr("Export CSV…"), this);

    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Window:"), this));
    bar->addWidget(m_window);
    bar->addWidget(m_pause);
    bar->addStretch(1);
    bar->addWidget(png);
    bar->addWidget(csv);

    auto ticker = QSharedPointer<QCPAxisTickerDateTime>::create();
    ticker->setDateTimeFormat(QStringLiteral("HH:mm:ss"));
    m_plot->xAxis->setTicker(ticker);
    m_plot->yAxis->setLabel(tr("per second"));
    m_plot->yAxis2->setLabel(tr("latency (ms)"));
    m_plot->yAxis2->setVisible(true);
    m_plot->legend->setVisible(true);
    m_plot->legend->setFont(QFont(font().family(), 8));
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    for (int i = 0; i < SeriesCount; ++i) {
        QCPGraph *graph =
            m_plot->addGraph(m_plot->xAxis, kSeries[i].latency ? m_plot->yAxis2 : m_plot->yAxis);
        graph->setName(tr(kSeries[i].name));
        QPen pen(kSeries[i].color, kSeries[i].latency ? 1.0 : 1.6);
        if (kSeries[i].latency) pen.setStyle(i == P50 ? Qt::DashLine : Qt::DotLine);
        graph->setPen(pen);
        // Latency exists only in seconds that delivered something: mark the
        // points, a lone one would not show as a line.
        if (kSeries[i].latency) graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 4));
    }
    // Clicking a legend entry hides or shows its series.
    m_plot->setInteractions(QCP::iSelectLegend);
    connect(m_plot, &QCustomPlot::legendClick, this,
            [this](QCPLegend *, QCPAbstractLegendItem *item, QMouseEvent *) {
                if (auto *pl = qobject_cast<QCPPlottableLegendItem *>(item)) {
                    pl->plottable()->setVisible(!pl->plottable()->visible());
                    pl->setTextColor(pl->plottable()->visible() ? Qt::black : Qt::gray);
                    m_plot->replot();
                }
            });

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(bar);
    layout->addWidget(m_plot, 1);

    connect(m_window, &QComboBox::currentIndexChanged, this, &ThroughputPage::redraw);
    connect(m_pause, &QCheckBox::toggled, this, [this](bool paused) {
        if (!paused) redraw();
    });
    connect(png, &QPushButton::clicked, this, &ThroughputPage::askExportPng);
    connect(csv, &QPushButton::clicked, this, &ThroughputPage::askExportCsv);
    redraw();
}

int ThroughputPage::windowSeconds() const
{
    return m_window->currentData().toInt();
}

void ThroughputPage::setWindowSeconds(int seconds)
{
    const int index = m_window->findData(seconds);
    if (index >= 0) m_window->setCurrentIndex(index);
}

void ThroughputPage::setPaused(bool paused)
{
    m_pause->setChecked(paused);
}

bool ThroughputPage::isPaused() const
{
    return m_pause->isChecked();
}

void ThroughputPage::appendSamples(const QList<RateSample> &samples)
{
    if (samples.isEmpty()) return;
    m_samples.append(samples);
    if (m_samples.size() > MaxSamples) m_samples.remove(0, m_samples.size() - MaxSamples);
    // Paused or hidden: keep collecting (the history must stay complete), do
    // not draw (showEvent draws).
    if (!isPaused() && isVisible()) redraw();
}

void ThroughputPage::clear()
{
    m_samples.clear();
    redraw();
}

void ThroughputPage::redraw()
{
    const int window = windowSeconds();
    const qint64 lastMs =
        m_samples.isEmpty() ? QDateTime::currentMSecsSinceEpoch() : m_samples.last().timeMs;
    const qint64 fromMs = lastMs - qint64(window) * 1000;
    QVector<double> keys, latencyKeys;
    QVector<QVector<double>> values(SeriesCount);
    for (const RateSample &s : std::as_const(m_samples)) {
        if (s.timeMs < fromMs) continue;
        keys.append(s.timeMs / 1000.0);
        // A second without deliveries has no latency, not a latency of 0.
        if (s.latencySamples > 0) latencyKeys.append(s.timeMs / 1000.0);
        for (int i = 0; i < SeriesCount; ++i)
            if (!kSeries[i].latency || s.latencySamples > 0) values[i].append(valueOf(s, i));
    }
    double maxRate = 1, maxLatency = 1;
    for (int i = 0; i < SeriesCount; ++i) {
        m_plot->graph(i)->setData(kSeries[i].latency ? latencyKeys : keys, values[i], true);
        double &max = kSeries[i].latency ? maxLatency : maxRate;
        for (double v : std::as_const(values[i]))
            max = qMax(max, v);
    }
    m_plot->xAxis->setRange(fromMs / 1000.0, lastMs / 1000.0);
    m_plot->yAxis->setRange(0, maxRate * 1.1);
    m_plot->yAxis2->setRange(0, maxLatency * 1.1);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void ThroughputPage::showEvent(QShowEvent *)
{
    redraw();
}

int ThroughputPage::pointCount(Series series) const
{
    return m_plot->graph(series)->dataCount();
}

double ThroughputPage::lastValue(Series series) const
{
    const auto data = m_plot->graph(series)->data();
    return data->isEmpty() ? 0 : (data->constEnd() - 1)->value;
}

bool ThroughputPage::exportPng(const QString &path)
{
    redraw();
    m_plot->replot();
    // A hidden tab has never been laid out: give the file a useful size anyway.
    return m_plot->savePng(path, qMax(m_plot->width(), 900), qMax(m_plot->height(), 450), 1.0);
}

bool ThroughputPage::exportCsv(const QString &path) const
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) return false;
    file.write("time_ms,redis_in_per_s,deliveries_per_s,client_events_per_s,connects_per_s,"
               "disconnects_per_s,auth_failures_per_s,p50_ms,p99_ms,connections,sessions\n");
    for (const RateSample &s : m_samples) {
        QByteArray line = QByteArray::number(s.timeMs);
        for (int i = 0; i < SeriesCount; ++i)
            line += ',' + QByteArray::number(valueOf(s, i), 'f', 3);
        line += ',' + QByteArray::number(s.connections) + ',' + QByteArray::number(s.sessions);
        file.write(line + '\n');
    }
    return true;
}

void ThroughputPage::askExportPng()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export chart"), QStringLiteral("throughput.png"), tr("PNG images (*.png)"));
    if (!path.isEmpty()) exportPng(path);
}

void ThroughputPage::askExportCsv()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export samples"), QStringLiteral("throughput.csv"), tr("CSV files (*.csv)"));
    if (!path.isEmpty()) exportCsv(path);
}
