#include "frappe/jsstring.h"

#include <QJsonObject>
#include <cmath>

QString jsString(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::String:
        return value.toString();
    case QJsonValue::Double: {
        const double d = value.toDouble();
        if (std::isnan(d)) return QStringLiteral("NaN");
        if (d == std::floor(d) && std::fabs(d) < 1e21) return QString::number(qint64(d));
        return QString::number(d, 'g', QLocale::FloatingPointShortest);
    }
    case QJsonValue::Bool:
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Object:
        return QStringLiteral("[object Object]");
    case QJsonValue::Array: {
        QStringList parts;
        for (const QJsonValue &v : value.toArray())
            parts.append(v.isNull() || v.isUndefined() ? QString() : jsString(v));
        return parts.join(QLatin1Char(','));
    }
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("undefined");
}

QString jsArgString(const QJsonArray &args, int index)
{
    return index < args.size() ? jsString(args.at(index)) : QStringLiteral("undefined");
}
