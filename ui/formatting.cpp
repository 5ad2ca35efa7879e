#include "formatting.h"

#include <QDateTime>
#include <QLocale>

namespace fmt {
QString duration(qint64 ms)
{
    qint64 s = qMax<qint64>(0, ms / 1000);
    const qint64 days = s / 86400;
    s %= 86400;
    const QString hms = QStringLiteral("%1:%2:%3")
                            .arg(s / 3600, 2, 10, QLatin1Char('0'))
                            .arg((s % 3600) / 60, 2, 10, QLatin1Char('0'))
                            .arg(s % 60, 2, 10, QLatin1Char('0'));
    return days > 0 ? QStringLiteral("%1d %2").arg(days).arg(hms) : hms;
}

QString bytes(qint64 bytes)
{
    if (bytes < 0) return QStringLiteral("—");
    return QLocale::system().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

QString rate(double perSecond)
{
    if (perSecond >= 10000) return QString::number(perSecond / 1000.0, 'f', 1) + QLatin1Char('k');
    return QString::number(perSecond, 'f', perSecond < 10 ? 1 : 0);
}

QString clockTime(qint64 epochMs)
{
    return QDateTime::fromMSecsSinceEpoch(epochMs).toString(QStringLiteral("HH:mm:ss.zzz"));
}

QString dateTime(qint64 epochMs)
{
    return QDateTime::fromMSecsSinceEpoch(epochMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}
} // namespace fmt
