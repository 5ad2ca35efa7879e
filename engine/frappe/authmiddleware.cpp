#include "frappe/authmiddleware.h"

#include "common/logging.h"
#include "frappe/cookies.h"
#include "frappe/frappewebclient.h"
#include "frappe/siteresolver.h"
#include "socketio/sioserver.h"
#include "socketio/siosocket.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonObject>
#include <QPointer>
#include <QUrl>

CallerIdentity callerOf(const SioSocket *socket)
{
    CallerIdentity id;
    id.sid = socket->frappeSid;
    id.authorization = socket->authorization;
    id.origin = QString::fromUtf8(socket->handshake().header("origin"));
    id.siteName = socket->siteName;
    return id;
}

namespace {
QString headerOrNull(const HttpRequest &r, const QByteArray &name)
{
    return r.hasHeader(name) ? QString::fromUtf8(r.header(name)) : QString();
}

// http(s) on localhost, *.localhost or a loopback address.
bool isLocalOrigin(const QString &origin)
{
    const QUrl url(origin.trimmed(), QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https")))
        return false;
    const QString host = url.host().toLower();
    if (host == QLatin1String("localhost") || host.endsWith(QLatin1String(".localhost")))
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}
} // namespace

void AuthMiddleware::admitDevUser(SioSocket *socket, const QString &site,
                                  const std::function<void(std::optional<QString>)> &done)
{
    const QHostAddress peer(socket->handshake().peer);
    if (!peer.isLoopback() && socket->handshake().peer != QLatin1String("unix")) {
        qCWarning(lcAuth).noquote() << "dev auth: refused non-loopback client" << peer.toString();
        done(QStringLiteral("Unauthorized: dev auth mode accepts loopback clients only"));
        return;
    }
    // A loopback peer may still be a browser showing a page from anywhere: a
    // site the developer visits must not connect as Administrator.
    const QString origin = headerOrNull(socket->handshake(), "origin");
    if (!origin.isEmpty() && !isLocalOrigin(origin)) {
        qCWarning(lcAuth).noquote() << "dev auth: refused a page from" << origin
                                    << "- only pages from localhost / loopback addresses connect";
        done(QString::fromLatin1(frappe_errors::InvalidOrigin));
        return;
    }
    socket->siteName = site;
    socket->user = m_ctx->config.devAuthUser;
    socket->userType = m_ctx->config.devAuthUserType;
    socket->installedApps = {QStringLiteral("frappe")};
    done(std::nullopt);
}

void AuthMiddleware::run(SioSocket *socket, const QJsonValue &auth,
                         std::function<void(std::optional<QString>)> done)
{
    const HttpRequest &req = socket->handshake();
    HandshakeHeaders headers;
    headers.host = headerOrNull(req, "host");
    headers.origin = headerOrNull(req, "origin");
    headers.siteNameHeader = headerOrNull(req, "x-frappe-site-name");
    headers.localAddress = req.localAddress;

    // 1. The namespace must be the site the request is for.
    const QString site = resolveSiteName(headers, m_ctx->config.defaultSite);
    const QString nsSite = socket->nspName().mid(1);
    if (site.isNull() || nsSite != site) {
        qCInfo(lcAuth).noquote() << "refused" << socket->nspName() << "from" << req.peer
                                 << ": Invalid namespace (the request is for site"
                                 << (site.isNull() ? QStringLiteral("<none>") : site) << ")";
        done(QString::fromLatin1(frappe_errors::InvalidNamespace));
        return;
    }
    // 1b. ... and a site of this bench, whatever the headers claim: nothing
    // else is served, and no callback is made for anything else.
    const std::optional<SiteNames> siteNames = m_sites.find(site);
    if (!siteNames) {
        qCInfo(lcAuth).noquote() << "refused" << socket->nspName() << "from" << req.peer
                                 << QStringLiteral(": Invalid namespace (%1 is not a site of this "
                                                   "bench: no sites/%1/site_config.json)")
                                        .arg(site);
        done(QString::fromLatin1(frappe_errors::InvalidNamespace));
        return;
    }
    if (!m_ctx->config.devAuthUser.isEmpty()) {
        admitDevUser(socket, site, done);
        return;
    }
    // 2. The Origin must belong to the site (or be allow-listed).
    if (!originBelongsToSite(headers, *siteNames, m_ctx->config.allowedOrigins)) {
        qCInfo(lcAuth).noquote() << "refused" << socket->nspName() << "from" << req.peer
                                 << ": Invalid origin -"
                                 << describeOriginMismatch(headers, *siteNames);
        done(QString::fromLatin1(frappe_errors::InvalidOrigin));
        return;
    }
    // 3-4. Credentials: the sid cookie or an Authorization header (or, as an
    // extension for clients that cannot set headers, the same in the auth payload).
    QByteArray cookieHeader = req.header("cookie");
    QByteArray authorization = req.header("authorization");
    const QJsonObject authObj = auth.toObject();
    if (authorization.isEmpty() && authObj.value(QLatin1String("authorization")).isString())
        authorization = authObj.value(QLatin1String("authorization")).toString().toUtf8();
    if (cookieHeader.isEmpty() && authObj.value(QLatin1String("sid")).isString())
        cookieHeader = "sid=" + authObj.value(QLatin1String("sid")).toString().toUtf8();
    if (cookieHeader.isEmpty() && authorization.isEmpty()) {
        done(QString::fromLatin1(frappe_errors::MissingCredentials));
        return;
    }
    const QByteArray sid = parseCookieHeader(cookieHeader).value("sid");
    if (sid.isEmpty() && authorization.isEmpty()) {
        done(QString::fromLatin1(frappe_errors::NoAuthMethod));
        return;
    }
    socket->frappeSid = sid;
    socket->authorization = authorization;
    socket->siteName = site;

    // 5. Ask the web server who this is.
    QElapsedTimer timer;
    timer.start();
    const QString socketId = socket->id();
    const QString nsp = socket->nspName();
    const QByteArray eioSid = socket->eioSid();
    QPointer<SioServer> sio(m_ctx->sio);
    auto report = onAuthDone;
    const QString peer = req.peer;
    m_ctx->web->fetchUserInfo(callerOf(socket), [sio, eioSid, socketId, nsp, done, timer, report,
                                                 site, peer](AuthOutcome outcome) {
        if (report) report(site, outcome.ok, timer.elapsed(), outcome.error);
        if (!outcome.ok) {
            qCInfo(lcAuth).noquote() << "refused" << nsp << "from" << peer << ":" << outcome.error;
            done(outcome.error);
            return;
        }
        // The client may have left during the round trip.
        SioSocket *socket = sio ? sio->pendingSocket(eioSid, nsp, socketId) : nullptr;
        if (socket) {
            socket->user = outcome.info.user;
            socket->userType = outcome.info.userType;
            socket->installedApps = outcome.info.installedApps;
        }
        done(std::nullopt);
    });
}
