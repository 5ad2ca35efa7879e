// SioServer: Socket.IO v5 on top of one EioServer: namespaces, CONNECT with
// asynchronous middleware (packets sent meanwhile are kept and replayed),
// events, acks, binary attachments, DISCONNECT, connect timeout, and
// connection-state recovery (sioserverrecovery.cpp). Thread affinity: the
// engine thread; create it there.
#pragma once

#include "common/fifotimerqueue.h"
#include "protocol/siopacket.h"
#include "socketio/namespacehandler.h"
#include "socketio/namespacemap.h"
#include "socketio/recoverypid.h"
#include "socketio/recoverystore.h"
#include "socketio/sionamespace.h"
#include "socketio/siosocket.h"
#include "transport/eioserver.h"

#include <QObject>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>

class QTimer;

// CONNECTs whose middleware is still running (an HTTP round trip to Frappe)
// and the packets that arrived for them meanwhile. A client has this only
// while a CONNECT is in flight; kept inline, the two empty maps would cost
// every connected client 176 bytes for the rest of its life.
struct SioConnecting {
    NamespaceMap<SioSocket *> pending;
    NamespaceMap<QList<sio::Packet>> backlog;
    qint64 backlogBytes = 0; // wire size of what the backlog holds (capped at maxPayload)
};

// Everything of one Engine.IO session at the Socket.IO level.
struct SioClient {
    EioSession *session = nullptr;
    sio::Decoder decoder;
    NamespaceMap<SioSocket *> sockets;         // admitted, by namespace name
    std::unique_ptr<SioConnecting> connecting; // null: no CONNECT in flight
    FifoTimerLink connectTimer;                // in SioServer::m_connectTimers

    SioSocket *pendingSocket(const QString &nsp) const
    {
        return connecting ? connecting->pending.value(nsp) : nullptr;
    }
    qsizetype pendingCount() const { return connecting ? connecting->pending.size() : 0; }
};

// Counters any thread may read (the monitor samples them).
struct SioCounters {
    std::atomic<quint64> connects{0};
    std::atomic<quint64> disconnects{0};
    std::atomic<quint64> connectErrors{0};
    std::atomic<quint64> clientEvents{0};
    std::atomic<quint64> deliveries{0};
    std::atomic<quint64> parseErrors{0};
};

// Notified of socket lifecycle and traffic (the telemetry layer); engine thread.
// Per-packet callbacks for one connection happen only while its
// SioSocket::traced flag is set, so untraced deliveries cost one branch.
class SioObserver {
public:
    virtual ~SioObserver() = default;
    virtual void socketConnected(SioSocket *) {}
    virtual void socketDisconnected(SioSocket *, const QString &) {}
    virtual void connectRefused(const QString &, const HttpRequest &, const QString &) {}
    // Every EVENT a client emits, on any socket.
    virtual void clientEvent(SioSocket *, const sio::Packet &) {}
    // Traced sockets only: the client's other packets (ACK, DISCONNECT).
    virtual void tracedClientPacket(SioSocket *, const sio::Packet &) {}
    // Traced sockets only: each Engine.IO text packet sent ('4' + Socket.IO
    // text), broadcast deliveries included; binary attachments follow it.
    virtual void tracedServerPacket(SioSocket *, const QByteArray &) {}
    // A client presented a recovery pid on `nsp`: `socket` (null when the
    // CONNECT was refused) got its session back with `replayed` missed
    // events, or is a fresh session; `failure` says why (never the pid).
    virtual void recoveryAttempted(const QString &nsp, SioSocket *socket, bool recovered,
                                   const QString &failure, int replayed)
    {
        Q_UNUSED(nsp);
        Q_UNUSED(socket);
        Q_UNUSED(recovered);
        Q_UNUSED(failure);
        Q_UNUSED(replayed);
    }
    // Room membership changes (the Admin UI's room_joined/room_left). On a
    // disconnect, roomLeft comes for each room before socketDisconnected.
    virtual void roomJoined(SioSocket *, const QString &) {}
    virtual void roomLeft(SioSocket *, const QString &) {}
};

class SioServer : public QObject, public EioSessionHandler {
    Q_OBJECT
public:
    using NamespaceResolver = std::function<NamespaceHandler *(const QString &nsp)>;

    SioServer(EioSettings eioSettings, int connectTimeoutMs, QObject *parent = nullptr);
    ~SioServer() override;

    EioServer *eio() const { return m_eio; }
    // Returns the handler for a namespace name, or nullptr ("Invalid namespace").
    void setNamespaceResolver(NamespaceResolver resolver) { m_resolver = std::move(resolver); }
    const NamespaceResolver &namespaceResolver() const { return m_resolver; }
    void setObserver(SioObserver *observer) { m_observer = observer; }
    SioObserver *observer() const { return m_observer; }
    // Makes each namespace's adapter (a cluster's); unset: the in-memory SioAdapter.
    using AdapterFactory = std::function<std::unique_ptr<SioAdapter>(SioNamespace *)>;
    void setAdapterFactory(AdapterFactory factory) { m_adapterFactory = std::move(factory); }
    std::unique_ptr<SioAdapter> makeAdapter(SioNamespace *nsp) const;

    SioNamespace *findNamespace(const QString &name) const { return m_namespaces.value(name); }
    QList<SioNamespace *> namespaces() const { return m_namespaces.values(); }
    const SioCounters &counters() const { return m_counters; }
    // A socket whose CONNECT middleware is still running, or nullptr if the
    // client has gone (asynchronous middlewares must look it up again).
    SioSocket *pendingSocket(const QByteArray &eioSid, const QString &nsp,
                             const QString &socketId) const;
    int clientCount() const { return int(m_clients.size()); }
    // 0 = unlimited. Checked on CONNECT and on join; refusals are logged.
    void setMaxNamespacesPerClient(int max) { m_maxNamespacesPerClient = max; }
    void setMaxRoomsPerSocket(int max) { m_maxRoomsPerSocket = max; }
    int maxRoomsPerSocket() const { return m_maxRoomsPerSocket; }
    // Longest namespace, room or event name a client may use, in characters
    // (0 = unlimited): a longer namespace gets a CONNECT_ERROR, a longer event
    // closes the session, a longer room is not joined; each is logged.
    void setMaxNameLength(int max) { m_maxNameLength = max; }
    int maxNameLength() const { return m_maxNameLength; }
    bool nameTooLong(const QString &name) const
    {
        return m_maxNameLength > 0 && name.size() > m_maxNameLength;
    }

    // Connection-state recovery (socket.io 4.6+) for the namespaces whose
    // handler is recoverable(); see sioserverrecovery.cpp.
    void setRecoverySettings(const RecoverySettings &settings);
    const RecoverySettings &recoverySettings() const { return m_recoverySettings; }

    // Sends a packet (and its attachments) to one socket.
    void sendPacket(SioSocket *socket, const sio::Packet &packet);
    // The same, already encoded (Socket.IO text without Engine.IO's '4').
    void sendPacket(SioSocket *socket, const QByteArray &sioText,
                    const QList<QByteArray> &attachments);
    // Delivery accounting for broadcasts (SioNamespace).
    void deliver(SioSocket *socket, const OutPacket &packet);

    // EioSessionHandler
    void onSessionOpen(EioSession *session) override;
    void onSessionPacket(EioSession *session, const eio::Packet &packet) override;
    void onSessionClosed(EioSession *session, const QString &reason) override;

    void disconnectSocket(SioSocket *socket, bool closeTransport, const QString &reason);

private:
    // What a client presented to get its session back (from its CONNECT auth).
    struct RecoveryRequest {
        QString pid;
        std::optional<QString> offset; // absent: it never processed an event
    };
    struct RestoredSession {
        RecoverySession session;
        QList<StoredPacket> missed;
    };

    void dispatch(SioClient *client, sio::Packet &&packet, qsizetype wireBytes);
    void refuseConnect(SioClient *client, const QString &nsp, const QString &message);
    // The CONNECT_ERROR packet {"message": message} for `nsp`, built here only.
    void sendConnectError(SioClient *client, const QString &nsp, const QString &message);
    void beginConnect(SioClient *client, const sio::Packet &packet);
    void finishConnect(const QByteArray &eioSid, const QString &nsp, const QString &socketId,
                       std::optional<QString> error, std::optional<RecoveryRequest> recovery);
    void onSocketPacket(SioSocket *socket, sio::Packet &&packet);
    void removeSocket(SioSocket *socket, const QString &reason, bool notify);
    void closeClient(SioClient *client, const QString &why);
    void onConnectTimeout(SioClient *client);
    void sendToTraced(SioSocket *socket, const QByteArray &eioText);
    SioClient *clientOf(EioSession *session) const
    {
        return static_cast<SioClient *>(session->userData);
    }
    SioNamespace *namespaceFor(const QString &name, NamespaceHandler *handler);
    QString newSocketId() const;
    // "40[<nsp>,]{\"sid\":\"<socketId>\"[,\"pid\":\"<pid>\"]}", the Engine.IO text that admits a
    // socket.
    static QByteArray connectReply(const QString &nsp, const QString &socketId,
                                   const QString &pid = QString());

    // --- connection-state recovery (sioserverrecovery.cpp)
    // Takes pid/offset out of a recoverable namespace's CONNECT auth (they
    // are secrets of the protocol, not the application's auth data).
    std::optional<RecoveryRequest> takeRecoveryRequest(NamespaceHandler *handler, QJsonValue &auth);
    // After the middleware admitted `socket`: its old session, if it can be
    // given back whole; otherwise nullopt and *failure says why.
    std::optional<RestoredSession> restoreSession(SioNamespace *ns, SioSocket *socket,
                                                  const RecoveryRequest &request, QString *failure);
    // Admission of a socket on a namespace with recovery: its id, place and
    // state come from `restored` when given; returns its pid.
    QString adoptSession(SioSocket *socket, SioNamespace *ns, const RestoredSession *restored);
    // Rejoins the session's rooms and writes the missed packets, in order.
    void replayMissed(SioSocket *socket, const RestoredSession &restored);
    void reportRecovery(const QString &nsp, SioSocket *socket, bool recovered,
                        const QString &failure, int replayed);
    // In removeSocket, before the socket leaves its rooms.
    void keepSession(SioSocket *socket, const QString &reason);
    bool namespaceIdle(SioNamespace *ns) const;
    void sweepRecovery();

    EioServer *m_eio;
    NamespaceResolver m_resolver;
    AdapterFactory m_adapterFactory;
    SioObserver *m_observer = nullptr;
    QHash<QByteArray, SioClient *> m_clients;
    FifoTimerQueue m_connectTimers; // connectTimeout after the session opened
    QHash<QString, SioNamespace *> m_namespaces;
    SioCounters m_counters;
    quint64 m_sequence = 0;
    int m_maxNamespacesPerClient = 0;
    int m_maxRoomsPerSocket = 0;
    int m_maxNameLength = 0;

    // Connection-state recovery.
    RecoverySettings m_recoverySettings;
    RecoveryPids m_pids;
    QTimer *m_recoverySweep = nullptr;
};
