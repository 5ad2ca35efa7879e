// Fuzzes the WebSocket frame parser. The first byte of the input chooses how
// the rest is cut into TCP-sized chunks; the parser must produce exactly the
// same messages and verdict as when it is fed everything at once, since a
// client (or the network) decides where reads split.
#include "fuzzcommon.h"
#include "protocol/wsframe.h"

namespace {

struct Outcome {
    bool ok = true;
    quint16 closeCode = 0;
    QList<ws::Message> messages;
};

// Small enough that the "message too big" path is reachable by the fuzzer.
constexpr qint64 kMaxMessage = 4096;

Outcome feedInChunks(const QByteArray &stream, qsizetype chunk)
{
    Outcome o;
    ws::FrameParser parser(kMaxMessage);
    QString error;
    for (qsizetype at = 0; at < stream.size() && o.ok; at += chunk)
        o.ok = parser.feed(stream.mid(at, chunk), o.messages, o.closeCode, error);
    if (!o.ok) FUZZ_CHECK(!error.isEmpty() && o.closeCode >= 1000);
    return o;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***argv)
{
    fuzz::quietQt((*argv)[0]);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const qsizetype chunk = 1 + data[0] % 17;
    const QByteArray stream = fuzz::bytes(data + 1, size - 1);

    const Outcome whole = feedInChunks(stream, qMax<qsizetype>(1, stream.size()));
    const Outcome pieces = feedInChunks(stream, chunk);
    FUZZ_CHECK(whole.ok == pieces.ok);
    if (whole.ok) {
        FUZZ_CHECK(whole.messages.size() == pieces.messages.size());
        for (qsizetype i = 0; i < whole.messages.size(); ++i) {
            FUZZ_CHECK(whole.messages.at(i).opcode == pieces.messages.at(i).opcode);
            FUZZ_CHECK(whole.messages.at(i).payload == pieces.messages.at(i).payload);
        }
    }
    for (const ws::Message &m : whole.messages)
        FUZZ_CHECK(m.payload.size() <= kMaxMessage || m.opcode == ws::Opcode::Close);
    return 0;
}
