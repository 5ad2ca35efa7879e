#include "protocol/eiopacket.h"

namespace eio {

namespace {
bool isKnownType(char c)
{
    return c >= '0' && c <= '6';
}
} // namespace

std::optional<Packet> decodeText(const QByteArray &frame)
{
    if (frame.isEmpty() || !isKnownType(frame.at(0))) return std::nullopt;
    return Packet{static_cast<PacketType>(frame.at(0)), frame.mid(1), false};
}

QByteArray encodeText(const Packet &packet)
{
    QByteArray out;
    out.reserve(packet.data.size() + 1);
    out.append(static_cast<char>(packet.type));
    out.append(packet.data);
    return out;
}

QByteArray recordOf(const Packet &packet)
{
    if (!packet.binary) return encodeText(packet);
    return QByteArray("b") + packet.data.toBase64();
}

std::optional<QList<Packet>> decodePayload(const QByteArray &body, QString *error)
{
    QList<Packet> packets;
    if (body.isEmpty()) {
        if (error) *error = QStringLiteral("empty payload");
        return std::nullopt;
    }
    qsizetype start = 0;
    while (start <= body.size()) {
        qsizetype end = body.indexOf(kRecordSeparator, start);
        if (end < 0) end = body.size();
        const QByteArray record = body.mid(start, end - start);
        if (!record.isEmpty() && record.at(0) == 'b') {
            auto decoded = QByteArray::fromBase64Encoding(record.mid(1),
                                                          QByteArray::AbortOnBase64DecodingErrors);
            if (!decoded) {
                if (error) *error = QStringLiteral("invalid base64 in binary record");
                return std::nullopt;
            }
            packets.append(Packet::bytes(*decoded));
        } else {
            auto packet = decodeText(record);
            if (!packet) {
                if (error)
                    *error = record.isEmpty() ? QStringLiteral("empty packet")
                                              : QStringLiteral("unknown packet type");
                return std::nullopt;
            }
            packets.append(*packet);
        }
        start = end + 1;
    }
    return packets;
}

QByteArray joinRecords(const QList<QByteArray> &records)
{
    qsizetype size = records.size();
    for (const auto &r : records)
        size += r.size();
    QByteArray out;
    out.reserve(size);
    for (qsizetype i = 0; i < records.size(); ++i) {
        if (i) out.append(kRecordSeparator);
        out.append(records.at(i));
    }
    return out;
}

QByteArray encodePayload(const QList<Packet> &packets)
{
    QList<QByteArray> records;
    records.reserve(packets.size());
    for (const auto &p : packets)
        records.append(recordOf(p));
    return joinRecords(records);
}

} // namespace eio
