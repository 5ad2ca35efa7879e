#include "frappesiteweb.h"

#include "frappe/frappewebclient.h"
#include "socketio/siosocket.h"

namespace {

CallerIdentity identityOf(const SioSocket *s)
{
    return {s->frappeSid, s->authorization, QString::fromUtf8(s->handshake().header("origin")),
            s->siteName};
}

} // namespace

void FrappeSiteWeb::checkPermission(const SioSocket *socket, const QString &doctype,
                                    const QString &docname, std::function<void(bool granted)> done)
{
    m_web->checkPermission(identityOf(socket), doctype, docname, std::move(done));
}

QUrl FrappeSiteWeb::callbackBase(const SioSocket *socket) const
{
    return m_web->callbackBase(identityOf(socket));
}

void FrappeSiteWeb::request(const SioSocket *socket, const QByteArray &method,
                            const QString &pathAndQuery, const QByteArray &body,
                            const HeaderList &extraHeaders, std::function<void(Response)> done)
{
    m_web->request(identityOf(socket), method, pathAndQuery, body, extraHeaders,
                   [done = std::move(done)](WebResponse r) {
                       done({r.status, std::move(r.body), std::move(r.networkError)});
                   });
}
