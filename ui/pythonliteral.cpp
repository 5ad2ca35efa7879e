#include "pythonliteral.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QLocale>
#include <QStringList>
#include <optional>

namespace {
QString quoted(const QString &text)
{
    QString out = QStringLiteral("\"");
    for (const QChar ch : text) {
        if (ch == QLatin1Char('"') || ch == QLatin1Char('\\'))
            out += QLatin1Char('\\') + ch;
        else if (ch == QLatin1Char('\n'))
            out += QStringLiteral("\\n");
        else if (ch == QLatin1Char('\t'))
            out += QStringLiteral("\\t");
        else
            out += ch;
    }
    return out + QLatin1Char('"');
}

// The payload may be any JSON value; QJsonDocument only parses arrays and
// objects, so wrap it.
std::optional<QJsonValue> parseAny(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson("[" + json + "]", &error);
    if (error.error != QJsonParseError::NoError || !doc.isArray() || doc.array().size() != 1)
        return std::nullopt;
    return doc.array().at(0);
}
} // namespace

QString pythonLiteral(const QJsonValue &value, int indent, int depth)
{
    const QString pad(indent * (depth + 1), QLatin1Char(' '));
    const QString closePad(indent * depth, QLatin1Char(' '));
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        return QStringLiteral("None");
    case QJsonValue::Bool:
        return value.toBool() ? QStringLiteral("True") : QStringLiteral("False");
    case QJsonValue::Double: {
        const double d = value.toDouble();
        if (d == qint64(d) && qAbs(d) < 9e15) return QString::number(qint64(d));
        return QString::number(d, 'g', QLocale::FloatingPointShortest);
    }
    case QJsonValue::String:
        return quoted(value.toString());
    case QJsonValue::Array: {
        const QJsonArray array = value.toArray();
        if (array.isEmpty()) return QStringLiteral("[]");
        QStringList items;
        for (const QJsonValue &item : array)
            items.append(pad + pythonLiteral(item, indent, depth + 1));
        return QStringLiteral("[\n") + items.join(QStringLiteral(",\n")) + QLatin1Char('\n') +
               closePad + QLatin1Char(']');
    }
    case QJsonValue::Object: {
        const QJsonObject object = value.toObject();
        if (object.isEmpty()) return QStringLiteral("{}");
        QStringList items;
        for (auto it = object.begin(); it != object.end(); ++it)
            items.append(pad + quoted(it.key()) + QStringLiteral(": ") +
                         pythonLiteral(it.value(), indent, depth + 1));
        return QStringLiteral("{\n") + items.join(QStringLiteral(",\n")) + QLatin1Char('\n') +
               closePad + QLatin1Char('}');
    }
    }
    return QStringLiteral("None");
}

QString publishRealtimeCall(const QString &site, const QString &room, const QString &event,
                            const QByteArray &payloadJson)
{
    const auto payload = parseAny(payloadJson);
    QString message = payload ? pythonLiteral(*payload) : QStringLiteral("{}");
    QString call = QStringLiteral("# site: %1\nfrappe.publish_realtime(\n    %2,\n    %3")
                       .arg(site.isEmpty() ? QStringLiteral("(any)") : site, quoted(event),
                            message.replace(QLatin1Char('\n'), QStringLiteral("\n    ")));
    if (!room.isEmpty()) call += QStringLiteral(",\n    room=%1").arg(quoted(room));
    return call + QStringLiteral(",\n)");
}
