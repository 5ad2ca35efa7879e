// Engine.IO v4 packet and polling-payload codec: bytes in, packets out.
// No I/O, no timers. Thread-agnostic pure functions and value types.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <optional>

namespace eio {

enum class PacketType : char {
    Open = '0',
    Close = '1',
    Ping = '2',
    Pong = '3',
    Message = '4',
    Upgrade = '5',
    Noop = '6',
};

struct Packet {
    PacketType type = PacketType::Message;
    QByteArray data; // text payload after the type character, or raw bytes when binary
    bool binary = false;

    static Packet text(PacketType t, QByteArray d = {}) { return {t, std::move(d), false}; }
    static Packet bytes(QByteArray d) { return {PacketType::Message, std::move(d), true}; }
    bool operator==(const Packet &o) const = default;
};

// The record separator between packets of one polling body.
constexpr char kRecordSeparator = '\x1e';

// One text packet (a WebSocket text frame or one polling record). An empty
// string or an unknown type character is a parse error.
std::optional<Packet> decodeText(const QByteArray &frame);

// The text form of a packet: the type character followed by its data.
QByteArray encodeText(const Packet &packet);

// A polling POST body: records joined by \x1e; `b<base64>` records are binary
// messages. Returns nullopt (and a reason) on any malformed record.
std::optional<QList<Packet>> decodePayload(const QByteArray &body, QString *error = nullptr);

// A polling GET body: all packets joined by \x1e, binary as `b` + base64.
QByteArray encodePayload(const QList<Packet> &packets);
// Same, for packets already in their polling record form (see recordOf).
QByteArray joinRecords(const QList<QByteArray> &records);
QByteArray recordOf(const Packet &packet);

} // namespace eio
