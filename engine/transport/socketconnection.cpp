#include "transport/socketconnection.h"

#include "common/logging.h"
#include "transport/outputflusher.h"

#include <QAbstractSocket>
#include <QLocalSocket>
#include <QTimer>
#include <cerrno>
#include <sys/socket.h>
#include <sys/uio.h>

SocketConnection::SocketConnection(QIODevice *device, QString peer, RequestHandler *handler,
                                   ConnectionLimits limits, QObject *parent)
    : Connection(std::move(peer), parent), m_device(device), m_requestHandler(handler),
      m_limits(limits), m_frames(limits.maxPayload)
{
    m_device->setParent(this);
    connect(m_device, &QIODevice::readyRead, this, &SocketConnection::onReadyRead);
    if (auto *tcp = qobject_cast<QAbstractSocket *>(m_device)) {
        connect(tcp, &QAbstractSocket::disconnected, this,
                [this] { finish(QStringLiteral("transport close")); });
        connect(tcp, &QAbstractSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
            if (e != QAbstractSocket::RemoteHostClosedError)
                finish(QStringLiteral("transport error"));
        });
    } else if (auto *local = qobject_cast<QLocalSocket *>(m_device)) {
        connect(local, &QLocalSocket::disconnected, this,
                [this] { finish(QStringLiteral("transport close")); });
    }
}

void SocketConnection::onReadyRead()
{
    // Exactly what is buffered: readAll() leaves a 16 KB block allocated inside
    // each QTcpSocket, ~4.7 KB of RSS per idle connection (heaptrack, 2000 clients).
    const QByteArray chunk = m_device->read(m_device->bytesAvailable());
    if (chunk.isEmpty() || m_mode == Mode::Closed) return;
    m_bytesIn += chunk.size();
    if (m_mode == Mode::WebSocket) {
        processWebSocket(chunk);
        return;
    }
    m_in.append(chunk);
    processHttp();
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
        m_in.remove(0, head.headLength + head.contentLength);
        m_awaitingResponse = true;
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
    if (m_pending.isEmpty()) OutputFlusher::forCurrentThread()->markDirty(this);
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
    }
}

void SocketConnection::flushPending()
{
    if (m_pending.isEmpty()) return;
    qsizetype done = 0; // whole chunks written
    qint64 partial = 0; // bytes of chunk `done` already written
    int fd = -1;
    if (auto *tcp = qobject_cast<QAbstractSocket *>(m_device))
        fd = int(tcp->socketDescriptor());
    else if (auto *local = qobject_cast<QLocalSocket *>(m_device))
        fd = int(local->socketDescriptor());
    // Straight to the kernel only while Qt holds nothing older for this socket.
    if (fd >= 0 && m_device->bytesToWrite() == 0) {
        while (done < m_pending.size()) {
            iovec iov[64];
            int count = 0;
            for (qsizetype i = done; i < m_pending.size() && count < 64; ++i, ++count) {
                const QByteArray &chunk = m_pending.at(i);
                const qint64 skip = i == done ? partial : 0;
                iov[count].iov_base = const_cast<char *>(chunk.constData()) + skip;
                iov[count].iov_len = size_t(chunk.size() - skip);
            }
            msghdr msg = {};
            msg.msg_iov = iov;
            msg.msg_iovlen = size_t(count);
            ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break; // EAGAIN or an error: Qt's buffer takes the rest and reports errors
            while (n > 0 && done < m_pending.size()) {
                const qint64 left = m_pending.at(done).size() - partial;
                if (n >= left) {
                    n -= left;
                    ++done;
                    partial = 0;
                } else {
                    partial += n;
                    n = 0;
                }
            }
            if (partial > 0) break; // the kernel buffer is full
        }
    }
    for (qsizetype i = done; i < m_pending.size(); ++i)
        m_device->write(i == done && partial ? m_pending.at(i).mid(partial) : m_pending.at(i));
    m_pending.clear();
    m_pendingBytes = 0;
}

void SocketConnection::shutdownDevice()
{
    flushPending();
    if (auto *tcp = qobject_cast<QAbstractSocket *>(m_device))
        tcp->disconnectFromHost();
    else if (auto *local = qobject_cast<QLocalSocket *>(m_device))
        local->disconnectFromServer();
}

void SocketConnection::abort(const QString &reason)
{
    m_pending.clear();
    m_pendingBytes = 0;
    if (auto *tcp = qobject_cast<QAbstractSocket *>(m_device))
        tcp->abort();
    else if (auto *local = qobject_cast<QLocalSocket *>(m_device))
        local->abort();
    finish(reason);
}

void SocketConnection::finish(const QString &reason)
{
    if (!notifyClosed(reason)) return;
    // The socket may still be flushing a final response; delete once it is
    // disconnected (or right away if it already is).
    if (auto *tcp = qobject_cast<QAbstractSocket *>(m_device)) {
        if (tcp->state() == QAbstractSocket::UnconnectedState)
            deleteLater();
        else
            connect(tcp, &QAbstractSocket::disconnected, this, &QObject::deleteLater,
                    Qt::UniqueConnection);
    } else if (auto *local = qobject_cast<QLocalSocket *>(m_device)) {
        if (local->state() == QLocalSocket::UnconnectedState)
            deleteLater();
        else
            connect(local, &QLocalSocket::disconnected, this, &QObject::deleteLater,
                    Qt::UniqueConnection);
    } else {
        deleteLater();
    }
    // A peer that never completes the close must not keep us alive forever.
    QTimer::singleShot(10000, this, [this] { deleteLater(); });
}
