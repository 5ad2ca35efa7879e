// StatsPrinter: the headless mode's periodic one-line summary (connections,
// events/s, deliveries/s, ...), averaged over the interval. It reads only the
// thread-safe side of Telemetry. Thread affinity: the thread that creates it
// (the main thread), which must be the Engine's thread too.
#pragma once

#include "telemetry/telemetry.h"

#include <QObject>
#include <QTimer>

class Engine;

class StatsPrinter : public QObject {
    Q_OBJECT
public:
    // intervalSec <= 0 disables it.
    StatsPrinter(Engine *engine, int intervalSec, QObject *parent = nullptr);

    // The line for the totals between two readings taken `seconds` apart.
    static QString formatLine(const TelemetryTotals &before, const TelemetryTotals &now,
                              double seconds);

private:
    void print();

    Engine *m_engine;
    QTimer m_timer{this};
    TelemetryTotals m_last;
    qint64 m_lastMs = 0;
};
