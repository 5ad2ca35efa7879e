#include "telemetry/recoverystats.h"

#include <QStringList>

QString RecoveryStats::failuresText() const
{
    QStringList parts;
    for (auto it = failures.cbegin(); it != failures.cend(); ++it)
        parts.append(QStringLiteral("%1: %2").arg(it.key()).arg(it.value()));
    return parts.join(QStringLiteral(", "));
}
