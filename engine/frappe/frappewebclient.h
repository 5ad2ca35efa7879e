// FrappeWebClient: the realtime server's HTTP client for callbacks into the
// Frappe web server: authentication (get_user_info, spec §2.3 step 5),
// permission checks (§4.1, both the v16 and the legacy v15 endpoints) and the
// generic requests behind app handlers' socket.frappe_request (§7.3). URL and
// header rules follow §2.5, plus the fixes of §11: X-Frappe-Site-Name on
// every callback, a timeout, Node's error texts, one keep-alive connection
// pool per client, and no cookie jar (a Set-Cookie in one user's answer must
// never ride along with another user's callback).
//
// Thread affinity: lives on the engine thread. Every method must be called
// there; every done callback runs there, and the SecretProvider must invoke
// its continuation there (synchronously or later).
//
// Callback contract: while the client exists, each done is invoked exactly
// once, always from the event loop (never synchronously inside the call that
// started it), within authTimeoutMs of the start of each HTTP attempt
// (fetchUserInfo may make two). A done may destroy the client. Once the
// client is destroyed no done is invoked any more: pending ones are destroyed
// uninvoked, together with whatever they captured.
#pragma once

#include "common/fifotimerqueue.h"
#include "engineconfig.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <functional>
#include <optional>

class CallbackExchange;
class HttpClient;
struct CallbackUrl;
struct ExchangeResult;

// Who a callback speaks for: taken from the socket's handshake.
struct CallerIdentity {
    QByteArray sid;           // the `sid` cookie; empty when absent
    QByteArray authorization; // the Authorization header verbatim; empty when absent
    QString origin;           // the Origin header verbatim; for logs, never a callback target
    QString siteName;         // the site the socket belongs to (spec §2.4)
};

struct UserInfo {
    QString user;
    QString userType;
    QStringList installedApps;
};

struct AuthOutcome {
    bool ok = false;
    UserInfo info;
    QString error; // the CONNECT_ERROR message when !ok; always starts with "Unauthorized"
};

struct WebResponse {
    int status = 0; // HTTP status; 0 when networkError is set
    QByteArray body;
    QString networkError; // String(error) of what Node's fetch would throw; empty on success
};

class FrappeWebClient : public QObject {
    Q_OBJECT
public:
    // Looks up the shared secret (Redis key socketio_auth_secret) and hands
    // it, or nullopt when the key does not exist, to the continuation.
    using SecretProvider = std::function<void(std::function<void(std::optional<QByteArray>)>)>;
    using HeaderList = QList<QPair<QByteArray, QByteArray>>;

    explicit FrappeWebClient(const EngineConfig &cfg, QObject *parent = nullptr);
    ~FrappeWebClient() override;

    // Consulted before every HTTP attempt, so a retry sees a secret the web
    // side created meanwhile. Unset: no X-Frappe-Socket-Secret header.
    void setSecretProvider(SecretProvider provider);

    // Base URL of callbacks: the same for every caller, from configuration
    // only (frappeCallbackTarget); the caller is ignored on purpose.
    QUrl callbackBase(const CallerIdentity &caller) const;

    // GET get_user_info, once more when installed_apps is missing (the first
    // call may have made the web side create the secret). Admits only when a
    // non-empty user comes back; otherwise the error carries Node's text.
    void fetchUserInfo(const CallerIdentity &caller, std::function<void(AuthOutcome)> done);

    // has_permission (truthy `message` on a 2xx answer grants) or, with
    // PermissionApi::Legacy, can_subscribe_doctype / can_subscribe_doc (HTTP
    // 200 grants). An empty docname asks for the doctype. Failures deny and
    // are logged. Identical checks in flight share one HTTP request.
    void checkPermission(const CallerIdentity &caller, const QString &doctype,
                         const QString &docname, std::function<void(bool granted)> done);

    // Any request on the caller's behalf (socket.frappe_request / fetch of app
    // handlers). pathAndQuery must start with '/'. The method is normalised
    // as fetch does. extraHeaders may not set the headers this client owns
    // (credentials, secret, site name, Host and framing); those are dropped.
    void request(const CallerIdentity &caller, const QByteArray &method,
                 const QString &pathAndQuery, const QByteArray &body,
                 const HeaderList &extraHeaders, std::function<void(WebResponse)> done);

private:
    using ExchangeDone = std::function<void(ExchangeResult)>;

    void userInfoAttempt(const CallerIdentity &caller, int attempt,
                         std::function<void(AuthOutcome)> done);
    void finishUserInfo(const CallerIdentity &caller, const QUrl &url, int attempt,
                        const ExchangeResult &result, std::function<void(AuthOutcome)> &done);
    bool permissionGranted(const CallerIdentity &caller, const QUrl &url, bool legacy,
                           const ExchangeResult &result) const;
    // `http`: the pool to use; m_http unless given (logins use m_loginHttp).
    void exchange(const CallerIdentity &caller, const QByteArray &method, const CallbackUrl &target,
                  const QByteArray &body, const HeaderList &extraHeaders, ExchangeDone done,
                  HttpClient *http = nullptr);
    // The request's header lines, Host and framing aside (HttpClient adds them).
    QByteArray buildHeaderLines(const CallerIdentity &caller, const HeaderList &extraHeaders,
                                const std::optional<QByteArray> &secret, QString *error) const;

    const EngineConfig m_cfg;
    const int m_timeoutMs;
    HttpClient *m_http;         // permission checks and app requests
    HttpClient *m_loginHttp;    // get_user_info only: never queued behind permission checks
    FifoTimerQueue m_deadlines; // every callback shares one timeout
    SecretProvider m_secretProvider;
    QHash<QByteArray, QList<std::function<void(bool)>>> m_permissionWaiters;
    // permissionCacheTtlSec > 0: answers by the same key as m_permissionWaiters.
    struct CachedPermission {
        bool granted = false;
        qint64 expiresMs = 0; // FifoTimerQueue::nowMs()
    };
    QHash<QByteArray, CachedPermission> m_permissionCache;
};
