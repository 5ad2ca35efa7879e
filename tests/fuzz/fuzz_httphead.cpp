// Fuzzes the HTTP/1.1 request head parser that sees every byte a client sends
// before anything else. Besides crashes it checks the parser's contract: a
// complete head lies within the buffer, and parsing only that head again
// gives the same result (so pipelined bytes after it never change the head).
#include "fuzzcommon.h"
#include "transport/httprequest.h"

extern "C" int LLVMFuzzerInitialize(int *, char ***argv)
{
    fuzz::quietQt((*argv)[0]);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray buffer = fuzz::bytes(data, size);
    // A small limit as well as the default, so the TooLarge paths are reached.
    for (int limit : {256, 16384}) {
        const HeadParseResult r = parseRequestHead(buffer, limit);
        if (r.status != HeadParseResult::Complete) continue;
        FUZZ_CHECK(r.headLength > 0 && r.headLength <= buffer.size() && r.headLength <= limit);
        FUZZ_CHECK(r.contentLength >= 0);
        FUZZ_CHECK(r.request.path.startsWith('/'));

        const HeadParseResult again = parseRequestHead(buffer.left(r.headLength), limit);
        FUZZ_CHECK(again.status == HeadParseResult::Complete);
        FUZZ_CHECK(again.headLength == r.headLength);
        FUZZ_CHECK(again.request.headers == r.request.headers);

        // The accessors the transport calls on every request.
        const HttpRequest &req = r.request;
        (void)req.queryValue("EIO");
        (void)req.queryValue("transport");
        (void)req.queryValue("sid");
        (void)req.keepAlive();
        (void)req.isWebSocketUpgrade();
        (void)req.header("origin");
    }
    return 0;
}
