// Throughput: per-second rates from the engine's rate history (Redis events
// in, deliveries, client events, connects, disconnects, auth failures) and
// p50/p99 publish-to-write latency, over the last minute, 10 minutes or hour.
// Pausable; exports PNG and CSV. Fed with new samples by the window (1/s).
// GUI thread.
#pragma once

#include "telemetry/ratesample.h"

#include <QWidget>

class QCustomPlot;
class QComboBox;
class QCheckBox;

class ThroughputPage : public QWidget {
    Q_OBJECT
public:
    enum Series {
        RedisIn,
        Deliveries,
        ClientEvents,
        Connects,
        Disconnects,
        AuthFailures,
        P50,
        P99,
        SeriesCount
    };

    explicit ThroughputPage(QWidget *parent = nullptr);

    void appendSamples(const QList<RateSample> &samples);
    void clear();

    QCustomPlot *plot() const { return m_plot; }
    int windowSeconds() const;
    void setWindowSeconds(int seconds);
    void setPaused(bool paused);
    bool isPaused() const;
    // Points currently drawn for a series (what the user sees).
    int pointCount(Series series) const;
    double lastValue(Series series) const;

    bool exportPng(const QString &path);
    bool exportCsv(const QString &path) const;

protected:
    void showEvent(QShowEvent *event) override;

private:
    void redraw();
    void askExportPng();
    void askExportCsv();

    QCustomPlot *m_plot;
    QComboBox *m_window;
    QCheckBox *m_pause;
    QList<RateSample> m_samples; // at most one hour
};
