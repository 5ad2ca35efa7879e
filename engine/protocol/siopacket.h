// Socket.IO v5 packet codec, including binary attachments. Binary values stay
// as `{"_placeholder":true,"num":N}` objects in `data`, with the bytes in
// `attachments` (in placeholder order), so packets can be relayed or echoed
// without rebuilding the JSON. No I/O. Thread-agnostic value types; a Decoder
// instance belongs to one connection.
#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <optional>

namespace sio {

enum class PacketType : int {
    Connect = 0,
    Disconnect = 1,
    Event = 2,
    Ack = 3,
    ConnectError = 4,
    BinaryEvent = 5,
    BinaryAck = 6,
};

struct Packet {
    PacketType type = PacketType::Event;
    QString nsp = QStringLiteral("/");
    std::optional<quint64> ackId;
    QJsonValue data = QJsonValue(QJsonValue::Undefined); // Undefined: no payload
    // The payload as JSON text already (a handler's JSON.stringify, Node's key
    // order and number format); when set, encode() writes it instead of data.
    QByteArray dataJson;
    QList<QByteArray> attachments;

    // EVENT/BINARY_EVENT helpers
    QString eventName() const;
    QJsonArray eventArgs() const; // the arguments after the name
};

struct DecodeLimits {
    int maxAttachments = 10; // socket.io-parser's default
};

// Stateful decoder for one connection: a BINARY_EVENT/BINARY_ACK header is
// followed by exactly N binary messages.
class Decoder {
public:
    enum class Status { Complete, NeedAttachments, Error };

    explicit Decoder(DecodeLimits limits = {}) : m_limits(limits) {}

    Status decodeText(const QByteArray &text, Packet &out, QString &error);
    Status addAttachment(const QByteArray &bytes, Packet &out, QString &error);
    bool awaitingAttachments() const { return m_expected > 0; }

private:
    DecodeLimits m_limits;
    Packet m_pending;
    int m_expected = 0;
};

// Encodes the text part (`<type>[<n>-][<nsp>,][<id>][json]`); the packet's
// attachments follow it as separate binary messages. EVENT/ACK with
// attachments are written as BINARY_EVENT/BINARY_ACK.
QByteArray encode(const Packet &packet);

// Compact JSON of any value (QJsonDocument only takes arrays and objects).
QByteArray toJson(const QJsonValue &value);
// Parses any JSON value; nullopt if `text` is not exactly one JSON value.
std::optional<QJsonValue> parseJson(const QByteArray &text);

// Fast path for the hot loop: `2[<nsp>,]["<event>",<payloadJson>]`, payloadJson
// already compact JSON. A non-empty `offset` (connection-state recovery; JSON
// safe characters only) is appended as a last string argument.
QByteArray encodeEvent(const QString &nsp, const QString &event, const QByteArray &payloadJson,
                       QByteArrayView offset = {});

// The data of an EVENT packet, `["<event>",<args...>]`, from the arguments as
// one compact JSON array text (`[...]`), which is written as it is.
QByteArray eventDataJson(const QString &event, const QByteArray &argsArrayJson);

bool isReservedEventName(const QString &name);
int countPlaceholders(const QJsonValue &value);

} // namespace sio
