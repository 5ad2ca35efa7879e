// EioServer: the Engine.IO v4 server for one path (`/socket.io/` or
// `/engine.io/`): handshakes, long-polling, WebSocket, upgrade, heartbeat and
// the close rules of the protocol. Hands message packets to an
// EioSessionHandler. Split by transport: eioserver.cpp (requests, handshake,
// sending, heartbeat, close), eioserverpolling.cpp, eioserverwebsocket.cpp.
// Thread affinity: the engine thread; create it there.
#pragma once

#include "protocol/eiopacket.h"
#include "transport/connection.h"
#include "transport/eiosession.h"
#include "transport/eiotraffic.h"

#include <QHash>
#include <QObject>

#include <array>

class EioSessionHandler {
public:
    virtual ~EioSessionHandler() = default;
    virtual void onSessionOpen(EioSession *session) = 0;
    virtual void onSessionPacket(EioSession *session, const eio::Packet &packet) = 0;
    // The session is gone after this returns.
    virtual void onSessionClosed(EioSession *session, const QString &reason) = 0;
};

struct EioSettings {
    int pingIntervalMs = 25000;
    int pingTimeoutMs = 20000;
    int upgradeTimeoutMs = 10000;
    qint64 maxPayload = 1000000;
    int closeDrainMs = 1000; // how long a server-closed polling session waits for its last GET
    // Bytes queued for a polling client that has not fetched them; past this
    // it is cut off as a slow consumer, like a WebSocket reader (0 = no limit).
    qint64 maxOutboundBytes = 8 * 1024 * 1024;
    bool corsEchoOrigin = true; // false: Access-Control-Allow-Origin: *
};

class EioServer : public QObject, public WebSocketHandler {
    Q_OBJECT
public:
    EioServer(EioSettings settings, EioSessionHandler *handler, QObject *parent = nullptr);
    ~EioServer() override;

    // A request whose path starts with this server's prefix.
    void handleRequest(Connection *connection, HttpRequest &&request);

    void send(EioSession *session, OutPacket packet);
    void sendText(EioSession *session, QByteArray text)
    {
        send(session, {std::move(text), {}, false});
    }
    // A message packet ('4' + payload); see OutPacket::message.
    void sendMessage(EioSession *session, QByteArrayView payload)
    {
        send(session, OutPacket::message(payload));
    }
    void sendBinary(EioSession *session, QByteArray bytes)
    {
        send(session, {std::move(bytes), {}, true});
    }
    // Server-side close; reason goes to the handler.
    void close(EioSession *session, const QString &reason);
    void closeAll(const QString &reason);

    EioSession *session(const QByteArray &sid) const { return m_sessions.value(sid); }
    const EioSettings &settings() const { return m_settings; }
    // Totals for the Admin UI's server_stats; engine thread.
    const EioTraffic &traffic() const { return m_traffic; }

    // Header names whose values keepHandshake() shares between sessions.
    static constexpr qsizetype kSharedHeaderSlots = 23;

    // WebSocketHandler
    void onWebSocketMessage(Connection *connection, ws::Message &&message) override;
    void onWebSocketClosed(Connection *connection, const QString &reason) override;

private:
    // Engine.IO's error codes, answered as {"code":n,"message":"..."}.
    enum ErrorCode {
        UnknownTransport = 0,
        UnknownSid = 1,
        BadHandshakeMethod = 2,
        BadRequest = 3,
        Forbidden = 4,
        UnsupportedProtocolVersion = 5,
    };
    static QByteArray errorMessage(int code);

    void handshakePolling(Connection *connection, const HttpRequest &request);
    void handshakeWebSocket(Connection *connection, const HttpRequest &request);
    void keepHandshake(EioSession *session, const HttpRequest &request);
    void handleUpgrade(Connection *connection, const HttpRequest &request, EioSession *session);
    void handleGet(Connection *connection, EioSession *session);
    void handlePost(Connection *connection, const HttpRequest &request, EioSession *session);
    void handleIncoming(EioSession *session, const eio::Packet &packet);
    void onProbeMessage(EioSession *session, const ws::Message &message);
    void finishUpgrade(EioSession *session);
    void abortUpgrade(EioSession *session);
    void respondPoll(EioSession *session);
    // Ends a parked long-poll GET with this body (`1` close, `6` noop), if any.
    void answerParkedGet(EioSession *session, const QByteArray &body);
    void scheduleFlush(EioSession *session);
    void flushDirty();
    void schedulePing(EioSession *session);
    void sendPing(EioSession *session);
    bool pongOverdue(EioSession *session) const;
    // A polling session that sends pongs but fetches nothing for longer than
    // pingInterval + pingTimeout: closed (true) like a missing pong.
    bool closeIfNotPolling(EioSession *session);
    void cutOffSlowConsumer(EioSession *session);
    void destroy(EioSession *session, const QString &reason, bool notify = true);

    HttpResponse baseResponse(const HttpRequest &request) const;
    void respondError(Connection *connection, const HttpRequest &request, int code);
    QByteArray openPacket(const QByteArray &sid, bool canUpgrade) const;
    QByteArray newSid() const;

    EioSettings m_settings;
    QByteArray m_openTail; // the open packet after "upgrades", from m_settings
    // The previous handshake's strings, which the next equal ones share.
    HttpRequest m_lastHandshake;
    std::array<QByteArray, kSharedHeaderSlots> m_lastHeaderValues;
    EioSessionHandler *m_handler;
    QHash<QByteArray, EioSession *> m_sessions;
    QHash<Connection *, EioSession *> m_wsOwners; // active sockets and probes
    // One queue per timeout duration; a session's links sit in them.
    FifoTimerQueue m_pingTimers;    // pingInterval: time to send a ping
    FifoTimerQueue m_pongTimers;    // pingTimeout: the pong is overdue
    FifoTimerQueue m_upgradeTimers; // upgradeTimeout: abort the upgrade
    FifoTimerQueue m_drainTimers;   // closeDrain: the last GET did not come
    QList<QByteArray> m_dirty;      // polling sessions with packets for a parked GET
    bool m_flushQueued = false;
    EioTraffic m_traffic;
};
