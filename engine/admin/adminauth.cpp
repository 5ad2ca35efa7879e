#include "admin/adminauth.h"

#include "admin/bcryptverify.h"
#include "common/logging.h"
#include "transport/httprequest.h"

#include <QDateTime>
#include <QHostAddress>
#include <QJsonObject>
#include <QPointer>
#include <QRandomGenerator>
#include <QThreadPool>

namespace {

const QString kInvalid = QStringLiteral("invalid credentials");
// bcrypt checks running at once; more are refused rather than queued, so a
// flood of logins cannot tie up the thread pool for minutes.
constexpr int kMaxChecksInFlight = 4;
// Bounds for the bookkeeping maps: hostile input gets a bound.
constexpr qsizetype kMaxSessions = 1000;
constexpr qsizetype kMaxTrackedPeers = 10000;
constexpr qsizetype kMaxCredentialBytes = 1024;

} // namespace

AdminAuth::AdminAuth(const AdminConfig &config, QObject *parent) : QObject(parent), m_config(config)
{}

bool AdminAuth::isDirectLoopback(const HttpRequest &handshake)
{
    QString peer = handshake.peer;
    if (peer.startsWith(QLatin1String("unix:")) || peer.isEmpty()) return false;
    const QHostAddress address(peer);
    if (address.isNull() || !address.isLoopback()) return false;
    for (const char *proxied : {"x-forwarded-for", "forwarded", "x-real-ip", "cf-connecting-ip"})
        if (handshake.hasHeader(proxied)) return false;
    return true;
}

bool AdminAuth::lockedOut(const QString &peer, qint64 nowMs)
{
    auto it = m_failures.find(peer);
    if (it == m_failures.end()) return false;
    const qint64 window = qint64(m_config.failureWindowSec) * 1000;
    // A window later every failure is forgiven.
    if (nowMs - it->windowStartMs >= window) {
        m_failures.erase(it);
        return false;
    }
    return it->count >= m_config.maxFailuresPerPeer;
}

void AdminAuth::recordFailure(const QString &peer, qint64 nowMs)
{
    if (m_failures.size() >= kMaxTrackedPeers && !m_failures.contains(peer)) {
        // Drop the expired ones; if still full, the oldest window goes.
        const qint64 window = qint64(m_config.failureWindowSec) * 1000;
        for (auto it = m_failures.begin(); it != m_failures.end();)
            it = nowMs - it->windowStartMs >= window ? m_failures.erase(it) : std::next(it);
        if (m_failures.size() >= kMaxTrackedPeers) m_failures.erase(m_failures.begin());
    }
    PeerFailures &f = m_failures[peer];
    if (f.count == 0) f.windowStartMs = nowMs;
    ++f.count;
    qCWarning(lcEngine).noquote() << "admin: failed login from" << peer << "(" << f.count
                                  << "in this window)";
}

QString AdminAuth::newSession(qint64 nowMs)
{
    if (m_sessions.size() >= kMaxSessions) {
        for (auto it = m_sessions.begin(); it != m_sessions.end();)
            it = it.value() <= nowMs ? m_sessions.erase(it) : std::next(it);
        if (m_sessions.size() >= kMaxSessions) m_sessions.erase(m_sessions.begin());
    }
    // 8 random bytes as 16 lowercase hex characters, as the Admin UI server.
    quint32 words[2];
    QRandomGenerator::system()->fillRange(words);
    const QString id = QString::fromLatin1(
        QByteArray(reinterpret_cast<const char *>(words), sizeof words).toHex());
    m_sessions.insert(id, nowMs + qint64(m_config.sessionTtlSec) * 1000);
    return id;
}

bool AdminAuth::sessionValid(const QString &id, qint64 nowMs)
{
    auto it = m_sessions.find(id);
    if (it == m_sessions.end()) return false;
    if (it.value() <= nowMs) {
        m_sessions.erase(it);
        return false;
    }
    return true;
}

void AdminAuth::check(const HttpRequest &handshake, const QJsonValue &auth,
                      std::function<void(AdminAuthResult)> done)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (m_config.noAuth) {
        if (isDirectLoopback(handshake)) return done({true, {}, {}});
        qCWarning(lcEngine).noquote()
            << "admin: refusing" << handshake.peer
            << ": authentication is off, which admits direct loopback clients only";
        return done(
            {false, QStringLiteral("admin access without credentials is loopback only"), {}});
    }
    const QString peer = handshake.peer;
    if (lockedOut(peer, now))
        return done({false, QStringLiteral("too many failed logins, try again later"), {}});
    const QJsonObject creds = auth.toObject();
    const QString sessionId = creds.value(QStringLiteral("sessionId")).toString();
    if (!sessionId.isEmpty()) {
        if (sessionValid(sessionId, now)) return done({true, {}, {}});
        // An unknown id alone (the server restarted, or it expired) is not a
        // failed login: 64 random bits are not guessed, and every monitor
        // reconnecting after a restart would otherwise count against its address.
        if (!creds.contains(QStringLiteral("password"))) return done({false, kInvalid, {}});
        // With a password too, fall through to it, as Node does.
    }
    const QByteArray username = creds.value(QStringLiteral("username")).toString().toUtf8();
    const QByteArray password = creds.value(QStringLiteral("password")).toString().toUtf8();
    if (username.isEmpty() || password.isEmpty() || username.size() > kMaxCredentialBytes ||
        password.size() > kMaxCredentialBytes) {
        recordFailure(peer, now);
        return done({false, kInvalid, {}});
    }
    if (m_checksInFlight >= kMaxChecksInFlight)
        return done({false, QStringLiteral("too many logins at once, try again"), {}});
    ++m_checksInFlight;
    const bool userMatches = constantTimeEquals(username, m_config.username.toUtf8());
    const QByteArray hash = m_config.passwordHash;
    QPointer<AdminAuth> self(this);
    // The password is checked even when the username is wrong, so timing does
    // not tell which of the two was.
    QThreadPool::globalInstance()->start([self, password, hash, userMatches, peer, done] {
        const bool passwordMatches = verifyBcrypt(password, hash);
        const bool ok = userMatches && passwordMatches;
        QMetaObject::invokeMethod(
            self.data(),
            [self, ok, peer, done] {
                if (!self) return;
                --self->m_checksInFlight;
                const qint64 at = QDateTime::currentMSecsSinceEpoch();
                if (!ok) {
                    self->recordFailure(peer, at);
                    done({false, kInvalid, {}});
                    return;
                }
                self->m_failures.remove(peer);
                qCInfo(lcEngine).noquote() << "admin: login from" << peer;
                done({true, {}, self->newSession(at)});
            },
            Qt::QueuedConnection);
    });
}
