// RecoveryStats: connection-state recovery outcomes of one site, as the
// monitor's Sites view and /metrics show them. Thread-agnostic value type.
#pragma once

#include <QMap>
#include <QString>

struct RecoveryStats {
    quint64 recovered = 0;
    quint64 failed = 0;
    quint64 replayed = 0;            // missed events sent to recovered sockets
    QMap<QString, quint64> failures; // reason -> count (never a pid)

    QString failuresText() const; // "reason: n, reason: n"
};
