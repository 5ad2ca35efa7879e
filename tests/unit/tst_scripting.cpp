// AppHandlers driven through a real SioServer with in-memory Engine.IO
// sessions (packets go into the session queue, no sockets), a FrappeWebClient
// against a small HTTP server on 127.0.0.1, and the fixture apps of
// tests/fixtures/apps copied into a temporary bench: what a client of such a
// server would see, plus the log lines an operator would see.
#include "engineconfig.h"
#include "frappe/frappewebclient.h"
#include "frappesiteweb.h"
#include "protocol/eiopacket.h"
#include "protocol/siopacket.h"
#include "scripting/apphandlers.h"
#include "scripting/lowering/asynclowering.h"
#include "scripting/lowering/loweringruntime.h"
#include "socketio/sioserver.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QJSEngine>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

namespace {

// ---- log capture ---------------------------------------------------------
QMutex g_logMutex;
QStringList g_log;
QtMessageHandler g_previous = nullptr;

void captureLog(QtMsgType type, const QMessageLogContext &ctx, const QString &msg)
{
    {
        QMutexLocker lock(&g_logMutex);
        g_log.append(msg);
    }
    if (qEnvironmentVariableIsSet("RT_TEST_VERBOSE")) g_previous(type, ctx, msg);
}

bool logged(const QString &needle)
{
    QMutexLocker lock(&g_logMutex);
    for (const QString &line : std::as_const(g_log))
        if (line.contains(needle)) return true;
    return false;
}

// ---- a web server standing in for Frappe -----------------------------------
class FakeFrappe : public QObject {
public:
    FakeFrappe()
    {
        if (!m_server.listen(QHostAddress::LocalHost, 0)) qFatal("listen failed");
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                s->setParent(this);
                connect(s, &QTcpSocket::readyRead, this, [this, s] { serve(s); });
            }
        });
    }
    QString base() const
    {
        return QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort());
    }
    QStringList paths;

private:
    void serve(QTcpSocket *s)
    {
        QByteArray &buf = m_buffers[s];
        buf += s->readAll();
        const qsizetype headEnd = buf.indexOf("\r\n\r\n");
        if (headEnd < 0) return;
        const QList<QByteArray> lines = buf.left(headEnd).split('\n');
        qsizetype length = 0;
        for (const QByteArray &l : lines)
            if (l.toLower().startsWith("content-length:"))
                length = l.mid(15).trimmed().toLongLong();
        if (buf.size() < headEnd + 4 + length) return;
        const QByteArray body = buf.mid(headEnd + 4, length);
        const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
        const QByteArray method = requestLine.value(0);
        const QUrl url(QString::fromUtf8(requestLine.value(1)));
        paths.append(QString::fromUtf8(method) + QLatin1Char(' ') + url.path());
        const QString api = url.path().mid(QStringLiteral("/api/method/").size());
        const QUrlQuery query(url);
        int status = 200;
        QJsonObject reply;
        if (api == QLatin1String("frappe.realtime.has_permission")) {
            if (query.queryItemValue(QStringLiteral("name")).startsWith(QLatin1String("denied"))) {
                status = 403;
                reply.insert(QStringLiteral("exc_type"), QStringLiteral("PermissionError"));
            } else {
                reply.insert(QStringLiteral("message"), true);
            }
        } else {
            reply.insert(QStringLiteral("message"),
                         QJsonObject{{QStringLiteral("method"), api},
                                     {QStringLiteral("http_method"), QString::fromUtf8(method)},
                                     {QStringLiteral("body"), QString::fromUtf8(body)},
                                     {QStringLiteral("query"), url.query()}});
        }
        const QByteArray json = QJsonDocument(reply).toJson(QJsonDocument::Compact);
        s->write("HTTP/1.1 " + QByteArray::number(status) +
                 " X\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                 QByteArray::number(json.size()) + "\r\n\r\n" + json);
        s->disconnectFromHost();
        m_buffers.remove(s);
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

// ---- the namespace handler FrappeApp would be ------------------------------
class TestNamespace : public NamespaceHandler {
public:
    explicit TestNamespace(AppHandlers *apps) : m_apps(apps) {}
    void authorize(SioSocket *socket, const QJsonValue &auth,
                   std::function<void(std::optional<QString>)> done) override
    {
        const QJsonObject a = auth.toObject();
        socket->user = a.value(QStringLiteral("user")).toString();
        socket->userType = QStringLiteral("System User");
        socket->siteName = QStringLiteral("site.test");
        socket->frappeSid = "sid-" + socket->user.toUtf8();
        for (const auto &app : a.value(QStringLiteral("apps")).toArray())
            socket->installedApps.append(app.toString());
        done(std::nullopt);
    }
    void onConnection(SioSocket *socket) override
    {
        socket->join(QStringLiteral("user:") + socket->user);
        m_apps->attach(socket);
    }
    void onEvent(SioSocket *socket, const QString &event, const QJsonArray &args,
                 const QList<QByteArray> &attachments, const AckSender &ack) override
    {
        m_apps->dispatch(socket, event, args, attachments, ack);
    }
    void onDisconnect(SioSocket *socket, const QString &reason) override
    {
        m_apps->detach(socket, reason);
    }

private:
    AppHandlers *m_apps;
};

// ---- a client as the server sees it: one in-memory Engine.IO session -------
class Client {
public:
    Client(SioServer *server, const QString &origin, const QString &user, const QStringList &apps)
        : m_server(server)
    {
        static int n = 0;
        m_session = new EioSession;
        m_session->sid = "session" + QByteArray::number(++n);
        m_session->handshake.headers = {{"origin", origin.toUtf8()}, {"host", "site.test"}};
        m_session->handshake.peer = QStringLiteral("127.0.0.1");
        server->onSessionOpen(m_session);
        const QJsonObject auth{{QStringLiteral("user"), user},
                               {QStringLiteral("apps"), QJsonArray::fromStringList(apps)}};
        send("0/site.test," + QJsonDocument(auth).toJson(QJsonDocument::Compact));
    }
    ~Client()
    {
        if (m_session) close();
    }
    void close()
    {
        m_server->onSessionClosed(m_session, QStringLiteral("transport close"));
        delete m_session;
        m_session = nullptr;
    }
    void send(const QByteArray &sioText)
    {
        m_server->onSessionPacket(m_session, eio::Packet::text(eio::PacketType::Message, sioText));
    }
    void sendBinary(const QByteArray &bytes)
    {
        m_server->onSessionPacket(m_session, eio::Packet::bytes(bytes));
    }
    void emitEvent(const QString &event, const QJsonArray &args = {}, int ackId = -1)
    {
        QJsonArray data{event};
        for (const auto &a : args)
            data.append(a);
        send("2/site.test," + (ackId >= 0 ? QByteArray::number(ackId) : QByteArray()) +
             QJsonDocument(data).toJson(QJsonDocument::Compact));
    }
    // Everything the server sent since the last call, decoded.
    QList<sio::Packet> take()
    {
        for (const OutPacket &out : std::exchange(m_session->queue, {})) {
            sio::Packet p;
            QString error;
            if (!out.binary) m_raw.append(out.text.mid(1));
            const auto status = out.binary ? m_decoder.addAttachment(out.text, p, error)
                                           : m_decoder.decodeText(out.text.mid(1), p, error);
            if (status == sio::Decoder::Status::Complete) m_received.append(p);
        }
        return std::exchange(m_received, {});
    }
    // Waits for an event (or ack id) to arrive; returns it.
    std::optional<sio::Packet> waitFor(const QString &event, int timeoutMs = 5000)
    {
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < timeoutMs) {
            for (const sio::Packet &p : take())
                m_kept.append(p);
            for (int i = 0; i < m_kept.size(); ++i) {
                const sio::Packet &p = m_kept.at(i);
                const bool isEvent =
                    (p.type == sio::PacketType::Event || p.type == sio::PacketType::BinaryEvent) &&
                    p.eventName() == event;
                const bool isAck =
                    (p.type == sio::PacketType::Ack || p.type == sio::PacketType::BinaryAck) &&
                    event == QStringLiteral("ack:%1").arg(p.ackId.value_or(0));
                if (isEvent || isAck) return m_kept.takeAt(i);
            }
            QTest::qWait(10);
        }
        return std::nullopt;
    }
    // The Socket.IO text of every packet taken so far, as it was on the wire.
    const QList<QByteArray> &rawTexts() const { return m_raw; }
    bool receivedNothingNamed(const QString &event, int waitMs = 300)
    {
        return !waitFor(event, waitMs).has_value();
    }

private:
    SioServer *m_server;
    EioSession *m_session;
    sio::Decoder m_decoder;
    QList<sio::Packet> m_received;
    QList<sio::Packet> m_kept;
    QList<QByteArray> m_raw;
};

QJsonObject firstArg(const std::optional<sio::Packet> &p)
{
    if (!p) return {};
    const QJsonArray data = p->data.toArray();
    if (p->type == sio::PacketType::Ack || p->type == sio::PacketType::BinaryAck)
        return data.at(0).toObject();
    return data.at(1).toObject();
}

bool copyTree(const QString &from, const QString &to)
{
    QDirIterator it(from, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString src = it.next();
        const QString dst = to + src.mid(from.size());
        QDir().mkpath(QFileInfo(dst).path());
        if (!QFile::copy(src, dst)) return false;
    }
    return true;
}

} // namespace

class TestScripting : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void statusAndLoadErrors();
    void severalAppsHandleOneEvent();
    void viewersAndTyping();
    void acksBothWays();
    void emitsAndAcksKeepNodeKeyOrderAndNumbers();
    void frappeRequestAndPermission();
    void asyncListener();
    void modernLibraryFunctions();
    void binaryArguments();
    void failingListenerIsContained();
    void runawayScriptIsInterrupted();
    void sandbox();
    void disconnectListener();
    void hotReload();
    void asyncLoweringKeepsSemantics_data();
    void asyncLoweringKeepsSemantics();
    void modernSyntaxLoweringKeepsSemantics_data();
    void modernSyntaxLoweringKeepsSemantics();
    void loweringLeavesLookalikesAlone_data();
    void loweringLeavesLookalikesAlone();
    void loweringRefusalsNameTheLine_data();
    void loweringRefusalsNameTheLine();
    void modernSyntaxAppLoads();

private:
    Client *client(const QString &user, const QStringList &apps);

    QTemporaryDir m_bench;
    std::unique_ptr<FakeFrappe> m_frappe;
    std::unique_ptr<SioServer> m_server;
    std::unique_ptr<FrappeWebClient> m_web;
    std::unique_ptr<FrappeSiteWeb> m_siteWeb;
    std::unique_ptr<AppHandlers> m_apps;
    std::unique_ptr<TestNamespace> m_nsp;
    QList<Client *> m_clients;
};

void TestScripting::initTestCase()
{
    g_previous = qInstallMessageHandler(captureLog);
    const QString fixtures = QFINDTESTDATA("../fixtures/apps");
    QVERIFY(!fixtures.isEmpty());
    QVERIFY(m_bench.isValid());
    QVERIFY(copyTree(QDir(fixtures).absolutePath(), m_bench.path() + QStringLiteral("/apps")));

    // Loadable files outside the sandboxed app, reachable by a relative path,
    // a file symlink and a folder symlink inside it: each would run and mark
    // global.__escaped if confinement broke (see the fixture's handlers.js).
    const QString apps = m_bench.path() + QStringLiteral("/apps");
    QFile target(apps + QStringLiteral("/escape_target.js"));
    QVERIFY(target.open(QIODevice::WriteOnly));
    target.write("global.__escaped = (global.__escaped || 0) + 1;\n"
                 "module.exports = { loaded: true };\n");
    target.close();
    QVERIFY(QFile::link(target.fileName(), apps + QStringLiteral("/sandboxed/lib/escape.js")));
    QVERIFY(QFile::link(apps + QStringLiteral("/meetsuite/realtime/lib"),
                        apps + QStringLiteral("/sandboxed/linkdir")));
}

void TestScripting::init()
{
    {
        QMutexLocker lock(&g_logMutex);
        g_log.clear();
    }
    m_frappe = std::make_unique<FakeFrappe>();
    EngineConfig cfg;
    cfg.authUrlOverride = m_frappe->base();
    m_web = std::make_unique<FrappeWebClient>(cfg);
    m_siteWeb = std::make_unique<FrappeSiteWeb>(m_web.get());
    m_server = std::make_unique<SioServer>(EioSettings{}, 45000);
    m_apps = std::make_unique<AppHandlers>(m_bench.path(), m_siteWeb.get(), 300);
    m_nsp = std::make_unique<TestNamespace>(m_apps.get());
    m_server->setNamespaceResolver([this](const QString &) { return m_nsp.get(); });
}

void TestScripting::cleanup()
{
    qDeleteAll(m_clients);
    m_clients.clear();
    m_apps.reset();
    m_server.reset();
    m_nsp.reset();
    m_siteWeb.reset();
    m_web.reset();
    m_frappe.reset();
}

Client *TestScripting::client(const QString &user, const QStringList &apps)
{
    auto *c = new Client(m_server.get(), m_frappe->base(), user, apps);
    m_clients.append(c);
    return c;
}

void TestScripting::statusAndLoadErrors()
{
    client(QStringLiteral("a@example.com"),
           {QStringLiteral("frappe"), QStringLiteral("deskhelp"), QStringLiteral("broken_syntax"),
            QStringLiteral("broken_setup"), QStringLiteral("nosuchapp")});
    const QString syntaxPath =
        m_bench.path() + QStringLiteral("/apps/broken_syntax/realtime/handlers.js");
    QVERIFY(logged(QStringLiteral("failed to load event handlers from ") + syntaxPath));
    QVERIFY(logged(QStringLiteral("failed to setup event handlers from broken_setup")));
    QVERIFY(logged(QStringLiteral("cannot set up for a@example.com")));

    QHash<QString, AppHandlers::AppStatus> byApp;
    for (const auto &s : m_apps->status())
        byApp.insert(s.app, s);
    QVERIFY(!byApp.contains(QStringLiteral("frappe"))); // native core handlers
    QCOMPARE(byApp.value(QStringLiteral("deskhelp")).state, QStringLiteral("loaded"));
    QVERIFY(byApp.value(QStringLiteral("deskhelp")).events.contains(QStringLiteral("view_ticket")));
    QVERIFY(byApp.value(QStringLiteral("deskhelp")).loadedAt.isValid());
    QCOMPARE(byApp.value(QStringLiteral("broken_syntax")).state, QStringLiteral("error"));
    QVERIFY(
        byApp.value(QStringLiteral("broken_syntax")).error.contains(QStringLiteral("SyntaxError")));
    QCOMPARE(byApp.value(QStringLiteral("broken_syntax")).path, syntaxPath);
    QCOMPARE(byApp.value(QStringLiteral("broken_setup")).state, QStringLiteral("loaded"));
    QCOMPARE(byApp.value(QStringLiteral("nosuchapp")).state, QStringLiteral("missing"));
}

void TestScripting::severalAppsHandleOneEvent()
{
    Client *c = client(QStringLiteral("a@example.com"),
                       {QStringLiteral("deskhelp"), QStringLiteral("thrower")});
    c->emitEvent(QStringLiteral("ping"));
    QVERIFY(c->waitFor(QStringLiteral("pong")));
    QVERIFY(c->waitFor(QStringLiteral("thrower_pong")));
    quint64 calls = 0;
    for (const auto &s : m_apps->status())
        calls += s.calls;
    QCOMPARE(calls, quint64(2));
}

void TestScripting::viewersAndTyping()
{
    Client *a = client(QStringLiteral("a@example.com"), {QStringLiteral("deskhelp")});
    Client *b = client(QStringLiteral("b@example.com"), {QStringLiteral("deskhelp")});
    a->emitEvent(QStringLiteral("view_ticket"), {QStringLiteral("42")});
    auto first = a->waitFor(QStringLiteral("ticket_viewers"));
    QVERIFY(first);
    QCOMPARE(firstArg(first).value(QStringLiteral("users")).toString(),
             QStringLiteral("[\"a@example.com\"]"));
    b->emitEvent(QStringLiteral("view_ticket"), {QStringLiteral("42")});
    auto both = a->waitFor(QStringLiteral("ticket_viewers"));
    QVERIFY(both);
    QCOMPARE(firstArg(both).value(QStringLiteral("users")).toString(),
             QStringLiteral("[\"a@example.com\",\"b@example.com\"]"));
    QCOMPARE(firstArg(both).value(QStringLiteral("total_viewers")).toInt(), 2);
    QVERIFY(b->waitFor(QStringLiteral("ticket_viewers")));

    a->emitEvent(QStringLiteral("ticket_typing"), {QStringLiteral("42")});
    auto typing = b->waitFor(QStringLiteral("ticket_typing"));
    QVERIFY(typing);
    QCOMPARE(firstArg(typing).value(QStringLiteral("user")).toString(),
             QStringLiteral("a@example.com"));
    QVERIFY(a->receivedNothingNamed(QStringLiteral("ticket_typing")));

    // Only to the asking user's room.
    b->emitEvent(QStringLiteral("ticket_get_viewers"), {QStringLiteral("42")});
    QVERIFY(b->waitFor(QStringLiteral("ticket_viewers")));
    QVERIFY(a->receivedNothingNamed(QStringLiteral("ticket_viewers")));

    // A denied ticket joins nothing.
    a->emitEvent(QStringLiteral("view_ticket"), {QStringLiteral("denied-7")});
    QVERIFY(a->receivedNothingNamed(QStringLiteral("ticket_viewers"), 500));
}

void TestScripting::acksBothWays()
{
    Client *c = client(QStringLiteral("a@example.com"), {QStringLiteral("meetsuite")});
    c->emitEvent(QStringLiteral("whoami"), {}, 7);
    auto ack = c->waitFor(QStringLiteral("ack:7"));
    QVERIFY(ack);
    const QJsonObject me = firstArg(ack);
    QCOMPARE(me.value(QStringLiteral("user")).toString(), QStringLiteral("a@example.com"));
    QCOMPARE(me.value(QStringLiteral("user_type")).toString(), QStringLiteral("System User"));
    QCOMPARE(me.value(QStringLiteral("site_name")).toString(), QStringLiteral("site.test"));
    QCOMPARE(me.value(QStringLiteral("nsp")).toString(), QStringLiteral("/site.test"));
    QCOMPARE(me.value(QStringLiteral("connected")).toBool(), true);
    QCOMPARE(me.value(QStringLiteral("has_sid")).toBool(), true);
    QCOMPARE(me.value(QStringLiteral("installed_apps")).toArray(),
             QJsonArray{QStringLiteral("meetsuite")});
    QCOMPARE(me.value(QStringLiteral("url")).toString(),
             m_frappe->base() + QStringLiteral("/api/method/ping?a=b+c"));

    // Server -> client with an ack the client answers.
    c->emitEvent(QStringLiteral("ask_client"), {QStringLiteral("ready?")});
    auto question = c->waitFor(QStringLiteral("question"));
    QVERIFY(question);
    QVERIFY(question->ackId.has_value());
    c->send("3/site.test," + QByteArray::number(*question->ackId) + "[\"yes\"]");
    auto answered = c->waitFor(QStringLiteral("client_answered"));
    QVERIFY(answered);
    QCOMPARE(firstArg(answered).value(QStringLiteral("answer")).toString(), QStringLiteral("yes"));
}

void TestScripting::emitsAndAcksKeepNodeKeyOrderAndNumbers()
{
    // What JSON.stringify wrote in the handler goes out byte for byte: no
    // re-encode that sorts keys or writes 1e-07.
    Client *c = client(QStringLiteral("a@example.com"), {QStringLiteral("meetsuite")});
    c->emitEvent(QStringLiteral("shape"), {}, 9);
    QVERIFY(c->waitFor(QStringLiteral("shaped")));
    QVERIFY(c->waitFor(QStringLiteral("shaped_room")));
    QVERIFY(c->waitFor(QStringLiteral("ack:9")));
    const QByteArray shaped = R"({"2":"two","10":"ten","zeta":1,"alpha":1e-7,"mid":[0.5,1e+21,0]})";
    const QList<QByteArray> &raw = c->rawTexts();
    const QByteArray all = raw.join('\n');
    QVERIFY2(raw.contains("2/site.test,[\"shaped\"," + shaped + "]"), all.constData());
    QVERIFY2(raw.contains("2/site.test,[\"shaped_room\"," + shaped + "]"), all.constData());
    QVERIFY2(raw.contains("3/site.test,9[" + shaped + "]"), all.constData());
}

void TestScripting::frappeRequestAndPermission()
{
    Client *c = client(QStringLiteral("a@example.com"), {QStringLiteral("meetsuite")});
    c->emitEvent(QStringLiteral("post_note"), {QStringLiteral("hello")}, 1);
    auto ack = c->waitFor(QStringLiteral("ack:1"));
    QVERIFY(ack);
    const QJsonObject r = firstArg(ack);
    QCOMPARE(r.value(QStringLiteral("ok")).toBool(), true);
    QCOMPARE(r.value(QStringLiteral("status")).toInt(), 200);
    const QJsonObject echoed = r.value(QStringLiteral("echoed")).toObject();
    QCOMPARE(echoed.value(QStringLiteral("method")).toString(),
             QStringLiteral("suite.meet.save_note"));
    QCOMPARE(echoed.value(QStringLiteral("http_method")).toString(), QStringLiteral("POST"));
    QCOMPARE(echoed.value(QStringLiteral("body")).toString(),
             QStringLiteral("{\"note\":\"hello\"}"));

    c->emitEvent(QStringLiteral("can_read"), {QStringLiteral("Note"), QStringLiteral("N-1")}, 2);
    auto granted = c->waitFor(QStringLiteral("ack:2"));
    QVERIFY(granted);
    QCOMPARE(firstArg(granted).value(QStringLiteral("granted")).toBool(), true);
    c->emitEvent(QStringLiteral("can_read"), {QStringLiteral("Note"), QStringLiteral("denied-1")},
                 3);
    auto denied = c->waitFor(QStringLiteral("ack:3"));
    QVERIFY(denied);
    QCOMPARE(firstArg(denied).value(QStringLiteral("timed_out")).toBool(), true);
}

void TestScripting::modernLibraryFunctions()
{
    Client *c = client(QStringLiteral("a@example.com"), {QStringLiteral("meetsuite")});
    c->emitEvent(QStringLiteral("modern"), {}, 11);
    auto ack = c->waitFor(QStringLiteral("ack:11"));
    QVERIFY(ack);
    const QJsonObject r = firstArg(ack);
    QCOMPARE(r.value(QStringLiteral("fromEntries")).toInt(), 1);
    QCOMPARE(r.value(QStringLiteral("flat")).toInt(), 3);
    QCOMPARE(r.value(QStringLiteral("at")).toInt(), 3);
    QCOMPARE(r.value(QStringLiteral("replaceAll")).toString(), QStringLiteral("a+b+c"));
    QCOMPARE(r.value(QStringLiteral("text")).toString(), QStringLiteral("h\u00e9llo"));
    QCOMPARE(r.value(QStringLiteral("globalThis")).toString(), QStringLiteral("function"));
    QCOMPARE(r.value(QStringLiteral("settled")).toArray(),
             (QJsonArray{QStringLiteral("fulfilled"), QStringLiteral("rejected")}));
}

void TestScripting::asyncListener()
{
    Client *c = client(QStringLiteral("guest@example.com"), {QStringLiteral("meetsuite")});
    c->emitEvent(QStringLiteral("guest_subscribe"), {QStringLiteral("guest_0123456789")});
    auto subscribed = c->waitFor(QStringLiteral("guest_subscribed"));
    QVERIFY(subscribed);
    QCOMPARE(firstArg(subscribed).value(QStringLiteral("room")).toString(),
             QStringLiteral("guest:guest_0123456789"));
    QVERIFY(firstArg(subscribed)
                .value(QStringLiteral("rooms"))
                .toArray()
                .contains(QStringLiteral("guest:guest_0123456789")));
    QVERIFY(m_frappe->paths.contains(QStringLiteral("GET /api/method/suite.meet.validate_guest")));

    c->emitEvent(QStringLiteral("later"), {50});
    auto later = c->waitFor(QStringLiteral("later_done"));
    QVERIFY(later);
    QCOMPARE(firstArg(later).value(QStringLiteral("waited")).toBool(), true);
}

void TestScripting::binaryArguments()
{
    Client *c = client(QStringLiteral("a@example.com"), {QStringLiteral("meetsuite")});
    c->send("51-/site.test,9[\"binary_echo\",{\"_placeholder\":true,\"num\":0}]");
    c->sendBinary(QByteArray("hi\x00\xff", 4));
    auto ack = c->waitFor(QStringLiteral("ack:9"));
    QVERIFY(ack);
    QCOMPARE(ack->type, sio::PacketType::BinaryAck);
    QCOMPARE(firstArg(ack).value(QStringLiteral("size")).toInt(), 4);
    QCOMPARE(firstArg(ack).value(QStringLiteral("b64")).toString(),
             QString::fromLatin1(QByteArray("hi\x00\xff", 4).toBase64()));
    QCOMPARE(ack->attachments.size(), 1);
    QVERIFY(ack->attachments.first().startsWith("pong:hi"));
}

void TestScripting::failingListenerIsContained()
{
    Client *c = client(QStringLiteral("a@example.com"),
                       {QStringLiteral("thrower"), QStringLiteral("deskhelp")});
    c->emitEvent(QStringLiteral("boom"));
    QTRY_VERIFY(
        logged(QStringLiteral("error in event handler of thrower for event 'boom': TypeError")));
    c->emitEvent(QStringLiteral("async_boom"));
    QTRY_VERIFY(logged(QStringLiteral(
        "error in event handler of thrower for event 'async_boom': Error: rejected later")));
    c->emitEvent(QStringLiteral("ping"));
    QVERIFY(c->waitFor(QStringLiteral("thrower_pong")));
    QVERIFY(c->waitFor(QStringLiteral("pong")));
}

void TestScripting::runawayScriptIsInterrupted()
{
    Client *c = client(QStringLiteral("a@example.com"),
                       {QStringLiteral("spinner"), QStringLiteral("deskhelp")});
    QElapsedTimer timer;
    timer.start();
    c->emitEvent(QStringLiteral("spin"));
    QVERIFY(timer.elapsed() < 3000);
    QVERIFY(logged(QStringLiteral(
        "runaway script in handlers of spinner (event 'spin') interrupted after 300 ms")));
    c->emitEvent(QStringLiteral("alive"));
    QVERIFY(c->waitFor(QStringLiteral("spinner_alive")));

    c->emitEvent(QStringLiteral("spin_later"));
    QTRY_VERIFY(
        logged(QStringLiteral("runaway script in handlers of spinner (a promise callback)")));
    c->emitEvent(QStringLiteral("alive"));
    QVERIFY(c->waitFor(QStringLiteral("spinner_alive")));
    c->emitEvent(QStringLiteral("ping"));
    QVERIFY(c->waitFor(QStringLiteral("pong")));
}

void TestScripting::sandbox()
{
    Client *c = client(QStringLiteral("a@example.com"), {QStringLiteral("sandboxed")});
    c->emitEvent(QStringLiteral("probe"), {}, 4);
    auto ack = c->waitFor(QStringLiteral("ack:4"));
    QVERIFY(ack);
    QHash<QString, QJsonObject> results;
    for (const auto &r : ack->data.toArray().at(0).toArray())
        results.insert(r.toObject().value(QStringLiteral("what")).toString(), r.toObject());
    QCOMPARE(results.value(QStringLiteral("inside")).value(QStringLiteral("value")).toString(),
             QStringLiteral("inside"));
    for (const char *what : {"outside", "absolute", "fs", "npm", "redis", "outside_file",
                             "symlink_file", "symlink_dir"}) {
        const QJsonObject r = results.value(QLatin1String(what));
        QVERIFY2(!r.isEmpty() && !r.value(QStringLiteral("ok")).toBool(), what);
    }
    // Confinement itself, not just some error: the planted files exist and
    // would load, but the resolver refuses them for where they are...
    for (const char *what : {"outside_file", "symlink_file", "symlink_dir"}) {
        const QString error =
            results.value(QLatin1String(what)).value(QStringLiteral("error")).toString();
        QVERIFY2(error.contains(QStringLiteral("outside the app folder")), qPrintable(error));
    }
    // ...and none of them ran, while the same mark from a file inside the app
    // folder is seen (positive control).
    QCOMPARE(results.value(QStringLiteral("marker")).value(QStringLiteral("value")).toBool(), true);
    const QJsonObject marks =
        results.value(QStringLiteral("marks")).value(QStringLiteral("value")).toObject();
    QCOMPARE(marks.value(QStringLiteral("marker")).toInt(), 1);
    QCOMPARE(marks.value(QStringLiteral("escaped")).toInt(), 0);
    QVERIFY(results.value(QStringLiteral("outside"))
                .value(QStringLiteral("error"))
                .toString()
                .contains(QStringLiteral("outside the app folder")));
    QVERIFY(results.value(QStringLiteral("redis"))
                .value(QStringLiteral("error"))
                .toString()
                .contains(QStringLiteral("not supported")));
    QCOMPARE(results.value(QStringLiteral("conf")).value(QStringLiteral("value")).toString(),
             QStringLiteral("object"));
}

void TestScripting::disconnectListener()
{
    Client *c = client(QStringLiteral("leaver@example.com"), {QStringLiteral("deskhelp")});
    QVERIFY(c->waitFor(QStringLiteral("nothing"), 50) == std::nullopt);
    c->send("1/site.test,");
    QTRY_VERIFY(logged(
        QStringLiteral("[deskhelp] viewer leaver@example.com left: client namespace disconnect")));
}

void TestScripting::hotReload()
{
    QSignalSpy reloaded(m_apps.get(), &AppHandlers::handlersReloaded);
    Client *before = client(QStringLiteral("a@example.com"), {QStringLiteral("deskhelp")});
    const QString path = m_bench.path() + QStringLiteral("/apps/deskhelp/realtime/handlers.js");
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray original = file.readAll();
    file.close();
    QByteArray changed = original;
    changed.replace("socket.emit(\"pong\");", "socket.emit(\"pong_v2\");");
    QVERIFY(changed != original);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(changed);
    file.close();
    QTRY_COMPARE_WITH_TIMEOUT(reloaded.size(), 1, 5000);
    QCOMPARE(reloaded.first().at(0).toString(), QStringLiteral("deskhelp"));
    QCOMPARE(reloaded.first().at(1).toString(), path);
    QVERIFY(logged(QStringLiteral("reloaded event handlers from ") + path));

    Client *after = client(QStringLiteral("b@example.com"), {QStringLiteral("deskhelp")});
    after->emitEvent(QStringLiteral("ping"));
    QVERIFY(after->waitFor(QStringLiteral("pong_v2")));
    before->emitEvent(QStringLiteral("ping"));
    QVERIFY(before->waitFor(QStringLiteral("pong"))); // set up before the change

    // Back to the original, also through a replace-by-rename as editors do.
    const QString tmp = path + QStringLiteral(".tmp");
    QFile out(tmp);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(original);
    out.close();
    QVERIFY(QFile::remove(path));
    QVERIFY(QFile::rename(tmp, path));
    QTRY_COMPARE_WITH_TIMEOUT(reloaded.size(), 2, 5000);
    Client *third = client(QStringLiteral("c@example.com"), {QStringLiteral("deskhelp")});
    third->emitEvent(QStringLiteral("ping"));
    QVERIFY(third->waitFor(QStringLiteral("pong")));
}

void TestScripting::asyncLoweringKeepsSemantics_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("expected");
    QTest::newRow("arrow block")
        << "(async (x) => { const y = await Promise.resolve(x + 1); return y * 2; })(1)"
        << "4";
    QTest::newRow("arrow expression") << "(async x => await x + 1)(Promise.resolve(1))"
                                      << "2";
    QTest::newRow("function")
        << "(async function f(a, b) { return (await a) + arguments.length + b; })(1, 2)"
        << "5";
    QTest::newRow("method and this") << "({ k: 3, async m() { return this.k + await 1; } }).m()"
                                     << "4";
    QTest::newRow("class method") << "new (class { async get(n) { return await n * 2; } })().get(5)"
                                  << "10";
    QTest::newRow("await in template") << "(async () => `v=${await 7}/${'}'}`)()"
                                       << "v=7/}";
    QTest::newRow("regex and strings")
        << "(async () => { const r = /async\\/(a)/; const s = 'await x'; return r.test('async/a') "
           "+ s + await 'y'; })()"
        << "trueawait xy";
    QTest::newRow("try/catch of rejection")
        << "(async () => { try { await Promise.reject(new Error('no')); } catch (e) { return "
           "'caught ' + e.message; } })()"
        << "caught no";
    QTest::newRow("member chain")
        << "(async () => (await Promise.resolve({a: [0, {b: () => 9}]})).a[1].b())()"
        << "9";
    QTest::newRow("await call chain")
        << "(async () => await Promise.resolve('x').then(v => v + 'y'))()"
        << "xy";
    QTest::newRow("async as a name") << "(function () { var async = function (v) { return v; }; "
                                        "return Promise.resolve(async(5)); })()"
                                     << "5";
    QTest::newRow("object spread") << "Promise.resolve(JSON.stringify({ a: 1, ...{ b: 2, c: 3 }, "
                                      "c: 4, ...[5].map(x => ({ d: x }))[0] }))"
                                   << "{\"a\":1,\"b\":2,\"c\":4,\"d\":5}";
    QTest::newRow("array spread and rest untouched")
        << "(function (...a) { { const b = [...a]; return Promise.resolve(b.length + "
           "Math.max(...a)); } })(1, 5)"
        << "7";
    QTest::newRow("spread only") << "(async (h) => JSON.stringify({...h}))({ k: 'v' })"
                                 << "{\"k\":\"v\"}";
    QTest::newRow("destructuring param") << "(async ({ message }) => message)({ message: 'm' })"
                                         << "m";
}

// Lowers `source`, runs it in a fresh engine with the runtime helpers and
// returns what its promise (or value) settles to, as a string.
static QString runLowered(const QString &source)
{
    QString error;
    const QString lowered = lowerModernSyntax(source, &error);
    if (!error.isEmpty()) return QStringLiteral("lowering error: ") + error;
    if (lowered.count(QLatin1Char('\n')) != source.count(QLatin1Char('\n')))
        return QStringLiteral("line count changed: ") + lowered;
    QJSEngine engine;
    installLoweringRuntime(engine);
    engine.globalObject().setProperty(
        QStringLiteral("__rt_async"),
        engine.evaluate(QStringLiteral(
            "(function (g, self, args) { return new Promise(function (resolve, reject) {"
            " var it = g.apply(self, args);"
            " function step(m, v) { var r; try { r = it[m](v); } catch (e) { reject(e); return; }"
            "  if (r.done) resolve(r.value); else Promise.resolve(r.value).then("
            "   function (x) { step('next', x); }, function (e) { step('throw', e); }); }"
            " step('next'); }); })")));
    const QJSValue result = engine.evaluate(lowered);
    if (result.isError())
        return QStringLiteral("%1 at line %2 in %3")
            .arg(result.toString(), result.property(QStringLiteral("lineNumber")).toString(),
                 lowered);
    // Settles through the event loop (promise jobs run there).
    QJSValue box =
        engine
            .evaluate(QStringLiteral("(function (p) { var box = {}; Promise.resolve(p).then("
                                     "function (v) { box.v = String(v); box.done = true; },"
                                     "function (e) { box.v = 'rejected: ' + e; box.done = true; });"
                                     " return box; })"))
            .call({result});
    QElapsedTimer waited;
    waited.start();
    while (!box.property(QStringLiteral("done")).toBool() && waited.elapsed() < 5000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    return box.property(QStringLiteral("v")).toString();
}

void TestScripting::asyncLoweringKeepsSemantics()
{
    QFETCH(QString, source);
    QFETCH(QString, expected);
    QCOMPARE(runLowered(source), expected);
}

void TestScripting::modernSyntaxLoweringKeepsSemantics_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("expected");
    // Object rest.
    QTest::newRow("rest in a declaration")
        << "const {a, ...rest} = {a: 1, b: 2, c: 3}; JSON.stringify([a, rest])"
        << "[1,{\"b\":2,\"c\":3}]";
    QTest::newRow("rest in arrow parameters") << "(({a, ...r}) => JSON.stringify(r))({a: 1, b: 2})"
                                              << "{\"b\":2}";
    QTest::newRow("rest in parameters with defaults, over lines")
        << "function send(\n\tsocket,\n\t{ path, method = 'GET', params = {}, headers = {}, "
           "...rest }\n) { return JSON.stringify([path, method, params, headers, rest]); }\n"
           "send({}, {path: '/x', body: 'b', mode: 'm'})"
        << "[\"/x\",\"GET\",{},{},{\"body\":\"b\",\"mode\":\"m\"}]";
    QTest::newRow("rest in a for-of head")
        << "var s = ''; for (const {a, ...r} of [{a: 1, b: 2}, {a: 3, z: 4}]) s += "
           "JSON.stringify(r); s"
        << "{\"b\":2}{\"z\":4}";
    QTest::newRow("rest in an assignment")
        << "var a, r; ({a, ...r} = {a: 1, b: 2}); JSON.stringify([a, r])"
        << "[1,{\"b\":2}]";
    QTest::newRow("nested rest, computed key, default")
        << "const k = 'b'; const {[k]: bee, a: {x, ...inner} = {}, ...outer} = "
           "{a: {x: 1, y: 2}, b: 3, c: 4}; JSON.stringify([bee, x, inner, outer])"
        << "[3,1,{\"y\":2},{\"c\":4}]";
    QTest::newRow("computed key evaluated once") << "var n = 0; function key() { n++; return 'a'; "
                                                    "} const {[key()]: v, ...r} = {a: 1, b: 2}; "
                                                    "JSON.stringify([v, r, n])"
                                                 << "[1,{\"b\":2},1]";
    QTest::newRow("rest inside an array pattern")
        << "const [first, {p, ...more}] = [0, {p: 1, q: 2}]; JSON.stringify([first, p, more])"
        << "[0,1,{\"q\":2}]";
    QTest::newRow("quoted and numeric keys, symbols kept")
        << "var sym = Symbol('s'); const {'q-1': q, 2: two, ...others} = {'q-1': 1, 2: 2, 3: 3, "
           "[sym]: 4}; JSON.stringify(others) + (others[sym] === 4)"
        << "{\"3\":3}true";
    QTest::newRow("rest and spread together in an async arrow")
        << "(async ({a, ...r}) => { const {b, ...r2} = await Promise.resolve({...r, d: 4}); "
           "return JSON.stringify(r2); })({a: 1, b: 2, c: 3})"
        << "{\"c\":3,\"d\":4}";
    QTest::newRow("rest of a string") << "const {length, ...chars} = 'ab'; JSON.stringify(chars)"
                                      << "{\"0\":\"a\",\"1\":\"b\"}";
    // Class fields.
    QTest::newRow("public, static and private fields")
        << "class X { f = 1; static y = 2; #p = 3; get p() { return this.#p; } }\n"
           "JSON.stringify([new X().f, X.y, new X().p, Object.keys(new X())])"
        << "[1,2,3,[\"f\"]]";
    QTest::newRow("fields after super(), arrow field sees this")
        << "class Base { constructor(v) { this.v = v; } }\nclass D extends Base {\n"
           "  w = this.v * 2;\n  h = () => this.w + 1\n  constructor(v) {\n    const z = 1\n"
           "    super(v + z)\n  }\n}\nconst d = new D(1); JSON.stringify([d.v, d.w, d.h()])"
        << "[2,4,5]";
    QTest::newRow("super() in two branches")
        << "class B { constructor(v) { this.v = v; } }\nclass D extends B { f = this.v + 1; "
           "constructor(x) { if (x) super(10); else super(20); } }\n"
           "JSON.stringify([new D(true).f, new D(false).f])"
        << "[11,21]";
    QTest::newRow("class made by a function, static sees this")
        << "function make(k) { return class { v = k * 2; static s = k; static t = this.s + 1; }; "
           "}\nconst C = make(3); JSON.stringify([new C().v, C.s, C.t])"
        << "[6,3,4]";
    QTest::newRow("derived class without a constructor")
        << "class E extends Array { tag = 'e'; } const e = new E(); e.push(1); "
           "JSON.stringify([e.tag, e.length, e instanceof E])"
        << "[\"e\",1,true]";
    QTest::newRow("class expression with a static block")
        << "const C = class { static count = 0; static { this.count = 5; } id = "
           "++this.constructor.count; }; JSON.stringify([C.count, new C().id, C.count])"
        << "[5,6,6]";
    QTest::newRow("private method and #x in o")
        << "class P { #secret = 'x'; #m() { return this.#secret + '!'; } static has(o) { return "
           "#secret in o; } run() { return this.#m(); } }\n"
           "JSON.stringify([new P().run(), P.has(new P()), P.has({}), JSON.stringify(new P())])"
        << "[\"x!\",true,false,\"{}\"]";
    QTest::newRow("static private field")
        << "class Q { static #count = 0; static next() { return ++Q.#count; } } Q.next(); Q.next()"
        << "2";
    QTest::newRow("fields without values, quoted names")
        << "class F { a; b = 2; 'c d' = 3; static z; } JSON.stringify([Object.keys(new F()), "
           "new F().a === undefined, 'z' in F])"
        << "[[\"a\",\"b\",\"c d\"],true,true]";
    QTest::newRow("computed field names, evaluated once per class")
        << "const EOF_ = Symbol('EOF'); var n = 0; function key() { return 'k' + (++n); }\n"
           "function make() { return class { [EOF_] = false; [key()] = 1; static [key()] = 's'; "
           "['plain']; }; }\nconst A = make(), B = make(); const a = new A();\n"
           "JSON.stringify([a[EOF_], Object.keys(a), Object.keys(new B()), Object.keys(new A()), "
           "A.k2, B.k4, n])"
        << "[false,[\"k1\",\"plain\"],[\"k3\",\"plain\"],[\"k1\",\"plain\"],\"s\",\"s\",4]";
    QTest::newRow("private fields without semicolons")
        << "class J {\n  #count = 0\n  #items = []\n  add(x) { this.#items.push(x); return "
           "++this.#count }\n}\nnew J().add('a')"
        << "1";
    QTest::newRow("regex after an if head")
        << "var r = 0; if (true) /a'b/.test(\"a'b\") && (r = new (class { x = 1 })().x); r"
        << "1";
    QTest::newRow("value on the next line") << "class H { x =\n  5; } new H().x"
                                            << "5";
    QTest::newRow("static and get as member names")
        << "const o = { class: 1 }; class I { static = 3; get = 4; } "
           "JSON.stringify([o.class, new I().static, new I().get])"
        << "[1,3,4]";
    // for await.
    QTest::newRow("for await over promises")
        << "(async () => { let s = 0; for await (const x of [1, Promise.resolve(2), 3]) { s += x; "
           "} return s; })()"
        << "6";
    QTest::newRow("for await over an async iterator, continue")
        << "(async function () { const it = { [Symbol.asyncIterator]() { let i = 0; return { "
           "next() { i++; return Promise.resolve({ value: i, done: i > 3 }); } }; } };\n"
           "const out = []; for await (const v of it) { if (v === 2) continue; out.push(v); } "
           "return out.join(); })()"
        << "1,3";
    QTest::newRow("for await with a rest pattern")
        << "(async () => { const out = []; for await (const {a, ...r} of [{a: 1, b: 2}]) { "
           "out.push(JSON.stringify(r)); } return out[0]; })()"
        << "{\"b\":2}";
    QTest::newRow("for await rejection is catchable")
        << "(async () => { try { for await (const x of [Promise.reject(new Error('no'))]) {} } "
           "catch (e) { return 'caught ' + e.message; } })()"
        << "caught no";
    // Async generators.
    QTest::newRow("async generator function")
        << "async function* ticks(n) { for (let i = 0; i < n; i++) { await null; yield i; } }\n"
           "(async () => { const out = []; for await (const t of ticks(3)) { out.push(t); } "
           "return out.join(); })()"
        << "0,1,2";
    QTest::newRow("async generator methods, for await inside")
        << "const o = { async *items() { yield 'a'; yield await Promise.resolve('b'); } };\n"
           "class S { constructor() { this.src = [1, 2]; } async *[Symbol.asyncIterator]() { "
           "for await (const v of this.src) { yield v * 10; } } }\n"
           "(async () => { const out = []; for await (const x of o.items()) { out.push(x); } "
           "for await (const v of new S()) { out.push(v); } return out.join(); })()"
        << "a,b,10,20";
    QTest::newRow("async generator return() runs finally, errors reach the loop")
        << "async function* g() { try { yield 1; yield 2; } finally { g.cleaned = true; } }\n"
           "async function* bad() { yield 1; throw new Error('boom'); }\n"
           "(async () => { const it = g(); const a = await it.next(); const r = await "
           "it.return('x'); const out = [JSON.stringify([a, r, g.cleaned])];\n"
           "try { for await (const v of bad()) { out.push(v); } } catch (e) { out.push(e.message); "
           "} return out.join(); })()"
        << "[{\"value\":1,\"done\":false},{\"value\":\"x\",\"done\":true},true],1,boom";
    QTest::newRow("yield* in an async generator")
        << "async function* inner() { yield 1; await null; yield 2; return 'r'; }\n"
           "async function* outer() { const r = yield* inner(); yield r; yield* [3, "
           "Promise.resolve(4)]; }\n"
           "(async () => { const out = []; for await (const v of outer()) { out.push(v); } "
           "return out.join(); })()"
        << "1,2,r,3,4";
    QTest::newRow("return() passes through yield*")
        << "async function* inner() { try { yield 1; yield 2; } finally { inner.done = true; } }\n"
           "async function* outer() { yield* inner(); }\n"
           "(async () => { const it = outer(); await it.next(); const r = await it.return('x'); "
           "return JSON.stringify([r, inner.done]); })()"
        << "[{\"value\":\"x\",\"done\":true},true]";
    // Small syntax.
    QTest::newRow("optional catch binding") << "try { throw 1; } catch { 'caught' }"
                                            << "caught";
    QTest::newRow("logical assignment")
        << "var a = null; a ?\?= 5; var b = 0; b ||= 6; var c = 1; c &&= 7; var o = {x: {y: "
           "null}}; "
           "o.x.y ?\?= 'z'; o['x'].w ||= 'w'; JSON.stringify([a, b, c, o])"
        << "[5,6,7,{\"x\":{\"y\":\"z\",\"w\":\"w\"}}]";
    QTest::newRow("logical assignment short-circuits")
        << "var sets = 0; var o = { get x() { return 1; }, set x(v) { sets++; } }; o.x ||= 2; "
           "var q = 1 ? o.y ?\?= 3 : 0; JSON.stringify([sets, q])"
        << "[0,3]";
    QTest::newRow("logical assignment without semicolons") << "var a = null\na ?\?= 1\nvar b = a\nb"
                                                           << "1";
    QTest::newRow("numeric separators") << "1_000_000 + 0.000_5 + 0xff_ff * 0"
                                        << "1000000.0005";
}

void TestScripting::modernSyntaxLoweringKeepsSemantics()
{
    QFETCH(QString, source);
    QFETCH(QString, expected);
    QCOMPARE(runLowered(source), expected);
}

void TestScripting::loweringLeavesLookalikesAlone_data()
{
    QTest::addColumn<QString>("source");
    QTest::newRow("strings, templates, regexes, comments")
        << "var s = \"class X { a = 1 } catch { x ?\?= 1_000 } {a, ...r} = o\"; // class Z { b = 2 "
           "}\nvar t = `for await (const x of y) ${'a ||= b'} {...r}`; /* a &&= b; 1_0 #p */\n"
           "var re = /catch {|a ?\?= b|#p|{a, ...r}/; s + t + re.source";
    QTest::newRow("supported syntax") << "class A extends Object { static m() { return 1; } get "
                                         "x() { return 2; } }\nvar [h, ...t] = [1, 2]; "
                                         "function g(...args) { return args; } g(...t)?.[0] ?? h";
    QTest::newRow("regex after a block, which the tokenizer cannot tell: left to V4")
        << "if (1) {}\n/a'b/.test(\"a'b\") ? class { x = 1 } : 2";
    QTest::newRow("names that look like keywords")
        << "var o = { class: 1, static: 2, catch: 3 }; o.catch + o.class; var a_1 = 1, _2 = a_1;";
}

// Sources without the lowered constructs come back byte for byte.
void TestScripting::loweringLeavesLookalikesAlone()
{
    QFETCH(QString, source);
    QString error;
    QCOMPARE(lowerModernSyntax(source, &error), source);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestScripting::loweringRefusalsNameTheLine_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("error");
    QTest::newRow("logical assignment to a call result")
        << "function f() { return {}; }\nf().x ?\?= 1"
        << "logical assignment lowering: the target must be a name or a member chain without "
           "calls at line 2";
    QTest::newRow("undeclared private name")
        << "\nclass Y { m() { return this.#nope; } }"
        << "class field lowering: private name #nope is not declared at line 2";
    QTest::newRow("for await without a block")
        << "(async function () {\n for await (const x of [1]) return x; })()"
        << "async lowering: for await (...) needs a { } body at line 2";
}

void TestScripting::loweringRefusalsNameTheLine()
{
    QFETCH(QString, source);
    QFETCH(QString, error);
    QString got;
    QCOMPARE(lowerModernSyntax(source, &got), source);
    QCOMPARE(got, error);
}

// The agentsync fixture (press-agent-manager's shape, with every lowered
// construct) loads, and its listener POSTs to the web server for the client.
void TestScripting::modernSyntaxAppLoads()
{
    Client *c = client(QStringLiteral("a@example.com"), {QStringLiteral("agentsync")});
    c->emitEvent(QStringLiteral("remote_job.sync_job"),
                 {QJsonObject{{QStringLiteral("job_id"), QStringLiteral("J-1")},
                              {QStringLiteral("data"),
                               QJsonObject{{QStringLiteral("state"), QStringLiteral("Running")}}},
                              {QStringLiteral("attempt"), 2}}});
    auto synced = c->waitFor(QStringLiteral("remote_job.sync_job_synced"));
    QVERIFY(synced);
    QVERIFY(!logged(QStringLiteral("failed to load event handlers")));
    const QJsonObject r = firstArg(synced);
    QCOMPARE(r.value(QStringLiteral("job_id")).toString(), QStringLiteral("J-1"));
    QCOMPARE(r.value(QStringLiteral("status")).toInt(), 200);
    QCOMPARE(r.value(QStringLiteral("outbox_ok")).toBool(), true);
    QCOMPARE(r.value(QStringLiteral("count")).toInt(), 1);
    QCOMPARE(r.value(QStringLiteral("http_method")).toString(), QStringLiteral("POST"));
    QVERIFY(
        m_frappe->paths.contains(QStringLiteral("POST /api/method/agentsync.remote_job.sync_job")));
}

QTEST_GUILESS_MAIN(TestScripting)
#include "tst_scripting.moc"
