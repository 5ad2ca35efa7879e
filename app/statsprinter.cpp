#include "statsprinter.h"

#include "common/logging.h"
#include "engine.h"

#include <QDateTime>

StatsPrinter::StatsPrinter(Engine *engine, int intervalSec, QObject *parent)
    : QObject(parent), m_engine(engine)
{
    if (intervalSec <= 0) return;
    if (const Telemetry *t = m_engine->telemetry()) m_last = t->totals();
    m_lastMs = QDateTime::currentMSecsSinceEpoch();
    connect(&m_timer, &QTimer::timeout, this, &StatsPrinter::print);
    m_timer.start(intervalSec * 1000);
}

QString StatsPrinter::formatLine(const TelemetryTotals &before, const TelemetryTotals &now,
                                 double seconds)
{
    const double s = qMax(0.001, seconds);
    auto rate = [s](quint64 a, quint64 b) {
        return QString::number((b >= a ? b - a : 0) / s, 'f', 1);
    };
    return QStringLiteral("stats: connections=%1 sessions=%2 events/s=%3 deliveries/s=%4 "
                          "client-events/s=%5 connects=%6 disconnects=%7 refused=%8 "
                          "redis-dropped=%9 p99=%10ms redis=%11")
        .arg(now.connections)
        .arg(now.sessions)
        .arg(rate(before.redisIn, now.redisIn), rate(before.deliveries, now.deliveries),
             rate(before.clientEvents, now.clientEvents))
        .arg(now.connects - before.connects)
        .arg(now.disconnects - before.disconnects)
        .arg(now.refused - before.refused)
        .arg(now.redisDropped - before.redisDropped)
        .arg(QString::number(now.latencyP99Ms, 'f', 2), now.redisState);
}

void StatsPrinter::print()
{
    const Telemetry *t = m_engine->telemetry();
    if (!t) return; // stopped
    const TelemetryTotals now = t->totals();
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    qCInfo(lcEngine).noquote() << formatLine(m_last, now, (nowMs - m_lastMs) / 1000.0);
    m_last = now;
    m_lastMs = nowMs;
}
