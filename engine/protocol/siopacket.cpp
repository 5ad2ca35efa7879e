#include "protocol/siopacket.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace sio {

namespace {

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// Placeholders must reference an attachment that exists (socket.io-parser
// rejects the packet otherwise: "illegal attachments").
bool placeholdersValid(const QJsonValue &v, int count)
{
    if (v.isArray()) {
        for (const auto &e : v.toArray())
            if (!placeholdersValid(e, count)) return false;
        return true;
    }
    if (!v.isObject()) return true;
    const QJsonObject o = v.toObject();
    if (o.value(QLatin1String("_placeholder")) == QJsonValue(true)) {
        const QJsonValue num = o.value(QLatin1String("num"));
        if (!num.isDouble()) return false;
        const double n = num.toDouble();
        return n >= 0 && n < count && n == static_cast<int>(n);
    }
    for (auto it = o.begin(); it != o.end(); ++it)
        if (!placeholdersValid(it.value(), count)) return false;
    return true;
}

bool payloadValid(PacketType type, const QJsonValue &data)
{
    switch (type) {
    case PacketType::Connect:
        return data.isUndefined() || data.isObject();
    case PacketType::Disconnect:
        return data.isUndefined();
    case PacketType::ConnectError:
        return data.isObject() || data.isString();
    case PacketType::Event:
    case PacketType::BinaryEvent: {
        if (!data.isArray()) return false;
        const QJsonArray a = data.toArray();
        if (a.isEmpty()) return false;
        if (a.first().isDouble()) return true;
        return a.first().isString() && !isReservedEventName(a.first().toString());
    }
    case PacketType::Ack:
    case PacketType::BinaryAck:
        return data.isArray();
    }
    return false;
}

} // namespace

bool isReservedEventName(const QString &name)
{
    static const QStringList reserved{
        QStringLiteral("connect"),     QStringLiteral("connect_error"),
        QStringLiteral("disconnect"),  QStringLiteral("disconnecting"),
        QStringLiteral("newListener"), QStringLiteral("removeListener"),
    };
    return reserved.contains(name);
}

int countPlaceholders(const QJsonValue &v)
{
    if (v.isArray()) {
        int n = 0;
        for (const auto &e : v.toArray())
            n += countPlaceholders(e);
        return n;
    }
    if (!v.isObject()) return 0;
    const QJsonObject o = v.toObject();
    if (o.value(QLatin1String("_placeholder")) == QJsonValue(true)) return 1;
    int n = 0;
    for (auto it = o.begin(); it != o.end(); ++it)
        n += countPlaceholders(it.value());
    return n;
}

QString Packet::eventName() const
{
    const QJsonValue first = data.toArray().first();
    return first.isDouble() ? QString::number(first.toDouble()) : first.toString();
}

QJsonArray Packet::eventArgs() const
{
    QJsonArray args = data.toArray();
    if (!args.isEmpty()) args.removeFirst();
    return args;
}

QByteArray toJson(const QJsonValue &value)
{
    if (value.isArray()) return QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
    if (value.isObject()) return QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    // Scalars: wrap in an array and strip the brackets.
    QByteArray wrapped = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return wrapped.mid(1, wrapped.size() - 2);
}

std::optional<QJsonValue> parseJson(const QByteArray &text)
{
    QByteArray wrapped;
    wrapped.reserve(text.size() + 2);
    wrapped.append('[').append(text).append(']');
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(wrapped, &err);
    if (err.error != QJsonParseError::NoError || !doc.isArray() || doc.array().size() != 1)
        return std::nullopt;
    return doc.array().first();
}

Decoder::Status Decoder::decodeText(const QByteArray &text, Packet &out, QString &error)
{
    if (m_expected > 0) {
        error = QStringLiteral("text packet while binary attachments are pending");
        return Status::Error;
    }
    if (text.isEmpty() || !isDigit(text.at(0)) || text.at(0) > '6') {
        error = QStringLiteral("unknown packet type");
        return Status::Error;
    }
    Packet p;
    p.type = static_cast<PacketType>(text.at(0) - '0');
    qsizetype i = 1;
    int attachments = 0;
    if (p.type == PacketType::BinaryEvent || p.type == PacketType::BinaryAck) {
        const qsizetype start = i;
        while (i < text.size() && isDigit(text.at(i)))
            ++i;
        if (i == start || i >= text.size() || text.at(i) != '-' || i - start > 6) {
            error = QStringLiteral("illegal attachments");
            return Status::Error;
        }
        attachments = text.mid(start, i - start).toInt();
        ++i; // '-'
        if (attachments > m_limits.maxAttachments) {
            error = QStringLiteral("too many attachments");
            return Status::Error;
        }
    }
    if (i < text.size() && text.at(i) == '/') {
        qsizetype end = text.indexOf(',', i);
        if (end < 0) end = text.size();
        p.nsp = QString::fromUtf8(text.mid(i, end - i));
        i = end < text.size() ? end + 1 : end;
    }
    const qsizetype idStart = i;
    while (i < text.size() && isDigit(text.at(i)))
        ++i;
    if (i > idStart) {
        if (i - idStart > 15) {
            error = QStringLiteral("ack id too long");
            return Status::Error;
        }
        p.ackId = text.mid(idStart, i - idStart).toULongLong();
    }
    if (i < text.size()) {
        auto value = parseJson(text.mid(i));
        if (!value) {
            error = QStringLiteral("invalid payload");
            return Status::Error;
        }
        p.data = *value;
    }
    if (!payloadValid(p.type, p.data)) {
        error = QStringLiteral("invalid payload");
        return Status::Error;
    }
    if (attachments > 0) {
        if (!placeholdersValid(p.data, attachments)) {
            error = QStringLiteral("illegal attachments");
            return Status::Error;
        }
        m_pending = std::move(p);
        m_expected = attachments;
        return Status::NeedAttachments;
    }
    out = std::move(p);
    return Status::Complete;
}

Decoder::Status Decoder::addAttachment(const QByteArray &bytes, Packet &out, QString &error)
{
    if (m_expected <= 0) {
        error = QStringLiteral("unexpected binary data");
        return Status::Error;
    }
    m_pending.attachments.append(bytes);
    if (--m_expected > 0) return Status::NeedAttachments;
    out = std::move(m_pending);
    m_pending = Packet{};
    return Status::Complete;
}

QByteArray encode(const Packet &packet)
{
    PacketType type = packet.type;
    if (!packet.attachments.isEmpty()) {
        if (type == PacketType::Event)
            type = PacketType::BinaryEvent;
        else if (type == PacketType::Ack)
            type = PacketType::BinaryAck;
    }
    QByteArray out;
    out.append(char('0' + static_cast<int>(type)));
    if (type == PacketType::BinaryEvent || type == PacketType::BinaryAck)
        out.append(QByteArray::number(packet.attachments.size())).append('-');
    if (packet.nsp != QLatin1String("/") && !packet.nsp.isEmpty())
        out.append(packet.nsp.toUtf8()).append(',');
    if (packet.ackId) out.append(QByteArray::number(*packet.ackId));
    if (!packet.dataJson.isEmpty())
        out.append(packet.dataJson);
    else if (!packet.data.isUndefined())
        out.append(toJson(packet.data));
    return out;
}

QByteArray eventDataJson(const QString &event, const QByteArray &argsArrayJson)
{
    const QByteArray name = toJson(QJsonValue(event));
    const QByteArrayView args =
        argsArrayJson.size() >= 2
            ? QByteArrayView(argsArrayJson).sliced(1, argsArrayJson.size() - 2)
            : QByteArrayView();
    QByteArray out;
    out.reserve(name.size() + args.size() + 3);
    out.append('[').append(name);
    if (!args.isEmpty()) out.append(',').append(args);
    out.append(']');
    return out;
}

QByteArray encodeEvent(const QString &nsp, const QString &event, const QByteArray &payloadJson,
                       QByteArrayView offset)
{
    const QByteArray name = toJson(QJsonValue(event));
    QByteArray out;
    out.reserve(nsp.size() + name.size() + payloadJson.size() + offset.size() + 11);
    out.append('2');
    if (nsp != QLatin1String("/")) out.append(nsp.toUtf8()).append(',');
    out.append('[').append(name);
    if (!payloadJson.isEmpty()) out.append(',').append(payloadJson);
    if (!offset.isEmpty()) out.append(",\"").append(offset).append('"');
    out.append(']');
    return out;
}

} // namespace sio
