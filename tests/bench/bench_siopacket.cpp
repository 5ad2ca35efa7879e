// Socket.IO v5 codec: the generic encoder/decoder (client events, acks,
// binary attachments) and the hot-path encodeEvent used by every broadcast.
#include "benchcounters.h"
#include "protocol/siopacket.h"

#include <QJsonObject>

namespace {

const QByteArray kPayloadJson =
    "{\"doctype\":\"ToDo\",\"modified\":\"2026-11-28 12:00:00.000000\",\"name\":\"TD-000123\","
    "\"ts\":123456789012,\"user\":\"user42@example.com\"}";

sio::Packet eventPacket(int attachments)
{
    sio::Packet p;
    p.type = sio::PacketType::Event;
    p.nsp = QStringLiteral("/site1");
    p.ackId = 7;
    QJsonArray data{QStringLiteral("doc_subscribe"), QStringLiteral("ToDo"),
                    QStringLiteral("TD-000123")};
    for (int i = 0; i < attachments; ++i) {
        data.append(
            QJsonObject{{QStringLiteral("_placeholder"), true}, {QStringLiteral("num"), i}});
        p.attachments.append(QByteArray(1024, char(i)));
    }
    p.data = data;
    return p;
}

void BM_SioEncode(benchmark::State &state)
{
    const sio::Packet packet = eventPacket(int(state.range(0)));
    for (auto _ : state) {
        QByteArray text = sio::encode(packet);
        benchmark::DoNotOptimize(text);
    }
    reportPerItem(state, 1);
}
BENCHMARK(BM_SioEncode)->ArgName("attachments")->Arg(0)->Arg(2);

// Header plus every attachment through one Decoder, as a connection feeds it.
void BM_SioDecode(benchmark::State &state)
{
    const sio::Packet source = eventPacket(int(state.range(0)));
    const QByteArray text = sio::encode(source);
    sio::Decoder decoder;
    for (auto _ : state) {
        sio::Packet out;
        QString error;
        auto status = decoder.decodeText(text, out, error);
        for (const QByteArray &bytes : source.attachments)
            status = decoder.addAttachment(bytes, out, error);
        if (status != sio::Decoder::Status::Complete) state.SkipWithError("decode failed");
        benchmark::DoNotOptimize(out);
    }
    reportPerItem(state, 1);
}
BENCHMARK(BM_SioDecode)->ArgName("attachments")->Arg(0)->Arg(2);

void BM_SioEncodeEvent(benchmark::State &state)
{
    const QString nsp = QStringLiteral("/site1");
    const QString event = QStringLiteral("list_update");
    for (auto _ : state) {
        QByteArray text = sio::encodeEvent(nsp, event, kPayloadJson);
        benchmark::DoNotOptimize(text);
    }
    reportPerItem(state, 1);
}
BENCHMARK(BM_SioEncodeEvent);

} // namespace

BENCHMARK_MAIN();
