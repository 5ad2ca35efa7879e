// Engine.IO v4 codec: single text packets (the WebSocket path) and polling
// payloads (the long-polling path), both directions.
#include "benchcounters.h"
#include "protocol/eiopacket.h"

namespace {

// A Socket.IO event of the size the bench publishes (about 200 bytes).
QByteArray eventText()
{
    return QByteArray("42/site1,[\"list_update\",{\"doctype\":\"ToDo\",\"name\":\"TD-000123\","
                      "\"modified\":\"2026-11-28 12:00:00.000000\",\"user\":\"user42@example.com\","
                      "\"ts\":123456789012,\"pad\":\"") +
           QByteArray(60, 'x') + "\"}]";
}

void BM_EioDecodeText(benchmark::State &state)
{
    const QByteArray frame = eventText();
    for (auto _ : state) {
        auto packet = eio::decodeText(frame);
        benchmark::DoNotOptimize(packet);
    }
    reportPerItem(state, 1);
}
BENCHMARK(BM_EioDecodeText);

void BM_EioEncodeText(benchmark::State &state)
{
    const eio::Packet packet = eio::Packet::text(eio::PacketType::Message, eventText().mid(1));
    for (auto _ : state) {
        QByteArray out = eio::encodeText(packet);
        benchmark::DoNotOptimize(out);
    }
    reportPerItem(state, 1);
}
BENCHMARK(BM_EioEncodeText);

// Arg: packets per payload; every fourth one binary (base64 on the wire).
QList<eio::Packet> mixedPackets(int count)
{
    QList<eio::Packet> packets;
    for (int i = 0; i < count; ++i)
        packets.append(i % 4 == 3
                           ? eio::Packet::bytes(QByteArray(64, char(i)))
                           : eio::Packet::text(eio::PacketType::Message, eventText().mid(1)));
    return packets;
}

void BM_EioEncodePayload(benchmark::State &state)
{
    const QList<eio::Packet> packets = mixedPackets(int(state.range(0)));
    for (auto _ : state) {
        QByteArray body = eio::encodePayload(packets);
        benchmark::DoNotOptimize(body);
    }
    reportPerItem(state, state.range(0));
}
BENCHMARK(BM_EioEncodePayload)->Arg(1)->Arg(16);

void BM_EioDecodePayload(benchmark::State &state)
{
    const QByteArray body = eio::encodePayload(mixedPackets(int(state.range(0))));
    for (auto _ : state) {
        auto packets = eio::decodePayload(body);
        benchmark::DoNotOptimize(packets);
    }
    reportPerItem(state, state.range(0));
}
BENCHMARK(BM_EioDecodePayload)->Arg(1)->Arg(16);

} // namespace

BENCHMARK_MAIN();
