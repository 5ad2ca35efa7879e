// AdminClient: the client half of the socket.io Admin UI protocol, for the
// desktop monitor watching a remote server: Engine.IO v4 over a QWebSocket
// with our own Engine.IO/Socket.IO codecs, basic-auth login to the admin
// namespace, session resume and reconnection with backoff after a lost
// connection. Every admin event it receives goes to `eventReceived`; the
// mirror of the remote state is RemoteMirror's job. Thread affinity: the
// thread that created it (the GUI thread in the monitor).
#pragma once

#include <QJsonArray>
#include <QObject>
#include <QTimer>
#include <QUrl>

class QWebSocket;

struct AdminTarget {
    QUrl serverUrl; // http(s)://host:port, no namespace
    QString namespaceName = QStringLiteral("/admin");
    QString path = QStringLiteral("/socket.io/");
    QString username = QStringLiteral("admin");
    QString password; // memory only, never saved
};

class AdminClient : public QObject {
    Q_OBJECT
public:
    enum class State {
        Idle,         // not asked to connect
        Connecting,   // first attempt
        Connected,    // admitted to the admin namespace
        Reconnecting, // lost, trying again (banner in the monitor)
        Refused,      // CONNECT_ERROR (wrong credentials, ...): no retry
    };
    Q_ENUM(State)

    explicit AdminClient(QObject *parent = nullptr);
    ~AdminClient() override;

    void connectTo(const AdminTarget &target);
    void disconnectFromServer();
    State state() const { return m_state; }
    QString lastError() const { return m_lastError; }
    const AdminTarget &target() const { return m_target; }
    // Sends [event, ...args] to the admin namespace (a command); false when
    // not connected.
    bool emitEvent(const QString &event, const QJsonArray &args);
    // Reconnection delays (tests shorten them).
    void setReconnectDelays(int minMs, int maxMs);

Q_SIGNALS:
    void stateChanged(AdminClient::State state, const QString &detail);
    // A fresh admission (first connect or reconnect): the mirror starts over.
    void admitted();
    void eventReceived(const QString &event, const QJsonArray &args);

private:
    void open();
    void onText(const QString &text);
    void onSocketPacket(const QByteArray &sioText);
    void onClosed();
    void setState(State state, const QString &detail = {});
    void scheduleReconnect(const QString &why);
    QUrl webSocketUrl() const;

    AdminTarget m_target;
    QWebSocket *m_socket = nullptr;
    QTimer m_retry;
    QTimer m_pingWatchdog; // no ping from the server within interval + timeout: dead
    State m_state = State::Idle;
    QString m_lastError;
    QString m_sessionId; // from the `session` event; used to resume
    int m_minDelayMs = 500;
    int m_maxDelayMs = 10000;
    int m_delayMs = 500;
    bool m_everAdmitted = false;
};
