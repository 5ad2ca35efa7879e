// The HTTP/1.1 request head parser and response writer
// (engine/transport/httprequest): request line, headers, query decoding,
// keep-alive and upgrade rules, limits, malformed input, and the bytes of a
// serialised response.
#include "transport/httprequest.h"

#include <QTest>

namespace {
HeadParseResult parse(const QByteArray &head, int max = 16384)
{
    return parseRequestHead(head, max);
}
} // namespace

class TestHttpRequest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void requestLine_data();
    void requestLine();
    void headers();
    void query_data();
    void query();
    void keepAlive_data();
    void keepAlive();
    void upgrade_data();
    void upgrade();
    void incomplete();
    void tooLarge();
    void malformed_data();
    void malformed();
    void contentLength();
    void pipelinedBytesAfterHead();
    void serialize();
    void serializeNoContent();
    void serializeHead();
    void reasonPhrases();
};

void TestHttpRequest::requestLine_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QByteArray>("version");

    QTest::newRow("polling handshake")
        << QByteArray("GET /socket.io/?EIO=4&transport=polling&t=N8hyd6w HTTP/1.1\r\n"
                      "Host: localhost\r\n\r\n")
        << QByteArray("GET") << QByteArray("/socket.io/")
        << QByteArray("EIO=4&transport=polling&t=N8hyd6w") << QByteArray("HTTP/1.1");
    QTest::newRow("post, no query") << QByteArray("POST /x HTTP/1.0\r\n\r\n") << QByteArray("POST")
                                    << QByteArray("/x") << QByteArray() << QByteArray("HTTP/1.0");
    QTest::newRow("empty query") << QByteArray("GET /a? HTTP/1.1\r\n\r\n") << QByteArray("GET")
                                 << QByteArray("/a") << QByteArray("") << QByteArray("HTTP/1.1");
    QTest::newRow("percent-encoding kept in path")
        << QByteArray("GET /a%20b/?q=%2F HTTP/1.1\r\n\r\n") << QByteArray("GET")
        << QByteArray("/a%20b/") << QByteArray("q=%2F") << QByteArray("HTTP/1.1");
    QTest::newRow("second question mark belongs to the query")
        << QByteArray("OPTIONS /p?a=1?b HTTP/1.1\r\n\r\n") << QByteArray("OPTIONS")
        << QByteArray("/p") << QByteArray("a=1?b") << QByteArray("HTTP/1.1");
    QTest::newRow("no headers at all") << QByteArray("GET / HTTP/1.1\r\n\r\n") << QByteArray("GET")
                                       << QByteArray("/") << QByteArray() << QByteArray("HTTP/1.1");
}

void TestHttpRequest::requestLine()
{
    QFETCH(QByteArray, head);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, version);
    const HeadParseResult r = parse(head);
    QCOMPARE(r.status, HeadParseResult::Complete);
    QCOMPARE(r.headLength, head.size());
    QCOMPARE(r.request.method, method);
    QCOMPARE(r.request.path, path);
    QCOMPARE(r.request.query, query);
    QCOMPARE(r.request.query.isNull(), query.isNull());
    QCOMPARE(r.request.version, version);
    QCOMPARE(r.contentLength, 0);
}

void TestHttpRequest::headers()
{
    const HeadParseResult r = parse("GET / HTTP/1.1\r\n"
                                    "Host: example.com:8000\r\n"
                                    "X-Frappe-Site-Name:   site1.localhost  \r\n"
                                    "Cookie: sid=abc; system_user=yes\r\n"
                                    "cookie: second=1\r\n"
                                    "Empty:\r\n"
                                    "Origin: http://example.com:8000\r\n\r\n");
    QCOMPARE(r.status, HeadParseResult::Complete);
    const HttpRequest &q = r.request;
    QCOMPARE(q.headers.size(), 6);
    // Names are lower-cased, values trimmed, order kept.
    QCOMPARE(q.headers.at(0).first, QByteArray("host"));
    QCOMPARE(q.header("host"), QByteArray("example.com:8000"));
    QCOMPARE(q.header("x-frappe-site-name"), QByteArray("site1.localhost"));
    QCOMPARE(q.header("cookie"), QByteArray("sid=abc; system_user=yes")); // the first one
    QCOMPARE(q.headers.at(3).second, QByteArray("second=1"));
    QVERIFY(q.hasHeader("empty"));
    QVERIFY(q.header("empty").isEmpty());
    QVERIFY(!q.hasHeader("authorization"));
    QVERIFY(q.header("authorization").isEmpty());
    // Lookups take lower-case names (the parser stores them that way).
    QVERIFY(!q.hasHeader("Host"));
}

void TestHttpRequest::query_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("value"); // null: absent

    const QByteArray q = "EIO=4&transport=polling&sid=lv_VI97HAXpY6yYWAAAC&t=abc";
    QTest::newRow("EIO") << q << QByteArray("EIO") << QByteArray("4");
    QTest::newRow("transport") << q << QByteArray("transport") << QByteArray("polling");
    QTest::newRow("sid") << q << QByteArray("sid") << QByteArray("lv_VI97HAXpY6yYWAAAC");
    QTest::newRow("absent") << q << QByteArray("nope") << QByteArray();
    QTest::newRow("case-sensitive key") << q << QByteArray("eio") << QByteArray();
    QTest::newRow("percent-decoded value")
        << QByteArray("a=b%20c%2Fd") << QByteArray("a") << QByteArray("b c/d");
    QTest::newRow("plus is space") << QByteArray("a=b+c") << QByteArray("a") << QByteArray("b c");
    QTest::newRow("encoded plus stays plus")
        << QByteArray("a=b%2Bc") << QByteArray("a") << QByteArray("b+c");
    QTest::newRow("percent-decoded key")
        << QByteArray("%73id=x") << QByteArray("sid") << QByteArray("x");
    QTest::newRow("flag without =")
        << QByteArray("x=1&flag&y=2") << QByteArray("flag") << QByteArray("");
    QTest::newRow("empty value") << QByteArray("sid=&x=1") << QByteArray("sid") << QByteArray("");
    QTest::newRow("first of duplicates")
        << QByteArray("t=1&t=2") << QByteArray("t") << QByteArray("1");
    QTest::newRow("value with =") << QByteArray("a=b=c") << QByteArray("a") << QByteArray("b=c");
    QTest::newRow("utf-8") << QByteArray("n=%C3%A9") << QByteArray("n") << QByteArray("\xc3\xa9");
    QTest::newRow("empty query") << QByteArray() << QByteArray("sid") << QByteArray();
    QTest::newRow("empty pairs skipped")
        << QByteArray("&&sid=1&") << QByteArray("sid") << QByteArray("1");
}

void TestHttpRequest::query()
{
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, value);
    HttpRequest r;
    r.query = query;
    QCOMPARE(r.queryValue(key), value);
    QCOMPARE(r.queryValue(key).isNull(), value.isNull());
    QCOMPARE(r.hasQueryValue(key), !value.isNull());
}

void TestHttpRequest::keepAlive_data()
{
    QTest::addColumn<QByteArray>("version");
    QTest::addColumn<QByteArray>("connection"); // null: no header
    QTest::addColumn<bool>("keepAlive");
    QTest::newRow("1.1 default") << QByteArray("HTTP/1.1") << QByteArray() << true;
    QTest::newRow("1.1 close") << QByteArray("HTTP/1.1") << QByteArray("close") << false;
    QTest::newRow("1.1 Close mixed case") << QByteArray("HTTP/1.1") << QByteArray("Close") << false;
    QTest::newRow("1.1 keep-alive") << QByteArray("HTTP/1.1") << QByteArray("keep-alive") << true;
    QTest::newRow("1.1 list with close")
        << QByteArray("HTTP/1.1") << QByteArray("Upgrade, close") << false;
    QTest::newRow("1.1 token containing close")
        << QByteArray("HTTP/1.1") << QByteArray("closed") << true;
    QTest::newRow("1.0 default") << QByteArray("HTTP/1.0") << QByteArray() << false;
    QTest::newRow("1.0 keep-alive") << QByteArray("HTTP/1.0") << QByteArray("Keep-Alive") << true;
}

void TestHttpRequest::keepAlive()
{
    QFETCH(QByteArray, version);
    QFETCH(QByteArray, connection);
    QByteArray head = "GET / " + version + "\r\n";
    if (!connection.isNull()) head += "Connection: " + connection + "\r\n";
    head += "\r\n";
    const HeadParseResult r = parse(head);
    QCOMPARE(r.status, HeadParseResult::Complete);
    QTEST(r.request.keepAlive(), "keepAlive");
}

void TestHttpRequest::upgrade_data()
{
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<bool>("isUpgrade");
    QTest::newRow("websocket") << QByteArray("Connection: Upgrade\r\nUpgrade: websocket\r\n")
                               << true;
    QTest::newRow("WebSocket capitalised")
        << QByteArray("Connection: upgrade\r\nUpgrade: WebSocket\r\n") << true;
    QTest::newRow("list") << QByteArray("Upgrade: foo, websocket\r\n") << true;
    QTest::newRow("h2c") << QByteArray("Upgrade: h2c\r\n") << false;
    QTest::newRow("none") << QByteArray("Connection: Upgrade\r\n") << false;
    QTest::newRow("websocket as a substring") << QByteArray("Upgrade: websockets\r\n") << false;
}

void TestHttpRequest::upgrade()
{
    QFETCH(QByteArray, headers);
    const HeadParseResult r =
        parse("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n" + headers + "\r\n");
    QCOMPARE(r.status, HeadParseResult::Complete);
    QTEST(r.request.isWebSocketUpgrade(), "isUpgrade");
}

void TestHttpRequest::incomplete()
{
    QCOMPARE(parse("").status, HeadParseResult::Incomplete);
    QCOMPARE(parse("GET / HTTP/1.1\r\nHost: x\r\n").status, HeadParseResult::Incomplete);
    QCOMPARE(parse("GET / HTTP/1.1\r\nHost: x\r\n\r").status, HeadParseResult::Incomplete);
    // Bare LF line endings never end the head (the parser wants CRLF CRLF).
    QCOMPARE(parse("GET / HTTP/1.1\nHost: x\n\n").status, HeadParseResult::Incomplete);
}

void TestHttpRequest::tooLarge()
{
    // No end of head yet, but already over the limit: refuse without waiting.
    const QByteArray big = "GET / HTTP/1.1\r\nX-Big: " + QByteArray(200, 'x');
    HeadParseResult r = parse(big, 100);
    QCOMPARE(r.status, HeadParseResult::TooLarge);
    QVERIFY(!r.error.isEmpty());
    // A complete head over the limit.
    r = parse(big + "\r\n\r\n", 100);
    QCOMPARE(r.status, HeadParseResult::TooLarge);
    // Exactly at the limit is accepted.
    const QByteArray exact = "GET / HTTP/1.1\r\n\r\n";
    QCOMPARE(parse(exact, int(exact.size())).status, HeadParseResult::Complete);
    QCOMPARE(parse(exact, int(exact.size()) - 1).status, HeadParseResult::TooLarge);
    // The body does not count toward the head limit.
    QCOMPARE(parse(exact + QByteArray(500, 'b'), 100).status, HeadParseResult::Complete);
}

void TestHttpRequest::malformed_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::newRow("two-part request line") << QByteArray("GET /\r\n\r\n");
    QTest::newRow("four-part request line") << QByteArray("GET / x HTTP/1.1\r\n\r\n");
    QTest::newRow("HTTP/2.0") << QByteArray("GET / HTTP/2.0\r\n\r\n");
    QTest::newRow("not HTTP") << QByteArray("GET / FTP/1.1\r\n\r\n");
    QTest::newRow("garbage") << QByteArray("\x16\x03\x01\x02\x00\r\n\r\n", 9);
    QTest::newRow("method with separator") << QByteArray("GE:T / HTTP/1.1\r\n\r\n");
    QTest::newRow("absolute-form target") << QByteArray("GET http://x/ HTTP/1.1\r\n\r\n");
    QTest::newRow("asterisk target") << QByteArray("OPTIONS * HTTP/1.1\r\n\r\n");
    QTest::newRow("header without colon") << QByteArray("GET / HTTP/1.1\r\nHost x\r\n\r\n");
    QTest::newRow("header with empty name") << QByteArray("GET / HTTP/1.1\r\n: x\r\n\r\n");
    QTest::newRow("space in header name") << QByteArray("GET / HTTP/1.1\r\nHo st: x\r\n\r\n");
    QTest::newRow("space before colon") << QByteArray("GET / HTTP/1.1\r\nHost : x\r\n\r\n");
    QTest::newRow("chunked body") << QByteArray(
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
    QTest::newRow("content-length letters")
        << QByteArray("POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n");
    QTest::newRow("content-length negative")
        << QByteArray("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n");
    QTest::newRow("content-length two numbers")
        << QByteArray("POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n");
}

void TestHttpRequest::malformed()
{
    QFETCH(QByteArray, head);
    const HeadParseResult r = parse(head);
    QCOMPARE(r.status, HeadParseResult::Malformed);
    QVERIFY(!r.error.isEmpty());
}

void TestHttpRequest::contentLength()
{
    const QByteArray head = "POST /socket.io/?EIO=4&transport=polling&sid=x HTTP/1.1\r\n"
                            "Content-Type: text/plain;charset=UTF-8\r\n"
                            "Content-Length: 6\r\n\r\n";
    HeadParseResult r = parse(head + "4hello");
    QCOMPARE(r.status, HeadParseResult::Complete);
    QCOMPARE(r.contentLength, 6);
    QCOMPARE(r.headLength, head.size());
    QVERIFY(r.request.body.isEmpty()); // the connection cuts the body, not the parser
    // Zero and large values.
    QCOMPARE(parse("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").contentLength, 0);
    QCOMPARE(parse("POST / HTTP/1.1\r\nContent-Length: 5000000000\r\n\r\n").contentLength,
             5000000000ll);
}

void TestHttpRequest::pipelinedBytesAfterHead()
{
    // The head length tells the caller where the next request starts.
    const QByteArray first = "GET /a HTTP/1.1\r\n\r\n";
    const QByteArray second = "GET /b HTTP/1.1\r\n\r\n";
    const HeadParseResult r = parse(first + second);
    QCOMPARE(r.status, HeadParseResult::Complete);
    QCOMPARE(r.request.path, QByteArray("/a"));
    QCOMPARE(r.headLength, first.size());
    QCOMPARE(parse((first + second).mid(r.headLength)).request.path, QByteArray("/b"));
}

void TestHttpRequest::serialize()
{
    HttpResponse r;
    r.body = "ok";
    r.contentType = "text/html";
    r.headers = {{"Cache-Control", "no-store"}, {"Access-Control-Allow-Origin", "*"}};
    QCOMPARE(r.serialize(), QByteArray("HTTP/1.1 200 OK\r\n"
                                       "Content-Type: text/html\r\n"
                                       "Content-Length: 2\r\n"
                                       "Cache-Control: no-store\r\n"
                                       "Access-Control-Allow-Origin: *\r\n"
                                       "\r\n"
                                       "ok"));
    HttpResponse bad;
    bad.status = 400;
    bad.contentType = "application/json";
    bad.body = "{\"code\":1,\"message\":\"Session ID unknown\"}";
    bad.closeConnection = true;
    QCOMPARE(bad.serialize(), QByteArray("HTTP/1.1 400 Bad Request\r\n"
                                         "Content-Type: application/json\r\n"
                                         "Content-Length: 41\r\n"
                                         "Connection: close\r\n"
                                         "\r\n"
                                         "{\"code\":1,\"message\":\"Session ID unknown\"}"));
    // The length is in bytes, not characters.
    HttpResponse utf;
    utf.body = "\xc3\xa9";
    QVERIFY(utf.serialize().contains("Content-Length: 2\r\n"));
}

void TestHttpRequest::serializeNoContent()
{
    HttpResponse r;
    r.status = 204;
    r.headers = {{"Access-Control-Allow-Methods", "GET,POST"}};
    QCOMPARE(r.serialize(), QByteArray("HTTP/1.1 204 No Content\r\n"
                                       "Access-Control-Allow-Methods: GET,POST\r\n"
                                       "\r\n"));
}

void TestHttpRequest::serializeHead()
{
    // A HEAD answer: the GET's headers, Content-Length included, and no body.
    HttpResponse r;
    r.contentType = "application/json";
    r.body = "{\"status\":\"ok\"}";
    QCOMPARE(r.serialize(false), QByteArray("HTTP/1.1 200 OK\r\n"
                                            "Content-Type: application/json\r\n"
                                            "Content-Length: 15\r\n"
                                            "\r\n"));
    QVERIFY(r.serialize(true).endsWith(r.body));
}

void TestHttpRequest::reasonPhrases()
{
    QCOMPARE(HttpResponse::reasonPhrase(101), QByteArray("Switching Protocols"));
    QCOMPARE(HttpResponse::reasonPhrase(404), QByteArray("Not Found"));
    QCOMPARE(HttpResponse::reasonPhrase(413), QByteArray("Payload Too Large"));
    QCOMPARE(HttpResponse::reasonPhrase(431), QByteArray("Request Header Fields Too Large"));
}

QTEST_APPLESS_MAIN(TestHttpRequest)
#include "tst_httprequest.moc"
