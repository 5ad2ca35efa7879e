#include "protocol/wsframe.h"

#include <QByteArrayView>
#include <QCryptographicHash>

namespace ws {

namespace {
constexpr char kHandshakeGuid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool isControl(Opcode op)
{
    return static_cast<quint8>(op) >= 0x8;
}

bool isKnownOpcode(quint8 op)
{
    return op <= 0x2 || (op >= 0x8 && op <= 0xA);
}

// RFC 6455 §8.1: a text message must be valid UTF-8 as a whole. (A
// QStringDecoder with Flag::Stateless never reports hasError(), and a
// stateful one would keep a truncated trailing sequence as pending state.)
bool isValidUtf8(const QByteArray &bytes)
{
    return QByteArrayView(bytes).isValidUtf8();
}
} // namespace

QByteArray acceptKey(const QByteArray &clientKey)
{
    return QCryptographicHash::hash(clientKey.trimmed() + kHandshakeGuid, QCryptographicHash::Sha1)
        .toBase64();
}

QByteArray encodeFrame(Opcode opcode, const QByteArray &payload)
{
    const qsizetype len = payload.size();
    QByteArray frame;
    frame.reserve(len + 10);
    frame.append(char(0x80 | static_cast<quint8>(opcode)));
    if (len < 126) {
        frame.append(char(len));
    } else if (len <= 0xFFFF) {
        frame.append(char(126));
        frame.append(char((len >> 8) & 0xFF));
        frame.append(char(len & 0xFF));
    } else {
        frame.append(char(127));
        for (int shift = 56; shift >= 0; shift -= 8)
            frame.append(char((quint64(len) >> shift) & 0xFF));
    }
    frame.append(payload);
    return frame;
}

QByteArray encodeClose(quint16 code, const QByteArray &reason)
{
    QByteArray payload;
    payload.append(char(code >> 8));
    payload.append(char(code & 0xFF));
    payload.append(reason.left(123));
    return encodeFrame(Opcode::Close, payload);
}

bool FrameParser::fail(quint16 code, const QString &why, quint16 &closeCode, QString &error)
{
    closeCode = code;
    error = why;
    m_buffer.clear();
    m_offset = 0;
    return false;
}

bool FrameParser::feed(const QByteArray &bytes, QList<Message> &out, quint16 &closeCode,
                       QString &error)
{
    m_buffer.append(bytes);
    for (;;) {
        const qsizetype avail = m_buffer.size() - m_offset;
        if (avail < 2) break;
        const auto *p = reinterpret_cast<const quint8 *>(m_buffer.constData() + m_offset);
        const bool fin = p[0] & 0x80;
        if (p[0] & 0x70)
            return fail(CloseProtocolError, QStringLiteral("reserved bits set"), closeCode, error);
        const quint8 rawOp = p[0] & 0x0F;
        if (!isKnownOpcode(rawOp))
            return fail(CloseProtocolError, QStringLiteral("unknown opcode"), closeCode, error);
        const auto op = static_cast<Opcode>(rawOp);
        const bool masked = p[1] & 0x80;
        if (!masked)
            return fail(CloseProtocolError, QStringLiteral("client frame not masked"), closeCode,
                        error);
        quint64 len = p[1] & 0x7F;
        qsizetype header = 2;
        if (len == 126) {
            if (avail < 4) break;
            len = (quint64(p[2]) << 8) | p[3];
            header = 4;
        } else if (len == 127) {
            if (avail < 10) break;
            len = 0;
            for (int i = 0; i < 8; ++i)
                len = (len << 8) | p[2 + i];
            header = 10;
            if (len >> 63)
                return fail(CloseProtocolError, QStringLiteral("bad length"), closeCode, error);
        }
        if (isControl(op) && (len > 125 || !fin))
            return fail(CloseProtocolError, QStringLiteral("bad control frame"), closeCode, error);
        const quint64 pendingSize = m_inFragmentedMessage ? quint64(m_fragments.size()) : 0;
        if (!isControl(op) && len + pendingSize > quint64(m_maxMessageSize))
            return fail(CloseTooBig, QStringLiteral("message too big"), closeCode, error);
        header += 4; // mask key
        if (quint64(avail) < header + len) break;
        const quint8 *mask = p + header - 4;
        QByteArray payload(reinterpret_cast<const char *>(p + header), qsizetype(len));
        char *d = payload.data();
        for (qsizetype i = 0; i < qsizetype(len); ++i)
            d[i] = char(d[i] ^ mask[i & 3]);
        m_offset += header + qsizetype(len);

        if (isControl(op)) {
            out.append({op, payload});
            continue;
        }
        if (op == Opcode::Continuation) {
            if (!m_inFragmentedMessage)
                return fail(CloseProtocolError, QStringLiteral("continuation without start"),
                            closeCode, error);
            m_fragments.append(payload);
        } else {
            if (m_inFragmentedMessage)
                return fail(CloseProtocolError, QStringLiteral("new message inside fragmented one"),
                            closeCode, error);
            m_fragmentOpcode = op;
            m_fragments = payload;
            m_inFragmentedMessage = true;
        }
        if (fin) {
            m_inFragmentedMessage = false;
            if (m_fragmentOpcode == Opcode::Text && !isValidUtf8(m_fragments))
                return fail(CloseInvalidPayload, QStringLiteral("invalid UTF-8 in text message"),
                            closeCode, error);
            out.append({m_fragmentOpcode, std::move(m_fragments)});
            m_fragments = QByteArray();
        }
    }
    // Drop consumed bytes; keep the buffer small without copying every frame.
    if (m_offset == m_buffer.size()) {
        // All consumed: free the block, an idle connection should not keep
        // the size of its largest message.
        m_buffer.clear();
        m_offset = 0;
    } else if (m_offset > 65536) {
        m_buffer.remove(0, m_offset);
        m_offset = 0;
    }
    return true;
}

} // namespace ws
