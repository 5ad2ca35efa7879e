// A Listener spreading connections over I/O threads (the test thread, which
// plays the engine thread, plus shard threads): real TCP clients and
// QWebSocket clients on 127.0.0.1 must not be able to tell which thread holds
// their socket. Covers keep-alive HTTP, pipelined requests, WebSocket echo, one
// broadcast frame shared by every socket (order kept), server close, client
// close, abort, the connection limit, and closing everything on stopShards().
#include "transport/listener.h"

#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

#include <memory>
#include <vector>

namespace {

constexpr int kTimeoutMs = 10000;

// The application side, in the test (engine) thread.
class EchoApp : public RequestHandler, public WebSocketHandler {
public:
    void handleRequest(Connection *connection, HttpRequest &&request) override
    {
        if (request.isWebSocketUpgrade()) {
            connection->acceptWebSocket(request, this);
            sockets.append(connection);
            return;
        }
        HttpResponse response;
        response.body = "path " + request.path + " body " + request.body;
        response.closeConnection = request.path == "/bye";
        connection->respond(response);
    }

    void onWebSocketMessage(Connection *connection, ws::Message &&message) override
    {
        const QByteArray text = message.payload;
        if (text.startsWith("broadcast:")) {
            // One encoded frame for every socket, as a room broadcast does.
            const QByteArray frame = ws::encodeFrame(ws::Opcode::Text, text.mid(10));
            for (Connection *socket : std::as_const(sockets))
                if (socket->isOpen()) socket->sendFrame(frame);
        } else if (text == "close") {
            connection->closeWebSocket(ws::CloseNormal);
        } else if (text == "abort") {
            connection->abort(QStringLiteral("aborted by app"));
        } else {
            connection->sendText("echo " + text);
        }
    }

    void onWebSocketClosed(Connection *connection, const QString &reason) override
    {
        closedReasons.append(reason);
        sockets.removeAll(connection);
    }

    QList<Connection *> sockets;
    QStringList closedReasons;
};

QByteArray get(QTcpSocket &client, const QByteArray &path, const QByteArray &body = {})
{
    client.write("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                 QByteArray::number(body.size()) + "\r\n\r\n" + body);
    // Spin the event loop, not waitForReadyRead(): this thread also serves
    // the sockets that the engine thread holds.
    QByteArray answer;
    QTest::qWaitFor(
        [&] {
            answer += client.readAll();
            return answer.contains("body " + body);
        },
        kTimeoutMs);
    return answer;
}

} // namespace

class TestIoShards : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_app = std::make_unique<EchoApp>();
        m_listener = std::make_unique<Listener>(m_app.get(), ConnectionLimits{});
        m_listener->setIoThreads(3);
        QString error;
        QVERIFY2(m_listener->listenTcp(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    }
    void cleanup()
    {
        m_listener.reset();
        m_app.reset();
    }

    void httpKeepAliveOnEveryThread();
    void pipelinedRequestsAnsweredInOrder();
    void webSocketsEchoAndShareOneBroadcast();
    void closesFromEitherSideReachTheOther();
    void connectionLimitCountsShardSockets();
    void stopShardsClosesTheirSockets();

private:
    QUrl wsUrl() const
    {
        return QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(m_listener->tcpPort()));
    }
    std::vector<std::unique_ptr<QWebSocket>> openWebSockets(int count)
    {
        std::vector<std::unique_ptr<QWebSocket>> clients;
        for (int i = 0; i < count; ++i) {
            clients.push_back(std::make_unique<QWebSocket>());
            clients.back()->open(wsUrl());
        }
        for (auto &client : clients)
            if (!QTest::qWaitFor([&] { return client->state() == QAbstractSocket::ConnectedState; },
                                 kTimeoutMs))
                return {};
        return clients;
    }

    std::unique_ptr<EchoApp> m_app;
    std::unique_ptr<Listener> m_listener;
};

void TestIoShards::httpKeepAliveOnEveryThread()
{
    QCOMPARE(m_listener->ioThreads(), 3);
    std::vector<std::unique_ptr<QTcpSocket>> clients;
    for (int i = 0; i < 6; ++i) {
        clients.push_back(std::make_unique<QTcpSocket>());
        clients.back()->connectToHost(QHostAddress::LocalHost, m_listener->tcpPort());
        QVERIFY(clients.back()->waitForConnected(kTimeoutMs));
    }
    for (int round = 0; round < 2; ++round)
        for (size_t i = 0; i < clients.size(); ++i) {
            const QByteArray body =
                "c" + QByteArray::number(qulonglong(i)) + "r" + QByteArray::number(round);
            const QByteArray answer = get(*clients[i], "/p", body);
            QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());
            QVERIFY2(answer.endsWith("path /p body " + body), answer.constData());
        }
    // Round robin: two sockets on each thread, all still open (keep-alive).
    QTRY_COMPARE_WITH_TIMEOUT(m_listener->connectionsPerThread(), QList<int>({2, 2, 2}),
                              kTimeoutMs);
    QCOMPARE(m_listener->openConnections(), 6);
    // A closing answer ends the connection, wherever it lives.
    for (auto &client : clients) {
        QVERIFY(get(*client, "/bye", "x").contains("Connection: close"));
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), QAbstractSocket::UnconnectedState, kTimeoutMs);
    }
    QTRY_COMPARE_WITH_TIMEOUT(m_listener->openConnections(), 0, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_listener->connectionsPerThread(), QList<int>({0, 0, 0}),
                              kTimeoutMs);
}

void TestIoShards::pipelinedRequestsAnsweredInOrder()
{
    // The third socket lands on a shard thread (round robin 0, 1, 2).
    std::vector<std::unique_ptr<QTcpSocket>> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(std::make_unique<QTcpSocket>());
        clients.back()->connectToHost(QHostAddress::LocalHost, m_listener->tcpPort());
        QVERIFY(clients.back()->waitForConnected(kTimeoutMs));
    }
    for (auto &client : clients) {
        client->write("POST /a HTTP/1.1\r\nContent-Length: 1\r\n\r\n1"
                      "POST /b HTTP/1.1\r\nContent-Length: 1\r\n\r\n2"
                      "POST /c HTTP/1.1\r\nContent-Length: 1\r\n\r\n3");
        QByteArray answer;
        QVERIFY(QTest::qWaitFor(
            [&] {
                answer += client->readAll();
                return answer.contains("path /c body 3");
            },
            kTimeoutMs));
        const qsizetype a = answer.indexOf("path /a body 1");
        const qsizetype b = answer.indexOf("path /b body 2");
        const qsizetype c = answer.indexOf("path /c body 3");
        QVERIFY2(a >= 0 && a < b && b < c, answer.constData());
    }
}

void TestIoShards::webSocketsEchoAndShareOneBroadcast()
{
    auto clients = openWebSockets(6);
    QCOMPARE(int(clients.size()), 6);
    QCOMPARE(m_listener->connectionsPerThread(), QList<int>({2, 2, 2}));
    std::vector<QStringList> received(clients.size());
    for (size_t i = 0; i < clients.size(); ++i)
        connect(clients[i].get(), &QWebSocket::textMessageReceived, this,
                [&received, i](const QString &text) { received[i].append(text); });

    for (size_t i = 0; i < clients.size(); ++i)
        clients[i]->sendTextMessage(QStringLiteral("hi %1").arg(i));
    for (size_t i = 0; i < clients.size(); ++i)
        QTRY_COMPARE_WITH_TIMEOUT(received[i], QStringList{QStringLiteral("echo hi %1").arg(i)},
                                  kTimeoutMs);

    // Three broadcasts from three sockets on different threads, then an echo:
    // every socket gets all of them, in the order the app sent them.
    for (auto &list : received)
        list.clear();
    clients[0]->sendTextMessage(QStringLiteral("broadcast:one"));
    QTRY_COMPARE_WITH_TIMEOUT(received[5].size(), 1, kTimeoutMs);
    clients[1]->sendTextMessage(QStringLiteral("broadcast:two"));
    QTRY_COMPARE_WITH_TIMEOUT(received[5].size(), 2, kTimeoutMs);
    clients[2]->sendTextMessage(QStringLiteral("broadcast:three"));
    for (size_t i = 0; i < clients.size(); ++i)
        QTRY_COMPARE_WITH_TIMEOUT(
            received[i],
            QStringList({QStringLiteral("one"), QStringLiteral("two"), QStringLiteral("three")}),
            kTimeoutMs);
}

void TestIoShards::closesFromEitherSideReachTheOther()
{
    auto clients = openWebSockets(6);
    QCOMPARE(int(clients.size()), 6);
    // Server-side close of a socket on each thread: the client sees a normal close.
    for (int i : {0, 1, 2}) {
        clients[size_t(i)]->sendTextMessage(QStringLiteral("close"));
        QTRY_COMPARE_WITH_TIMEOUT(clients[size_t(i)]->state(), QAbstractSocket::UnconnectedState,
                                  kTimeoutMs);
        QCOMPARE(clients[size_t(i)]->closeCode(), QWebSocketProtocol::CloseCodeNormal);
    }
    // Abort by the app: the stream just ends.
    clients[3]->sendTextMessage(QStringLiteral("abort"));
    QTRY_COMPARE_WITH_TIMEOUT(clients[3]->state(), QAbstractSocket::UnconnectedState, kTimeoutMs);
    // Client-side closes reach the app as "transport close", from any thread.
    m_app->closedReasons.clear();
    clients[4]->close();
    clients[5]->close();
    QTRY_COMPARE_WITH_TIMEOUT(m_app->closedReasons.size(), 2, kTimeoutMs);
    QCOMPARE(m_app->closedReasons,
             QStringList({QStringLiteral("transport close"), QStringLiteral("transport close")}));
    QTRY_COMPARE_WITH_TIMEOUT(m_listener->openConnections(), 0, kTimeoutMs);
    QVERIFY(m_app->sockets.isEmpty());
}

void TestIoShards::connectionLimitCountsShardSockets()
{
    m_listener->setMaxConnections(2, 0);
    auto clients = openWebSockets(2); // one here, one on a shard
    QCOMPARE(int(clients.size()), 2);
    QTcpSocket third;
    third.connectToHost(QHostAddress::LocalHost, m_listener->tcpPort());
    QVERIFY(third.waitForConnected(kTimeoutMs));
    QByteArray answer;
    QVERIFY(QTest::qWaitFor(
        [&] {
            answer += third.readAll();
            return answer.contains("max connections reached");
        },
        kTimeoutMs));
    QVERIFY(answer.startsWith("HTTP/1.1 503"));
    // Freeing a slot held by a shard lets the next one in.
    clients[1]->close();
    QTRY_COMPARE_WITH_TIMEOUT(m_listener->openConnections(), 1, kTimeoutMs);
    auto more = openWebSockets(1);
    QCOMPARE(int(more.size()), 1);
}

void TestIoShards::stopShardsClosesTheirSockets()
{
    auto clients = openWebSockets(3);
    QCOMPARE(int(clients.size()), 3);
    // A frame queued just before stopping still goes out first.
    const QByteArray frame = ws::encodeFrame(ws::Opcode::Text, "last words");
    QString lastOnShard;
    connect(clients[1].get(), &QWebSocket::textMessageReceived, this,
            [&](const QString &text) { lastOnShard = text; });
    for (Connection *socket : std::as_const(m_app->sockets))
        socket->sendFrame(frame);
    m_listener->stopShards();
    QTRY_COMPARE_WITH_TIMEOUT(clients[1]->state(), QAbstractSocket::UnconnectedState, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(clients[2]->state(), QAbstractSocket::UnconnectedState, kTimeoutMs);
    QCOMPARE(lastOnShard, QStringLiteral("last words"));
    // The engine thread's own socket is not a shard's: still open.
    QCOMPARE(clients[0]->state(), QAbstractSocket::ConnectedState);
    QTRY_COMPARE_WITH_TIMEOUT(m_listener->openConnections(), 1, kTimeoutMs);
}

QTEST_MAIN(TestIoShards)
#include "tst_ioshards.moc"
