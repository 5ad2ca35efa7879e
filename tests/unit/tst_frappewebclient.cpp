// FrappeWebClient against a real HTTP server on 127.0.0.1: the callback URL
// rules, the headers each callback carries, get_user_info's retry and error
// texts, both permission APIs, generic requests, redirects, timeouts and the
// exactly-once / never-after-destruction callback contract.
#include "common/credentialmask.h"
#include "frappe/callbackurl.h"
#include "frappe/frappewebclient.h"
#include "json/jsjson.h"

#include <QElapsedTimer>
#include <QHash>
#include <QLoggingCategory>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <memory>

namespace {

struct RecordedRequest {
    QByteArray method;
    QByteArray path;
    QByteArray query;
    QHash<QByteArray, QByteArray> headers; // lower-cased names
    QByteArray body;
    int connection = 0;

    QByteArray header(const QByteArray &lowerName) const { return headers.value(lowerName); }
    bool hasHeader(const QByteArray &lowerName) const { return headers.contains(lowerName); }
};

struct CannedReply {
    enum Mode { Answer, Hang, Close };
    int status = 200;
    QByteArray body;
    QByteArray contentType = "application/json";
    QList<QPair<QByteArray, QByteArray>> headers;
    int delayMs = 0;
    Mode mode = Answer;
};

CannedReply json(const QByteArray &body, int status = 200)
{
    CannedReply reply;
    reply.status = status;
    reply.body = body;
    return reply;
}

// A keep-alive HTTP/1.1 server good enough for QNetworkAccessManager: records
// every request, answers through a per-test handler.
class TestHttpServer : public QObject {
public:
    using Handler = std::function<CannedReply(const RecordedRequest &)>;

    TestHttpServer()
    {
        if (!m_server.listen(QHostAddress::LocalHost, 0))
            qFatal("test server: %s", qPrintable(m_server.errorString()));
        connect(&m_server, &QTcpServer::newConnection, this, &TestHttpServer::accept);
    }

    quint16 port() const { return m_server.serverPort(); }
    QString origin() const { return QStringLiteral("http://127.0.0.1:%1").arg(port()); }
    void setHandler(Handler handler) { m_handler = std::move(handler); }
    void answerAll(const CannedReply &reply)
    {
        m_handler = [reply](const RecordedRequest &) { return reply; };
    }

    QList<RecordedRequest> requests;

private:
    void accept()
    {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            socket->setParent(this);
            const int id = ++m_connections;
            auto buffer = std::make_shared<QByteArray>();
            connect(socket, &QTcpSocket::readyRead, this,
                    [this, socket, id, buffer] { read(socket, id, *buffer); });
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        }
    }

    void read(QTcpSocket *socket, int id, QByteArray &buffer)
    {
        buffer += socket->readAll();
        while (true) {
            const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
            if (headEnd < 0) return;
            const QList<QByteArray> lines = buffer.left(headEnd).split('\n');
            RecordedRequest request;
            request.connection = id;
            const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
            request.method = requestLine.value(0);
            const QByteArray target = requestLine.value(1);
            const qsizetype q = target.indexOf('?');
            request.path = q < 0 ? target : target.left(q);
            request.query = q < 0 ? QByteArray() : target.mid(q + 1);
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const qsizetype colon = lines[i].indexOf(':');
                if (colon < 0) continue;
                request.headers.insert(lines[i].left(colon).trimmed().toLower(),
                                       lines[i].mid(colon + 1).trimmed());
            }
            const qsizetype length = request.header("content-length").toLongLong();
            if (buffer.size() < headEnd + 4 + length) return;
            request.body = buffer.mid(headEnd + 4, length);
            buffer.remove(0, headEnd + 4 + length);
            requests.append(request);
            respond(socket, m_handler ? m_handler(request) : json("{}"));
        }
    }

    void respond(QTcpSocket *socket, const CannedReply &reply)
    {
        if (reply.mode == CannedReply::Hang) return;
        if (reply.mode == CannedReply::Close) {
            socket->disconnectFromHost();
            return;
        }
        QByteArray out = "HTTP/1.1 " + QByteArray::number(reply.status) + " Canned\r\n";
        out += "Content-Type: " + reply.contentType + "\r\n";
        out += "Content-Length: " + QByteArray::number(reply.body.size()) + "\r\n";
        for (const auto &[name, value] : reply.headers)
            out += name + ": " + value + "\r\n";
        out += "\r\n" + reply.body;
        const QPointer<QTcpSocket> guard(socket);
        if (reply.delayMs > 0)
            QTimer::singleShot(reply.delayMs, this, [guard, out] {
                if (guard) guard->write(out);
            });
        else
            socket->write(out);
    }

    QTcpServer m_server;
    Handler m_handler;
    int m_connections = 0;
};

// Records every invocation of a done callback; shared so that a late call
// after the test body has returned still lands somewhere valid.
template<typename T> struct Capture {
    int calls = 0;
    std::optional<T> value;
};

template<typename T> using CapturePtr = std::shared_ptr<Capture<T>>;

template<typename T> CapturePtr<T> makeCapture()
{
    return std::make_shared<Capture<T>>();
}

template<typename T> std::function<void(T)> into(const CapturePtr<T> &capture)
{
    return [capture](T v) {
        ++capture->calls;
        capture->value = std::move(v);
    };
}

// Waits for the first call, then a little longer to catch a second one.
template<typename T> bool settled(const CapturePtr<T> &capture, int timeoutMs = 5000)
{
    if (!QTest::qWaitFor([&] { return capture->calls > 0; }, timeoutMs)) return false;
    QTest::qWait(30);
    return capture->calls == 1;
}

// Collects log lines (category + message) and passes them on to QTest.
class LogCapture {
public:
    LogCapture()
    {
        s_lines.clear();
        s_previous = qInstallMessageHandler(&LogCapture::handle);
    }
    ~LogCapture() { qInstallMessageHandler(s_previous); }
    QString all() const { return s_lines.join(QLatin1Char('\n')); }

private:
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &message)
    {
        s_lines.append(QString::fromLatin1(context.category ? context.category : "") +
                       QStringLiteral(": ") + message);
        if (s_previous) s_previous(type, context, message);
    }
    static inline QStringList s_lines;
    static inline QtMessageHandler s_previous = nullptr;
};

const QByteArray kSid = "0123456789abcdef0123456789abcdef0123456789abcdef01234567";
const QByteArray kUserInfo = R"({"message":{"user":"jane@example.com","user_type":"System User",)"
                             R"("installed_apps":["frappe","erpnext"]}})";

// Callbacks go to the bench's own web server, http://127.0.0.1:<webserver_port>
// (issue 13): the caller's Origin never picks the target.
EngineConfig configFor(quint16 webPort, int timeoutMs = 5000)
{
    EngineConfig cfg;
    cfg.webserverPort = webPort;
    cfg.authTimeoutMs = timeoutMs;
    return cfg;
}

EngineConfig configFor(const TestHttpServer &web, int timeoutMs = 5000)
{
    return configFor(web.port(), timeoutMs);
}

CallerIdentity cookieCaller(const TestHttpServer &server)
{
    return {kSid, {}, server.origin(), QStringLiteral("site1.local")};
}

CallerIdentity tokenCaller(const TestHttpServer &server)
{
    return {
        {}, "token abcdef0123:9876543210fedcba", server.origin(), QStringLiteral("site1.local")};
}

} // namespace

class TestFrappeWebClient : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void urlSearchParams_data();
    void urlSearchParams();
    void callbackBase_data();
    void callbackBase();
    void callbackUrlStaysOnOrigin_data();
    void callbackUrlStaysOnOrigin();
    void jsonSyntaxErrors_data();
    void jsonSyntaxErrors();
    void jsTruthiness();
    void credentialMasking();

    void headersSent_data();
    void headersSent();
    void userInfoSuccess();
    void retryRereadsSecret();
    void emptyMessageTwiceRejects();
    void userWithoutAppsAfterRetryIsAdmitted();
    void userInfoFailures_data();
    void userInfoFailures();
    void connectionRefused();
    void serverClosesWithoutAnswer();
    void serverNeverAnswersTimesOut();
    void secretLookupNeverAnswersTimesOut();
    void missingOriginFails();
    void headerInjectionRefused();

    void hasPermission_data();
    void hasPermission();
    void hasPermissionQuery_data();
    void hasPermissionQuery();
    void hasPermissionNetworkErrorIsLogged();
    void legacyPermission_data();
    void legacyPermission();
    void identicalChecksShareOneRequest();
    void permissionCacheReusesAnswersForItsTtl();
    void loginsNeverWaitBehindPermissionChecks();

    void genericRequest();
    void requestMethods_data();
    void requestMethods();
    void requestRefusesForeignPaths_data();
    void requestRefusesForeignPaths();
    void sameOriginRedirectIsFollowed();
    void crossOriginRedirectIsRefused();
    void responseCookiesAreNeverStored();
    void connectionsAreReused();
    void logsNeverShowCredentials();

    void destroyedClientNeverCallsBack();
    void lateSecretAfterDestructionIsIgnored();
    void doneMayDestroyClient();
};

void TestFrappeWebClient::initTestCase()
{
    // Exercise the debug lines too: they must not leak credentials either.
    QLoggingCategory::setFilterRules(QStringLiteral("rt.auth.debug=true"));
}

// --- pure helpers ----------------------------------------------------------

void TestFrappeWebClient::urlSearchParams_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QByteArray>("encoded");
    QTest::newRow("empty") << QString() << QByteArray();
    QTest::newRow("plain") << QStringLiteral("ToDo") << QByteArray("ToDo");
    QTest::newRow("space") << QStringLiteral("Sales Invoice") << QByteArray("Sales+Invoice");
    QTest::newRow("slash") << QStringLiteral("SINV/0001") << QByteArray("SINV%2F0001");
    QTest::newRow("kept") << QStringLiteral("a*b-c.d_e") << QByteArray("a*b-c.d_e");
    QTest::newRow("tilde") << QStringLiteral("~") << QByteArray("%7E");
    QTest::newRow("plus") << QStringLiteral("1+1") << QByteArray("1%2B1");
    QTest::newRow("percent") << QStringLiteral("100%") << QByteArray("100%25");
    QTest::newRow("delimiters") << QStringLiteral("a&b=c?d#e") << QByteArray("a%26b%3Dc%3Fd%23e");
    QTest::newRow("quotes") << QStringLiteral("'\"") << QByteArray("%27%22");
    QTest::newRow("umlaut") << QStringLiteral("Grüße") << QByteArray("Gr%C3%BC%C3%9Fe");
    QTest::newRow("emoji") << QStringLiteral("\U0001F600") << QByteArray("%F0%9F%98%80");
    QTest::newRow("lone surrogate") << QString(QChar(0xD800)) << QByteArray("%EF%BF%BD");
    QTest::newRow("newline") << QStringLiteral("a\nb") << QByteArray("a%0Ab");
}

void TestFrappeWebClient::urlSearchParams()
{
    QFETCH(QString, input);
    QFETCH(QByteArray, encoded);
    QCOMPARE(urlSearchParamsEncode(input), encoded);
}

// The callback-target decision table (issue 13): configuration alone picks
// where cookies, tokens and the socket secret go; the Origin column changes
// nothing in any row.
void TestFrappeWebClient::callbackBase_data()
{
    QTest::addColumn<QString>("origin");
    QTest::addColumn<bool>("developerMode");
    QTest::addColumn<QString>("webserverHost");
    QTest::addColumn<int>("webserverPort");
    QTest::addColumn<QString>("override");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<int>("source");

    const QString none;
    const int bench = int(CallbackSource::BenchWebServer);
    const int host = int(CallbackSource::WebserverHost);
    const int url = int(CallbackSource::AuthUrl);
    const QString evil = QStringLiteral("http://attacker.example:8000");
    // bench start / production gunicorn: the bench's own web server.
    QTest::newRow("bench: webserver_port")
        << evil << false << none << 8000 << none << "http://127.0.0.1:8000" << bench;
    QTest::newRow("bench: other port")
        << evil << false << none << 8005 << none << "http://127.0.0.1:8005" << bench;
    QTest::newRow("bench: no webserver_port -> 8000")
        << evil << false << none << 0 << none << "http://127.0.0.1:8000" << bench;
    QTest::newRow("bench: developer_mode changes nothing")
        << "http://site.localhost:8080" << true << none << 8000 << none << "http://127.0.0.1:8000"
        << bench;
    QTest::newRow("bench: Origin is a site name")
        << "https://erp.example.com" << false << none << 8000 << none << "http://127.0.0.1:8000"
        << bench;
    QTest::newRow("bench: no Origin")
        << none << false << none << 8000 << none << "http://127.0.0.1:8000" << bench;
    QTest::newRow("bench: ipv6 Origin")
        << "http://[::1]:8080" << true << none << 8000 << none << "http://127.0.0.1:8000" << bench;
    // frappe_docker and other separate web servers: webserver_host.
    QTest::newRow("webserver_host bare")
        << evil << false << "frappe-web" << 8000 << none << "http://frappe-web:8000" << host;
    QTest::newRow("webserver_host with scheme") << evil << false << "https://web.internal" << 8000
                                                << none << "https://web.internal:8000" << host;
    QTest::newRow("webserver_host with port")
        << evil << false << "web:8001" << 8000 << none << "http://web:8001" << host;
    QTest::newRow("webserver_host with scheme and port")
        << evil << false << "http://10.0.0.5:9999" << 8000 << none << "http://10.0.0.5:9999"
        << host;
    QTest::newRow("webserver_host beats dev mode") << "http://site.localhost:8080" << true << "web"
                                                   << 8000 << none << "http://web:8000" << host;
    QTest::newRow("webserver_host without webserver_port -> 8000")
        << evil << false << "web" << 0 << none << "http://web:8000" << host;
    // --auth-url wins over everything.
    QTest::newRow("override wins") << evil << true << "web" << 8000 << "http://127.0.0.1:8000/"
                                   << "http://127.0.0.1:8000" << url;
    QTest::newRow("override with path") << evil << false << none << 0 << "http://web:8000/frappe"
                                        << "http://web:8000/frappe" << url;
}

void TestFrappeWebClient::callbackBase()
{
    QFETCH(QString, origin);
    QFETCH(bool, developerMode);
    QFETCH(QString, webserverHost);
    QFETCH(int, webserverPort);
    QFETCH(QString, override);
    QFETCH(QString, expected);
    QFETCH(int, source);

    EngineConfig cfg;
    cfg.developerMode = developerMode;
    cfg.webserverHost = webserverHost;
    cfg.webserverPort = webserverPort;
    cfg.authUrlOverride = override;
    FrappeWebClient client(cfg);
    const QUrl base = client.callbackBase({kSid, {}, origin, QStringLiteral("site1.local")});
    QCOMPARE(base.toString(), expected);
    const CallbackTarget target = frappeCallbackTarget(cfg);
    QCOMPARE(target.base, base);
    QCOMPARE(int(target.source), source);
    // The start-up line names the same URL.
    QVERIFY2(describeCallbackTarget(cfg).contains(expected),
             qPrintable(describeCallbackTarget(cfg)));
}

void TestFrappeWebClient::callbackUrlStaysOnOrigin_data()
{
    QTest::addColumn<QString>("base");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("expected"); // URL, or the start of the error
    QTest::newRow("plain") << "http://web:8000"
                           << "/api/method/x?a=b+c&d=e%2Ff"
                           << "http://web:8000/api/method/x?a=b+c&d=e%2Ff";
    QTest::newRow("base with prefix") << "http://web:8000/frappe"
                                      << "/api/method/x"
                                      << "http://web:8000/frappe/api/method/x";
    QTest::newRow("userinfo trick") << "http://web:8000"
                                    << "@evil.example/x"
                                    << "TypeError: callback path must start";
    QTest::newRow("authority trick") << "http://web:8000"
                                     << "//evil.example/x"
                                     << "TypeError: callback path must start";
    QTest::newRow("relative base") << ""
                                   << "/api/method/x"
                                   << "TypeError: Failed to parse URL from /api/method/x";
    QTest::newRow("opaque origin") << "null"
                                   << "/api/method/x"
                                   << "TypeError: Failed to parse URL from null/api/method/x";
    QTest::newRow("ftp") << "ftp://web"
                         << "/x"
                         << "TypeError: fetch failed";
}

void TestFrappeWebClient::callbackUrlStaysOnOrigin()
{
    QFETCH(QString, base);
    QFETCH(QString, path);
    QFETCH(QString, expected);
    const CallbackUrl url = frappeCallbackUrl(QUrl(base), path);
    if (expected.startsWith(QLatin1String("TypeError"))) {
        QVERIFY2(url.nodeError.startsWith(expected), qPrintable(url.nodeError));
        QVERIFY(!url.url.isValid());
    } else {
        QVERIFY2(url.nodeError.isEmpty(), qPrintable(url.nodeError));
        QCOMPARE(url.url.toString(QUrl::FullyEncoded), expected);
    }
}

void TestFrappeWebClient::jsonSyntaxErrors_data()
{
    // Expected texts are what Node 20's JSON.parse says for the same input.
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    const auto row = [](const char *text, const char *message) {
        QTest::newRow(text) << QString::fromUtf8(text) << QString::fromUtf8(message);
    };
    row("<html><body>502 Bad Gateway</body></html>",
        "Unexpected token '<', \"<html><bod\"... is not valid JSON");
    row("", "Unexpected end of JSON input");
    row("  ", "Unexpected end of JSON input");
    row("<h", "Unexpected token '<', \"<h\" is not valid JSON");
    row("  <html>", "Unexpected token '<', \"  <html>\" is not valid JSON");
    row("Internal Server Error", "Unexpected token 'I', \"Internal S\"... is not valid JSON");
    row("123456789012<345678901234567890",
        "Unexpected non-whitespace character after JSON at position 12");
    row("{\"a\":[1,2,3,4,5,6,7,8,9,10], x}",
        "Expected double-quoted property name in JSON at position 29");
    row("[\"aaaaaaaaaaaaaaaaaaaa\",bbbbbbbbbbbbbbbbbbbb]",
        "Unexpected token 'b', ...\"aaaaaaaa\",bbbbbbbbbb\"... is not valid JSON");
    row("[\"aaaaaaaaaaaaaaaaaaaa\",xyz]",
        "Unexpected token 'x', ...\"aaaaaaaa\",xyz]\" is not valid JSON");
    row("{\"a\":1,}", "Expected double-quoted property name in JSON at position 7");
    row("nope", "Unexpected token 'o', \"nope\" is not valid JSON");
    row("{\"a\" 1}", "Expected ':' after property name in JSON at position 5");
    row("[1,2", "Expected ',' or ']' after array element in JSON at position 4");
    row("{\"a\":1} x", "Unexpected non-whitespace character after JSON at position 8");
    row("{", "Expected property name or '}' in JSON at position 1");
    row("[", "Unexpected end of JSON input");
    row("{\"a\":", "Unexpected end of JSON input");
    row("{\"a\":1", "Expected ',' or '}' after property value in JSON at position 6");
    row("\"abc", "Unterminated string in JSON at position 4");
    row("\"a\\x\"", "Bad escaped character in JSON at position 3");
    row("\"\\u12G4\"", "Bad Unicode escape in JSON at position 5");
    row("-", "No number after minus sign in JSON at position 1");
    row("1.", "Unterminated fractional number in JSON at position 2");
    row("1e+", "Exponent part is missing a number in JSON at position 3");
    row("01", "Unexpected number in JSON at position 1");
    row("-01", "Unexpected number in JSON at position 2");
    row("tru", "Unexpected end of JSON input");
    row("{\"a\":1,\"b\"}", "Unexpected token '}', \"{\"a\":1,\"b\"}\" is not valid JSON");
    row("{\"a\":1,\"b\" 1}", "Unexpected number in JSON at position 11");
    row("undefined", "\"undefined\" is not valid JSON");
    row("[1,]", "Unexpected token ']', \"[1,]\" is not valid JSON");
    row("{\"a\":\"\x01\"}", "Bad control character in string literal in JSON at position 6");
    row("\"\\", "Unexpected end of JSON input");
    row("{\"a\":[1,{\"b\" 2}]}", "Expected ':' after property name in JSON at position 13");
    row("\t\n{}\r\n", "");
    row("\"\\ud800\"", "");
    row("[1,-2.5e+3,true,false,null,\"x\",{}]", "");
}

void TestFrappeWebClient::jsonSyntaxErrors()
{
    QFETCH(QString, text);
    QFETCH(QString, message);
    QCOMPARE(jsJsonSyntaxError(text), message);
    const JsJsonResult parsed = jsJsonParse(text.toUtf8());
    QCOMPARE(parsed.ok, message.isEmpty());
    if (!parsed.ok) QCOMPARE(parsed.error, QStringLiteral("SyntaxError: ") + message);
}

void TestFrappeWebClient::jsTruthiness()
{
    const auto truthy = [](const char *text) {
        const JsJsonResult parsed = jsJsonParse(text);
        return parsed.ok && jsTruthy(parsed.value);
    };
    QVERIFY(truthy("true"));
    QVERIFY(truthy("1"));
    QVERIFY(truthy("-0.5"));
    QVERIFY(truthy("\"0\""));
    QVERIFY(truthy("[]"));
    QVERIFY(truthy("{}"));
    QVERIFY(!truthy("false"));
    QVERIFY(!truthy("0"));
    QVERIFY(!truthy("-0"));
    QVERIFY(!truthy("\"\""));
    QVERIFY(!truthy("null"));
    QVERIFY(!jsTruthy(QJsonValue(QJsonValue::Undefined)));
    QVERIFY(jsJsonParse("\xEF\xBB\xBF{}").ok); // fetch drops the BOM

    QString error;
    jsProperty(QJsonValue(QJsonValue::Undefined), QStringLiteral("installed_apps"), &error);
    QCOMPARE(error,
             QStringLiteral(
                 "TypeError: Cannot read properties of undefined (reading 'installed_apps')"));
    jsProperty(QJsonValue(), QStringLiteral("message"), &error);
    QCOMPARE(error,
             QStringLiteral("TypeError: Cannot read properties of null (reading 'message')"));
}

void TestFrappeWebClient::credentialMasking()
{
    QCOMPARE(maskSecret(kSid), QStringLiteral("0123…"));
    QCOMPARE(maskSecret("short"), QStringLiteral("…"));
    QCOMPARE(maskSecret({}), QStringLiteral("(none)"));
    QCOMPARE(describeCallerCredential(kSid, {}), QStringLiteral("sid 0123…"));
    QCOMPARE(describeCallerCredential(kSid, "token abcdef0123:9876543210"),
             QStringLiteral("Authorization toke…"));
    const QUrl url(QStringLiteral("http://web/api/method/x?sid=") + QString::fromLatin1(kSid) +
                   QStringLiteral("&doctype=ToDo"));
    QCOMPARE(redactedUrl(url), QStringLiteral("http://web/api/method/x?sid=0123…&doctype=ToDo"));
}

// --- get_user_info -----------------------------------------------------------

void TestFrappeWebClient::headersSent_data()
{
    QTest::addColumn<QByteArray>("sid");
    QTest::addColumn<QByteArray>("authorization");
    QTest::addColumn<bool>("withSecret");
    QTest::addColumn<QString>("site");
    QTest::newRow("cookie, secret") << kSid << QByteArray() << true << "site1.local";
    QTest::newRow("cookie, no secret") << kSid << QByteArray() << false << "site1.local";
    QTest::newRow("authorization")
        << QByteArray() << QByteArray("token key:secret") << true << "erp.example.com";
    QTest::newRow("authorization beats cookie")
        << kSid << QByteArray("Bearer abc") << false << "site2.local";
}

void TestFrappeWebClient::headersSent()
{
    QFETCH(QByteArray, sid);
    QFETCH(QByteArray, authorization);
    QFETCH(bool, withSecret);
    QFETCH(QString, site);

    TestHttpServer server;
    server.answerAll(json(kUserInfo));
    FrappeWebClient client(configFor(server));
    if (withSecret)
        client.setSecretProvider([](auto reply) { reply(QByteArray("s3cr3t")); });
    else
        client.setSecretProvider([](auto reply) { reply(std::nullopt); });

    auto outcome = makeCapture<AuthOutcome>();
    client.fetchUserInfo({sid, authorization, server.origin(), site}, into(outcome));
    QVERIFY(settled(outcome));
    QVERIFY(outcome->value->ok);

    QCOMPARE(server.requests.size(), 1);
    const RecordedRequest &request = server.requests.first();
    QCOMPARE(request.method, QByteArray("GET"));
    QCOMPARE(request.path, QByteArray("/api/method/frappe.realtime.get_user_info"));
    QCOMPARE(request.query, QByteArray());
    if (authorization.isEmpty()) {
        QCOMPARE(request.header("cookie"), "sid=" + sid);
        QVERIFY(!request.hasHeader("authorization"));
    } else {
        QCOMPARE(request.header("authorization"), authorization);
        QVERIFY(!request.hasHeader("cookie"));
    }
    QCOMPARE(request.hasHeader("x-frappe-socket-secret"), withSecret);
    if (withSecret) QCOMPARE(request.header("x-frappe-socket-secret"), QByteArray("s3cr3t"));
    QCOMPARE(request.header("x-frappe-site-name"), site.toUtf8());
    QCOMPARE(request.header("accept"), QByteArray("application/json"));
    QCOMPARE(request.header("host"), QStringLiteral("127.0.0.1:%1").arg(server.port()).toUtf8());
}

void TestFrappeWebClient::userInfoSuccess()
{
    TestHttpServer server;
    server.answerAll(json(kUserInfo));
    FrappeWebClient client(configFor(server));
    auto outcome = makeCapture<AuthOutcome>();
    client.fetchUserInfo(cookieCaller(server), into(outcome));
    QCOMPARE(outcome->calls, 0); // never synchronously
    QVERIFY(settled(outcome));
    QVERIFY(outcome->value->ok);
    QCOMPARE(outcome->value->info.user, QStringLiteral("jane@example.com"));
    QCOMPARE(outcome->value->info.userType, QStringLiteral("System User"));
    QCOMPARE(outcome->value->info.installedApps,
             QStringList({QStringLiteral("frappe"), QStringLiteral("erpnext")}));
    QVERIFY(outcome->value->error.isEmpty());
    QCOMPARE(server.requests.size(), 1);
}

void TestFrappeWebClient::retryRereadsSecret()
{
    TestHttpServer server;
    // Cold Redis: the first call makes the web side create the secret.
    server.setHandler([&server](const RecordedRequest &) {
        return server.requests.size() == 1 ? json(R"({"message":{}})") : json(kUserInfo);
    });
    FrappeWebClient client(configFor(server));
    int lookups = 0;
    client.setSecretProvider([&lookups](auto reply) {
        ++lookups;
        if (lookups == 1)
            reply(std::nullopt);
        else
            reply(QByteArray("created-by-web"));
    });

    auto outcome = makeCapture<AuthOutcome>();
    client.fetchUserInfo(cookieCaller(server), into(outcome));
    QVERIFY(settled(outcome));
    QVERIFY(outcome->value->ok);
    QCOMPARE(lookups, 2);
    QCOMPARE(server.requests.size(), 2);
    QVERIFY(!server.requests[0].hasHeader("x-frappe-socket-secret"));
    QCOMPARE(server.requests[1].header("x-frappe-socket-secret"), QByteArray("created-by-web"));
    QCOMPARE(server.requests[1].header("cookie"), "sid=" + kSid);
}

void TestFrappeWebClient::emptyMessageTwiceRejects()
{
    TestHttpServer server;
    server.answerAll(json(R"({"message":{}})"));
    FrappeWebClient client(configFor(server));
    int lookups = 0;
    client.setSecretProvider([&lookups](auto reply) {
        ++lookups;
        reply(QByteArray("stale"));
    });
    auto outcome = makeCapture<AuthOutcome>();
    client.fetchUserInfo(cookieCaller(server), into(outcome));
    QVERIFY(settled(outcome));
    QVERIFY(!outcome->value->ok);
    QCOMPARE(outcome->value->error, QStringLiteral("Unauthorized: no user info returned"));
    QCOMPARE(server.requests.size(), 2);
    QCOMPARE(lookups, 2);
}

void TestFrappeWebClient::userWithoutAppsAfterRetryIsAdmitted()
{
    // A web side older than installed_apps (v15) still names the user.
    TestHttpServer server;
    server.answerAll(json(R"({"message":{"user":"Guest","user_type":"Website User"}})"));
    FrappeWebClient client(configFor(server));
    auto outcome = makeCapture<AuthOutcome>();
    client.fetchUserInfo(cookieCaller(server), into(outcome));
    QVERIFY(settled(outcome));
    QVERIFY(outcome->value->ok);
    QCOMPARE(outcome->value->info.user, QStringLiteral("Guest"));
    QCOMPARE(outcome->value->info.userType, QStringLiteral("Website User"));
    QVERIFY(outcome->value->info.installedApps.isEmpty());
    QCOMPARE(server.requests.size(), 2);
}

void TestFrappeWebClient::userInfoFailures_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("error");
    QTest::addColumn<int>("requests");

    const QString undefinedApps = QStringLiteral(
        "Unauthorized: TypeError: Cannot read properties of undefined (reading 'installed_apps')");
    QTest::newRow("403 envelope")
        << 403
        << QByteArray(R"({"exc_type":"PermissionError","exception":"frappe.PermissionError"})")
        << undefinedApps << 1;
    QTest::newRow("401 bad token")
        << 401 << QByteArray(R"({"exc_type":"AuthenticationError"})") << undefinedApps << 1;
    QTest::newRow("html") << 502 << QByteArray("<html><body>502 Bad Gateway</body></html>")
                          << QStringLiteral("Unauthorized: SyntaxError: Unexpected token '<', "
                                            "\"<html><bod\"... is not valid JSON")
                          << 1;
    QTest::newRow("empty body") << 502 << QByteArray()
                                << QStringLiteral(
                                       "Unauthorized: SyntaxError: Unexpected end of JSON input")
                                << 1;
    QTest::newRow("null") << 200 << QByteArray("null")
                          << QStringLiteral("Unauthorized: TypeError: Cannot read properties of "
                                            "null (reading 'message')")
                          << 1;
    QTest::newRow("null message") << 200 << QByteArray(R"({"message":null})")
                                  << QStringLiteral("Unauthorized: TypeError: Cannot read "
                                                    "properties of null (reading 'installed_apps')")
                                  << 1;
    QTest::newRow("string message") << 200 << QByteArray(R"({"message":"ok"})")
                                    << QStringLiteral("Unauthorized: no user info returned") << 2;
    QTest::newRow("empty user") << 200
                                << QByteArray(
                                       R"({"message":{"user":"","installed_apps":["frappe"]}})")
                                << QStringLiteral("Unauthorized: no user info returned") << 1;
}

void TestFrappeWebClient::userInfoFailures()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QString, error);
    QFETCH(int, requests);

    TestHttpServer server;
    CannedReply reply = json(body, status);
    if (body.startsWith('<')) reply.contentType = "text/html";
    server.answerAll(reply);
    FrappeWebClient client(configFor(server));
    auto outcome = makeCapture<AuthOutcome>();
    client.fetchUserInfo(tokenCaller(server), into(outcome));
    QVERIFY(settled(outcome));
    QVERIFY(!outcome->value->ok);
    QCOMPARE(outcome->value->error, error);
    QCOMPARE(server.requests.size(), requests);
}

void TestFrappeWebClient::connectionRefused()
{
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
    const quint16 port = closed.serverPort();
    closed.close();

    FrappeWebClient client(configFor(port));
    auto outcome = makeCapture<AuthOutcome>();
    client.fetchUserInfo({kSid, {}, QStringLiteral("http://127.0.0.1:%1").arg(port), "site1.local"},
                         into(outcome));
    QVERIFY(settled(outcome));
    QVERIFY(!outcome->value->ok);
    QCOMPARE(outcome->value->error, QStringLiteral("Unauthorized: TypeError: fetch failed"));
}

void TestFrappeWebClient::serverClosesWithoutAnswer()
{
    TestHttpServer server;
    CannedReply close;
    close.mode = CannedReply::Close;
    server.answerAll(close);
    FrappeWebClient client(configFor(server));
    auto outcome = makeCapture<AuthOutcome>();
    client.fetchUserInfo(cookieCaller(server), into(outcome));
    QVERIFY(settled(outcome));
    QCOMPARE(outcome->value->error, QStringLiteral("Unauthorized: TypeError: fetch failed"));
    QVERIFY(!server.requests.isEmpty());
}

void TestFrappeWebClient::serverNeverAnswersTimesOut()
{
    TestHttpServer server;
    CannedReply hang;
    hang.mode = CannedReply::Hang;
    server.answerAll(hang);
    FrappeWebClient client(configFor(server, 300));
    auto outcome = makeCapture<AuthOutcome>();
    QElapsedTimer clock;
    clock.start();
    client.fetchUserInfo(cookieCaller(server), into(outcome));
    QVERIFY(QTest::qWaitFor([&] { return outcome->calls > 0; }, 1000));
    const qint64 elapsed = clock.elapsed();
    QVERIFY2(elapsed >= 250 && elapsed < 1000, qPrintable(QString::number(elapsed)));
    QCOMPARE(
        outcome->value->error,
        QStringLiteral("Unauthorized: TimeoutError: The operation was aborted due to timeout"));
    QTest::qWait(100);
    QCOMPARE(outcome->calls, 1);
    QCOMPARE(server.requests.size(), 1);
}

void TestFrappeWebClient::secretLookupNeverAnswersTimesOut()
{
    TestHttpServer server;
    server.answerAll(json(kUserInfo));
    FrappeWebClient client(configFor(server, 300));
    std::function<void(std::optional<QByteArray>)> parked;
    client.setSecretProvider([&parked](auto reply) { parked = std::move(reply); });
    auto outcome = makeCapture<AuthOutcome>();
    client.fetchUserInfo(cookieCaller(server), into(outcome));
    QVERIFY(settled(outcome, 1000));
    QCOMPARE(
        outcome->value->error,
        QStringLiteral("Unauthorized: TimeoutError: The operation was aborted due to timeout"));

    parked(QByteArray("too-late")); // the answer after the deadline goes nowhere
    QTest::qWait(100);
    QCOMPARE(outcome->calls, 1);
    QVERIFY(server.requests.isEmpty());
}

void TestFrappeWebClient::missingOriginFails()
{
    // Without an Origin the callback still goes to the configured web server;
    // a configured target that does not parse fails readably, with no request.
    EngineConfig cfg = configFor(quint16(1));
    cfg.authUrlOverride = QStringLiteral("web-without-scheme");
    FrappeWebClient client(cfg);
    auto outcome = makeCapture<AuthOutcome>();
    client.fetchUserInfo({kSid, {}, QString(), QStringLiteral("site1.local")}, into(outcome));
    QCOMPARE(outcome->calls, 0);
    QVERIFY(settled(outcome));
    QCOMPARE(outcome->value->error,
             QStringLiteral("Unauthorized: TypeError: Failed to parse URL from "
                            "web-without-scheme/api/method/frappe.realtime.get_user_info"));
}

void TestFrappeWebClient::headerInjectionRefused()
{
    TestHttpServer server;
    server.answerAll(json(kUserInfo));
    FrappeWebClient client(configFor(server));
    auto outcome = makeCapture<AuthOutcome>();
    client.fetchUserInfo({"abc\r\nX-Evil: 1", {}, server.origin(), QStringLiteral("site1.local")},
                         into(outcome));
    QVERIFY(settled(outcome));
    QVERIFY(!outcome->value->ok);
    QVERIFY2(outcome->value->error.startsWith(QLatin1String("Unauthorized: TypeError: invalid")),
             qPrintable(outcome->value->error));
    QTest::qWait(50);
    QVERIFY(server.requests.isEmpty());
}

// --- permissions -------------------------------------------------------------

void TestFrappeWebClient::hasPermission_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("granted");
    QTest::newRow("true") << 200 << QByteArray(R"({"message":true})") << true;
    QTest::newRow("one") << 200 << QByteArray(R"({"message":1})") << true;
    QTest::newRow("string") << 200 << QByteArray(R"({"message":"ok"})") << true;
    QTest::newRow("array") << 200 << QByteArray(R"({"message":[]})") << true;
    QTest::newRow("false") << 200 << QByteArray(R"({"message":false})") << false;
    QTest::newRow("zero") << 200 << QByteArray(R"({"message":0})") << false;
    QTest::newRow("empty string") << 200 << QByteArray(R"({"message":""})") << false;
    QTest::newRow("null") << 200 << QByteArray(R"({"message":null})") << false;
    QTest::newRow("no message") << 200 << QByteArray("{}") << false;
    QTest::newRow("403") << 403 << QByteArray(R"({"exc_type":"PermissionError"})") << false;
    QTest::newRow("404") << 404 << QByteArray(R"({"exc_type":"DoesNotExistError"})") << false;
    QTest::newRow("error with message") << 500 << QByteArray(R"({"message":true})") << false;
    QTest::newRow("html") << 200 << QByteArray("<html></html>") << false;
    QTest::newRow("json null") << 200 << QByteArray("null") << false;
}

void TestFrappeWebClient::hasPermission()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(bool, granted);

    TestHttpServer server;
    server.answerAll(json(body, status));
    FrappeWebClient client(configFor(server));
    client.setSecretProvider([](auto reply) { reply(QByteArray("s3cr3t")); });
    auto result = makeCapture<bool>();
    client.checkPermission(cookieCaller(server), QStringLiteral("ToDo"), QStringLiteral("TD-1"),
                           into(result));
    QVERIFY(settled(result));
    QCOMPARE(*result->value, granted);
    QCOMPARE(server.requests.size(), 1);
    QCOMPARE(server.requests.first().header("cookie"), "sid=" + kSid);
    QCOMPARE(server.requests.first().header("x-frappe-socket-secret"), QByteArray("s3cr3t"));
    QCOMPARE(server.requests.first().header("x-frappe-site-name"), QByteArray("site1.local"));
}

void TestFrappeWebClient::hasPermissionQuery_data()
{
    QTest::addColumn<QString>("doctype");
    QTest::addColumn<QString>("docname");
    QTest::addColumn<QByteArray>("query");
    QTest::newRow("doc") << "Sales Invoice"
                         << "SINV/0001" << QByteArray("doctype=Sales+Invoice&name=SINV%2F0001");
    QTest::newRow("doctype only") << "User" << QString() << QByteArray("doctype=User&name=");
    QTest::newRow("unicode") << "Ärger"
                             << "a&b=c" << QByteArray("doctype=%C3%84rger&name=a%26b%3Dc");
}

void TestFrappeWebClient::hasPermissionQuery()
{
    QFETCH(QString, doctype);
    QFETCH(QString, docname);
    QFETCH(QByteArray, query);
    TestHttpServer server;
    server.answerAll(json(R"({"message":true})"));
    FrappeWebClient client(configFor(server));
    auto result = makeCapture<bool>();
    client.checkPermission(tokenCaller(server), doctype, docname, into(result));
    QVERIFY(settled(result));
    QVERIFY(*result->value);
    QCOMPARE(server.requests.first().path,
             QByteArray("/api/method/frappe.realtime.has_permission"));
    QCOMPARE(server.requests.first().query, query);
    QVERIFY(!server.requests.first().hasHeader("cookie"));
}

void TestFrappeWebClient::hasPermissionNetworkErrorIsLogged()
{
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
    const quint16 port = closed.serverPort();
    closed.close();

    LogCapture logs;
    FrappeWebClient client(configFor(port));
    auto result = makeCapture<bool>();
    client.checkPermission(
        {kSid, {}, QStringLiteral("http://127.0.0.1:%1").arg(port), "site1.local"},
        QStringLiteral("ToDo"), QString(), into(result));
    QVERIFY(settled(result));
    QVERIFY(!*result->value);
    QVERIFY2(logs.all().contains(QLatin1String("Can't check permissions: TypeError: fetch failed")),
             qPrintable(logs.all()));
    QVERIFY(logs.all().contains(QLatin1String("site1.local")));
}

void TestFrappeWebClient::legacyPermission_data()
{
    QTest::addColumn<bool>("token");
    QTest::addColumn<QString>("docname");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<bool>("granted");

    const QByteArray doc = "/api/method/frappe.realtime.can_subscribe_doc";
    const QByteArray doctype = "/api/method/frappe.realtime.can_subscribe_doctype";
    const QByteArray sidQuery = "sid=" + kSid + "&";
    QTest::newRow("doc, 200") << false << "SINV/1" << 200 << QByteArray(R"({"message":false})")
                              << doc << sidQuery + "doctype=Sales+Invoice&docname=SINV%2F1" << true;
    QTest::newRow("doc, 200, not json")
        << false << "SINV/1" << 200 << QByteArray("ok") << doc
        << sidQuery + "doctype=Sales+Invoice&docname=SINV%2F1" << true;
    QTest::newRow("doc, 403") << false << "SINV/1" << 403 << QByteArray("{}") << doc
                              << sidQuery + "doctype=Sales+Invoice&docname=SINV%2F1" << false;
    QTest::newRow("doctype, 200") << false << QString() << 200 << QByteArray() << doctype
                                  << sidQuery + "doctype=Sales+Invoice" << true;
    QTest::newRow("doctype, 500") << false << QString() << 500 << QByteArray("{}") << doctype
                                  << sidQuery + "doctype=Sales+Invoice" << false;
    QTest::newRow("token, doc") << true << "SINV/1" << 200 << QByteArray() << doc
                                << QByteArray("doctype=Sales+Invoice&docname=SINV%2F1") << true;
    QTest::newRow("token, doctype, 404") << true << QString() << 404 << QByteArray() << doctype
                                         << QByteArray("doctype=Sales+Invoice") << false;
}

void TestFrappeWebClient::legacyPermission()
{
    QFETCH(bool, token);
    QFETCH(QString, docname);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, query);
    QFETCH(bool, granted);

    TestHttpServer server;
    server.answerAll(json(body, status));
    EngineConfig cfg = configFor(server);
    cfg.permissionApi = PermissionApi::Legacy;
    FrappeWebClient client(cfg);
    auto result = makeCapture<bool>();
    client.checkPermission(token ? tokenCaller(server) : cookieCaller(server),
                           QStringLiteral("Sales Invoice"), docname, into(result));
    QVERIFY(settled(result));
    QCOMPARE(*result->value, granted);
    QCOMPARE(server.requests.size(), 1);
    QCOMPARE(server.requests.first().path, path);
    QCOMPARE(server.requests.first().query, query);
    QCOMPARE(server.requests.first().hasHeader("authorization"), token);
}

void TestFrappeWebClient::identicalChecksShareOneRequest()
{
    TestHttpServer server;
    CannedReply slow = json(R"({"message":true})");
    slow.delayMs = 100;
    server.answerAll(slow);
    FrappeWebClient client(configFor(server));
    auto first = makeCapture<bool>();
    auto second = makeCapture<bool>();
    auto other = makeCapture<bool>();
    auto otherUser = makeCapture<bool>();
    const CallerIdentity caller = cookieCaller(server);
    client.checkPermission(caller, QStringLiteral("ToDo"), QStringLiteral("TD-1"), into(first));
    client.checkPermission(caller, QStringLiteral("ToDo"), QStringLiteral("TD-1"), into(second));
    client.checkPermission(caller, QStringLiteral("ToDo"), QStringLiteral("TD-2"), into(other));
    client.checkPermission(tokenCaller(server), QStringLiteral("ToDo"), QStringLiteral("TD-1"),
                           into(otherUser));
    QVERIFY(settled(first));
    QVERIFY(settled(second));
    QVERIFY(settled(other));
    QVERIFY(settled(otherUser));
    QVERIFY(*first->value && *second->value && *other->value && *otherUser->value);
    QCOMPARE(server.requests.size(), 3);

    // Once answered, the next check asks again: nothing is cached.
    auto later = makeCapture<bool>();
    client.checkPermission(caller, QStringLiteral("ToDo"), QStringLiteral("TD-1"), into(later));
    QVERIFY(settled(later));
    QCOMPARE(server.requests.size(), 4);
}

void TestFrappeWebClient::permissionCacheReusesAnswersForItsTtl()
{
    TestHttpServer server;
    server.setHandler([](const RecordedRequest &r) {
        return json(r.query.contains("TD-2") ? R"({"message":false})" : R"({"message":true})");
    });
    EngineConfig cfg = configFor(server);
    cfg.permissionCacheTtlSec = 1;
    FrappeWebClient client(cfg);
    const CallerIdentity caller = cookieCaller(server);
    const auto check = [&](const CallerIdentity &who, const char *doc) {
        auto granted = makeCapture<bool>();
        client.checkPermission(who, QStringLiteral("ToDo"), QLatin1String(doc), into(granted));
        return settled(granted) ? std::optional<bool>(*granted->value) : std::nullopt;
    };
    QCOMPARE(check(caller, "TD-1"), std::optional<bool>(true));
    QCOMPARE(check(caller, "TD-2"), std::optional<bool>(false));
    QCOMPARE(server.requests.size(), 2);
    // Within the TTL both answers (grant and denial) come from the cache...
    QCOMPARE(check(caller, "TD-1"), std::optional<bool>(true));
    QCOMPARE(check(caller, "TD-2"), std::optional<bool>(false));
    QCOMPARE(server.requests.size(), 2);
    // ...but only for the same user.
    QCOMPARE(check(tokenCaller(server), "TD-1"), std::optional<bool>(true));
    QCOMPARE(server.requests.size(), 3);
    // After it the web server is asked again.
    QTest::qWait(1100);
    QCOMPARE(check(caller, "TD-1"), std::optional<bool>(true));
    QCOMPARE(server.requests.size(), 4);
}

void TestFrappeWebClient::loginsNeverWaitBehindPermissionChecks()
{
    TestHttpServer server;
    server.setHandler([](const RecordedRequest &r) {
        if (r.path.endsWith("get_user_info")) return json(kUserInfo);
        CannedReply slow = json(R"({"message":true})");
        slow.delayMs = 1500;
        return slow;
    });
    EngineConfig cfg = configFor(server);
    cfg.callbackConnections = 2;
    cfg.loginCallbackConnections = 1;
    FrappeWebClient client(cfg);
    // Enough checks to fill the permission connections for seconds.
    QList<CapturePtr<bool>> checks;
    for (int i = 0; i < 6; ++i) {
        checks.append(makeCapture<bool>());
        client.checkPermission(cookieCaller(server), QStringLiteral("ToDo"),
                               QStringLiteral("TD-%1").arg(i), into(checks.last()));
    }
    QElapsedTimer timer;
    timer.start();
    auto outcome = makeCapture<AuthOutcome>();
    client.fetchUserInfo(cookieCaller(server), into(outcome));
    QVERIFY(settled(outcome));
    QVERIFY(outcome->value->ok);
    QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
    // Positive control: the checks were indeed still waiting then.
    QVERIFY(checks.last()->calls == 0);
    for (const auto &c : checks)
        QVERIFY(settled(c, 10000));
}

// --- generic requests, redirects, connections ---------------------------------

void TestFrappeWebClient::genericRequest()
{
    TestHttpServer server;
    CannedReply reply = json(R"({"exc_type":"ValidationError"})", 500);
    server.answerAll(reply);
    FrappeWebClient client(configFor(server));
    client.setSecretProvider([](auto done) { done(QByteArray("s3cr3t")); });
    auto response = makeCapture<WebResponse>();
    client.request(cookieCaller(server), "post",
                   QStringLiteral("/api/method/suite.meet.api.validate?guest_id=g+1"), R"({"a":1})",
                   {{"Content-Type", "application/json"},
                    {"X-Custom", "one"},
                    {"x-custom", "two"},
                    {"Authorization", "token stolen:stolen"},
                    {"X-Frappe-Site-Name", "other.site"},
                    {"X-Frappe-Socket-Secret", "forged"},
                    {"Cookie", "sid=other"}},
                   into(response));
    QVERIFY(settled(response));
    QVERIFY2(response->value->networkError.isEmpty(), qPrintable(response->value->networkError));
    QCOMPARE(response->value->status, 500);
    QCOMPARE(response->value->body, QByteArray(R"({"exc_type":"ValidationError"})"));

    QCOMPARE(server.requests.size(), 1);
    const RecordedRequest &request = server.requests.first();
    QCOMPARE(request.method, QByteArray("POST"));
    QCOMPARE(request.path, QByteArray("/api/method/suite.meet.api.validate"));
    QCOMPARE(request.query, QByteArray("guest_id=g+1"));
    QCOMPARE(request.body, QByteArray(R"({"a":1})"));
    QCOMPARE(request.header("content-type"), QByteArray("application/json"));
    QCOMPARE(request.header("x-custom"), QByteArray("one, two"));
    QCOMPARE(request.header("cookie"), "sid=" + kSid);
    QVERIFY(!request.hasHeader("authorization"));
    QCOMPARE(request.header("x-frappe-site-name"), QByteArray("site1.local"));
    QCOMPARE(request.header("x-frappe-socket-secret"), QByteArray("s3cr3t"));
}

void TestFrappeWebClient::requestMethods_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("sent"); // empty: nothing may be sent
    QTest::addColumn<QString>("error");   // expected networkError
    QTest::addColumn<QByteArray>("contentType");
    QTest::newRow("default get") << QByteArray() << QByteArray() << QByteArray("GET") << QString()
                                 << QByteArray();
    QTest::newRow("lower post") << QByteArray("post") << QByteArray("hi") << QByteArray("POST")
                                << QString() << QByteArray("text/plain;charset=UTF-8");
    QTest::newRow("put") << QByteArray("Put") << QByteArray("x") << QByteArray("PUT") << QString()
                         << QByteArray("text/plain;charset=UTF-8");
    QTest::newRow("patch kept as given")
        << QByteArray("PATCH") << QByteArray() << QByteArray("PATCH") << QString() << QByteArray();
    QTest::newRow("delete") << QByteArray("delete") << QByteArray() << QByteArray("DELETE")
                            << QString() << QByteArray();
    QTest::newRow("trace") << QByteArray("TRACE") << QByteArray() << QByteArray()
                           << QStringLiteral("TypeError: 'TRACE' HTTP method is unsupported.")
                           << QByteArray();
    QTest::newRow("bad token") << QByteArray("GET X") << QByteArray() << QByteArray()
                               << QStringLiteral("TypeError: 'GET X' is not a valid HTTP method.")
                               << QByteArray();
    QTest::newRow("get with body")
        << QByteArray("GET") << QByteArray("x") << QByteArray()
        << QStringLiteral("TypeError: Request with GET/HEAD method cannot have body.")
        << QByteArray();
}

void TestFrappeWebClient::requestMethods()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, sent);
    QFETCH(QString, error);
    QFETCH(QByteArray, contentType);

    TestHttpServer server;
    server.answerAll(json(R"({"message":"ok"})"));
    FrappeWebClient client(configFor(server));
    auto response = makeCapture<WebResponse>();
    client.request(cookieCaller(server), method, QStringLiteral("/api/method/ping"), body, {},
                   into(response));
    QCOMPARE(response->calls, 0);
    QVERIFY(settled(response));
    QCOMPARE(response->value->networkError, error);
    if (sent.isEmpty()) {
        QTest::qWait(50);
        QVERIFY(server.requests.isEmpty());
        QCOMPARE(response->value->status, 0);
        return;
    }
    QCOMPARE(response->value->status, 200);
    QCOMPARE(server.requests.size(), 1);
    QCOMPARE(server.requests.first().method, sent);
    QCOMPARE(server.requests.first().body, body);
    QCOMPARE(server.requests.first().header("content-type"), contentType);
}

void TestFrappeWebClient::requestRefusesForeignPaths_data()
{
    QTest::addColumn<QString>("path");
    QTest::newRow("userinfo") << "@127.0.0.2/api/method/x";
    QTest::newRow("authority") << "//127.0.0.2/api/method/x";
    QTest::newRow("no slash") << "api/method/x";
}

void TestFrappeWebClient::requestRefusesForeignPaths()
{
    QFETCH(QString, path);
    TestHttpServer server;
    FrappeWebClient client(configFor(server));
    auto response = makeCapture<WebResponse>();
    client.request(cookieCaller(server), "GET", path, {}, {}, into(response));
    QVERIFY(settled(response));
    QVERIFY(response->value->networkError.startsWith(QLatin1String("TypeError: ")));
    QCOMPARE(response->value->status, 0);
    QVERIFY(server.requests.isEmpty());
}

void TestFrappeWebClient::sameOriginRedirectIsFollowed()
{
    TestHttpServer server;
    server.setHandler([](const RecordedRequest &request) {
        if (request.path == "/old") {
            CannedReply moved = json({}, 302);
            moved.headers.append(qMakePair(
                QByteArray("Location"), QByteArray("/api/method/frappe.realtime.get_user_info")));
            return moved;
        }
        return json(kUserInfo);
    });
    EngineConfig cfg = configFor(server);
    cfg.authUrlOverride = server.origin() + QStringLiteral("/old?x=");
    FrappeWebClient client(cfg);
    client.setSecretProvider([](auto done) { done(QByteArray("s3cr3t")); });
    auto outcome = makeCapture<AuthOutcome>();
    client.fetchUserInfo(tokenCaller(server), into(outcome));
    QVERIFY(settled(outcome));
    QVERIFY2(outcome->value->ok, qPrintable(outcome->value->error));
    QCOMPARE(server.requests.size(), 2);
    QCOMPARE(server.requests[1].path, QByteArray("/api/method/frappe.realtime.get_user_info"));
    QCOMPARE(server.requests[1].header("authorization"), tokenCaller(server).authorization);
    QCOMPARE(server.requests[1].header("x-frappe-socket-secret"), QByteArray("s3cr3t"));
}

void TestFrappeWebClient::crossOriginRedirectIsRefused()
{
    TestHttpServer elsewhere;
    elsewhere.answerAll(json(kUserInfo));
    TestHttpServer server;
    server.setHandler([&elsewhere](const RecordedRequest &request) {
        CannedReply moved = json({}, 307);
        moved.headers.append(qMakePair(QByteArray("Location"),
                                       QByteArray(elsewhere.origin().toUtf8() + request.path)));
        return moved;
    });
    FrappeWebClient client(configFor(server));
    client.setSecretProvider([](auto done) { done(QByteArray("s3cr3t")); });
    auto outcome = makeCapture<AuthOutcome>();
    client.fetchUserInfo(cookieCaller(server), into(outcome));
    QVERIFY(settled(outcome));
    QCOMPARE(outcome->value->error, QStringLiteral("Unauthorized: TypeError: fetch failed"));
    QCOMPARE(server.requests.size(), 1);
    QTest::qWait(50);
    QVERIFY(elsewhere.requests.isEmpty()); // neither cookie nor secret left the origin
}

void TestFrappeWebClient::responseCookiesAreNeverStored()
{
    TestHttpServer server;
    CannedReply reply = json(R"({"message":true})");
    reply.headers.append(
        qMakePair(QByteArray("Set-Cookie"), QByteArray("sid=leaked; Path=/; HttpOnly")));
    reply.headers.append(
        qMakePair(QByteArray("Set-Cookie"), QByteArray("system_user=yes; Path=/")));
    server.answerAll(reply);
    FrappeWebClient client(configFor(server));

    for (const CallerIdentity &caller :
         {cookieCaller(server), tokenCaller(server), cookieCaller(server)}) {
        auto result = makeCapture<bool>();
        client.checkPermission(caller, QStringLiteral("ToDo"), QString(), into(result));
        QVERIFY(settled(result));
    }
    QCOMPARE(server.requests.size(), 3);
    QCOMPARE(server.requests[0].header("cookie"), "sid=" + kSid);
    QVERIFY(!server.requests[1].hasHeader("cookie"));
    QCOMPARE(server.requests[2].header("cookie"), "sid=" + kSid);
}

void TestFrappeWebClient::connectionsAreReused()
{
    TestHttpServer server;
    server.answerAll(json(kUserInfo));
    FrappeWebClient client(configFor(server));
    for (int i = 0; i < 3; ++i) {
        auto outcome = makeCapture<AuthOutcome>();
        client.fetchUserInfo(cookieCaller(server), into(outcome));
        QVERIFY(settled(outcome));
    }
    QCOMPARE(server.requests.size(), 3);
    QCOMPARE(server.requests[1].connection, server.requests[0].connection);
    QCOMPARE(server.requests[2].connection, server.requests[0].connection);
}

void TestFrappeWebClient::logsNeverShowCredentials()
{
    TestHttpServer server;
    server.answerAll(json("<html>nope</html>", 502));
    LogCapture logs;
    {
        FrappeWebClient client(configFor(server));
        client.setSecretProvider([](auto done) { done(QByteArray("the-shared-secret-value")); });
        auto outcome = makeCapture<AuthOutcome>();
        client.fetchUserInfo(cookieCaller(server), into(outcome));
        QVERIFY(settled(outcome));
        auto token = makeCapture<AuthOutcome>();
        client.fetchUserInfo(tokenCaller(server), into(token));
        QVERIFY(settled(token));
    }
    {
        EngineConfig cfg = configFor(server);
        cfg.permissionApi = PermissionApi::Legacy;
        FrappeWebClient client(cfg);
        auto result = makeCapture<bool>();
        client.checkPermission(cookieCaller(server), QStringLiteral("ToDo"), QStringLiteral("TD-1"),
                               into(result));
        QVERIFY(settled(result));
    }
    const QString text = logs.all();
    QVERIFY2(text.contains(QLatin1String("get_user_info failed")), qPrintable(text));
    QVERIFY(text.contains(QLatin1String("Can't check permissions")));
    QVERIFY(text.contains(QStringLiteral("sid 0123…")));
    QVERIFY(text.contains(QStringLiteral("sid=0123…")));
    QVERIFY(text.contains(QStringLiteral("Authorization toke…")));
    QVERIFY(text.contains(server.origin()));
    QVERIFY(!text.contains(QString::fromLatin1(kSid)));
    QVERIFY(!text.contains(QString::fromLatin1(kSid.left(8))));
    QVERIFY(!text.contains(QString::fromLatin1(tokenCaller(server).authorization)));
    QVERIFY(!text.contains(QLatin1String("9876543210")));
    QVERIFY(!text.contains(QLatin1String("the-shared-secret")));
}

// --- callback contract ---------------------------------------------------------

void TestFrappeWebClient::destroyedClientNeverCallsBack()
{
    TestHttpServer server;
    CannedReply hang;
    hang.mode = CannedReply::Hang;
    server.answerAll(hang);
    auto *client = new FrappeWebClient(configFor(server, 200));
    auto outcome = makeCapture<AuthOutcome>();
    auto permission = makeCapture<bool>();
    auto response = makeCapture<WebResponse>();
    client->fetchUserInfo(cookieCaller(server), into(outcome));
    client->checkPermission(cookieCaller(server), QStringLiteral("ToDo"), QString(),
                            into(permission));
    client->request(cookieCaller(server), "GET", QStringLiteral("/x"), {}, {}, into(response));
    QVERIFY(QTest::qWaitFor([&] { return server.requests.size() == 3; }, 2000));
    delete client;
    QTest::qWait(400); // past the 200 ms deadline
    QCOMPARE(outcome->calls, 0);
    QCOMPARE(permission->calls, 0);
    QCOMPARE(response->calls, 0);
    QCOMPARE(outcome.use_count(), 1); // the pending callbacks were released
    QCOMPARE(permission.use_count(), 1);
    QCOMPARE(response.use_count(), 1);
}

void TestFrappeWebClient::lateSecretAfterDestructionIsIgnored()
{
    TestHttpServer server;
    server.answerAll(json(kUserInfo));
    auto *client = new FrappeWebClient(configFor(server));
    std::function<void(std::optional<QByteArray>)> parked;
    client->setSecretProvider([&parked](auto reply) { parked = std::move(reply); });
    auto outcome = makeCapture<AuthOutcome>();
    client->fetchUserInfo(cookieCaller(server), into(outcome));
    delete client;
    parked(QByteArray("late"));
    QTest::qWait(100);
    QCOMPARE(outcome->calls, 0);
    QVERIFY(server.requests.isEmpty());
}

void TestFrappeWebClient::doneMayDestroyClient()
{
    TestHttpServer server;
    server.answerAll(json(R"({"message":true})"));
    QPointer<FrappeWebClient> client = new FrappeWebClient(configFor(server));
    int calls = 0;
    const auto destroyer = [&](bool) {
        ++calls;
        delete client.data();
    };
    // Two waiters of one shared check: the first destroys the client, so the
    // second must not be called any more.
    client->checkPermission(cookieCaller(server), QStringLiteral("ToDo"), QString(), destroyer);
    client->checkPermission(cookieCaller(server), QStringLiteral("ToDo"), QString(), destroyer);
    QVERIFY(QTest::qWaitFor([&] { return client.isNull(); }, 5000));
    QTest::qWait(50);
    QCOMPARE(calls, 1);

    QPointer<FrappeWebClient> second = new FrappeWebClient(configFor(server));
    bool called = false;
    second->fetchUserInfo(cookieCaller(server), [&](AuthOutcome) {
        called = true;
        delete second.data();
    });
    QVERIFY(QTest::qWaitFor([&] { return second.isNull(); }, 5000));
    QVERIFY(called);
}

QTEST_GUILESS_MAIN(TestFrappeWebClient)
#include "tst_frappewebclient.moc"
