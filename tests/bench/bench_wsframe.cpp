// WebSocket framing: the server's unmasked encode (once per broadcast) and
// the parser for masked client frames (every pong and client event).
#include "benchcounters.h"
#include "protocol/wsframe.h"

namespace {

// A client frame: FIN, masked, with the 7/16-bit length forms.
QByteArray maskedFrame(ws::Opcode opcode, const QByteArray &payload)
{
    QByteArray f;
    f.append(char(0x80 | quint8(opcode)));
    if (payload.size() < 126) {
        f.append(char(0x80 | payload.size()));
    } else {
        f.append(char(0x80 | 126));
        f.append(char(payload.size() >> 8)).append(char(payload.size() & 0xff));
    }
    const char mask[4] = {0x12, 0x34, 0x56, 0x78};
    f.append(mask, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        f.append(char(payload[i] ^ mask[i & 3]));
    return f;
}

void BM_WsEncodeFrame(benchmark::State &state)
{
    const QByteArray payload(state.range(0), 'x');
    for (auto _ : state) {
        QByteArray frame = ws::encodeFrame(ws::Opcode::Text, payload);
        benchmark::DoNotOptimize(frame);
    }
    reportPerItem(state, 1);
}
BENCHMARK(BM_WsEncodeFrame)->ArgName("bytes")->Arg(2)->Arg(200)->Arg(4096);

// Arg 0: payload bytes; Arg 1: frames per read (a burst arriving together).
void BM_WsParseFrames(benchmark::State &state)
{
    const QByteArray one = maskedFrame(ws::Opcode::Text, QByteArray(state.range(0), 'x'));
    const QByteArray chunk = one.repeated(state.range(1));
    ws::FrameParser parser(1000000);
    QList<ws::Message> out;
    for (auto _ : state) {
        quint16 code = 0;
        QString error;
        out.clear();
        if (!parser.feed(chunk, out, code, error)) state.SkipWithError("parse failed");
        benchmark::DoNotOptimize(out);
    }
    reportPerItem(state, state.range(1));
}
BENCHMARK(BM_WsParseFrames)
    ->ArgNames({"bytes", "frames"})
    ->Args({1, 1})
    ->Args({200, 1})
    ->Args({200, 16})
    ->Args({4096, 1});

void BM_WsAcceptKey(benchmark::State &state)
{
    const QByteArray key = "dGhlIHNhbXBsZSBub25jZQ==";
    for (auto _ : state) {
        QByteArray accept = ws::acceptKey(key);
        benchmark::DoNotOptimize(accept);
    }
    reportPerItem(state, 1);
}
BENCHMARK(BM_WsAcceptKey);

} // namespace

BENCHMARK_MAIN();
