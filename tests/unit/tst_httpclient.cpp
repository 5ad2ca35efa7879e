// HttpClient against a real scripted HTTP server on 127.0.0.1: keep-alive
// reuse, the per-origin cap and its queue, body framings, Connection: close,
// the keep-alive race and its retry rule, timeouts, size caps, malformed
// answers and cancellation. HttpResponseParser's strictness is checked on
// its own too.
#include "httpclient/httpclient.h"
#include "httpclient/httpresponseparser.h"

#include <QMutex>
#include <QPointer>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslServer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>

#include <atomic>

#include <memory>

namespace {

// A self-signed certificate for 127.0.0.1 (valid until 2126) and its key,
// made for this test only.
const char kTestCertificate[] = R"(-----BEGIN CERTIFICATE-----
MIIBjzCCATagAwIBAgIUatR3JrgmiTiO6vP0GRiNzgPVKkYwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyODIyMzY0N1oYDzIxMjYxMTA0
MjIzNjQ3WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQ73/fLtjRrDipK8E0vL1+7hmX/WZFx2YWJNuKAJVm4wqvnWXRn4pCJ
3lplRlg5wDb4lQFt7dcjtjc1UbQM2er/o2QwYjAdBgNVHQ4EFgQUxgBTL5cwI+2R
NIrWDHcQgr8S2kIwHwYDVR0jBBgwFoAUxgBTL5cwI+2RNIrWDHcQgr8S2kIwDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0cAMEQC
IGme30HudPuuKi76BLTrUUet0Bu9DgFDSyqq0bBOmbXyAiBShRPMLdcxN3YYtybb
56DvN6BtCjPYuaRy3m4S32VVtA==
-----END CERTIFICATE-----
)";
const char kTestKey[] = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg8uVKBcVjmVaInpTX
pgVKdMhdKzlkBuc1P8jSftZqczihRANCAAQ73/fLtjRrDipK8E0vL1+7hmX/WZFx
2YWJNuKAJVm4wqvnWXRn4pCJ3lplRlg5wDb4lQFt7dcjtjc1UbQM2er/
-----END PRIVATE KEY-----
)";

QSslCertificate testCertificate()
{
    return QSslCertificate(QByteArray(kTestCertificate), QSsl::Pem);
}

struct SeenRequest {
    QByteArray method;
    QByteArray target;
    QByteArray head;
    QByteArray body;
    int connection = 0;
};

// What the server does with one request.
struct Action {
    enum Mode { Reply, Hang, CloseWithoutAnswer };
    Mode mode = Reply;
    QByteArray raw;          // written verbatim
    bool closeAfter = false; // close the connection once written
};

Action reply(const QByteArray &body, const QByteArray &extraHeaders = {})
{
    Action action;
    action.raw = "HTTP/1.1 200 OK\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n" +
                 extraHeaders + "\r\n" + body;
    return action;
}

Action raw(const QByteArray &bytes, bool closeAfter = false)
{
    Action action;
    action.raw = bytes;
    action.closeAfter = closeAfter;
    return action;
}

class ScriptedServer : public QObject {
public:
    using Handler = std::function<Action(const SeenRequest &)>;

    explicit ScriptedServer(bool tls = false) : m_tls(tls)
    {
        if (tls) {
            auto *server = new QSslServer(this);
            QSslConfiguration config = QSslConfiguration::defaultConfiguration();
            config.setLocalCertificate(testCertificate());
            config.setPrivateKey(QSslKey(QByteArray(kTestKey), QSsl::Ec));
            server->setSslConfiguration(config);
            m_server = server;
        } else {
            m_server = new QTcpServer(this);
        }
        if (!m_server->listen(QHostAddress::LocalHost, 0))
            qFatal("test server: %s", qPrintable(m_server->errorString()));
        // A TLS server has a connection to hand out only after the handshake.
        connect(m_server, &QTcpServer::pendingConnectionAvailable, this, &ScriptedServer::accept);
    }

    HttpOrigin origin() const
    {
        return {m_tls, QStringLiteral("127.0.0.1"), m_server->serverPort()};
    }
    void setHandler(Handler handler) { m_handler = std::move(handler); }

    // Answers every request parked by Action::Hang, in arrival order.
    void release(const Action &action)
    {
        const auto parked = std::exchange(m_parked, {});
        for (const QPointer<QTcpSocket> &socket : parked)
            if (socket) socket->write(action.raw);
    }

    // Closes every connection that is open right now.
    void closeAll()
    {
        for (const QPointer<QTcpSocket> &socket : std::as_const(m_sockets))
            if (socket) socket->disconnectFromHost();
    }

    int connections = 0;
    int disconnects = 0;
    QList<SeenRequest> requests;

private:
    void accept()
    {
        while (QTcpSocket *socket = m_server->nextPendingConnection()) {
            socket->setParent(this);
            m_sockets.append(socket);
            const int id = ++connections;
            auto buffer = std::make_shared<QByteArray>();
            connect(socket, &QTcpSocket::readyRead, this,
                    [this, socket, id, buffer] { read(socket, id, *buffer); });
            connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
                ++disconnects;
                socket->deleteLater();
            });
        }
    }

    void read(QTcpSocket *socket, int id, QByteArray &buffer)
    {
        buffer += socket->readAll();
        while (true) {
            const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
            if (headEnd < 0) return;
            SeenRequest request;
            request.connection = id;
            request.head = buffer.left(headEnd + 2);
            const QList<QByteArray> first =
                request.head.left(request.head.indexOf("\r\n")).split(' ');
            request.method = first.value(0);
            request.target = first.value(1);
            qsizetype length = 0;
            for (const QByteArray &line : request.head.split('\n')) {
                if (line.toLower().startsWith("content-length:"))
                    length = line.mid(15).trimmed().toLongLong();
            }
            if (buffer.size() < headEnd + 4 + length) return;
            request.body = buffer.mid(headEnd + 4, length);
            buffer.remove(0, headEnd + 4 + length);
            requests.append(request);
            const Action action = m_handler ? m_handler(request) : reply("ok");
            switch (action.mode) {
            case Action::Hang:
                m_parked.append(socket);
                break;
            case Action::CloseWithoutAnswer:
                socket->disconnectFromHost();
                return;
            case Action::Reply:
                socket->write(action.raw);
                if (action.closeAfter) {
                    socket->disconnectFromHost();
                    return;
                }
                break;
            }
        }
    }

    bool m_tls;
    QTcpServer *m_server;
    Handler m_handler;
    QList<QPointer<QTcpSocket>> m_sockets;
    QList<QPointer<QTcpSocket>> m_parked;
};

struct Outcome {
    int calls = 0;
    HttpClientResponse response;
};
using OutcomePtr = std::shared_ptr<Outcome>;

OutcomePtr sendTo(HttpClient &client, const HttpOrigin &origin, const QByteArray &method = "GET",
                  const QByteArray &target = "/x", const QByteArray &body = {}, int timeoutMs = 0)
{
    auto outcome = std::make_shared<Outcome>();
    HttpClientRequest request;
    request.origin = origin;
    request.method = method;
    request.target = target;
    request.headerLines = "Accept: application/json\r\n";
    request.body = body;
    request.timeoutMs = timeoutMs;
    client.send(std::move(request), [outcome](HttpClientResponse response) {
        ++outcome->calls;
        outcome->response = std::move(response);
    });
    return outcome;
}

bool answered(const OutcomePtr &outcome)
{
    return QTest::qWaitFor([&] { return outcome->calls > 0; }, 5000) && outcome->calls == 1;
}

HttpClient::Options withCap(int cap)
{
    HttpClient::Options options;
    options.maxConnectionsPerOrigin = cap;
    return options;
}

} // namespace

class TestHttpClient : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void requestOnTheWire();
    void keepAliveReusesOneConnection();
    void capIsRespectedAndRequestsQueue();
    void chunkedBody();
    void bodyUntilClose();
    void interimResponseIsSkipped();
    void connectionCloseIsHonoured();
    void idleConnectionClosedByServer();
    void keepAliveRaceRetriesGetOnce();
    void keepAliveRaceNeverRepeatsPost();
    void timeoutAbortsOnlyThatConnection();
    void oversizedResponse_data();
    void oversizedResponse();
    void malformedStatusLine();
    void connectionRefused();
    void invalidRequestIsRefused();
    void cancelledRequestNeverAnswers();
    void worksAfterMoveToThread();
    void httpsWithTrustedCertificate();
    void httpsRefusesUntrustedCertificate();
    void parserRejects_data();
    void parserRejects();
    void responseHeaderLookup();
};

void TestHttpClient::requestOnTheWire()
{
    ScriptedServer server;
    HttpClient client;
    auto get = sendTo(client, server.origin(), "GET", "/api/method/x?a=b%2Fc");
    QVERIFY(answered(get));
    QCOMPARE(get->response.error, HttpClientResponse::Error::None);
    QCOMPARE(get->response.status, 200);
    QCOMPARE(get->response.body, QByteArray("ok"));
    auto post = sendTo(client, server.origin(), "POST", "/p", "{\"a\":1}");
    QVERIFY(answered(post));
    auto emptyPost = sendTo(client, server.origin(), "POST", "/p");
    QVERIFY(answered(emptyPost));

    QCOMPARE(server.requests.size(), 3);
    const QByteArray port = QByteArray::number(server.origin().port);
    QCOMPARE(server.requests[0].head,
             "GET /api/method/x?a=b%2Fc HTTP/1.1\r\nHost: 127.0.0.1:" + port +
                 "\r\nAccept: application/json\r\n"
                 "Connection: keep-alive\r\n");
    QVERIFY(server.requests[1].head.contains("\r\nContent-Length: 7\r\n"));
    QCOMPARE(server.requests[1].body, QByteArray("{\"a\":1}"));
    QVERIFY(server.requests[2].head.contains("\r\nContent-Length: 0\r\n"));
}

void TestHttpClient::keepAliveReusesOneConnection()
{
    ScriptedServer server;
    HttpClient client;
    for (int i = 0; i < 5; ++i) {
        auto outcome = sendTo(client, server.origin());
        QVERIFY(answered(outcome));
        QCOMPARE(outcome->response.status, 200);
    }
    QCOMPARE(server.requests.size(), 5);
    QCOMPARE(server.connections, 1);
    QCOMPARE(client.connectionsOpened(), 1);
    QCOMPARE(client.idleConnections(server.origin()), 1);
}

void TestHttpClient::capIsRespectedAndRequestsQueue()
{
    ScriptedServer server;
    server.setHandler([](const SeenRequest &) { return Action{Action::Hang, {}, false}; });
    HttpClient client(withCap(2));
    QList<OutcomePtr> outcomes;
    for (int i = 0; i < 5; ++i)
        outcomes.append(sendTo(client, server.origin()));
    QVERIFY(QTest::qWaitFor([&] { return server.requests.size() == 2; }, 5000));
    QTest::qWait(50); // room for a wrongly opened third connection to show up
    QCOMPARE(server.connections, 2);
    QCOMPARE(server.requests.size(), 2);
    QCOMPARE(client.openConnections(server.origin()), 2);
    QCOMPARE(client.queuedRequests(server.origin()), 3);

    server.setHandler([](const SeenRequest &) { return reply("late"); });
    server.release(reply("first"));
    for (const OutcomePtr &outcome : std::as_const(outcomes)) {
        QVERIFY(answered(outcome));
        QCOMPARE(outcome->response.status, 200);
    }
    QCOMPARE(server.requests.size(), 5);
    QCOMPARE(server.connections, 2);
    QCOMPARE(client.queuedRequests(server.origin()), 0);
}

void TestHttpClient::chunkedBody()
{
    ScriptedServer server;
    server.setHandler([](const SeenRequest &) {
        return raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: yes\r\n\r\n");
    });
    HttpClient client;
    auto first = sendTo(client, server.origin());
    QVERIFY(answered(first));
    QCOMPARE(first->response.error, HttpClientResponse::Error::None);
    QCOMPARE(first->response.body, QByteArray("hello, world"));
    // The framing ended exactly at the trailer: the connection stays usable.
    auto second = sendTo(client, server.origin());
    QVERIFY(answered(second));
    QCOMPARE(second->response.body, QByteArray("hello, world"));
    QCOMPARE(server.connections, 1);
}

void TestHttpClient::bodyUntilClose()
{
    ScriptedServer server;
    server.setHandler(
        [](const SeenRequest &) { return raw("HTTP/1.0 200 OK\r\n\r\nall of it", true); });
    HttpClient client;
    auto outcome = sendTo(client, server.origin());
    QVERIFY(answered(outcome));
    QCOMPARE(outcome->response.error, HttpClientResponse::Error::None);
    QCOMPARE(outcome->response.body, QByteArray("all of it"));
    QCOMPARE(client.idleConnections(server.origin()), 0);
}

void TestHttpClient::interimResponseIsSkipped()
{
    ScriptedServer server;
    server.setHandler([](const SeenRequest &) {
        return raw(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok");
    });
    HttpClient client;
    auto outcome = sendTo(client, server.origin(), "POST", "/p", "x");
    QVERIFY(answered(outcome));
    QCOMPARE(outcome->response.status, 201);
    QCOMPARE(outcome->response.body, QByteArray("ok"));
    QVERIFY(outcome->response.head.startsWith("HTTP/1.1 201 Created\r\n"));
}

void TestHttpClient::connectionCloseIsHonoured()
{
    ScriptedServer server;
    server.setHandler([](const SeenRequest &) { return reply("bye", "Connection: close\r\n"); });
    HttpClient client;
    for (int i = 0; i < 2; ++i) {
        auto outcome = sendTo(client, server.origin());
        QVERIFY(answered(outcome));
        QCOMPARE(outcome->response.body, QByteArray("bye"));
    }
    QCOMPARE(server.connections, 2);
    QCOMPARE(client.idleConnections(server.origin()), 0);
}

void TestHttpClient::idleConnectionClosedByServer()
{
    ScriptedServer server;
    HttpClient client;
    auto first = sendTo(client, server.origin());
    QVERIFY(answered(first));
    server.closeAll();
    QVERIFY(QTest::qWaitFor([&] { return client.idleConnections(server.origin()) == 0; }, 5000));
    auto second = sendTo(client, server.origin());
    QVERIFY(answered(second));
    QCOMPARE(second->response.error, HttpClientResponse::Error::None);
    QCOMPARE(server.connections, 2);
}

void TestHttpClient::keepAliveRaceRetriesGetOnce()
{
    // The server drops the second request on the reused connection unanswered,
    // as a server does whose keep-alive timeout struck just then.
    ScriptedServer server;
    server.setHandler([&server](const SeenRequest &) {
        if (server.requests.size() == 2) return Action{Action::CloseWithoutAnswer, {}, false};
        return reply("ok");
    });
    HttpClient client;
    QVERIFY(answered(sendTo(client, server.origin())));
    auto second = sendTo(client, server.origin());
    QVERIFY(answered(second));
    QCOMPARE(second->response.error, HttpClientResponse::Error::None);
    QCOMPARE(server.requests.size(), 3);
    QCOMPARE(server.requests[2].connection, 2); // on a fresh connection

    // A fresh connection that fails is not the race: no second attempt.
    server.setHandler([](const SeenRequest &) {
        return Action{Action::CloseWithoutAnswer, {}, false};
    });
    HttpClient other;
    auto fresh = sendTo(other, server.origin());
    QVERIFY(answered(fresh));
    QCOMPARE(fresh->response.error, HttpClientResponse::Error::ConnectionClosed);
    QCOMPARE(server.requests.size(), 4);
}

void TestHttpClient::keepAliveRaceNeverRepeatsPost()
{
    ScriptedServer server;
    server.setHandler([&server](const SeenRequest &) {
        if (server.requests.size() == 2) return Action{Action::CloseWithoutAnswer, {}, false};
        return reply("ok");
    });
    HttpClient client;
    QVERIFY(answered(sendTo(client, server.origin())));
    auto post = sendTo(client, server.origin(), "POST", "/charge", "once");
    QVERIFY(answered(post));
    QCOMPARE(post->response.error, HttpClientResponse::Error::ConnectionClosed);
    QVERIFY2(post->response.errorString.contains(QLatin1String("closed the connection")),
             qPrintable(post->response.errorString));
    QTest::qWait(50);
    QCOMPARE(server.requests.size(), 2); // the server saw it once
}

void TestHttpClient::timeoutAbortsOnlyThatConnection()
{
    ScriptedServer server;
    server.setHandler([](const SeenRequest &request) {
        if (request.target == "/slow") return Action{Action::Hang, {}, false};
        return reply("fast");
    });
    HttpClient client;
    auto warm = sendTo(client, server.origin());
    QVERIFY(answered(warm));
    auto other = sendTo(client, server.origin(), "GET", "/slow"); // keeps the warm one busy
    auto slow = sendTo(client, server.origin(), "GET", "/slow", {}, 200);
    QVERIFY(answered(slow));
    QCOMPARE(slow->response.error, HttpClientResponse::Error::Timeout);
    QCOMPARE(slow->response.errorString, QStringLiteral("no complete response within 200 ms"));
    QVERIFY(QTest::qWaitFor([&] { return server.disconnects == 1; }, 5000));
    QCOMPARE(other->calls, 0);
    QCOMPARE(client.openConnections(server.origin()), 1);
    server.release(reply("late"));
    QVERIFY(answered(other));
    QCOMPARE(other->response.body, QByteArray("late"));
}

void TestHttpClient::oversizedResponse_data()
{
    QTest::addColumn<QByteArray>("response");
    const QByteArray big(5000, 'x');
    QTest::newRow("content-length") << "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + big;
    QTest::newRow("chunked") << "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "800\r\n" +
                                    big.left(0x800) + "\r\n800\r\n" + big.left(0x800) +
                                    "\r\n0\r\n\r\n";
    QTest::newRow("until close") << "HTTP/1.1 200 OK\r\n\r\n" + big;
    QTest::newRow("head") << "HTTP/1.1 200 OK\r\nX-Big: " + QByteArray(70000, 'h') + "\r\n\r\n";
}

void TestHttpClient::oversizedResponse()
{
    QFETCH(QByteArray, response);
    ScriptedServer server;
    server.setHandler([&](const SeenRequest &) { return raw(response, true); });
    HttpClient::Options options;
    options.maxResponseBytes = 3000;
    HttpClient client(options);
    auto outcome = sendTo(client, server.origin());
    QVERIFY(answered(outcome));
    QCOMPARE(outcome->response.error, HttpClientResponse::Error::ResponseTooLarge);
    QVERIFY2(outcome->response.errorString.contains(QLatin1String("limit")) ||
                 outcome->response.errorString.contains(QLatin1String("larger than")),
             qPrintable(outcome->response.errorString));
    QVERIFY(outcome->response.body.isEmpty());
}

void TestHttpClient::malformedStatusLine()
{
    ScriptedServer server;
    server.setHandler([](const SeenRequest &) { return raw("HTTP/1.1 2OO OK\r\n\r\n"); });
    HttpClient client;
    auto outcome = sendTo(client, server.origin());
    QVERIFY(answered(outcome));
    QCOMPARE(outcome->response.error, HttpClientResponse::Error::MalformedResponse);
    QCOMPARE(outcome->response.errorString,
             QStringLiteral("malformed status line: \"HTTP/1.1 2OO OK\" (from 127.0.0.1:%1)")
                 .arg(server.origin().port));
    QVERIFY(QTest::qWaitFor([&] { return server.disconnects == 1; }, 5000));
}

void TestHttpClient::connectionRefused()
{
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
    const HttpOrigin origin{false, QStringLiteral("127.0.0.1"), closed.serverPort()};
    closed.close();
    HttpClient client;
    auto outcome = sendTo(client, origin);
    QCOMPARE(outcome->calls, 0); // never inside send()
    QVERIFY(answered(outcome));
    QCOMPARE(outcome->response.error, HttpClientResponse::Error::ConnectFailed);
    QVERIFY2(outcome->response.errorString.startsWith(
                 QStringLiteral("cannot connect to 127.0.0.1:%1: ").arg(origin.port)),
             qPrintable(outcome->response.errorString));
}

void TestHttpClient::invalidRequestIsRefused()
{
    ScriptedServer server;
    HttpClient client;
    auto badTarget = sendTo(client, server.origin(), "GET", "/a b");
    auto badMethod = sendTo(client, server.origin(), "GE T", "/a");
    QCOMPARE(badTarget->calls, 0);
    QVERIFY(answered(badTarget));
    QVERIFY(answered(badMethod));
    QCOMPARE(badTarget->response.error, HttpClientResponse::Error::InvalidRequest);
    QCOMPARE(badTarget->response.errorString, QStringLiteral("invalid request target \"/a b\""));
    QCOMPARE(badMethod->response.errorString, QStringLiteral("invalid method \"GE T\""));
    QCOMPARE(server.connections, 0);
}

void TestHttpClient::cancelledRequestNeverAnswers()
{
    ScriptedServer server;
    server.setHandler([](const SeenRequest &) { return Action{Action::Hang, {}, false}; });
    HttpClient client(withCap(1));
    auto outcome = std::make_shared<Outcome>();
    HttpClientRequest request;
    request.origin = server.origin();
    const HttpClient::RequestId inFlight =
        client.send(request, [outcome](HttpClientResponse) { ++outcome->calls; });
    const HttpClient::RequestId queued =
        client.send(request, [outcome](HttpClientResponse) { ++outcome->calls; });
    QVERIFY(QTest::qWaitFor([&] { return server.requests.size() == 1; }, 5000));
    QCOMPARE(client.queuedRequests(server.origin()), 1);
    client.cancel(queued);
    client.cancel(inFlight);
    QVERIFY(QTest::qWaitFor([&] { return server.disconnects == 1; }, 5000));
    server.release(reply("late"));
    QTest::qWait(50);
    QCOMPARE(outcome->calls, 0);
    QCOMPARE(outcome.use_count(), 1); // both dones were released
    QCOMPARE(client.queuedRequests(server.origin()), 0);
}

void TestHttpClient::worksAfterMoveToThread()
{
    // The engine creates its objects and may move them to its thread: every
    // timer must move along (Qt warns and never fires a timer left behind).
    static QMutex mutex;
    static QStringList warnings;
    warnings.clear();
    const QtMessageHandler previous =
        qInstallMessageHandler([](QtMsgType type, const QMessageLogContext &, const QString &text) {
            if (type == QtDebugMsg || type == QtInfoMsg) return;
            QMutexLocker lock(&mutex);
            warnings.append(text);
        });
    ScriptedServer server;
    QThread thread;
    thread.start();
    auto *client = new HttpClient;
    client->moveToThread(&thread);
    std::atomic<int> answers = 0;
    std::atomic<int> status = 0;
    const HttpOrigin origin = server.origin();
    for (int i = 0; i < 2; ++i) {
        QMetaObject::invokeMethod(client, [client, origin, &answers, &status] {
            HttpClientRequest request;
            request.origin = origin;
            request.timeoutMs = 5000;
            client->send(request, [&answers, &status](HttpClientResponse response) {
                status = response.status;
                ++answers;
            });
        });
        QVERIFY(QTest::qWaitFor([&] { return answers == i + 1; }, 5000));
        QCOMPARE(status.load(), 200);
    }
    QCOMPARE(server.connections, 1);
    QMetaObject::invokeMethod(client, &QObject::deleteLater);
    thread.quit();
    QVERIFY(thread.wait(5000));
    qInstallMessageHandler(previous);
    QMutexLocker lock(&mutex);
    QVERIFY2(warnings.isEmpty(), qPrintable(warnings.join(QLatin1Char('\n'))));
}

void TestHttpClient::httpsWithTrustedCertificate()
{
    if (!QSslSocket::supportsSsl()) QSKIP("this Qt has no TLS backend");
    ScriptedServer server(true);
    HttpClient::Options options;
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setCaCertificates({testCertificate()});
    options.tls = tls;
    HttpClient client(options);
    for (int i = 0; i < 2; ++i) {
        auto outcome = sendTo(client, server.origin());
        QVERIFY(answered(outcome));
        QVERIFY2(outcome->response.ok(), qPrintable(outcome->response.errorString));
        QCOMPARE(outcome->response.body, QByteArray("ok"));
    }
    QCOMPARE(server.connections, 1);
    QVERIFY(server.requests[0].head.contains(
        "\r\nHost: 127.0.0.1:" + QByteArray::number(server.origin().port) + "\r\n"));
}

void TestHttpClient::httpsRefusesUntrustedCertificate()
{
    if (!QSslSocket::supportsSsl()) QSKIP("this Qt has no TLS backend");
    ScriptedServer server(true);
    HttpClient client; // system CAs only: the self-signed certificate is not trusted
    auto outcome = sendTo(client, server.origin());
    QVERIFY(answered(outcome));
    QCOMPARE(outcome->response.error, HttpClientResponse::Error::ConnectFailed);
    QVERIFY2(outcome->response.errorString.startsWith(
                 QStringLiteral("cannot connect to 127.0.0.1:%1: ").arg(server.origin().port)),
             qPrintable(outcome->response.errorString));
    QVERIFY(server.requests.isEmpty());
}

void TestHttpClient::parserRejects_data()
{
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<QString>("error");
    QTest::newRow("not http") << QByteArray("SSH-2.0-OpenSSH\r\n\r\n")
                              << "malformed status line: \"SSH-2.0-OpenSSH\"";
    QTest::newRow("http/2") << QByteArray("HTTP/2 200 OK\r\n\r\n")
                            << "malformed status line: \"HTTP/2 200 OK\"";
    QTest::newRow("two-digit status")
        << QByteArray("HTTP/1.1 20 OK\r\n\r\n") << "malformed status line: \"HTTP/1.1 20 OK\"";
    QTest::newRow("space before colon")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx")
        << "malformed response header line: \"Content-Length : 1\"";
    QTest::newRow("folded header") << QByteArray("HTTP/1.1 200 OK\r\nX-A: 1\r\n  continued\r\n\r\n")
                                   << "malformed response header line: \"  continued\"";
    QTest::newRow("bare lf") << QByteArray("HTTP/1.1 200 OK\r\nX-A: 1\nX-B: 2\r\n\r\n")
                             << "malformed response head: bare LF";
    QTest::newRow("bad length") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n")
                                << "invalid Content-Length: \"1x\"";
    QTest::newRow("conflicting lengths")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx")
        << "invalid Content-Length: \"2\"";
    QTest::newRow("bad chunk size")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        << "malformed chunk size: \"zz\"";
    QTest::newRow("chunk overrun")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n")
        << "chunk data longer than its size";
    QTest::newRow("switching protocols") << QByteArray("HTTP/1.1 101 Switching Protocols\r\n\r\n")
                                         << "unexpected 101 Switching Protocols";
}

void TestHttpClient::parserRejects()
{
    QFETCH(QByteArray, response);
    QFETCH(QString, error);
    // Fed whole and byte by byte: a read boundary must not change the verdict.
    for (const bool bytewise : {false, true}) {
        HttpResponseParser parser;
        parser.reset(false, 1 << 20);
        if (bytewise) {
            for (qsizetype i = 0;
                 i < response.size() && parser.state() != HttpResponseParser::State::Failed; ++i)
                parser.feed(response.constData() + i, 1);
        } else {
            parser.feed(response.constData(), response.size());
        }
        QCOMPARE(parser.state(), HttpResponseParser::State::Failed);
        QCOMPARE(parser.failure(), HttpResponseParser::Failure::Malformed);
        QCOMPARE(parser.error(), error);
    }
}

void TestHttpClient::responseHeaderLookup()
{
    HttpResponseParser parser;
    parser.reset(false, 1024);
    const QByteArray text = "HTTP/1.1 302 Found\r\nlocation:  /next?a=1 \r\nX-Other: y\r\n"
                            "Content-Length: 0\r\n\r\n";
    parser.feed(text.constData(), text.size());
    QCOMPARE(parser.state(), HttpResponseParser::State::Complete);
    HttpClientResponse response;
    response.status = parser.status();
    response.head = parser.takeHead();
    QCOMPARE(response.status, 302);
    QCOMPARE(response.header("Location"), QByteArray("/next?a=1"));
    QCOMPARE(response.header("x-other"), QByteArray("y"));
    QCOMPARE(response.header("X-Missing"), QByteArray());
}

QTEST_GUILESS_MAIN(TestHttpClient)
#include "tst_httpclient.moc"
