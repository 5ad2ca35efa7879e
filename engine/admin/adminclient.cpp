#include "admin/adminclient.h"

#include "protocol/siopacket.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>
#include <QWebSocket>

AdminClient::AdminClient(QObject *parent) : QObject(parent)
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &AdminClient::open);
    m_pingWatchdog.setSingleShot(true);
    connect(&m_pingWatchdog, &QTimer::timeout, this, [this] {
        if (m_socket) m_socket->abort(); // onClosed() follows
    });
}

AdminClient::~AdminClient()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

void AdminClient::setReconnectDelays(int minMs, int maxMs)
{
    m_minDelayMs = minMs;
    m_maxDelayMs = maxMs;
    m_delayMs = minMs;
}

void AdminClient::connectTo(const AdminTarget &target)
{
    disconnectFromServer();
    m_target = target;
    m_sessionId.clear();
    m_everAdmitted = false;
    m_delayMs = m_minDelayMs;
    setState(State::Connecting, m_target.serverUrl.toString());
    open();
}

void AdminClient::disconnectFromServer()
{
    m_retry.stop();
    m_pingWatchdog.stop();
    if (m_socket) {
        QWebSocket *socket = m_socket;
        m_socket = nullptr;
        socket->disconnect(this);
        socket->close();
        socket->deleteLater();
    }
    if (m_state != State::Idle) setState(State::Idle);
}

QUrl AdminClient::webSocketUrl() const
{
    QUrl url = m_target.serverUrl;
    url.setScheme(url.scheme() == QLatin1String("https") ? QStringLiteral("wss")
                                                         : QStringLiteral("ws"));
    url.setPath(m_target.path.endsWith(QLatin1Char('/')) ? m_target.path
                                                         : m_target.path + QLatin1Char('/'));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("EIO"), QStringLiteral("4"));
    query.addQueryItem(QStringLiteral("transport"), QStringLiteral("websocket"));
    url.setQuery(query);
    return url;
}

void AdminClient::open()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
    }
    m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    connect(m_socket, &QWebSocket::textMessageReceived, this, &AdminClient::onText);
    connect(m_socket, &QWebSocket::disconnected, this, &AdminClient::onClosed);
    m_socket->open(webSocketUrl());
}

void AdminClient::setState(State state, const QString &detail)
{
    m_state = state;
    Q_EMIT stateChanged(state, detail);
}

void AdminClient::onText(const QString &text)
{
    if (text.isEmpty()) return;
    const QChar type = text.at(0);
    if (type == QLatin1Char('0')) { // open: {"sid","pingInterval","pingTimeout",...}
        const QJsonObject open = QJsonDocument::fromJson(text.mid(1).toUtf8()).object();
        const int watchdog = open.value(QStringLiteral("pingInterval")).toInt(25000) +
                             open.value(QStringLiteral("pingTimeout")).toInt(20000);
        m_pingWatchdog.setInterval(watchdog);
        m_pingWatchdog.start();
        sio::Packet connectPacket;
        connectPacket.type = sio::PacketType::Connect;
        connectPacket.nsp = m_target.namespaceName;
        QJsonObject auth;
        if (!m_sessionId.isEmpty())
            auth.insert(QStringLiteral("sessionId"), m_sessionId);
        else {
            auth.insert(QStringLiteral("username"), m_target.username);
            auth.insert(QStringLiteral("password"), m_target.password);
        }
        connectPacket.data = auth;
        m_socket->sendTextMessage(QString::fromUtf8("4" + sio::encode(connectPacket)));
    } else if (type == QLatin1Char('2')) { // ping
        m_pingWatchdog.start();
        m_socket->sendTextMessage(QStringLiteral("3"));
    } else if (type == QLatin1Char('4')) {
        onSocketPacket(text.mid(1).toUtf8());
    } else if (type == QLatin1Char('1')) {
        m_socket->abort();
    }
}

void AdminClient::onSocketPacket(const QByteArray &sioText)
{
    sio::Decoder decoder;
    sio::Packet packet;
    QString error;
    if (decoder.decodeText(sioText, packet, error) != sio::Decoder::Status::Complete) return;
    if (packet.nsp != m_target.namespaceName) return;
    switch (packet.type) {
    case sio::PacketType::Connect:
        m_delayMs = m_minDelayMs;
        m_everAdmitted = true;
        m_lastError.clear();
        setState(State::Connected, m_target.serverUrl.toString());
        Q_EMIT admitted();
        return;
    case sio::PacketType::ConnectError: {
        const QString message = packet.data.toObject().value(QStringLiteral("message")).toString();
        if (!m_sessionId.isEmpty() && m_everAdmitted) {
            // The session expired (or the server restarted): log in again.
            m_sessionId.clear();
            scheduleReconnect(tr("session expired, logging in again"));
            return;
        }
        m_lastError = message.isEmpty() ? tr("refused") : message;
        m_retry.stop();
        m_pingWatchdog.stop();
        if (m_socket) {
            m_socket->disconnect(this);
            m_socket->close();
        }
        setState(State::Refused, m_lastError);
        return;
    }
    case sio::PacketType::Event:
        if (packet.eventName() == QLatin1String("session"))
            m_sessionId = packet.eventArgs().at(0).toString();
        Q_EMIT eventReceived(packet.eventName(), packet.eventArgs());
        return;
    case sio::PacketType::Disconnect:
        m_socket->abort();
        return;
    default:
        return;
    }
}

void AdminClient::onClosed()
{
    m_pingWatchdog.stop();
    if (m_state == State::Idle || m_state == State::Refused) return;
    const QString why = m_socket ? m_socket->errorString() : QString();
    scheduleReconnect(why.isEmpty() ? tr("connection lost") : why);
}

void AdminClient::scheduleReconnect(const QString &why)
{
    m_lastError = why;
    setState(State::Reconnecting, tr("%1; retrying in %2 s").arg(why).arg(m_delayMs / 1000.0));
    m_retry.start(m_delayMs);
    m_delayMs = qMin(m_maxDelayMs, m_delayMs * 2);
}

bool AdminClient::emitEvent(const QString &event, const QJsonArray &args)
{
    if (m_state != State::Connected || !m_socket) return false;
    sio::Packet packet;
    packet.type = sio::PacketType::Event;
    packet.nsp = m_target.namespaceName;
    QJsonArray data{event};
    for (const QJsonValue &a : args)
        data.append(a);
    packet.data = data;
    m_socket->sendTextMessage(QString::fromUtf8("4" + sio::encode(packet)));
    return true;
}
