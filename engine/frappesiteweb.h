// FrappeSiteWeb: the app handlers' SiteWebAccess, answered by the Frappe web
// client with the socket's own credentials (sid cookie, Authorization, Origin,
// site). Lives where the engine is composed, so scripting/ and frappe/ stay
// apart. Engine thread only, like the web client it wraps.
#pragma once

#include "scripting/sitewebaccess.h"

class FrappeWebClient;

class FrappeSiteWeb : public SiteWebAccess {
public:
    explicit FrappeSiteWeb(FrappeWebClient *web) : m_web(web) {}

    void checkPermission(const SioSocket *socket, const QString &doctype, const QString &docname,
                         std::function<void(bool granted)> done) override;
    QUrl callbackBase(const SioSocket *socket) const override;
    void request(const SioSocket *socket, const QByteArray &method, const QString &pathAndQuery,
                 const QByteArray &body, const HeaderList &extraHeaders,
                 std::function<void(Response)> done) override;

private:
    FrappeWebClient *m_web;
};
