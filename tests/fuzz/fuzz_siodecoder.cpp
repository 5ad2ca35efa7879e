// Fuzzes the Socket.IO v5 decoder the way a connection drives it: a stream of
// text packets and binary attachments. The input is split on \x1e (like a
// polling body); a part starting with 'b' is a binary message (raw bytes after
// the 'b'), any other part a text packet. After an error the connection would
// be closed, so the test starts a fresh decoder, as a new connection would.
// Each decoded packet is re-encoded and must decode to the same header again,
// because the server echoes and relays packets in that form.
#include "fuzzcommon.h"
#include "protocol/siopacket.h"

namespace {

void checkRoundTrip(const sio::Packet &p)
{
    const QByteArray text = sio::encode(p);
    sio::Decoder decoder;
    sio::Packet back;
    QString error;
    sio::Decoder::Status status = decoder.decodeText(text, back, error);
    for (const QByteArray &attachment : p.attachments) {
        FUZZ_CHECK(status == sio::Decoder::Status::NeedAttachments);
        status = decoder.addAttachment(attachment, back, error);
    }
    FUZZ_CHECK(status == sio::Decoder::Status::Complete);
    FUZZ_CHECK(back.nsp == p.nsp || (p.nsp.isEmpty() && back.nsp == QLatin1String("/")));
    FUZZ_CHECK(back.ackId == p.ackId);
    FUZZ_CHECK(back.attachments == p.attachments);
    (void)p.eventName();
    (void)p.eventArgs();
    (void)sio::countPlaceholders(p.data);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***argv)
{
    fuzz::quietQt((*argv)[0]);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QList<QByteArray> parts = fuzz::bytes(data, size).split('\x1e');
    sio::Decoder decoder; // default limits, as the server uses
    for (const QByteArray &part : parts) {
        sio::Packet packet;
        QString error;
        const bool binary = part.startsWith('b');
        const sio::Decoder::Status status = binary
                                                ? decoder.addAttachment(part.mid(1), packet, error)
                                                : decoder.decodeText(part, packet, error);
        switch (status) {
        case sio::Decoder::Status::Complete:
            FUZZ_CHECK(!decoder.awaitingAttachments());
            checkRoundTrip(packet);
            break;
        case sio::Decoder::Status::NeedAttachments:
            FUZZ_CHECK(decoder.awaitingAttachments());
            break;
        case sio::Decoder::Status::Error:
            FUZZ_CHECK(!error.isEmpty());
            decoder = sio::Decoder();
            break;
        }
    }
    // parseJson is used on its own for handshake auth payloads.
    if (!parts.isEmpty()) (void)sio::parseJson(parts.first());
    return 0;
}
