#include "transport/socketconnection.h"

#include "common/logging.h"
#include "common/memoryrelease.h"
#include "transport/outputflusher.h"

#include <QEvent>
#include <QHostAddress>
#include <QSocketNotifier>
#include <QThreadStorage>
#include <QTimer>
#include <cerrno>
#include <fcntl.h>
#include <map>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

// Calls its connection straight from the activation event: a signal
// connection per notifier would cost a heap block on both sides per client.
class SocketNotifierForConnection : public QSocketNotifier {
public:
    SocketNotifierForConnection(int fd, Type type, SocketConnection *owner)
        : QSocketNotifier(fd, type, owner), m_owner(owner)
    {}

protected:
    bool event(QEvent *e) override
    {
        if (e->type() != QEvent::SockAct) return QSocketNotifier::event(e);
        if (type() == Read)
            m_owner->onReadable();
        else
            m_owner->onWritable();
        return true;
    }

private:
    SocketConnection *m_owner;
};

namespace {

// Received bytes land here first, one buffer per thread, and only what
// arrived is copied out.
char *readBuffer()
{
    static thread_local char buffer[64 * 1024];
    return buffer;
}
constexpr qint64 kReadBufferSize = 64 * 1024;

// The address the client connected to ("unix" for a Unix socket).
QString localAddressOf(int fd)
{
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) != 0) return {};
    if (address.ss_family == AF_UNIX) return QStringLiteral("unix");
    QHostAddress host(reinterpret_cast<const sockaddr *>(&address));
    bool isV4 = false;
    const quint32 v4 = host.toIPv4Address(&isV4);
    if (isV4) host = QHostAddress(v4);
    return host.toString();
}

// The time limits of this thread's connections: one FifoTimerQueue per
// duration (head, keep-alive and Engine.IO idle timeouts are the same for
// every connection of a listener), so a connection's deadline costs a link,
// not a timer. Kept for the thread's lifetime, like OutputFlusher.
class ConnectionDeadlines : public QObject {
public:
    static FifoTimerQueue *queue(int timeoutMs)
    {
        static QThreadStorage<ConnectionDeadlines *> perThread;
        if (!perThread.hasLocalData()) perThread.setLocalData(new ConnectionDeadlines);
        auto &queues = perThread.localData()->m_queues;
        auto it = queues.find(timeoutMs);
        if (it == queues.end()) {
            auto expired = [](void *c) { static_cast<SocketConnection *>(c)->deadlinePassed(); };
            it = queues
                     .emplace(timeoutMs, std::make_unique<FifoTimerQueue>(timeoutMs, expired,
                                                                          perThread.localData()))
                     .first;
        }
        return it->second.get();
    }

private:
    std::map<int, std::unique_ptr<FifoTimerQueue>> m_queues;
};

} // namespace

SocketConnection::SocketConnection(qintptr fd, QString peer, RequestHandler *handler,
                                   ConnectionLimits limits, QObject *parent)
    : Connection(std::move(peer), parent), m_fd(int(fd)), m_requestHandler(handler),
      m_limits(limits), m_frames(limits.maxPayload)
{
    // Small frames go out at once (fails harmlessly on a Unix-domain socket).
    const int one = 1;
    ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    m_readNotifier = new SocketNotifierForConnection(m_fd, QSocketNotifier::Read, this);
    waitFor(Waiting::Head);
}

SocketConnection::SocketConnection(QIODevice *device, QString peer, RequestHandler *handler,
                                   ConnectionLimits limits, QObject *parent)
    : Connection(std::move(peer), parent), m_device(device), m_requestHandler(handler),
      m_limits(limits), m_frames(limits.maxPayload)
{
    m_device->setParent(this);
    connect(m_device, &QIODevice::readyRead, this, &SocketConnection::onReadyRead);
    waitFor(Waiting::Head);
}

SocketConnection::~SocketConnection()
{
    if (m_fd >= 0) ::close(m_fd);
    if (m_observer) m_observer->socketConnectionDestroyed(this);
}

void SocketConnection::onReadyRead()
{
    // Exactly what is buffered: readAll() leaves a 16 KB block allocated inside
    // each QIODevice.
    received(m_device->read(m_device->bytesAvailable()));
}

void SocketConnection::onReadable()
{
    while (m_fd >= 0) {
        const ssize_t n = ::read(m_fd, readBuffer(), size_t(kReadBufferSize));
        if (n > 0) {
            received(QByteArray(readBuffer(), qsizetype(n)));
            if (n < kReadBufferSize) return;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        // End of stream, or reset: the peer is gone. Other errors are ours.
        const bool peerClosed = n == 0 || errno == ECONNRESET || errno == EPIPE;
        dropPending();
        closeDescriptor();
        finish(peerClosed ? QStringLiteral("transport close") : QStringLiteral("transport error"));
        return;
    }
}

void SocketConnection::received(const QByteArray &chunk)
{
    if (chunk.isEmpty() || m_mode == Mode::Closed) return;
    m_bytesIn += chunk.size();
    if (m_mode == Mode::WebSocket) {
        processWebSocket(chunk);
        return;
    }
    m_in.append(chunk);
    // The first byte of the next request: its head now has the head timeout.
    if (m_waiting == Waiting::Idle) waitFor(Waiting::Head);
    // A request is being answered (a long-poll GET may be parked for the
    // whole ping interval) and the client keeps sending: what it may send
    // ahead is one more request of the largest size accepted, no more.
    const qint64 aheadLimit = qint64(m_limits.maxHeaderBytes) + m_limits.maxPayload;
    if (m_awaitingResponse && m_in.size() > aheadLimit) {
        qCWarning(lcTransport).nospace()
            << "closing " << peer() << ": " << m_in.size()
            << " bytes sent ahead while a request is in progress (limit " << aheadLimit
            << ", max-http-header-size + max-payload)";
        m_in.clear();
        abort(QStringLiteral("transport error"));
        memoryrelease::releaseSoon();
        return;
    }
    processHttp();
}

void SocketConnection::waitFor(Waiting what)
{
    m_waiting = what;
    int timeoutMs = 0;
    if (what == Waiting::Head)
        timeoutMs = m_limits.requestHeadTimeoutMs;
    else if (what == Waiting::Idle)
        timeoutMs =
            m_lastRequestWasEngineIo ? m_limits.engineIoIdleTimeoutMs : m_limits.keepAliveTimeoutMs;
    if (timeoutMs <= 0) {
        m_deadline.disarm();
        return;
    }
    ConnectionDeadlines::queue(timeoutMs)->arm(m_deadline, this);
}

void SocketConnection::deadlinePassed()
{
    if (m_mode != Mode::Http || m_awaitingResponse || m_waiting == Waiting::Nothing) return;
    if (m_waiting == Waiting::Idle) {
        qCDebug(lcTransport) << "closing idle keep-alive connection" << peer();
    } else if (m_in.isEmpty()) {
        qCInfo(lcTransport).nospace()
            << "closing " << peer() << ": no request within " << m_limits.requestHeadTimeoutMs
            << " ms (request head timeout)";
    } else {
        qCInfo(lcTransport).nospace() << "closing " << peer() << ": request incomplete after "
                                      << m_limits.requestHeadTimeoutMs << " ms (" << m_in.size()
                                      << " bytes; request head timeout)";
        // Node's answer to a head that is too slow.
        m_in.clear();
        m_awaitingResponse = true;
        respond({408, "text/plain", {}, "Request Timeout", true});
        return;
    }
    m_waiting = Waiting::Nothing;
    m_in.clear();
    m_mode = Mode::Closed;
    shutdownDevice();
    finish(QStringLiteral("transport close"));
}

void SocketConnection::processHttp()
{
    // One request at a time: a pipelined request waits in m_in until the
    // current one has been answered.
    while (m_mode == Mode::Http && !m_awaitingResponse && !m_in.isEmpty()) {
        HeadParseResult head = parseRequestHead(m_in, m_limits.maxHeaderBytes);
        if (head.status == HeadParseResult::Incomplete) return;
        // The refusals below go through respond(), which only answers a
        // request in progress: mark one, or nothing is sent and the socket
        // stays open.
        if (head.status == HeadParseResult::TooLarge) {
            m_awaitingResponse = true;
            qCWarning(lcTransport) << "closing" << peer() << ":" << head.error;
            respond({431, "text/plain", {}, head.error.toUtf8(), true});
            return;
        }
        if (head.status == HeadParseResult::Malformed) {
            m_awaitingResponse = true;
            qCWarning(lcTransport) << "closing" << peer() << ": malformed request:" << head.error;
            respond({400, "text/plain", {}, head.error.toUtf8(), true});
            return;
        }
        if (head.contentLength > m_limits.maxPayload) {
            qCWarning(lcTransport).nospace()
                << "closing " << peer() << ": request body of " << head.contentLength
                << " bytes exceeds maxPayload " << m_limits.maxPayload;
            m_awaitingResponse = true;
            respond({413, "text/plain", {}, "Payload Too Large", true});
            return;
        }
        if (m_in.size() < head.headLength + head.contentLength) return;
        HttpRequest request = std::move(head.request);
        request.body = m_in.mid(head.headLength, head.contentLength);
        request.peer = peer();
        if (m_fd >= 0 && m_localAddress.isNull()) m_localAddress = localAddressOf(m_fd);
        request.localAddress = m_localAddress;
        m_in.remove(0, head.headLength + head.contentLength);
        if (m_in.isEmpty())
            m_in.clear(); // frees the block: a session keeps its connection for long
        m_awaitingResponse = true;
        m_waiting = Waiting::Nothing;
        m_deadline.disarm();
        // Every Engine.IO client request carries EIO=4 (handshake, polls, upgrades).
        m_lastRequestWasEngineIo = request.hasQueryValue("EIO");
        m_closeAfterResponse = !request.keepAlive();
        m_headRequest = request.method == "HEAD";
        m_requestHandler->handleRequest(this, std::move(request));
    }
}

void SocketConnection::respond(const HttpResponse &response)
{
    if (m_mode != Mode::Http || !m_awaitingResponse) return;
    const bool close = response.closeConnection || m_closeAfterResponse;
    // A body after a HEAD answer would be read as the start of the next
    // response on a keep-alive connection.
    respondWith(serializedResponse(response, close, !m_headRequest), close);
}

void SocketConnection::respondWith(const QByteArray &serialized, bool close)
{
    if (m_mode != Mode::Http || !m_awaitingResponse) return;
    m_awaitingResponse = false;
    m_headRequest = false;
    write(serialized);
    if (close) {
        m_mode = Mode::Closed;
        shutdownDevice();
        finish(QStringLiteral("transport close"));
        return;
    }
    waitFor(m_in.isEmpty() ? Waiting::Idle : Waiting::Head);
    if (!m_in.isEmpty()) processHttp();
}

void SocketConnection::acceptWebSocket(const HttpRequest &request, WebSocketHandler *handler)
{
    acceptWebSocketKey(request.header("sec-websocket-key"), handler);
}

void SocketConnection::acceptWebSocketKey(const QByteArray &secWebSocketKey,
                                          WebSocketHandler *handler)
{
    if (m_mode != Mode::Http || !m_awaitingResponse) return;
    m_awaitingResponse = false;
    m_mode = Mode::WebSocket;
    m_wsHandler = handler;
    // The Engine.IO heartbeat bounds a WebSocket's silence from here on.
    m_waiting = Waiting::Nothing;
    m_deadline.disarm();
    QByteArray head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Accept: ";
    head.append(ws::acceptKey(secWebSocketKey)).append("\r\n\r\n");
    write(head);
    if (!m_in.isEmpty()) {
        const QByteArray rest = std::move(m_in);
        m_in.clear();
        processWebSocket(rest);
    }
}

void SocketConnection::processWebSocket(const QByteArray &bytes)
{
    QList<ws::Message> messages;
    quint16 code = 0;
    QString error;
    const bool ok = m_frames.feed(bytes, messages, code, error);
    for (auto &m : messages) {
        if (m_mode != Mode::WebSocket) return;
        switch (m.opcode) {
        case ws::Opcode::Ping:
            sendFrame(ws::encodeFrame(ws::Opcode::Pong, m.payload));
            break;
        case ws::Opcode::Pong:
            break;
        case ws::Opcode::Close:
            closeWebSocket(ws::CloseNormal);
            return;
        default:
            if (m_wsHandler) m_wsHandler->onWebSocketMessage(this, std::move(m));
        }
    }
    if (!ok && m_mode == Mode::WebSocket) {
        qCWarning(lcTransport) << "closing websocket" << peer() << ":" << error;
        closeWebSocket(code, error.toUtf8());
    }
}

void SocketConnection::sendFrame(const QByteArray &frame)
{
    if (m_mode != Mode::WebSocket || m_closeSent) return;
    write(frame);
}

void SocketConnection::closeWebSocket(quint16 code, const QByteArray &reason)
{
    if (m_mode != Mode::WebSocket) return;
    if (!m_closeSent) {
        m_closeSent = true;
        write(ws::encodeClose(code, reason));
    }
    m_mode = Mode::Closed;
    shutdownDevice();
    finish(code == ws::CloseNormal ? QStringLiteral("transport close")
                                   : QStringLiteral("transport error"));
}

void SocketConnection::write(const QByteArray &bytes)
{
    if (bytes.isEmpty()) return;
    m_bytesOut += bytes.size();
    // Waiting for the write notifier already; it sends everything in order.
    if (m_pending.isEmpty() && !waitingForWritable())
        OutputFlusher::forCurrentThread()->markDirty(this);
    m_pending.append(bytes);
    m_pendingBytes += bytes.size();
    if (queuedBytes() > m_limits.maxOutboundBytes && m_mode != Mode::Closed) {
        qCWarning(lcTransport).nospace()
            << "disconnecting slow consumer " << peer() << ": " << queuedBytes()
            << " bytes unsent (limit " << m_limits.maxOutboundBytes << ")";
        // Not abort() here: write() runs inside broadcasts, and a synchronous
        // teardown would delete the session and its sockets' room entries
        // under the caller's loop (heap-use-after-free found by ASan). Refuse
        // further frames now and close on the next event-loop pass.
        m_mode = Mode::Closed;
        QMetaObject::invokeMethod(
            this, [this] { abort(QStringLiteral("transport error")); }, Qt::QueuedConnection);
        memoryrelease::releaseSoon(); // what it pinned is freed with it
    }
}

void SocketConnection::flushPending()
{
    if (m_pending.isEmpty()) return;
    if (m_device) {
        for (const QByteArray &chunk : std::as_const(m_pending))
            m_device->write(chunk);
        dropPending();
        return;
    }
    if (m_fd < 0 || waitingForWritable()) return; // closed, or the notifier will send it
    if (!sendPending()) return;
    if (!m_pending.isEmpty()) {
        // Made on the first full kernel buffer, then only switched on and off.
        if (!m_writeNotifier)
            m_writeNotifier = new SocketNotifierForConnection(m_fd, QSocketNotifier::Write, this);
        m_writeNotifier->setEnabled(true);
    } else if (m_closeWhenSent) {
        closeDescriptor();
    }
}

void SocketConnection::onWritable()
{
    if (!sendPending()) return;
    if (!m_pending.isEmpty()) return; // still full; wait for the next notification
    m_writeNotifier->setEnabled(false);
    if (m_closeWhenSent) closeDescriptor();
}

bool SocketConnection::waitingForWritable() const
{
    return m_writeNotifier && m_writeNotifier->isEnabled();
}

void SocketConnection::dropPending()
{
    m_pending.clear();
    m_pendingBytes = 0;
    m_pendingOffset = 0;
}

bool SocketConnection::sendPending()
{
    while (!m_pending.isEmpty()) {
        iovec iov[64];
        int count = 0;
        qint64 offered = 0;
        for (qsizetype i = 0; i < m_pending.size() && count < 64; ++i, ++count) {
            const QByteArray &chunk = m_pending.at(i);
            const qint64 skip = i == 0 ? m_pendingOffset : 0;
            iov[count].iov_base = const_cast<char *>(chunk.constData()) + skip;
            iov[count].iov_len = size_t(chunk.size() - skip);
            offered += chunk.size() - skip;
        }
        msghdr msg = {};
        msg.msg_iov = iov;
        msg.msg_iovlen = size_t(count);
        const ssize_t n = ::sendmsg(m_fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        if (n < 0) {
            // Reset or broken pipe: the reader is gone, and so is what it did not read.
            const bool peerGone = errno == ECONNRESET || errno == EPIPE;
            dropPending();
            closeDescriptor();
            finishLater(peerGone ? QStringLiteral("transport close")
                                 : QStringLiteral("transport error"));
            return false;
        }
        m_pendingBytes -= n;
        qint64 left = n;
        while (left > 0) {
            const qint64 rest = m_pending.first().size() - m_pendingOffset;
            if (left < rest) {
                m_pendingOffset += left;
                break;
            }
            left -= rest;
            m_pending.removeFirst();
            m_pendingOffset = 0;
        }
        if (n < offered) return true; // a short write: the kernel buffer is full
    }
    return true;
}

void SocketConnection::shutdownDevice()
{
    flushPending();
    if (m_fd < 0) return; // a QIODevice (tests) has nothing to shut
    // Like QAbstractSocket::disconnectFromHost(): close once all is sent.
    if (m_pending.isEmpty())
        closeDescriptor();
    else
        m_closeWhenSent = true;
}

void SocketConnection::closeDescriptor()
{
    if (m_fd < 0) return;
    // Notifiers first: they must leave the dispatcher before the number is reused.
    m_readNotifier->setEnabled(false);
    if (m_writeNotifier) m_writeNotifier->setEnabled(false);
    ::close(std::exchange(m_fd, -1));
    if (isFinished()) deleteLater();
}

void SocketConnection::abort(const QString &reason)
{
    dropPending();
    closeDescriptor();
    finish(reason);
}

void SocketConnection::finishLater(const QString &reason)
{
    m_mode = Mode::Closed;
    QMetaObject::invokeMethod(
        this, [this, reason] { finish(reason); }, Qt::QueuedConnection);
}

void SocketConnection::finish(const QString &reason)
{
    m_waiting = Waiting::Nothing;
    m_deadline.disarm();
    if (!notifyClosed(reason)) return;
    if (m_fd < 0) {
        deleteLater(); // nothing left to send
        return;
    }
    // closeDescriptor() deletes us once the last bytes are out; a peer that
    // never reads them must not keep us alive forever.
    QTimer::singleShot(10000, this, [this] { deleteLater(); });
}
