// Fuzzes the Redis `events` channel router: every message any publisher on the
// bench's redis_queue writes reaches it. It runs against a SioServer with no
// namespaces (building admitted sockets needs live sessions), which still
// covers the whole JSON validation and room/namespace selection. Each message
// must be counted exactly once, as routed or as dropped.
#include "frappe/eventsrouter.h"
#include "fuzzcommon.h"
#include "socketio/sioserver.h"

namespace {
SioServer *server = nullptr;
EventsRouter *router = nullptr;
} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***argv)
{
    fuzz::quietQt((*argv)[0]);
    server = new SioServer(EioSettings{}, 45000);
    router = new EventsRouter(server);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const quint64 before = router->routed() + router->dropped();
    const bool routed = router->route(fuzz::bytes(data, size));
    FUZZ_CHECK(router->routed() + router->dropped() == before + 1);
    if (!routed) FUZZ_CHECK(!router->dropReasons().isEmpty());
    return 0;
}
