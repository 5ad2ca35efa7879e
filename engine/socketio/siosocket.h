// SioSocket: one client's connection to one namespace (socket.io's `Socket`),
// with the Frappe identity the auth middleware attaches to it. Owned by
// SioServer; engine thread only.
#pragma once

#include "socketio/roomlist.h"
#include "transport/httprequest.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonValue>
#include <QSet>
#include <QString>
#include <QStringList>
#include <functional>

class SioServer;
class SioNamespace;
class EioSession;
struct SioClient;

using AckCallback =
    std::function<void(const QJsonArray &args, const QList<QByteArray> &attachments)>;

class SioSocket {
public:
    SioSocket(SioServer *server, SioClient *client, QString nspName, QString id);

    const QString &id() const { return m_id; }
    const QString &nspName() const { return m_nspName; }
    SioNamespace *nsp() const { return m_nsp; }
    bool connected() const { return m_nsp != nullptr; }
    const HttpRequest &handshake() const;
    QByteArray eioSid() const;
    bool isWebSocket() const;
    bool wasUpgraded() const;
    const RoomList &rooms() const { return m_rooms; }
    QJsonValue auth() const { return m_auth; }
    qint64 connectedAtMs() const { return m_connectedAtMs; }
    quint64 sequence() const { return m_sequence; }
    // Connection-state recovery: this socket got a dropped session back (same
    // id, rooms, Frappe identity), as socket.io's `socket.recovered`.
    bool recovered() const { return m_recovered; }
    // Set while leaving: its session was kept for recovery.
    bool sessionKept() const { return m_sessionKept; }

    // Without an ack, on a namespace with connection-state recovery, the
    // event gets an offset and is kept for replay (as socket.io's socket.emit).
    void emitEvent(const QString &event, const QJsonArray &args,
                   const QList<QByteArray> &attachments = {}, AckCallback ack = nullptr);
    // The arguments as one compact JSON array text, written as it is (key
    // order and number format kept).
    void emitEventJson(const QString &event, const QByteArray &argsArrayJson,
                       const QList<QByteArray> &attachments = {}, AckCallback ack = nullptr);
    // Pre-encoded Socket.IO text (e.g. from sio::encodeEvent), no attachments.
    void sendEncoded(const QByteArray &sioText);
    // False when refused (max rooms per socket reached, or not admitted).
    bool join(const QString &room);
    void leave(const QString &room);
    // Server-side disconnect of this namespace; closeTransport also ends the
    // Engine.IO session (socket.io's disconnect(true)).
    void disconnect(bool closeTransport = false);

    // Identity set by the Frappe middleware (socket.user, socket.user_type, ...).
    QString user;
    QString userType;
    QStringList installedApps;
    QByteArray frappeSid;
    QByteArray authorization;
    QString siteName;
    // Remembered (doctype, docname) pairs of doc_open, for doc_viewers on disconnect.
    QList<QPair<QString, QString>> openDocs;

    // Per-socket counters for the monitor.
    quint64 eventsIn = 0;
    quint64 eventsOut = 0;
    // Set by the monitor's "trace this connection": SioServer then reports
    // every packet of this socket to its observer (checked per delivery).
    bool traced = false;

private:
    bool m_recovered = false;
    bool m_sessionKept = false;

    friend class SioServer;
    friend class SioNamespace;

    SioServer *m_server;
    SioClient *m_client;
    QString m_nspName;
    QString m_id;
    SioNamespace *m_nsp = nullptr; // set once admitted
    RoomList m_rooms;
    QJsonValue m_auth;
    qint64 m_connectedAtMs = 0;
    quint64 m_sequence = 0;
    quint64 m_recoveryBaseSeq = 0; // the namespace's last recovery sequence number at connect
    quint64 m_nextAckId = 0;
    QHash<quint64, AckCallback> m_acks;
};
