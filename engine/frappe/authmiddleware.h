// The connect middleware of Frappe's realtime service (spec 2.3), in Node's
// order and with its exact error strings: namespace = site, Host/Origin check,
// credentials present and usable, then get_user_info on the web server.
// Unlike Node it stops at the first failure (no ghost sockets), refuses a
// socket for which no user comes back, serves only the bench's own sites and
// accepts only an Origin that belongs to the site (issue 13). Engine thread only.
#pragma once

#include "frappe/frappecontext.h"
#include "frappe/sitedirectory.h"

#include <QJsonValue>
#include <functional>
#include <optional>

namespace frappe_errors {
inline const char *const InvalidNamespace = "Invalid namespace";
inline const char *const InvalidOrigin = "Invalid origin";
inline const char *const MissingCredentials =
    "Missing cookie and authorization header. Either one needed for authentication.";
inline const char *const NoAuthMethod =
    "No authentication method used. Use cookie or authorization header.";
} // namespace frappe_errors

class AuthMiddleware {
public:
    explicit AuthMiddleware(FrappeContext *ctx)
        : m_ctx(ctx), m_sites(ctx->config.benchDir, ctx->config.sites)
    {}

    // done(nullopt) admits; done(message) refuses with that CONNECT_ERROR message.
    // On success the socket carries user, userType, installedApps, sid,
    // authorization and siteName.
    void run(SioSocket *socket, const QJsonValue &auth,
             std::function<void(std::optional<QString>)> done);

    std::function<void(const QString &site, bool ok, qint64 ms, const QString &error)> onAuthDone;

private:
    void admitDevUser(SioSocket *socket, const QString &site,
                      const std::function<void(std::optional<QString>)> &done);

    FrappeContext *m_ctx;
    SiteDirectory m_sites;
};
