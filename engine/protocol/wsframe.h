// WebSocket (RFC 6455) server-side framing: the opening-handshake key, frame
// encoding (server frames are unmasked, so one encoded frame can be shared by
// every recipient of a broadcast) and an incremental parser for client frames
// with reassembly of fragmented messages. No I/O. A FrameParser instance
// belongs to one connection; the free functions are thread-agnostic.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace ws {

enum class Opcode : quint8 {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

enum CloseCode : quint16 {
    CloseNormal = 1000,
    CloseGoingAway = 1001,
    CloseProtocolError = 1002,
    CloseInvalidPayload = 1007,
    ClosePolicyViolation = 1008,
    CloseTooBig = 1009,
    CloseInternalError = 1011,
};

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key.
QByteArray acceptKey(const QByteArray &clientKey);

// One unfragmented, unmasked frame.
QByteArray encodeFrame(Opcode opcode, const QByteArray &payload);
QByteArray encodeClose(quint16 code, const QByteArray &reason = {});

struct Message {
    Opcode opcode; // Text, Binary, Close, Ping or Pong
    QByteArray payload;
};

class FrameParser {
public:
    explicit FrameParser(qint64 maxMessageSize) : m_maxMessageSize(maxMessageSize) {}

    // Appends every complete message (data messages reassembled, control
    // frames as they come) to `out`. Returns false on a protocol violation,
    // with the close code to send and a reason; the connection must then close.
    bool feed(const QByteArray &bytes, QList<Message> &out, quint16 &closeCode, QString &error);

private:
    bool fail(quint16 code, const QString &why, quint16 &closeCode, QString &error);

    qint64 m_maxMessageSize;
    QByteArray m_buffer;
    qsizetype m_offset = 0;
    bool m_inFragmentedMessage = false;
    Opcode m_fragmentOpcode = Opcode::Text;
    QByteArray m_fragments;
};

} // namespace ws
