// SocketConnection on a bare descriptor (one end of a socketpair; the test
// reads and writes the other end): HTTP answers, a WebSocket upgrade, output
// larger than the kernel buffer kept in order until the reader catches up,
// the slow-consumer cut-off, the close reasons when the peer goes away, and
// the bounds of issue 14: request head and keep-alive timeouts, and input
// sent ahead while a request is being answered.
#include "transport/socketconnection.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QTest>

#include <cerrno>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

constexpr int kTimeoutMs = 10000;

class App : public RequestHandler, public WebSocketHandler {
public:
    void handleRequest(Connection *connection, HttpRequest &&request) override
    {
        if (request.isWebSocketUpgrade()) {
            connection->acceptWebSocket(request, this);
            return;
        }
        if (request.path == "/park") {
            // Answered later, like a long-poll GET.
            parked = connection;
            connection->setClosedCallback([this](Connection *) { closed.append("parked closed"); });
            return;
        }
        HttpResponse response;
        response.body = "hello " + request.path;
        connection->respond(response);
    }
    void onWebSocketMessage(Connection *, ws::Message &&) override {}
    void onWebSocketClosed(Connection *, const QString &reason) override { closed.append(reason); }

    QStringList closed;
    QPointer<Connection> parked;
};

// True once the other end of the socketpair is closed (read gives 0);
// `got` collects what arrived before.
bool peerSeesEof(int fd, QByteArray *got = nullptr)
{
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
            if (got) got->append(buffer, qsizetype(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
    }
}

// Everything readable on `fd` right now (non-blocking).
QByteArray drain(int fd)
{
    QByteArray out;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
            out.append(buffer, qsizetype(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        return out;
    }
}

} // namespace

class TestSocketConnection : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_app.closed.clear();
        int fds[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
        m_peer = fds[1];
        ::fcntl(m_peer, F_SETFL, ::fcntl(m_peer, F_GETFL) | O_NONBLOCK);
        m_serverFd = fds[0];
        ::fcntl(m_serverFd, F_SETFL, ::fcntl(m_serverFd, F_GETFL) | O_NONBLOCK);
    }
    void cleanup()
    {
        delete m_connection.data();
        if (m_peer >= 0) ::close(m_peer);
        m_peer = -1;
    }

    void answersHttpOverTheDescriptor();
    void outputBeyondTheKernelBufferArrivesInOrder();
    void slowConsumerIsCutOff();
    void peerCloseIsATransportClose();
    void silentConnectionIsClosedAfterTheHeadTimeout();
    void halfSentHeadGets408AfterTheHeadTimeout();
    void idleKeepAliveIsClosedEngineIoLater();
    void inputAheadOfAParkedRequestIsCapped();

private:
    void open(qint64 maxOutbound, ConnectionLimits limits = {})
    {
        limits.maxOutboundBytes = maxOutbound;
        m_connection = new SocketConnection(m_serverFd, QStringLiteral("test"), &m_app, limits);
    }
    void write(const QByteArray &bytes)
    {
        QCOMPARE(::write(m_peer, bytes.constData(), size_t(bytes.size())), ssize_t(bytes.size()));
    }
    QByteArray readUntil(const QByteArray &needle)
    {
        QByteArray got;
        QTest::qWaitFor(
            [&] {
                got += drain(m_peer);
                return got.contains(needle);
            },
            kTimeoutMs);
        return got;
    }
    void upgrade()
    {
        const QByteArray request = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                                   "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
        QCOMPARE(::write(m_peer, request.constData(), size_t(request.size())),
                 ssize_t(request.size()));
        const QByteArray head = readUntil("\r\n\r\n");
        QVERIFY2(head.startsWith("HTTP/1.1 101"), head.constData());
        QVERIFY(head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    }

    App m_app;
    QPointer<SocketConnection> m_connection;
    int m_serverFd = -1;
    int m_peer = -1;
};

void TestSocketConnection::answersHttpOverTheDescriptor()
{
    open(1 << 20);
    const QByteArray request =
        "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n";
    QCOMPARE(::write(m_peer, request.constData(), size_t(request.size())), ssize_t(request.size()));
    const QByteArray answers = readUntil("hello /b");
    QVERIFY2(answers.startsWith("HTTP/1.1 200"), answers.constData());
    QVERIFY(answers.indexOf("hello /a") < answers.indexOf("hello /b"));
}

void TestSocketConnection::outputBeyondTheKernelBufferArrivesInOrder()
{
    open(64 << 20);
    upgrade();
    // 2000 frames of 4 KB: far more than a socketpair buffers, so most of it
    // waits in the connection until the reader drains the other end.
    QByteArray expected;
    for (int i = 0; i < 2000; ++i) {
        const QByteArray frame =
            ws::encodeFrame(ws::Opcode::Binary, QByteArray(4096, char('a' + i % 26)));
        expected += frame;
        m_connection->sendFrame(frame);
    }
    QByteArray got;
    QVERIFY(QTest::qWaitFor(
        [&] {
            got += drain(m_peer);
            return got.size() >= expected.size();
        },
        kTimeoutMs));
    QCOMPARE(got.size(), expected.size());
    QVERIFY(got == expected);
    QVERIFY(m_connection && m_connection->isOpen());
    QVERIFY(m_app.closed.isEmpty());
}

void TestSocketConnection::slowConsumerIsCutOff()
{
    open(256 * 1024);
    upgrade();
    // Nobody reads: past the limit the connection is closed, as an error.
    for (int i = 0; i < 200; ++i)
        m_connection->sendFrame(ws::encodeFrame(ws::Opcode::Binary, QByteArray(4096, 'x')));
    QTRY_COMPARE_WITH_TIMEOUT(m_app.closed, QStringList{QStringLiteral("transport error")},
                              kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(m_connection.isNull(), kTimeoutMs); // deleted once closed
}

void TestSocketConnection::peerCloseIsATransportClose()
{
    open(1 << 20);
    upgrade();
    ::close(std::exchange(m_peer, -1));
    QTRY_COMPARE_WITH_TIMEOUT(m_app.closed, QStringList{QStringLiteral("transport close")},
                              kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(m_connection.isNull(), kTimeoutMs);
}

void TestSocketConnection::silentConnectionIsClosedAfterTheHeadTimeout()
{
    ConnectionLimits limits;
    limits.requestHeadTimeoutMs = 300;
    open(1 << 20, limits);
    QTest::qWait(100);
    QVERIFY(!peerSeesEof(m_peer)); // still open before the timeout
    QTRY_VERIFY_WITH_TIMEOUT(peerSeesEof(m_peer), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(m_connection.isNull(), kTimeoutMs);
}

void TestSocketConnection::halfSentHeadGets408AfterTheHeadTimeout()
{
    ConnectionLimits limits;
    limits.requestHeadTimeoutMs = 300;
    open(1 << 20, limits);
    write("GET /a HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    QByteArray got;
    QTRY_VERIFY_WITH_TIMEOUT(peerSeesEof(m_peer, &got), kTimeoutMs);
    QVERIFY2(got.startsWith("HTTP/1.1 408"), got.constData());
}

void TestSocketConnection::idleKeepAliveIsClosedEngineIoLater()
{
    ConnectionLimits limits;
    limits.keepAliveTimeoutMs = 200;
    limits.engineIoIdleTimeoutMs = 1500;
    open(1 << 20, limits);
    // An Engine.IO request: the connection may idle for the longer time.
    write("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n");
    QByteArray got = readUntil("hello /socket.io/");
    QTest::qWait(600);
    QVERIFY(!peerSeesEof(m_peer, &got));
    // Any other request: closed after the keep-alive timeout.
    write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    got = readUntil("hello /health");
    QElapsedTimer timer;
    timer.start();
    QTRY_VERIFY_WITH_TIMEOUT(peerSeesEof(m_peer), kTimeoutMs);
    QVERIFY(timer.elapsed() < 1400);
}

void TestSocketConnection::inputAheadOfAParkedRequestIsCapped()
{
    ConnectionLimits limits;
    limits.maxHeaderBytes = 4096;
    limits.maxPayload = 16384;
    open(1 << 20, limits);
    write("GET /park HTTP/1.1\r\nHost: x\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(!m_app.parked.isNull(), kTimeoutMs);
    // One more request of the largest size is allowed to wait...
    write(QByteArray(4096 + 16384, 'a'));
    QTest::qWait(100);
    QVERIFY(m_app.closed.isEmpty());
    // ...anything beyond closes the connection.
    write(QByteArray(1024, 'a'));
    QTRY_COMPARE_WITH_TIMEOUT(m_app.closed, QStringList{QStringLiteral("parked closed")},
                              kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(peerSeesEof(m_peer), kTimeoutMs);
}

QTEST_MAIN(TestSocketConnection)
#include "tst_socketconnection.moc"
