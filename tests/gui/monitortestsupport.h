// Helpers for the monitor's GUI tests: a minimal in-process Socket.IO client
// over a real WebSocket (Engine.IO v4 handshake, ping/pong, one namespace),
// so tests can connect "users" to a real Engine and see what reaches them.
// Test thread only. Header-only: each tst_*.cpp is its own executable.
#pragma once

#include <QNetworkRequest>
#include <QObject>
#include <QStringList>
#include <QWebSocket>

class RawSioClient : public QObject {
public:
    explicit RawSioClient(QString nsp = QStringLiteral("/"), QObject *parent = nullptr)
        : QObject(parent), m_nsp(std::move(nsp))
    {
        connect(&m_ws, &QWebSocket::textMessageReceived, this, &RawSioClient::onMessage);
        connect(&m_ws, &QWebSocket::disconnected, this, [this] { closed = true; });
    }

    void open(quint16 port, const QList<QPair<QByteArray, QByteArray>> &headers = {})
    {
        QNetworkRequest request(QUrl(
            QStringLiteral("ws://127.0.0.1:%1/socket.io/?EIO=4&transport=websocket").arg(port)));
        for (const auto &[name, value] : headers)
            request.setRawHeader(name, value);
        m_ws.open(request);
    }

    void emitEvent(const QByteArray &jsonArray)
    {
        m_ws.sendTextMessage(QString::fromUtf8("42" + prefix() + jsonArray));
    }

    // "" for the root namespace, "/custom," otherwise (the packet prefix).
    QByteArray prefix() const
    {
        return m_nsp == QLatin1String("/") ? QByteArray() : m_nsp.toUtf8() + ',';
    }
    bool received(const QString &message) const { return messages.contains(message); }
    bool receivedStartingWith(const QString &start) const
    {
        for (const QString &m : messages)
            if (m.startsWith(start)) return true;
        return false;
    }

    QStringList messages; // every Engine.IO text message, as received
    QString socketId;     // from the namespace CONNECT answer
    bool closed = false;

private:
    void onMessage(const QString &message)
    {
        messages.append(message);
        if (message.startsWith(QLatin1Char('0'))) {
            m_ws.sendTextMessage(QStringLiteral("40") + QString::fromUtf8(prefix()));
        } else if (message == QLatin1String("2")) {
            m_ws.sendTextMessage(QStringLiteral("3"));
        } else if (message.startsWith(QStringLiteral("40") + QString::fromUtf8(prefix()))) {
            const int at = message.indexOf(QStringLiteral("\"sid\":\""));
            if (at >= 0) socketId = message.mid(at + 7, message.indexOf('"', at + 7) - at - 7);
        }
    }

    QString m_nsp;
    QWebSocket m_ws;
};
