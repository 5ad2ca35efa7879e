// AdminAuth: who may open the admin namespace. Basic auth as the Admin UI
// does it (username + bcrypt hash, then a 16-hex session id the UI resumes
// with), with what Node lacks: a constant-time username check, the bcrypt
// work off the engine thread, a bound on concurrent checks, sessions that
// expire, and a per-address limit on failed logins. Thread affinity: the
// engine thread (the bcrypt checks run on the global QThreadPool and report
// back with a queued call).
#pragma once

#include "admin/adminconfig.h"

#include <QHash>
#include <QJsonValue>
#include <QObject>
#include <QString>
#include <functional>
#include <optional>

struct HttpRequest;

struct AdminAuthResult {
    bool ok = false;
    QString error;     // the CONNECT_ERROR message when refused
    QString sessionId; // a new session to announce (empty on resume or without auth)
};

class AdminAuth : public QObject {
    Q_OBJECT
public:
    explicit AdminAuth(const AdminConfig &config, QObject *parent = nullptr);

    // Checks a CONNECT payload ({username, password} or {sessionId}) from this
    // handshake; `done` is called once, possibly later, on this thread.
    void check(const HttpRequest &handshake, const QJsonValue &auth,
               std::function<void(AdminAuthResult)> done);

    // Whether a no-auth admin CONNECT from this handshake is acceptable:
    // a loopback peer that did not come through a proxy.
    static bool isDirectLoopback(const HttpRequest &handshake);

    int sessionCount() const { return int(m_sessions.size()); }

private:
    struct PeerFailures {
        int count = 0;
        qint64 windowStartMs = 0;
    };
    bool lockedOut(const QString &peer, qint64 nowMs);
    void recordFailure(const QString &peer, qint64 nowMs);
    QString newSession(qint64 nowMs);
    bool sessionValid(const QString &id, qint64 nowMs);

    AdminConfig m_config;
    QHash<QString, qint64> m_sessions; // id -> expiry, ms since epoch
    QHash<QString, PeerFailures> m_failures;
    int m_checksInFlight = 0;
};
