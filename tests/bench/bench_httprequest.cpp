// HTTP request head parsing: the WebSocket upgrade and polling GET a desk
// browser sends through nginx (cookies and all), plus the query lookups the
// Engine.IO handshake does on it.
#include "benchcounters.h"
#include "transport/httprequest.h"

namespace {

const QByteArray kUpgradeHead =
    "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
    "Host: site1.localhost:9000\r\n"
    "Connection: Upgrade\r\n"
    "Upgrade: websocket\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    "Origin: http://site1.localhost:8000\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Accept-Language: en-US,en;q=0.9\r\n"
    "Cookie: sid=0123456789abcdef0123456789abcdef0123456789abcdef01234567; system_user=yes; "
    "full_name=User%2042; user_id=user42%40example.com; user_image=\r\n"
    "X-Frappe-Site-Name: site1\r\n"
    "X-Forwarded-For: 10.0.0.42\r\n"
    "\r\n";

const QByteArray kPollingHead =
    "GET /socket.io/?EIO=4&transport=polling&t=OaBcDeF&sid=AbCdEfGhIjKlMnOpQrSt HTTP/1.1\r\n"
    "Host: site1.localhost:9000\r\n"
    "Connection: keep-alive\r\n"
    "Accept: */*\r\n"
    "Origin: http://site1.localhost:8000\r\n"
    "Cookie: sid=0123456789abcdef0123456789abcdef0123456789abcdef01234567; system_user=yes\r\n"
    "\r\n";

void parseHead(benchmark::State &state, const QByteArray &head)
{
    for (auto _ : state) {
        HeadParseResult r = parseRequestHead(head, 16384);
        if (r.status != HeadParseResult::Complete) state.SkipWithError("not complete");
        benchmark::DoNotOptimize(r);
    }
    reportPerItem(state, 1);
    state.SetBytesProcessed(state.iterations() * head.size());
}

void BM_HttpParseUpgradeHead(benchmark::State &state)
{
    parseHead(state, kUpgradeHead);
}
BENCHMARK(BM_HttpParseUpgradeHead);

void BM_HttpParsePollingHead(benchmark::State &state)
{
    parseHead(state, kPollingHead);
}
BENCHMARK(BM_HttpParsePollingHead);

// An incomplete head is re-parsed on every read until the blank line arrives.
void BM_HttpParseIncompleteHead(benchmark::State &state)
{
    const QByteArray partial = kUpgradeHead.left(kUpgradeHead.size() - 30);
    for (auto _ : state) {
        HeadParseResult r = parseRequestHead(partial, 16384);
        benchmark::DoNotOptimize(r);
    }
    reportPerItem(state, 1);
}
BENCHMARK(BM_HttpParseIncompleteHead);

// What the handshake asks of a parsed request: transport, sid, EIO, upgrade.
void BM_HttpHandshakeLookups(benchmark::State &state)
{
    const HttpRequest request = parseRequestHead(kPollingHead, 16384).request;
    for (auto _ : state) {
        benchmark::DoNotOptimize(request.queryValue("transport"));
        benchmark::DoNotOptimize(request.queryValue("sid"));
        benchmark::DoNotOptimize(request.queryValue("EIO"));
        benchmark::DoNotOptimize(request.isWebSocketUpgrade());
        benchmark::DoNotOptimize(request.header("origin"));
    }
    reportPerItem(state, 1);
}
BENCHMARK(BM_HttpHandshakeLookups);

} // namespace

BENCHMARK_MAIN();
