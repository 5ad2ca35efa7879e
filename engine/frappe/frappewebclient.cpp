#include "frappe/frappewebclient.h"

#include "common/credentialmask.h"
#include "common/logging.h"
#include "frappe/callbackexchange.h"
#include "frappe/callbackurl.h"
#include "json/jsjson.h"

#include "httpclient/httpclient.h"

#include <QJsonArray>
#include <QPointer>

#include <algorithm>

#ifndef RT_VERSION
#define RT_VERSION "dev"
#endif

namespace {

constexpr int kDefaultTimeoutMs = 10000;

const QString kUserInfoPath = QStringLiteral("/api/method/frappe.realtime.get_user_info");
const QString kHasPermissionPath = QStringLiteral("/api/method/frappe.realtime.has_permission");
const QString kCanSubscribeDoctypePath =
    QStringLiteral("/api/method/frappe.realtime.can_subscribe_doctype");
const QString kCanSubscribeDocPath =
    QStringLiteral("/api/method/frappe.realtime.can_subscribe_doc");

// Headers this client sets itself: credentials and site must come from the
// socket, not from an app handler, and HttpClient owns Host and the framing.
bool isClientOwnedHeader(const QByteArray &lowerName)
{
    static const QList<QByteArray> owned = {"authorization",
                                            "cookie",
                                            "x-frappe-socket-secret",
                                            "x-frappe-site-name",
                                            "host",
                                            "content-length",
                                            "transfer-encoding",
                                            "connection",
                                            "keep-alive",
                                            "upgrade",
                                            "te",
                                            "trailer",
                                            "proxy-authorization",
                                            "proxy-connection"};
    return owned.contains(lowerName);
}

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool isToken(const QByteArray &text)
{
    if (text.isEmpty()) return false;
    for (const char c : text) {
        if (!isTokenChar(c)) return false;
    }
    return true;
}

// A CR or LF would let a value smuggle extra headers (or a second request)
// to the web server on a connection that carries the socket secret.
bool isSafeHeaderValue(const QByteArray &value)
{
    return !value.contains('\r') && !value.contains('\n') && !value.contains('\0');
}

// fetch's method handling: the six standard methods are upper-cased, any
// other token is sent as given, and a few are forbidden.
QByteArray normalizeMethod(const QByteArray &method, QString *error)
{
    if (method.isEmpty()) return "GET";
    const QByteArray upper = method.toUpper();
    if (!isToken(method)) {
        *error = QStringLiteral("TypeError: '%1' is not a valid HTTP method.")
                     .arg(QString::fromLatin1(method));
        return {};
    }
    if (upper == "CONNECT" || upper == "TRACE" || upper == "TRACK") {
        *error = QStringLiteral("TypeError: '%1' HTTP method is unsupported.")
                     .arg(QString::fromLatin1(method));
        return {};
    }
    for (const char *standard : {"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"}) {
        if (upper == standard) return upper;
    }
    return method;
}

QString statusText(const ExchangeResult &result)
{
    return result.failure == ExchangeResult::Failure::None
               ? QStringLiteral("HTTP %1").arg(result.status)
               : QStringLiteral("no response");
}

// A short, single-line excerpt of an unexpected body for the logs.
QString bodyExcerpt(const QByteArray &body)
{
    constexpr qsizetype kMax = 120;
    QString text = QString::fromUtf8(body.left(kMax)).simplified();
    if (body.size() > kMax) text += QStringLiteral("…");
    return text;
}

HttpClient::Options poolOptions(int connections)
{
    HttpClient::Options options;
    if (connections > 0) options.maxConnectionsPerOrigin = connections;
    return options;
}

// Entries the permission cache holds at most; a flood of distinct documents
// then empties it rather than growing it.
constexpr qsizetype kMaxCachedPermissions = 20000;

} // namespace

FrappeWebClient::FrappeWebClient(const EngineConfig &cfg, QObject *parent)
    : QObject(parent), m_cfg(cfg),
      m_timeoutMs(cfg.authTimeoutMs > 0 ? cfg.authTimeoutMs : kDefaultTimeoutMs),
      m_http(new HttpClient(poolOptions(cfg.callbackConnections), this)),
      m_loginHttp(new HttpClient(poolOptions(cfg.loginCallbackConnections), this)),
      m_deadlines(m_timeoutMs, &CallbackExchange::deadlinePassed, this)
{}

FrappeWebClient::~FrappeWebClient()
{
    m_permissionWaiters.clear();
    // Before the HttpClient goes: each exchange cancels its request, so no
    // completion can be queued during teardown.
    qDeleteAll(findChildren<CallbackExchange *>(QString(), Qt::FindDirectChildrenOnly));
}

void FrappeWebClient::setSecretProvider(SecretProvider provider)
{
    m_secretProvider = std::move(provider);
}

QUrl FrappeWebClient::callbackBase(const CallerIdentity &) const
{
    return frappeCallbackTarget(m_cfg).base;
}

void FrappeWebClient::fetchUserInfo(const CallerIdentity &caller,
                                    std::function<void(AuthOutcome)> done)
{
    userInfoAttempt(caller, 1, std::move(done));
}

void FrappeWebClient::userInfoAttempt(const CallerIdentity &caller, int attempt,
                                      std::function<void(AuthOutcome)> done)
{
    const CallbackUrl target = frappeCallbackUrl(callbackBase(caller), kUserInfoPath);
    exchange(
        caller, "GET", target, {}, {},
        [this, caller, attempt, url = target.url, done = std::move(done)](
            ExchangeResult result) mutable { finishUserInfo(caller, url, attempt, result, done); },
        m_loginHttp);
}

void FrappeWebClient::finishUserInfo(const CallerIdentity &caller, const QUrl &url, int attempt,
                                     const ExchangeResult &result,
                                     std::function<void(AuthOutcome)> &done)
{
    const auto reject = [&](const QString &reason, const QString &detail) {
        qCWarning(lcAuth).noquote()
            << "get_user_info failed for site" << caller.siteName << "url"
            << (url.isValid() ? redactedUrl(url) : QStringLiteral("(none)")) << "credential"
            << describeCallerCredential(caller.sid, caller.authorization) << "attempt" << attempt
            << statusText(result) << "->" << reason << "|" << detail;
        AuthOutcome outcome;
        outcome.error = QStringLiteral("Unauthorized: ") + reason;
        done(std::move(outcome)); // last: may destroy this client
    };

    if (result.failure != ExchangeResult::Failure::None) {
        reject(result.nodeError, result.detail);
        return;
    }
    const JsJsonResult json = jsJsonParse(result.body);
    if (!json.ok) {
        reject(json.error, QStringLiteral("body: ") + bodyExcerpt(result.body));
        return;
    }

    // Node: `data.message`, then `message.installed_apps`; both reads throw
    // on null/undefined, which is what a Frappe error envelope produces.
    QString typeError;
    const QJsonValue message = jsProperty(json.value, QStringLiteral("message"), &typeError);
    const QJsonValue apps = typeError.isEmpty()
                                ? jsProperty(message, QStringLiteral("installed_apps"), &typeError)
                                : QJsonValue(QJsonValue::Undefined);
    if (!typeError.isEmpty()) {
        reject(typeError, QStringLiteral("body: ") + bodyExcerpt(result.body));
        return;
    }
    if (!jsTruthy(apps) && attempt == 1) {
        qCDebug(lcAuth).noquote() << "get_user_info for site" << caller.siteName
                                  << "returned no installed_apps; asking once more";
        userInfoAttempt(caller, attempt + 1, std::move(done));
        return;
    }

    // Node admits even without a user (a deaf socket, spec §2.3); reject.
    const QJsonValue user = jsProperty(message, QStringLiteral("user"), nullptr);
    if (!user.isString() || user.toString().isEmpty()) {
        reject(QStringLiteral("no user info returned"),
               QStringLiteral("body: ") + bodyExcerpt(result.body) +
                   QStringLiteral(" (a mismatching X-Frappe-Socket-Secret answers {})"));
        return;
    }

    AuthOutcome outcome;
    outcome.ok = true;
    outcome.info.user = user.toString();
    outcome.info.userType = jsProperty(message, QStringLiteral("user_type"), nullptr).toString();
    const QJsonArray appList = apps.toArray();
    for (const QJsonValue &app : appList) {
        if (app.isString()) outcome.info.installedApps.append(app.toString());
    }
    qCDebug(lcAuth).noquote() << "get_user_info for site" << caller.siteName << "->"
                              << outcome.info.user << outcome.info.userType;
    done(std::move(outcome)); // last: may destroy this client
}

void FrappeWebClient::checkPermission(const CallerIdentity &caller, const QString &doctype,
                                      const QString &docname, std::function<void(bool)> done)
{
    const bool legacy = m_cfg.permissionApi == PermissionApi::Legacy;
    QString path;
    if (!legacy) {
        path = kHasPermissionPath + QLatin1Char('?') +
               QString::fromLatin1(urlSearchParamsQuery(
                   {{QStringLiteral("doctype"), doctype}, {QStringLiteral("name"), docname}}));
    } else {
        // v15 passed the session id in the query unless a token was used.
        QList<QPair<QString, QString>> query;
        if (caller.authorization.isEmpty())
            query.append({QStringLiteral("sid"), QString::fromUtf8(caller.sid)});
        query.append({QStringLiteral("doctype"), doctype});
        if (!docname.isEmpty()) query.append({QStringLiteral("docname"), docname});
        path = (docname.isEmpty() ? kCanSubscribeDoctypePath : kCanSubscribeDocPath) +
               QLatin1Char('?') + QString::fromLatin1(urlSearchParamsQuery(query));
    }
    const CallbackUrl target = frappeCallbackUrl(callbackBase(caller), path);

    // A desk form opening sends doc_subscribe and doc_open for the same
    // document at once: one round trip to gunicorn answers both.
    const QByteArray key = caller.siteName.toUtf8() + '\n' + caller.sid + '\n' +
                           caller.authorization + '\n' + target.url.toEncoded() + '\n' +
                           target.nodeError.toUtf8();
    const int cacheTtlSec = m_cfg.permissionCacheTtlSec;
    if (cacheTtlSec > 0) {
        const auto cached = m_permissionCache.constFind(key);
        if (cached != m_permissionCache.constEnd() && cached->expiresMs > FifoTimerQueue::nowMs()) {
            // From the event loop, like every other answer.
            QMetaObject::invokeMethod(
                this, [done = std::move(done), granted = cached->granted] { done(granted); },
                Qt::QueuedConnection);
            return;
        }
    }
    QList<std::function<void(bool)>> &waiters = m_permissionWaiters[key];
    waiters.append(std::move(done));
    if (waiters.size() > 1) return;

    exchange(caller, "GET", target, {}, {},
             [this, caller, key, legacy, cacheTtlSec, url = target.url](ExchangeResult result) {
                 const bool granted = permissionGranted(caller, url, legacy, result);
                 // Only answers the web server gave; a failure is asked again.
                 if (cacheTtlSec > 0 && result.failure == ExchangeResult::Failure::None) {
                     if (m_permissionCache.size() >= kMaxCachedPermissions)
                         m_permissionCache.clear();
                     m_permissionCache.insert(
                         key, {granted, FifoTimerQueue::nowMs() + qint64(cacheTtlSec) * 1000});
                 }
                 const QList<std::function<void(bool)>> waiting = m_permissionWaiters.take(key);
                 const QPointer<FrappeWebClient> alive(this);
                 for (const auto &waiter : waiting) {
                     if (!alive) return; // a waiter destroyed the client: drop the rest
                     waiter(granted);
                 }
             });
}

bool FrappeWebClient::permissionGranted(const CallerIdentity &caller, const QUrl &url, bool legacy,
                                        const ExchangeResult &result) const
{
    const auto cantCheck = [&](const QString &reason) {
        qCWarning(lcAuth).noquote()
            << "Can't check permissions:" << reason << "| site" << caller.siteName << "url"
            << (url.isValid() ? redactedUrl(url) : QStringLiteral("(none)")) << "credential"
            << describeCallerCredential(caller.sid, caller.authorization) << "|" << result.detail;
        return false;
    };
    const auto denied = [&] {
        qCDebug(lcAuth).noquote() << "permission denied:" << statusText(result) << "site"
                                  << caller.siteName << "url" << redactedUrl(url);
        return false;
    };

    if (result.failure != ExchangeResult::Failure::None) return cantCheck(result.nodeError);

    if (legacy) {
        // v15 judged these endpoints by status alone.
        if (result.status == 200) return true;
        if (result.status == 403) return denied();
        return cantCheck(QStringLiteral("Something went wrong: HTTP %1").arg(result.status));
    }

    const JsJsonResult json = jsJsonParse(result.body);
    if (!json.ok) return cantCheck(json.error);
    QString typeError;
    const QJsonValue message = jsProperty(json.value, QStringLiteral("message"), &typeError);
    if (!typeError.isEmpty()) return cantCheck(typeError);
    // Node looks at `message` only; also requiring a 2xx keeps an error page
    // that happens to carry a truthy `message` from granting anything.
    if (result.status < 200 || result.status > 299 || !jsTruthy(message)) return denied();
    return true;
}

void FrappeWebClient::request(const CallerIdentity &caller, const QByteArray &method,
                              const QString &pathAndQuery, const QByteArray &body,
                              const HeaderList &extraHeaders, std::function<void(WebResponse)> done)
{
    QString methodError;
    const QByteArray verb = normalizeMethod(method, &methodError);
    CallbackUrl target = frappeCallbackUrl(callbackBase(caller), pathAndQuery);
    if (methodError.isEmpty() && (verb == "GET" || verb == "HEAD") && !body.isEmpty())
        methodError = QStringLiteral("TypeError: Request with GET/HEAD method cannot have body.");
    if (!methodError.isEmpty()) target = {{}, methodError};

    // fetch labels a string body text/plain unless told otherwise; Qt would
    // warn and send application/x-www-form-urlencoded.
    HeaderList headers = extraHeaders;
    const bool typed = std::any_of(headers.cbegin(), headers.cend(), [](const auto &h) {
        return h.first.compare("content-type", Qt::CaseInsensitive) == 0;
    });
    if (!body.isEmpty() && !typed)
        headers.append(
            qMakePair(QByteArray("Content-Type"), QByteArray("text/plain;charset=UTF-8")));

    exchange(caller, verb.isEmpty() ? QByteArray("GET") : verb, target, body, headers,
             [caller, url = target.url, done = std::move(done)](ExchangeResult result) {
                 WebResponse response;
                 response.status = result.status;
                 response.body = std::move(result.body);
                 response.networkError = result.nodeError;
                 if (!response.networkError.isEmpty()) {
                     qCInfo(lcAuth).noquote()
                         << "frappe_request failed for site" << caller.siteName << "url"
                         << (url.isValid() ? redactedUrl(url) : QStringLiteral("(none)")) << "->"
                         << response.networkError << "|" << result.detail;
                 }
                 done(std::move(response)); // last: may destroy the client
             });
}

void FrappeWebClient::exchange(const CallerIdentity &caller, const QByteArray &method,
                               const CallbackUrl &target, const QByteArray &body,
                               const HeaderList &extraHeaders, ExchangeDone done, HttpClient *http)
{
    auto *call = new CallbackExchange(http ? http : m_http, &m_deadlines, std::move(done), this);
    if (!target.nodeError.isEmpty()) {
        call->fail(ExchangeResult::Failure::Invalid, target.nodeError,
                   QStringLiteral("request not sent"));
        return;
    }

    const QPointer<CallbackExchange> guard(call);
    auto sendWithSecret = [this, guard, caller, url = target.url, method, body,
                           extraHeaders](std::optional<QByteArray> secret) {
        // The deadline may have passed while the secret was looked up, and
        // the client (the exchange's parent) may be gone.
        if (!guard || guard->isSettled()) return;
        QString headerError;
        const QByteArray headerLines = buildHeaderLines(caller, extraHeaders, secret, &headerError);
        if (!headerError.isEmpty()) {
            guard->fail(ExchangeResult::Failure::Invalid, headerError,
                        QStringLiteral("request not sent"));
            return;
        }
        guard->send(url, method, headerLines, body);
    };
    if (m_secretProvider)
        m_secretProvider(std::move(sendWithSecret));
    else
        sendWithSecret(std::nullopt);
}

QByteArray FrappeWebClient::buildHeaderLines(const CallerIdentity &caller,
                                             const HeaderList &extraHeaders,
                                             const std::optional<QByteArray> &secret,
                                             QString *error) const
{
    // fetch's Headers joins repeated names with ", ".
    HeaderList headers;
    for (const auto &[name, value] : extraHeaders) {
        const QByteArray lower = name.toLower();
        if (!isToken(name) || !isSafeHeaderValue(value)) {
            *error = QStringLiteral("TypeError: invalid header name or value for '%1'")
                         .arg(QString::fromLatin1(name.left(64)));
            return {};
        }
        if (isClientOwnedHeader(lower)) {
            qCDebug(lcAuth).noquote() << "ignoring header" << name << "set by an app handler";
            continue;
        }
        auto it = std::find_if(headers.begin(), headers.end(),
                               [&](const auto &h) { return h.first.toLower() == lower; });
        if (it != headers.end())
            it->second += ", " + value;
        else
            headers.append({name, value});
    }
    const auto has = [&](const char *lowerName) {
        return std::any_of(headers.cbegin(), headers.cend(), [&](const auto &h) {
            return h.first.compare(lowerName, Qt::CaseInsensitive) == 0;
        });
    };

    const QByteArray siteName = caller.siteName.toUtf8();
    const QByteArray credentialName = caller.authorization.isEmpty() ? "Cookie" : "Authorization";
    const QByteArray credential = !caller.authorization.isEmpty() ? caller.authorization
                                  : !caller.sid.isEmpty()         ? "sid=" + caller.sid
                                                                  : QByteArray();
    for (const QByteArray *value : {&credential, &siteName}) {
        if (!isSafeHeaderValue(*value)) {
            *error = QStringLiteral("TypeError: invalid value for header '%1'")
                         .arg(QString::fromLatin1(value == &siteName ? "X-Frappe-Site-Name"
                                                                     : credentialName));
            return {};
        }
    }
    if (secret && !isSafeHeaderValue(*secret)) {
        *error = QStringLiteral("TypeError: invalid value for header 'X-Frappe-Socket-Secret'");
        return {};
    }

    QByteArray lines;
    lines.reserve(256);
    const auto add = [&lines](QByteArrayView name, QByteArrayView value) {
        lines.append(name).append(": ").append(value).append("\r\n");
    };
    for (const auto &[name, value] : std::as_const(headers))
        add(name, value);
    if (!has("accept")) add("Accept", "application/json");
    if (!has("user-agent")) add("User-Agent", "frappe-realtime/" RT_VERSION);
    if (!credential.isEmpty()) add(credentialName, credential);
    if (secret && !secret->isEmpty()) add("X-Frappe-Socket-Secret", *secret);
    // Node leaves the site to the URL's Host; a direct gunicorn target (and
    // any non-nginx proxy) needs the header to pick the site.
    if (!siteName.isEmpty()) add("X-Frappe-Site-Name", siteName);
    return lines;
}
