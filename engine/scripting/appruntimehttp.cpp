// AppRuntime's HTTP host calls: the permission check and frappe_request
// against the site's web server (SiteWebAccess), and fetch() to any http(s)
// URL through the app's QNetworkAccessManager.
#include "scripting/appruntime.h"

#include "scripting/apphandlers.h"
#include "scripting/sitewebaccess.h"

#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>

namespace {

SiteWebAccess::HeaderList headersFromJson(const QString &json)
{
    SiteWebAccess::HeaderList out;
    const QJsonArray pairs = QJsonDocument::fromJson(json.toUtf8()).array();
    for (const auto &p : pairs) {
        const QJsonArray pair = p.toArray();
        if (pair.size() == 2)
            out.append({pair.at(0).toString().toUtf8(), pair.at(1).toString().toUtf8()});
    }
    return out;
}

QByteArray bodyBytes(const QJSValue &body)
{
    if (body.isUndefined() || body.isNull()) return {};
    if (body.isString()) return body.toString().toUtf8();
    return body.toVariant().toByteArray(); // ArrayBuffer
}

QString headersToJson(const QList<QNetworkReply::RawHeaderPair> &pairs)
{
    QJsonArray out;
    for (const auto &p : pairs)
        out.append(QJsonArray{QString::fromLatin1(p.first), QString::fromUtf8(p.second)});
    return QString::fromUtf8(QJsonDocument(out).toJson(QJsonDocument::Compact));
}

} // namespace

void AppRuntime::hasPermission(const QString &id, const QString &doctype, const QString &docname,
                               const QJSValue &done)
{
    SioSocket *s = socket(id);
    if (!s) return; // the promise stays pending, as a denial does
    const quint64 token = keep(done, id);
    QPointer<AppRuntime> self(this);
    m_owner->web()->checkPermission(s, doctype, docname, [self, token](bool granted) {
        if (self) self->callKept(token, {granted}, QStringLiteral("has_permission callback"));
    });
}

void AppRuntime::frappeRequest(const QString &id, const QString &method, const QString &path,
                               const QJSValue &body, const QString &headersJson,
                               const QJSValue &done)
{
    SioSocket *s = socket(id);
    const quint64 token = keep(done, id);
    QPointer<AppRuntime> self(this);
    if (!s || !path.startsWith(QLatin1Char('/'))) {
        const QString why = s ? QStringLiteral("Invalid URL: frappe_request path must start with /")
                              : QStringLiteral("socket is disconnected");
        QMetaObject::invokeMethod(
            this,
            [self, token, why] {
                if (self)
                    self->callKept(token, {0, QString(), QJSValue(), why, QString()},
                                   QStringLiteral("frappe_request callback"));
            },
            Qt::QueuedConnection);
        return;
    }
    const QString url = m_owner->web()->callbackBase(s).toString(QUrl::StripTrailingSlash) + path;
    m_owner->web()->request(
        s, method.toUpper().toUtf8(), path, bodyBytes(body), headersFromJson(headersJson),
        [self, token, url](SiteWebAccess::Response r) {
            if (!self) return;
            self->callKept(token,
                           {r.status, QString::fromUtf8(r.body),
                            self->m_engine.toScriptValue(r.body), r.networkError, url},
                           QStringLiteral("frappe_request callback"));
        });
}

void AppRuntime::fetch(const QString &url, const QString &method, const QString &headersJson,
                       const QJSValue &body, const QJSValue &done)
{
    const quint64 token = keep(done);
    QPointer<AppRuntime> self(this);
    const QUrl target(url);
    if (!target.isValid() ||
        (target.scheme() != QLatin1String("http") && target.scheme() != QLatin1String("https"))) {
        QMetaObject::invokeMethod(
            this,
            [self, token, url] {
                if (self)
                    self->callKept(token,
                                   {0, QString(), QJSValue(), QStringLiteral("[]"),
                                    QStringLiteral("Invalid URL: %1").arg(url), url},
                                   QStringLiteral("fetch callback"));
            },
            Qt::QueuedConnection);
        return;
    }
    QNetworkRequest request(target);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::NoLessSafeRedirectPolicy);
    request.setTransferTimeout(60000); // Node has none; a hung peer must not pin memory forever
    for (const auto &h : headersFromJson(headersJson))
        request.setRawHeader(h.first, h.second);
    const QByteArray verb = method.toUpper().toUtf8();
    QNetworkReply *reply = m_owner->network()->sendCustomRequest(request, verb, bodyBytes(body));
    connect(reply, &QNetworkReply::finished, this, [self, token, reply] {
        reply->deleteLater();
        if (!self) return;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray bytes = reply->readAll();
        const QString error = status == 0 ? reply->errorString() : QString();
        self->callKept(token,
                       {status, QString::fromUtf8(bytes), self->m_engine.toScriptValue(bytes),
                        headersToJson(reply->rawHeaderPairs()), error, reply->url().toString()},
                       QStringLiteral("fetch callback"));
    });
}

QString AppRuntime::callbackBase(const QString &id) const
{
    const SioSocket *s = socket(id);
    if (!s) return {};
    return m_owner->web()->callbackBase(s).toString(QUrl::StripTrailingSlash);
}
