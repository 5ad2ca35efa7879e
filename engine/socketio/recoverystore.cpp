#include "socketio/recoverystore.h"

#include <algorithm>
#include <chrono>

namespace {

// Per-packet bookkeeping besides its bytes (deque slot, lists, room names).
qint64 packetCost(const QByteArray &text, const QList<QByteArray> &attachments,
                  const QStringList &rooms, const QStringList &exceptRooms)
{
    qint64 cost = 96 + text.size();
    for (const QByteArray &a : attachments)
        cost += a.size();
    for (const QString &r : rooms)
        cost += 24 + 2 * r.size();
    for (const QString &r : exceptRooms)
        cost += 24 + 2 * r.size();
    return cost;
}

bool containsSorted(const QStringList &sorted, const QString &room)
{
    const auto it = std::lower_bound(sorted.cbegin(), sorted.cend(), room);
    return it != sorted.cend() && *it == room;
}

bool meantFor(const StoredPacket &packet, const QStringList &sessionRooms)
{
    bool included = packet.rooms.isEmpty();
    for (qsizetype i = 0; !included && i < packet.rooms.size(); ++i)
        included = containsSorted(sessionRooms, packet.rooms.at(i));
    if (!included) return false;
    for (const QString &r : packet.exceptRooms)
        if (containsSorted(sessionRooms, r)) return false;
    return true;
}

} // namespace

QString RecoveryStore::text(Failure failure)
{
    switch (failure) {
    case Failure::None:
        return QString();
    case Failure::UnknownSession:
        return QStringLiteral("unknown session");
    case Failure::Expired:
        return QStringLiteral("session expired");
    case Failure::BadOffset:
        return QStringLiteral("unknown offset");
    case Failure::Forgotten:
        return QStringLiteral("missed events no longer buffered");
    }
    return QString();
}

qint64 RecoveryStore::nowMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

RecoveryStore::RecoveryStore(const RecoverySettings &settings, QByteArray epoch)
    : m_settings(settings), m_epoch(std::move(epoch) + '.')
{}

QByteArray RecoveryStore::offsetOf(quint64 seq) const
{
    return m_epoch + QByteArray::number(seq);
}

void RecoveryStore::keep(quint64 seq, QByteArray text, QList<QByteArray> attachments,
                         QStringList rooms, QStringList exceptRooms, qint64 nowMs)
{
    StoredPacket packet;
    packet.seq = seq;
    packet.keptAtMs = nowMs;
    packet.cost = packetCost(text, attachments, rooms, exceptRooms);
    packet.text = std::move(text);
    packet.attachments = std::move(attachments);
    packet.rooms = std::move(rooms);
    packet.exceptRooms = std::move(exceptRooms);
    m_bytes += packet.cost;
    m_packets.push_back(std::move(packet));
    while (!m_packets.empty() &&
           (qsizetype(m_packets.size()) > m_settings.maxPackets || m_bytes > m_settings.maxBytes))
        evictFront();
}

void RecoveryStore::evictFront()
{
    noteEvicted(m_packets.front());
    m_bytes -= m_packets.front().cost;
    m_packets.pop_front();
}

void RecoveryStore::noteEvicted(const StoredPacket &packet)
{
    m_lastForgotten = packet.seq;
    if (packet.rooms.isEmpty()) {
        m_forgottenToAll = packet.seq;
        return;
    }
    for (const QString &room : packet.rooms)
        m_forgottenByRoom.insert(room, packet.seq);
    // Room names come from publishers; the table must not grow without end.
    const qsizetype bound = qMax<qsizetype>(4096, 2 * qsizetype(m_settings.maxPackets));
    if (m_forgottenByRoom.size() > bound) {
        m_floor = m_lastForgotten;
        m_forgottenByRoom.clear();
    }
}

std::optional<quint64> RecoveryStore::parseOffset(const QString &offset) const
{
    const QByteArray bytes = offset.toLatin1();
    if (!bytes.startsWith(m_epoch)) return std::nullopt;
    const QByteArrayView digits = QByteArrayView(bytes).sliced(m_epoch.size());
    if (digits.isEmpty() || digits.size() > 19) return std::nullopt;
    for (const char c : digits)
        if (c < '0' || c > '9') return std::nullopt;
    bool ok = false;
    const quint64 seq = digits.toULongLong(&ok);
    if (!ok || seq == 0 || seq > m_lastSeq) return std::nullopt;
    return seq;
}

bool RecoveryStore::forgottenAfter(const QStringList &rooms, quint64 seq) const
{
    if (seq < m_floor || m_forgottenToAll > seq) return true;
    for (const QString &room : rooms)
        if (m_forgottenByRoom.value(room, 0) > seq) return true;
    return false;
}

void RecoveryStore::persist(RecoverySession session)
{
    if (m_settings.maxSessions <= 0) return;
    while (m_sessions.size() >= m_settings.maxSessions && !m_sessionOrder.empty()) {
        const auto &[sid, at] = m_sessionOrder.front();
        const auto it = m_sessions.constFind(sid);
        if (it != m_sessions.cend() && it->disconnectedAtMs == at) m_sessions.erase(it);
        m_sessionOrder.pop_front();
    }
    m_expired.remove(session.sid);
    m_sessionOrder.push_back({session.sid, session.disconnectedAtMs});
    m_sessions.insert(session.sid, std::move(session));
}

std::optional<RecoverySession> RecoveryStore::take(const QString &sid, qint64 nowMs, Failure *why)
{
    const auto it = m_sessions.find(sid);
    if (it == m_sessions.end()) {
        *why = m_expired.contains(sid) ? Failure::Expired : Failure::UnknownSession;
        return std::nullopt;
    }
    RecoverySession session = std::move(*it);
    m_sessions.erase(it);
    if (session.disconnectedAtMs + m_settings.windowMs < nowMs) {
        m_expired.insert(sid, nowMs);
        *why = Failure::Expired;
        return std::nullopt;
    }
    *why = Failure::None;
    return session;
}

std::optional<QList<StoredPacket>> RecoveryStore::missed(const RecoverySession &session,
                                                         const std::optional<QString> &offset,
                                                         Failure *why) const
{
    // Packets before the socket connected were never meant for it, even when
    // the client echoes an offset from an earlier session of its own.
    quint64 base = session.baseSeq;
    if (offset) {
        const std::optional<quint64> seq = parseOffset(*offset);
        if (!seq) {
            *why = Failure::BadOffset;
            return std::nullopt;
        }
        base = qMax(base, *seq);
    }
    if (forgottenAfter(session.rooms, base)) {
        *why = Failure::Forgotten;
        return std::nullopt;
    }
    QList<StoredPacket> missed;
    auto it = std::upper_bound(m_packets.cbegin(), m_packets.cend(), base,
                               [](quint64 seq, const StoredPacket &p) { return seq < p.seq; });
    for (; it != m_packets.cend(); ++it)
        if (meantFor(*it, session.rooms)) missed.append(*it);
    *why = Failure::None;
    return missed;
}

void RecoveryStore::expire(qint64 nowMs)
{
    const qint64 cutoff = nowMs - m_settings.windowMs;
    while (!m_packets.empty() && m_packets.front().keptAtMs < cutoff)
        evictFront();
    while (!m_sessionOrder.empty()) {
        const auto &[sid, at] = m_sessionOrder.front();
        if (at >= cutoff) break;
        const auto it = m_sessions.constFind(sid);
        if (it != m_sessions.cend() && it->disconnectedAtMs == at) {
            m_sessions.erase(it);
            m_expired.insert(sid, nowMs);
        }
        m_sessionOrder.pop_front();
    }
    // A reconnect shortly after expiry is told "expired", not "unknown".
    for (auto it = m_expired.begin(); it != m_expired.end();)
        it = it.value() < cutoff ? m_expired.erase(it) : std::next(it);
    if (m_expired.size() > m_settings.maxSessions) m_expired.clear();
}
