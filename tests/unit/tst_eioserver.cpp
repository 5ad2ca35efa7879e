// The Engine.IO server on in-memory connections: handshake on both
// transports, message delivery, the polling -> WebSocket upgrade, a second
// WebSocket for an upgraded session, and the heartbeat. No sockets: a
// FakeConnection records what the server answers and feeds it frames.
#include "protocol/wsframe.h"
#include "transport/connection.h"
#include "transport/eioserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

namespace {

class FakeConnection : public Connection {
public:
    FakeConnection() : Connection(QStringLiteral("127.0.0.1")) {}

    void respond(const HttpResponse &response) override { responses.append(response); }
    void acceptWebSocket(const HttpRequest &, WebSocketHandler *handler) override
    {
        m_mode = Mode::WebSocket;
        m_wsHandler = handler;
        accepted = true;
    }
    void sendFrame(const QByteArray &frame) override { frames.append(payloadOf(frame)); }
    void closeWebSocket(quint16 code, const QByteArray &) override
    {
        closeCode = code;
        notifyClosed(QStringLiteral("transport close"));
    }
    void abort(const QString &reason) override { notifyClosed(reason); }

    // A text frame from the client.
    void receive(const QByteArray &text)
    {
        if (m_wsHandler) m_wsHandler->onWebSocketMessage(this, ws::Message{ws::Opcode::Text, text});
    }
    // The client goes away.
    void drop() { notifyClosed(QStringLiteral("transport close")); }

    QList<HttpResponse> responses;
    QList<QByteArray> frames; // payloads of the server's frames
    bool accepted = false;
    int closeCode = -1;

private:
    // Server frames are unmasked: header, optional extended length, payload.
    static QByteArray payloadOf(const QByteArray &frame)
    {
        const auto b = reinterpret_cast<const unsigned char *>(frame.constData());
        qsizetype length = b[1] & 0x7F;
        qsizetype offset = 2;
        if (length == 126) {
            length = (qsizetype(b[2]) << 8) | b[3];
            offset = 4;
        } else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; ++i)
                length = (length << 8) | b[2 + i];
            offset = 10;
        }
        return frame.mid(offset, length);
    }
};

class RecordingHandler : public EioSessionHandler {
public:
    void onSessionOpen(EioSession *session) override { opened.append(session->sid); }
    void onSessionPacket(EioSession *, const eio::Packet &packet) override
    {
        messages.append(packet.data);
    }
    void onSessionClosed(EioSession *session, const QString &reason) override
    {
        closed.append({session->sid, reason});
    }

    QList<QByteArray> opened;
    QList<QByteArray> messages;
    QList<QPair<QByteArray, QString>> closed;
};

HttpRequest request(const QByteArray &query, bool websocket = false)
{
    HttpRequest r;
    r.method = "GET";
    r.path = "/engine.io/";
    r.query = query;
    r.version = "HTTP/1.1";
    r.peer = QStringLiteral("127.0.0.1");
    r.headers = {{"host", "127.0.0.1"}};
    if (websocket)
        r.headers += HeaderList{{"connection", "Upgrade"},
                                {"upgrade", "websocket"},
                                {"sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="},
                                {"sec-websocket-version", "13"}};
    return r;
}

QJsonObject openPacket(const QByteArray &text)
{
    if (!text.startsWith('0')) return {};
    return QJsonDocument::fromJson(text.mid(1)).object();
}

} // namespace

class TestEioServer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void pollingHandshake();
    void webSocketHandshakeAndMessages();
    void upgradeFromPolling();
    void secondWebSocketForUpgradedSessionIsClosed();
    void missedPongClosesTheSession();

private:
    EioSettings settings() const
    {
        EioSettings s;
        s.pingIntervalMs = 300;
        s.pingTimeoutMs = 200;
        return s;
    }
};

void TestEioServer::pollingHandshake()
{
    RecordingHandler handler;
    EioServer server(settings(), &handler);
    FakeConnection c;
    server.handleRequest(&c, request("EIO=4&transport=polling"));
    QCOMPARE(c.responses.size(), 1);
    QCOMPARE(c.responses.first().status, 200);
    const QJsonObject open = openPacket(c.responses.first().body);
    const QByteArray sid = open.value(QStringLiteral("sid")).toString().toUtf8();
    QVERIFY(!sid.isEmpty());
    QCOMPARE(open.value(QStringLiteral("upgrades")).toArray(),
             QJsonArray{QStringLiteral("websocket")});
    QCOMPARE(open.value(QStringLiteral("pingInterval")).toInt(), 300);
    QCOMPARE(open.value(QStringLiteral("pingTimeout")).toInt(), 200);
    QCOMPARE(handler.opened, QList<QByteArray>{sid});
    QVERIFY(server.session(sid));

    // Engine.IO v3 clients are refused.
    FakeConnection old;
    server.handleRequest(&old, request("EIO=3&transport=polling"));
    QCOMPARE(old.responses.size(), 1);
    QCOMPARE(old.responses.first().status, 400);
    QCOMPARE(handler.opened.size(), 1);
}

void TestEioServer::webSocketHandshakeAndMessages()
{
    RecordingHandler handler;
    EioServer server(settings(), &handler);
    FakeConnection c;
    server.handleRequest(&c, request("EIO=4&transport=websocket", true));
    QVERIFY(c.accepted);
    QVERIFY(c.responses.isEmpty());
    QCOMPARE(c.frames.size(), 1);
    const QJsonObject open = openPacket(c.frames.first());
    QCOMPARE(open.value(QStringLiteral("upgrades")).toArray(), QJsonArray{});
    const QByteArray sid = open.value(QStringLiteral("sid")).toString().toUtf8();
    QCOMPARE(handler.opened, QList<QByteArray>{sid});

    c.receive("4hello");
    QCOMPARE(handler.messages, QList<QByteArray>{"hello"});
    server.sendText(server.session(sid), "4back");
    QCOMPARE(c.frames.last(), QByteArray("4back"));

    c.drop();
    QCOMPARE(handler.closed.size(), 1);
    QCOMPARE(handler.closed.first().first, sid);
    QVERIFY(!server.session(sid));
}

void TestEioServer::upgradeFromPolling()
{
    RecordingHandler handler;
    EioServer server(settings(), &handler);
    FakeConnection handshake;
    server.handleRequest(&handshake, request("EIO=4&transport=polling"));
    const QByteArray sid = openPacket(handshake.responses.first().body)
                               .value(QStringLiteral("sid"))
                               .toString()
                               .toUtf8();

    // A GET waits for data; the upgrade drains it with a noop.
    FakeConnection parked;
    server.handleRequest(&parked, request("EIO=4&transport=polling&sid=" + sid));
    QVERIFY(parked.responses.isEmpty());

    FakeConnection probe;
    server.handleRequest(&probe, request("EIO=4&transport=websocket&sid=" + sid, true));
    QVERIFY(probe.accepted);
    probe.receive("2probe");
    QCOMPARE(probe.frames, QList<QByteArray>{"3probe"});
    QTRY_COMPARE_WITH_TIMEOUT(parked.responses.size(), 1, 2000);
    QCOMPARE(parked.responses.first().body, QByteArray("6"));

    // Data sent during the upgrade waits for 5, then goes out on the WebSocket.
    server.sendText(server.session(sid), "4queued");
    QCOMPARE(probe.frames.size(), 1);
    probe.receive("5");
    QVERIFY(server.session(sid)->isWebSocket());
    QCOMPARE(probe.frames.last(), QByteArray("4queued"));
    probe.receive("4up");
    QCOMPARE(handler.messages, QList<QByteArray>{"up"});
}

void TestEioServer::secondWebSocketForUpgradedSessionIsClosed()
{
    RecordingHandler handler;
    EioServer server(settings(), &handler);
    FakeConnection handshake;
    server.handleRequest(&handshake, request("EIO=4&transport=polling"));
    const QByteArray sid = openPacket(handshake.responses.first().body)
                               .value(QStringLiteral("sid"))
                               .toString()
                               .toUtf8();
    FakeConnection ws;
    server.handleRequest(&ws, request("EIO=4&transport=websocket&sid=" + sid, true));
    ws.receive("2probe");
    ws.receive("5");
    QVERIFY(server.session(sid)->isWebSocket());

    // As engine.io: the handshake completes, then the new socket is closed at
    // once, with no packet, and the session keeps its WebSocket.
    FakeConnection second;
    server.handleRequest(&second, request("EIO=4&transport=websocket&sid=" + sid, true));
    QVERIFY(second.accepted);
    QVERIFY(second.responses.isEmpty());
    QCOMPARE(second.closeCode, int(ws::CloseNormal));
    QVERIFY(second.frames.isEmpty());
    QVERIFY(handler.closed.isEmpty());
    server.sendText(server.session(sid), "4still");
    QCOMPARE(ws.frames.last(), QByteArray("4still"));
}

void TestEioServer::missedPongClosesTheSession()
{
    RecordingHandler handler;
    EioServer server(settings(), &handler);
    FakeConnection answering;
    FakeConnection silent;
    server.handleRequest(&answering, request("EIO=4&transport=websocket", true));
    server.handleRequest(&silent, request("EIO=4&transport=websocket", true));
    const QByteArray silentSid =
        openPacket(silent.frames.first()).value(QStringLiteral("sid")).toString().toUtf8();

    // Both get a ping after pingInterval; only one answers.
    QTRY_VERIFY_WITH_TIMEOUT(answering.frames.contains("2") && silent.frames.contains("2"), 3000);
    answering.receive("3");
    QTRY_COMPARE_WITH_TIMEOUT(handler.closed.size(), 1, 3000);
    QCOMPARE(handler.closed.first().first, silentSid);
    QCOMPARE(handler.closed.first().second, QStringLiteral("ping timeout"));
    QVERIFY(!server.session(silentSid));
}

QTEST_GUILESS_MAIN(TestEioServer)
#include "tst_eioserver.moc"
