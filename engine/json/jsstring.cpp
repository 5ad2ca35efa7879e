#include "json/jsstring.h"

#include <QJsonObject>
#include <QLocale>

#include <cmath>
#include <cstdlib>

QString jsNumberString(double d)
{
    if (std::isnan(d)) return QStringLiteral("NaN");
    if (std::isinf(d)) return d > 0 ? QStringLiteral("Infinity") : QStringLiteral("-Infinity");
    if (d == 0) return QStringLiteral("0"); // -0 too
    // Number::toString (ECMA-262): the shortest digits that round-trip, then
    // plain notation for decimal exponents -7 < n <= 21, else d.ddde+n.
    const QString e = QString::number(std::fabs(d), 'e', QLocale::FloatingPointShortest);
    const qsizetype ePos = e.indexOf(QLatin1Char('e'));
    QString digits = e.left(ePos);
    digits.remove(QLatin1Char('.'));
    const int k = int(digits.size());
    const int n = e.mid(ePos + 1).toInt() + 1; // the decimal point sits after n digits
    QString out = d < 0 ? QStringLiteral("-") : QString();
    if (k <= n && n <= 21) {
        out += digits + QString(n - k, QLatin1Char('0'));
    } else if (0 < n && n <= 21) {
        out += digits.left(n) + QLatin1Char('.') + digits.mid(n);
    } else if (-6 < n && n <= 0) {
        out += QStringLiteral("0.") + QString(-n, QLatin1Char('0')) + digits;
    } else {
        out += digits.left(1);
        if (k > 1) out += QLatin1Char('.') + digits.mid(1);
        out += QLatin1Char('e');
        out += QLatin1Char(n - 1 < 0 ? '-' : '+');
        out += QString::number(std::abs(n - 1));
    }
    return out;
}

QString jsString(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::String:
        return value.toString();
    case QJsonValue::Double:
        return jsNumberString(value.toDouble());
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
