// Room broadcast through the real SioNamespace -> SioServer::deliver ->
// EioServer::send -> Connection::write -> OutputFlusher path, N sockets in one
// room. Per-item time is per delivery. Only the kernel write is replaced by a
// counting sink (see inprocessserver.h); tools/frame_writer.c in the bench
// harness measures that part.
#include "benchcounters.h"
#include "inprocessserver.h"
#include "protocol/siopacket.h"

#include <QCoreApplication>

namespace {

const QByteArray kPayloadJson =
    "{\"doctype\":\"ToDo\",\"modified\":\"2026-11-28 12:00:00.000000\",\"name\":\"TD-000123\","
    "\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",\"ts\":123456789012,"
    "\"user\":\"user42@example.com\"}";

void BM_RoomBroadcast(benchmark::State &state)
{
    const int sockets = int(state.range(0));
    InProcessServer server(QStringLiteral("all"));
    server.connectClients(sockets, QStringLiteral("/site1"));
    SioNamespace *nsp = server.sio().findNamespace(QStringLiteral("/site1"));
    if (!nsp || nsp->roomMembers(QStringLiteral("all")).size() != sockets) {
        state.SkipWithError("clients did not all join");
        return;
    }
    const QStringList rooms{QStringLiteral("all")};
    const qint64 before = server.bytesWritten();
    for (auto _ : state) {
        const QByteArray text =
            sio::encodeEvent(nsp->name(), QStringLiteral("list_update"), kPayloadJson);
        const int sent = nsp->broadcast(text, rooms);
        InProcessServer::drain(); // the per-pass flush into every connection
        benchmark::DoNotOptimize(sent);
    }
    reportPerItem(state, sockets);
    state.counters["bytes_per_delivery"] =
        double(server.bytesWritten() - before) / double(state.iterations() * sockets);
}
BENCHMARK(BM_RoomBroadcast)->ArgName("sockets")->Arg(1)->Arg(100)->Arg(1000)->Arg(10000);

// Encoding only (what the broadcast pays once, whatever N).
void BM_BroadcastEncodeOnce(benchmark::State &state)
{
    for (auto _ : state) {
        const QByteArray text =
            sio::encodeEvent(QStringLiteral("/site1"), QStringLiteral("list_update"), kPayloadJson);
        QByteArray eio = '4' + text;
        QByteArray frame = ws::encodeFrame(ws::Opcode::Text, eio);
        benchmark::DoNotOptimize(frame);
    }
    reportPerItem(state, 1);
}
BENCHMARK(BM_BroadcastEncodeOnce);

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv); // timers and queued calls need a dispatcher
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
