// Redis `events` routing: one message as frappe.realtime.emit_via_redis
// publishes it (frappe.as_json: sorted keys, indent 1) parsed, validated,
// encoded once and broadcast to a room of the site's namespace, through the
// in-process server of inprocessserver.h. With 0 members the figure is the
// routing overhead alone; with N members, per-item time is per delivery.
#include "benchcounters.h"
#include "frappe/eventsrouter.h"
#include "inprocessserver.h"

#include <QCoreApplication>

namespace {

QByteArray frappeMessage(const QByteArray &room)
{
    return "{\n \"event\": \"list_update\",\n \"message\": {\n  \"doctype\": \"ToDo\",\n"
           "  \"modified\": \"2026-11-28 12:00:00.000000\",\n  \"name\": \"TD-000123\",\n"
           "  \"ts\": 123456789012,\n  \"user\": \"user42@example.com\"\n },\n"
           " \"namespace\": \"site1\",\n \"room\": \"" +
           room + "\"\n}";
}

void BM_EventsRoute(benchmark::State &state)
{
    const int sockets = int(state.range(0));
    InProcessServer server(QStringLiteral("all"), /*recovery*/ state.range(1) != 0);
    server.connectClients(qMax(sockets, 1), QStringLiteral("/site1"));
    EventsRouter router(&server.sio());
    // 0 members: a room nobody is in, in a namespace that exists.
    const QByteArray message = frappeMessage(sockets == 0 ? "doc:ToDo/nobody" : "all");
    for (auto _ : state) {
        if (!router.route(message)) state.SkipWithError("dropped");
        InProcessServer::drain();
    }
    reportPerItem(state, qMax(sockets, 1));
}
// recovery=1: connection-state recovery on (one offset per broadcast, the
// packet kept in the site's bounded buffer).
BENCHMARK(BM_EventsRoute)->ArgNames({"members", "recovery"})->ArgsProduct({{0, 1, 1000}, {0, 1}});

void BM_EventsRouteDropped(benchmark::State &state)
{
    InProcessServer server(QStringLiteral("all"));
    EventsRouter router(&server.sio());
    const QByteArray broken = "{\"event\": \"x\", \"room\": \"all\"}"; // room without namespace
    for (auto _ : state)
        benchmark::DoNotOptimize(router.route(broken));
    reportPerItem(state, 1);
}
BENCHMARK(BM_EventsRouteDropped);

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
