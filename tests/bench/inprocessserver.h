// An in-process Socket.IO server for broadcast benchmarks: the real
// SioServer/EioServer/Connection path, with each client's TCP socket replaced
// by a SinkDevice (SocketConnection takes any QIODevice). Clients are admitted by
// feeding the same bytes a WebSocket client would send: the upgrade request,
// then a masked `40<nsp>,` frame. Output still goes through Connection's
// pending list and the OutputFlusher; only the final sendmsg() becomes a
// QIODevice::write() into a counter. Needs a QCoreApplication; one thread.
#pragma once

#include "socketio/sioserver.h"
#include "transport/socketconnection.h"

#include <QCoreApplication>
#include <QIODevice>
#include <memory>
#include <vector>

// Stands in for a connected socket: input is injected, output is counted and
// dropped.
class SinkDevice : public QIODevice {
public:
    SinkDevice() { open(QIODevice::ReadWrite | QIODevice::Unbuffered); }
    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override { return m_input.size() + QIODevice::bytesAvailable(); }

    void inject(const QByteArray &bytes)
    {
        m_input.append(bytes);
        Q_EMIT readyRead();
    }
    qint64 written() const { return m_written; }

protected:
    qint64 readData(char *data, qint64 max) override
    {
        const qint64 n = qMin<qint64>(max, m_input.size());
        memcpy(data, m_input.constData(), size_t(n));
        m_input.remove(0, n);
        return n;
    }
    qint64 writeData(const char *, qint64 len) override
    {
        m_written += len;
        return len;
    }

private:
    QByteArray m_input;
    qint64 m_written = 0;
};

// Admits everyone and puts each socket in one shared room.
class RoomJoiningHandler : public NamespaceHandler {
public:
    explicit RoomJoiningHandler(QString room) : m_room(std::move(room)) {}
    bool recoverable() const override { return true; } // used when the server has recovery on
    void onConnection(SioSocket *socket) override { socket->join(m_room); }
    void onEvent(SioSocket *, const QString &, const QJsonArray &, const QList<QByteArray> &,
                 const AckSender &) override
    {}

private:
    QString m_room;
};

class InProcessServer : public RequestHandler {
public:
    // recovery: connection-state recovery on (offsets appended, packets kept).
    InProcessServer(const QString &room, bool recovery = false) : m_handler(room)
    {
        m_sio.setNamespaceResolver([this](const QString &) { return &m_handler; });
        RecoverySettings settings;
        settings.enabled = recovery;
        m_sio.setRecoverySettings(settings);
    }

    void handleRequest(Connection *connection, HttpRequest &&request) override
    {
        m_sio.eio()->handleRequest(connection, std::move(request));
    }

    // Opens `count` WebSocket clients joined to namespace `nsp`.
    void connectClients(int count, const QString &nsp)
    {
        const QByteArray head = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                                "Host: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                                "Sec-WebSocket-Version: 13\r\n"
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
        const QByteArray connect =
            maskedText(nsp == QLatin1String("/") ? QByteArray("40") : "40" + nsp.toUtf8() + ",");
        for (int i = 0; i < count; ++i) {
            auto *device = new SinkDevice;
            auto *connection = new SocketConnection(device, QStringLiteral("bench"), this, {});
            m_connections.emplace_back(connection);
            m_devices.push_back(device);
            device->inject(head);
            device->inject(connect);
        }
        drain();
    }

    // Runs what the event loop would run at the end of this pass (the
    // OutputFlusher's queued flush), without polling for I/O. No event-type
    // filter: Qt compacts the posted-event list only after an unfiltered call,
    // and a filtered one would rescan every delivered entry ever posted.
    static void drain() { QCoreApplication::sendPostedEvents(); }

    SioServer &sio() { return m_sio; }
    qint64 bytesWritten() const
    {
        qint64 n = 0;
        for (const SinkDevice *d : m_devices)
            n += d->written();
        return n;
    }

    static QByteArray maskedText(const QByteArray &payload)
    {
        QByteArray f;
        f.append(char(0x81)).append(char(0x80 | payload.size())); // short frames only
        const char mask[4] = {0x01, 0x02, 0x03, 0x04};
        f.append(mask, 4);
        for (qsizetype i = 0; i < payload.size(); ++i)
            f.append(char(payload[i] ^ mask[i & 3]));
        return f;
    }

private:
    RoomJoiningHandler m_handler;
    SioServer m_sio{EioSettings{}, 45000};
    std::vector<std::unique_ptr<SocketConnection>> m_connections;
    std::vector<SinkDevice *> m_devices; // owned by their Connection
};
