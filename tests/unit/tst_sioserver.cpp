// The Socket.IO server on in-memory Engine.IO sessions: CONNECT replies and
// refusals, the backlog kept while a connect middleware runs, acks in both
// directions (at most once, JSON text kept as written), and the limits on
// namespaces per connection and rooms per socket. No sockets: each client is
// an EioSession whose queue holds what the server sent.
#include "protocol/eiopacket.h"
#include "socketio/namespacehandler.h"
#include "socketio/sioserver.h"
#include "socketio/siosocket.h"

#include <QJsonArray>
#include <QTest>

namespace {

class Client {
public:
    explicit Client(SioServer *server) : m_server(server)
    {
        static int n = 0;
        m_session.sid = "client" + QByteArray::number(++n);
        m_session.handshake.peer = QStringLiteral("127.0.0.1");
        server->onSessionOpen(&m_session);
    }
    ~Client() { m_server->onSessionClosed(&m_session, QStringLiteral("transport close")); }

    void send(const QByteArray &sioText)
    {
        m_server->onSessionPacket(&m_session, eio::Packet::text(eio::PacketType::Message, sioText));
    }
    // The Socket.IO text of every message the server sent since the last call.
    QList<QByteArray> take()
    {
        QList<QByteArray> out;
        for (const OutPacket &p : std::exchange(m_session.queue, {}))
            if (!p.binary && p.text.startsWith('4')) out.append(p.text.mid(1));
        return out;
    }

private:
    SioServer *m_server;
    EioSession m_session;
};

class TestHandler : public NamespaceHandler {
public:
    void authorize(SioSocket *, const QJsonValue &,
                   std::function<void(std::optional<QString>)> done) override
    {
        if (!refuseWith.isEmpty())
            done(refuseWith);
        else if (deferAuth)
            pendingAuth = std::move(done);
        else
            done(std::nullopt);
    }
    void onConnection(SioSocket *socket) override
    {
        sockets.append(socket);
        log.append("connected");
    }
    void onEvent(SioSocket *, const QString &event, const QJsonArray &args,
                 const QList<QByteArray> &, const AckSender &ack) override
    {
        log.append("event:" + event.toUtf8());
        lastArgs = args;
        if (!ack) return;
        if (event == QLatin1String("twice")) {
            ack(QJsonArray{QStringLiteral("first")}, {});
            ack(QJsonArray{QStringLiteral("second")}, {});
        } else if (event == QLatin1String("text")) {
            ack.sendJson(R"([{"b":1,"a":2},1e-7])", {});
        }
    }

    bool deferAuth = false;
    QString refuseWith;
    std::function<void(std::optional<QString>)> pendingAuth;
    QList<SioSocket *> sockets;
    QList<QByteArray> log;
    QJsonArray lastArgs;
};

} // namespace

class TestSioServer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void connectRepliesAndRefusals();
    void packetsWaitForTheMiddleware();
    void acksFromHandlersGoOutOnce();
    void serverEmitWithAck();
    void namespaceAndRoomLimits();

private:
    std::unique_ptr<SioServer> m_server;
    TestHandler m_ok;
    TestHandler m_deny;
};

void TestSioServer::init()
{
    m_ok = TestHandler();
    m_deny = TestHandler();
    m_deny.refuseWith = QStringLiteral("Not allowed");
    m_server = std::make_unique<SioServer>(EioSettings{}, 45000);
    m_server->setNamespaceResolver([this](const QString &nsp) -> NamespaceHandler * {
        if (nsp.startsWith(QLatin1String("/ok"))) return &m_ok;
        if (nsp == QLatin1String("/deny")) return &m_deny;
        return nullptr;
    });
}

void TestSioServer::cleanup()
{
    m_server.reset();
}

void TestSioServer::connectRepliesAndRefusals()
{
    Client c(m_server.get());
    c.send("0/ok,");
    QCOMPARE(m_ok.sockets.size(), 1);
    QCOMPARE(c.take(),
             QList<QByteArray>{"0/ok,{\"sid\":\"" + m_ok.sockets.first()->id().toUtf8() + "\"}"});

    c.send("0/nowhere,");
    QCOMPARE(c.take(), QList<QByteArray>{R"(4/nowhere,{"message":"Invalid namespace"})"});
    c.send("0/deny,");
    QCOMPARE(c.take(), QList<QByteArray>{R"(4/deny,{"message":"Not allowed"})"});
    QVERIFY(m_deny.sockets.isEmpty());
    QCOMPARE(m_server->counters().connects.load(), 1u);
    QCOMPARE(m_server->counters().connectErrors.load(), 2u);
}

void TestSioServer::packetsWaitForTheMiddleware()
{
    m_ok.deferAuth = true;
    Client c(m_server.get());
    c.send("0/ok,");
    c.send(R"(2/ok,["early",1])");
    c.send(R"(2/ok,["later",2])");
    QVERIFY(m_ok.log.isEmpty()); // nothing reaches the handler before admission
    QVERIFY(c.take().isEmpty());

    QVERIFY(m_ok.pendingAuth);
    m_ok.pendingAuth(std::nullopt);
    // Admitted: the CONNECT reply, then the backlog in arrival order.
    const QList<QByteArray> sent = c.take();
    QCOMPARE(sent.size(), 1);
    QVERIFY(sent.first().startsWith("0/ok,{\"sid\":"));
    QCOMPARE(m_ok.log, (QList<QByteArray>{"connected", "event:early", "event:later"}));
    QCOMPARE(m_ok.lastArgs, QJsonArray{2});
}

void TestSioServer::acksFromHandlersGoOutOnce()
{
    Client c(m_server.get());
    c.send("0/ok,");
    c.take();
    c.send(R"(2/ok,5["twice"])");
    QCOMPARE(c.take(), QList<QByteArray>{R"(3/ok,5["first"])"});
    // JSON text already written goes out as it is.
    c.send(R"(2/ok,6["text"])");
    QCOMPARE(c.take(), QList<QByteArray>{R"(3/ok,6[{"b":1,"a":2},1e-7])"});
    // Positive control for "no ack": an event without an id gets none.
    c.send(R"(2/ok,["twice"])");
    QVERIFY(c.take().isEmpty());
    QCOMPARE(m_ok.log.count("event:twice"), 2);
}

void TestSioServer::serverEmitWithAck()
{
    Client c(m_server.get());
    c.send("0/ok,");
    c.take();
    SioSocket *socket = m_ok.sockets.first();
    QJsonArray answer;
    int calls = 0;
    socket->emitEvent(QStringLiteral("question"), {QStringLiteral("ready?")}, {},
                      [&](const QJsonArray &args, const QList<QByteArray> &) {
                          answer = args;
                          ++calls;
                      });
    const QList<QByteArray> sent = c.take();
    QCOMPARE(sent.size(), 1);
    QVERIFY2(sent.first().startsWith("2/ok,") && sent.first().endsWith(R"(["question","ready?"])"),
             sent.first().constData());
    const QByteArray id = sent.first().mid(5, sent.first().indexOf('[') - 5);
    QVERIFY(!id.isEmpty());
    c.send("3/ok," + id + R"(["yes"])");
    QCOMPARE(calls, 1);
    QCOMPARE(answer, QJsonArray{QStringLiteral("yes")});
}

void TestSioServer::namespaceAndRoomLimits()
{
    m_server->setMaxNamespacesPerClient(1);
    m_server->setMaxRoomsPerSocket(3);
    Client c(m_server.get());
    c.send("0/ok,");
    c.take();
    c.send("0/ok2,");
    QCOMPARE(c.take(), QList<QByteArray>{R"(4/ok2,{"message":"Too many namespaces"})"});

    // The socket's own id room counts: two more fit, the third is refused.
    SioSocket *socket = m_ok.sockets.first();
    QVERIFY(socket->join(QStringLiteral("r1")));
    QVERIFY(socket->join(QStringLiteral("r2")));
    QVERIFY(!socket->join(QStringLiteral("r3")));
    QVERIFY(socket->join(QStringLiteral("r1"))); // already a member
    QCOMPARE(socket->rooms().size(), 3);
}

QTEST_GUILESS_MAIN(TestSioServer)
#include "tst_sioserver.moc"
