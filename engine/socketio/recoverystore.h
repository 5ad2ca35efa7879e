// RecoveryStore: what connection-state recovery (socket.io 4.6+) keeps for
// one namespace: the EVENT packets sent, each with its offset, and the
// sessions of sockets whose transport dropped. Bounded: packets by count,
// bytes and age, sessions by count and age.
//
// Unlike socket.io's in-memory adapter, recovery is judged by sequence
// numbers, not time: the offset a client echoes names the last packet it
// processed, and the store keeps, per room, the newest sequence number it
// had to forget. A client whose last packet is long gone still recovers when
// nothing that was meant for its rooms was forgotten after it (quiet sites),
// and a client that never received an event recovers from the sequence
// number the namespace had when it connected. When a missed packet was
// forgotten, recovery fails as a whole: never a partial backlog.
//
// Nothing here knows about transports or time sources: callers pass "now",
// so the store is a plain value that a shared (cluster) store can later
// replace behind the same calls. Thread affinity: one thread (the engine
// thread); not thread-safe.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <deque>
#include <optional>

struct RecoverySettings {
    bool enabled = false;
    qint64 windowMs = 120000;          // how long a session and a sent packet are kept
    int maxPackets = 10000;            // per namespace
    qint64 maxBytes = 8 * 1024 * 1024; // per namespace, packet text and attachments
    int maxSessions = 100000;          // per namespace; the oldest goes first
};

// A socket as it was when its transport dropped.
struct RecoverySession {
    QString sid;
    QByteArray pidDigest;       // SHA-256 of its pid: the pid itself is never kept
    QStringList rooms;          // sorted, its own id room included
    quint64 baseSeq = 0;        // the namespace's last sequence number when it connected
    quint64 socketSequence = 0; // its place in connection order
    qint64 disconnectedAtMs = 0;
    // The Frappe identity the socket carried (SioSocket's fields).
    QString user;
    QString userType;
    QString siteName;
    QList<QPair<QString, QString>> openDocs;
};

struct StoredPacket {
    quint64 seq = 0;
    qint64 keptAtMs = 0;
    QByteArray text; // Socket.IO text with its offset, without Engine.IO's '4'
    QList<QByteArray> attachments;
    QStringList rooms; // empty: every socket of the namespace
    QStringList exceptRooms;
    qint64 cost = 0; // bytes counted against maxBytes
};

class RecoveryStore {
public:
    // Why a recovery did not happen; text() is what the monitor and /metrics show.
    enum class Failure {
        None,
        UnknownSession, // no session for this pid (never dropped, closed by the client, ...)
        Expired,        // dropped longer ago than the window
        BadOffset,      // an offset this store never issued
        Forgotten,      // a packet the client missed is no longer buffered
    };
    static QString text(Failure failure);
    // The clock every "nowMs" of the store is on (monotonic, milliseconds).
    static qint64 nowMs();

    // epoch: a random tag put in every offset, so offsets of another process
    // (or of a store that was dropped and made again) never match.
    RecoveryStore(const RecoverySettings &settings, QByteArray epoch);

    // --- sending. reserve() gives the next sequence number, offsetOf() its
    // offset string; keep() stores the packet once it carries that offset.
    quint64 reserve() { return ++m_lastSeq; }
    QByteArray offsetOf(quint64 seq) const;
    void keep(quint64 seq, QByteArray text, QList<QByteArray> attachments, QStringList rooms,
              QStringList exceptRooms, qint64 nowMs);
    quint64 lastSeq() const { return m_lastSeq; }

    // --- sessions
    void persist(RecoverySession session);
    // Takes the session of `sid` out of the store (a session is used once).
    std::optional<RecoverySession> take(const QString &sid, qint64 nowMs, Failure *why);
    // The packets `session` missed after `offset` (nullopt: the client never
    // processed an event), oldest first; nullopt with *why when that cannot
    // be proven complete.
    std::optional<QList<StoredPacket>> missed(const RecoverySession &session,
                                              const std::optional<QString> &offset,
                                              Failure *why) const;

    // Forgets what is older than the window (the caller's timer).
    void expire(qint64 nowMs);
    bool hasSessions() const { return !m_sessions.isEmpty(); }
    int sessionCount() const { return int(m_sessions.size()); }
    int packetCount() const { return int(m_packets.size()); }
    qint64 bytes() const { return m_bytes; }
    const RecoverySettings &settings() const { return m_settings; }

private:
    void evictFront();
    void noteEvicted(const StoredPacket &packet);
    std::optional<quint64> parseOffset(const QString &offset) const;
    bool forgottenAfter(const QStringList &rooms, quint64 seq) const;

    RecoverySettings m_settings;
    QByteArray m_epoch; // "<tag>." prefix of every offset
    quint64 m_lastSeq = 0;
    std::deque<StoredPacket> m_packets; // ascending seq
    qint64 m_bytes = 0;
    // Newest forgotten sequence number per target room, and of packets sent
    // to the whole namespace. When the room table grows past its bound it is
    // folded into m_floor: offsets below it can no longer be judged.
    QHash<QString, quint64> m_forgottenByRoom;
    quint64 m_forgottenToAll = 0;
    quint64 m_lastForgotten = 0;
    quint64 m_floor = 0;
    QHash<QString, RecoverySession> m_sessions; // by sid
    // (sid, disconnectedAtMs) in persist order; an entry whose session was
    // taken (or persisted again since) is stale and skipped.
    std::deque<QPair<QString, qint64>> m_sessionOrder;
    QHash<QString, qint64> m_expired; // sid -> when its session expired
};
