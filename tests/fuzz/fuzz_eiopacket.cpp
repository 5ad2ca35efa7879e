// Fuzzes the Engine.IO v4 codec: single text packets (WebSocket frames) and
// polling POST bodies. A body that decodes must survive a round trip through
// the encoder, since the server re-encodes packets for polling GETs.
#include "fuzzcommon.h"
#include "protocol/eiopacket.h"

extern "C" int LLVMFuzzerInitialize(int *, char ***argv)
{
    fuzz::quietQt((*argv)[0]);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input = fuzz::bytes(data, size);

    if (const std::optional<eio::Packet> p = eio::decodeText(input)) {
        FUZZ_CHECK(!p->binary);
        const std::optional<eio::Packet> back = eio::decodeText(eio::encodeText(*p));
        FUZZ_CHECK(back && *back == *p);
    }

    QString error;
    const std::optional<QList<eio::Packet>> packets = eio::decodePayload(input, &error);
    if (!packets) {
        FUZZ_CHECK(!error.isEmpty());
        return 0;
    }
    const QByteArray body = eio::encodePayload(*packets);
    const std::optional<QList<eio::Packet>> back = eio::decodePayload(body);
    FUZZ_CHECK(back && *back == *packets);
    return 0;
}
