// SiteWebAccess: what app handlers may ask of the Frappe web server on behalf
// of one socket (frappe.has_permission, socket.frappe_request, the callback
// base URL). Scripting depends on this interface only; the engine facade
// implements it over the Frappe web client (engine/frappesiteweb.h), so
// scripting/ and frappe/ never include each other. Engine thread only.
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>
#include <functional>

class SioSocket;

class SiteWebAccess {
public:
    using HeaderList = QList<QPair<QByteArray, QByteArray>>;
    struct Response {
        int status = 0; // HTTP status; 0 when networkError is set
        QByteArray body;
        QString networkError; // what Node's fetch would throw; empty on success
    };

    virtual ~SiteWebAccess() = default;

    // Whether the socket's user may read the document (or the doctype, with
    // an empty docname). Failures deny.
    virtual void checkPermission(const SioSocket *socket, const QString &doctype,
                                 const QString &docname,
                                 std::function<void(bool granted)> done) = 0;
    // The site's web server as the socket's callbacks reach it.
    virtual QUrl callbackBase(const SioSocket *socket) const = 0;
    // A request on the socket's behalf; pathAndQuery starts with '/'.
    virtual void request(const SioSocket *socket, const QByteArray &method,
                         const QString &pathAndQuery, const QByteArray &body,
                         const HeaderList &extraHeaders, std::function<void(Response)> done) = 0;
};
