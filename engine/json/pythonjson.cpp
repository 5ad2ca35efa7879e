#include "json/pythonjson.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QLocale>
#include <QStringList>
#include <cmath>

namespace {
void writeString(QByteArray &out, const QString &text)
{
    out.append('"');
    for (const QChar ch : text) {
        const char16_t u = ch.unicode();
        switch (u) {
        case '"':
            out.append("\\\"");
            break;
        case '\\':
            out.append("\\\\");
            break;
        case '\n':
            out.append("\\n");
            break;
        case '\r':
            out.append("\\r");
            break;
        case '\t':
            out.append("\\t");
            break;
        case '\b':
            out.append("\\b");
            break;
        case '\f':
            out.append("\\f");
            break;
        default:
            // ensure_ascii: everything outside printable ASCII as \uXXXX
            // (UTF-16 units, so astral characters become surrogate pairs).
            if (u < 0x20 || u > 0x7e)
                out.append(
                    QStringLiteral("\\u%1").arg(uint(u), 4, 16, QLatin1Char('0')).toLatin1());
            else
                out.append(char(u));
        }
    }
    out.append('"');
}

void writeNumber(QByteArray &out, double d)
{
    // JSON integers arrive as doubles: print whole numbers as Python ints.
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.007199254740992e15) {
        out.append(QByteArray::number(qint64(d)));
        return;
    }
    if (std::isnan(d)) {
        out.append("NaN");
        return;
    }
    if (std::isinf(d)) {
        out.append(d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    // Shortest representation that round-trips, like Python's float repr.
    out.append(QString::number(d, 'g', QLocale::FloatingPointShortest).toLatin1());
}

void write(QByteArray &out, const QJsonValue &value, int indent, int depth)
{
    const QByteArray pad(indent * (depth + 1), ' ');
    const QByteArray closePad(indent * depth, ' ');
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        out.append("null");
        return;
    case QJsonValue::Bool:
        out.append(value.toBool() ? "true" : "false");
        return;
    case QJsonValue::Double:
        writeNumber(out, value.toDouble());
        return;
    case QJsonValue::String:
        writeString(out, value.toString());
        return;
    case QJsonValue::Array: {
        const QJsonArray array = value.toArray();
        if (array.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append("[\n");
        for (qsizetype i = 0; i < array.size(); ++i) {
            out.append(pad);
            write(out, array.at(i), indent, depth + 1);
            out.append(i + 1 < array.size() ? ",\n" : "\n");
        }
        out.append(closePad).append(']');
        return;
    }
    case QJsonValue::Object: {
        const QJsonObject object = value.toObject();
        if (object.isEmpty()) {
            out.append("{}");
            return;
        }
        QStringList keys = object.keys();
        keys.sort(); // Python sorts by code point, as QString::compare does
        out.append("{\n");
        for (qsizetype i = 0; i < keys.size(); ++i) {
            out.append(pad);
            writeString(out, keys.at(i));
            out.append(": ");
            write(out, object.value(keys.at(i)), indent, depth + 1);
            out.append(i + 1 < keys.size() ? ",\n" : "\n");
        }
        out.append(closePad).append('}');
        return;
    }
    }
}
} // namespace

QByteArray pythonJsonDumps(const QJsonValue &value, int indent)
{
    QByteArray out;
    write(out, value, indent, 0);
    return out;
}
