#include "scripting/appruntime.h"

#include "common/clienttext.h"
#include "common/logging.h"
#include "protocol/siopacket.h"
#include "scripting/apphandlers.h"
#include "scripting/jsprelude.h"
#include "scripting/lowering/asynclowering.h"
#include "scripting/lowering/loweringruntime.h"
#include "scripting/modulepath.h"
#include "scripting/scriptwatchdog.h"
#include "scripting/sitewebaccess.h"
#include "socketio/sionamespace.h"
#include "socketio/siosocket.h"
#include "json/jsonrelay.h"

#include <QFile>
#include <QJSValueIterator>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QRegularExpression>
#include <QTimer>
#include <QUrlQuery>

#include <algorithm>

namespace {

QString compactJson(const QJsonArray &array)
{
    return QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact));
}

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
    return compactJson(out);
}

} // namespace

AppRuntime::AppRuntime(AppHandlers *owner, QString app, QString handlersPath, QString appRoot)
    : m_owner(owner), m_app(std::move(app)), m_handlersPath(std::move(handlersPath)),
      m_appRoot(std::move(appRoot))
{
    // The prelude holds this object as `host`; it must never be collected.
    QJSEngine::setObjectOwnership(this, QJSEngine::CppOwnership);
    const QJSValue factory = m_engine.evaluate(jsPreludeSource(), QStringLiteral("<prelude>"));
    if (factory.isError())
        qFatal("frappe-realtime: handler prelude does not compile: %s",
               qPrintable(factory.toString()));
    m_rt = factory.call({m_engine.newQObject(this), m_app});
    QJSValue global = m_engine.globalObject();
    const QJSValue globals = m_rt.property(QStringLiteral("globals"));
    QJSValueIterator it(globals);
    while (it.hasNext()) {
        it.next();
        global.setProperty(it.name(), it.value());
    }
    installLoweringRuntime(m_engine);
    // Qt 6.4's V4 has no globalThis; Node code also uses `global`.
    global.setProperty(QStringLiteral("globalThis"), global);
    global.setProperty(QStringLiteral("global"), global);
}

AppRuntime::~AppRuntime()
{
    qDeleteAll(m_timers);
    m_timers.clear();
}

bool AppRuntime::load(QString *error)
{
    const Result r =
        call(m_rt.property(QStringLiteral("load")), {m_handlersPath}, QStringLiteral("loading"));
    if (!r.ok) {
        *error = r.error;
        return false;
    }
    m_handler = r.value;
    return true;
}

QStringList AppRuntime::events() const
{
    QStringList list(m_events.begin(), m_events.end());
    list.sort();
    return list;
}

int AppRuntime::enter(bool fromScript)
{
    if (m_depth++ == 0) {
        m_watchToken = m_owner->watchdog()->arm(&m_engine);
        if (fromScript && !m_sweepPending) {
            // A script-side guard (promise callback) may be unwound by an
            // interrupt before it can call guardLeave; once the event loop
            // runs again no script of this engine is active, so disarm then.
            m_sweepPending = true;
            QMetaObject::invokeMethod(
                this,
                [this] {
                    m_sweepPending = false;
                    if (m_depth > 0) leaveTo(0);
                },
                Qt::QueuedConnection);
        }
    }
    return m_depth;
}

void AppRuntime::leaveTo(int depth)
{
    if (m_depth == 0) return;
    m_depth = qMax(0, depth);
    if (m_depth > 0) return;
    const bool interrupted = m_owner->watchdog()->disarm(m_watchToken);
    m_watchToken = 0;
    if (interrupted)
        qCWarning(lcHandlers).noquote()
            << QStringLiteral("runaway script in handlers of %1 (%2) interrupted after %3 ms")
                   .arg(m_app,
                        m_activity.isEmpty() ? QStringLiteral("a promise callback") : m_activity)
                   .arg(m_owner->watchdog()->budgetMs());
}

int AppRuntime::guardEnter()
{
    return enter(true);
}

void AppRuntime::guardLeave(int token)
{
    leaveTo(token - 1);
}

AppRuntime::Result AppRuntime::call(const QJSValue &fn, const QJSValueList &args,
                                    const QString &activity)
{
    Result result;
    if (!fn.isCallable()) {
        result.error = QStringLiteral("TypeError: not a function");
        return result;
    }
    const int outer = m_depth;
    const QString outerActivity = m_activity;
    if (outer == 0) m_activity = activity;
    QJSValue argArray = m_engine.newArray(uint(args.size()));
    for (int i = 0; i < args.size(); ++i)
        argArray.setProperty(quint32(i), args.at(i));
    enter(false);
    const QJSValue r = m_rt.property(QStringLiteral("safeCall")).call({fn, argArray});
    leaveTo(outer);
    m_activity = outerActivity;
    if (r.isError()) { // thrown past safeCall's catch (an interrupt)
        result.error = r.toString();
    } else if (r.property(QStringLiteral("ok")).toBool()) {
        result.ok = true;
        result.value = r.property(QStringLiteral("value"));
    } else {
        result.error = r.property(QStringLiteral("error")).toString();
    }
    return result;
}

quint64 AppRuntime::keep(const QJSValue &fn, const QString &socketId)
{
    const quint64 token = m_nextPending++;
    m_pending.insert(token, {socketId, fn});
    return token;
}

void AppRuntime::callKept(quint64 token, const QJSValueList &args, const QString &activity,
                          bool decodeArgs)
{
    const Pending pending = m_pending.take(token);
    if (!pending.fn.isCallable()) return;
    // decodeArgs: args are (json, attachments) of socket.io arguments.
    const Result r = decodeArgs ? call(m_rt.property(QStringLiteral("invoke")),
                                       QJSValueList{pending.fn} + args, activity)
                                : call(pending.fn, args, activity);
    if (!r.ok)
        qCWarning(lcHandlers).noquote()
            << QStringLiteral("error in %1 of %2: %3").arg(activity, m_app, r.error);
}

bool AppRuntime::setup(SioSocket *s)
{
    m_seen.insert(s->id());
    const QString activity = QStringLiteral("setup");
    const Result wrapper = call(m_rt.property(QStringLiteral("socket")), {s->id()}, activity);
    Result r = wrapper;
    if (wrapper.ok) {
        if (!m_handler.isCallable())
            r = {false,
                 {},
                 QStringLiteral("TypeError: module.exports of %1 is not a function")
                     .arg(m_handlersPath)};
        else
            r = call(m_handler, {wrapper.value}, activity);
    }
    if (r.ok) return true;
    qCWarning(lcHandlers).noquote()
        << QStringLiteral("failed to setup event handlers from %1").arg(m_app);
    qCWarning(lcHandlers).noquote() << r.error;
    return false;
}

void AppRuntime::dispatch(SioSocket *s, const QString &event, const QJsonArray &args,
                          const QList<QByteArray> &attachments, int ackToken)
{
    if (!m_events.contains(event) || !m_seen.contains(s->id())) return;
    ++m_calls;
    ++m_eventCalls[event];
    const Result r =
        call(m_rt.property(QStringLiteral("dispatch")),
             {s->id(), event, compactJson(args), attachmentsToJs(attachments), ackToken},
             QStringLiteral("event '%1'").arg(event));
    if (!r.ok) listenerError(event, r.error);
}

void AppRuntime::detach(SioSocket *s, const QString &reason)
{
    const QString id = s->id();
    if (m_seen.remove(id)) {
        const Result r = call(m_rt.property(QStringLiteral("detach")), {id, reason},
                              QStringLiteral("event 'disconnect'"));
        if (!r.ok) listenerError(QStringLiteral("disconnect"), r.error);
    }
    for (auto it = m_pending.begin(); it != m_pending.end();)
        it = it->socketId == id ? m_pending.erase(it) : std::next(it);
}

void AppRuntime::forget(const QString &socketId)
{
    if (!m_seen.remove(socketId)) return;
    call(m_rt.property(QStringLiteral("forget")), {socketId}, QStringLiteral("cleanup"));
}

// ------------------------------------------------------------ host API

void AppRuntime::log(int level, const QString &text)
{
    const QString line = QStringLiteral("[%1] %2").arg(m_app, text);
    if (level < 0)
        qCDebug(lcHandlers).noquote() << line;
    else if (level == 0)
        qCInfo(lcHandlers).noquote() << line;
    else if (level == 1)
        qCWarning(lcHandlers).noquote() << line;
    else
        qCCritical(lcHandlers).noquote() << line;
}

QString AppRuntime::resolveModule(const QString &specifier, const QString &fromDir)
{
    const ModuleResolution r = ::resolveModule(specifier, fromDir, m_appRoot, m_owner->appsDir());
    QJsonObject out;
    if (r.kind == ModuleResolution::File)
        out.insert(QStringLiteral("path"), r.path);
    else if (r.kind == ModuleResolution::Builtin)
        out.insert(QStringLiteral("builtin"), r.path);
    else
        out.insert(QStringLiteral("error"), r.error);
    return QString::fromUtf8(QJsonDocument(out).toJson(QJsonDocument::Compact));
}

QString AppRuntime::readModule(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        m_engine.throwError(QJSValue::URIError,
                            QStringLiteral("Cannot read %1: %2").arg(path, file.errorString()));
        return {};
    }
    if (!m_files.contains(path)) m_files.append(path);
    return QString::fromUtf8(file.readAll());
}

QJSValue AppRuntime::compileModule(const QString &path)
{
    QString source = readModule(path);
    if (source.isNull() && m_engine.hasError()) return {};
    if (source.startsWith(QLatin1String("#!"))) source.prepend(QLatin1String("//"));
    QString lowerError;
    const QString lowered = lowerModernSyntax(source, &lowerError);
    if (!lowerError.isEmpty()) {
        // Located in the app's file, like V4's own syntax errors (thrown from
        // here it would otherwise point into the prelude).
        QJSValue syntaxError = m_engine.newErrorObject(QJSValue::SyntaxError, lowerError);
        syntaxError.setProperty(QStringLiteral("fileName"), path);
        const QRegularExpressionMatch line =
            QRegularExpression(QStringLiteral("at line (\\d+)$")).match(lowerError);
        if (line.hasMatch())
            syntaxError.setProperty(QStringLiteral("lineNumber"), line.captured(1).toInt());
        m_engine.throwError(syntaxError);
        return {};
    }
    // The wrapper stays on the first line, so reported line numbers match the file.
    const QJSValue fn = m_engine.evaluate(
        QStringLiteral("(function (exports, require, module, __filename, __dirname) {") + lowered +
            QStringLiteral("\n})"),
        path, 1);
    if (fn.isError()) {
        m_engine.throwError(fn);
        return {};
    }
    return fn;
}

SioSocket *AppRuntime::socket(const QString &id) const
{
    if (SioSocket *s = m_owner->socketById(id)) return s;
    for (const auto &entry : std::as_const(m_owner->m_namespaces))
        if (SioSocket *s = entry.first->socket(id)) return s;
    return nullptr;
}

QString AppRuntime::socketInfo(const QString &id)
{
    SioSocket *s = socket(id);
    if (!s) return {};
    m_seen.insert(id);
    const HttpRequest &hs = s->handshake();
    QJsonObject headers;
    for (const auto &h : hs.headers) {
        const QString name = QString::fromLatin1(h.first);
        const QString value = QString::fromUtf8(h.second);
        headers.insert(name, headers.contains(name)
                                 ? headers.value(name).toString() + QStringLiteral(", ") + value
                                 : value);
    }
    QJsonObject query;
    for (const auto &item : QUrlQuery(QString::fromUtf8(hs.query)).queryItems(QUrl::FullyDecoded))
        query.insert(item.first, item.second);
    QJsonObject info{
        {QStringLiteral("id"), s->id()},
        {QStringLiteral("nsp"), s->nspName()},
        {QStringLiteral("user"), s->user},
        {QStringLiteral("user_type"), s->userType},
        {QStringLiteral("installed_apps"), QJsonArray::fromStringList(s->installedApps)},
        {QStringLiteral("site_name"), s->siteName},
        {QStringLiteral("headers"), headers},
        {QStringLiteral("query"), query},
        {QStringLiteral("address"), hs.peer},
        {QStringLiteral("url"),
         QString::fromUtf8(hs.path + (hs.query.isEmpty() ? "" : "?" + hs.query))},
        {QStringLiteral("issued"), double(s->connectedAtMs())},
        {QStringLiteral("time"), QDateTime::fromMSecsSinceEpoch(s->connectedAtMs()).toString()},
        {QStringLiteral("auth"), s->auth().isUndefined() ? QJsonValue(QJsonObject()) : s->auth()},
        {QStringLiteral("recovered"), s->recovered()},
    };
    // Node leaves these undefined when the client sent none.
    if (!s->frappeSid.isEmpty())
        info.insert(QStringLiteral("sid"), QString::fromUtf8(s->frappeSid));
    if (!s->authorization.isEmpty())
        info.insert(QStringLiteral("authorization_header"), QString::fromUtf8(s->authorization));
    return QString::fromUtf8(QJsonDocument(info).toJson(QJsonDocument::Compact));
}

bool AppRuntime::connected(const QString &id) const
{
    const SioSocket *s = socket(id);
    return s && s->connected();
}

QString AppRuntime::transportName(const QString &id) const
{
    const SioSocket *s = socket(id);
    if (!s) return {};
    return s->isWebSocket() ? QStringLiteral("websocket") : QStringLiteral("polling");
}

QStringList AppRuntime::socketRooms(const QString &id) const
{
    const SioSocket *s = socket(id);
    if (!s || !s->connected()) return {};
    // socket.io puts every socket in a room named after its id, first.
    QStringList rooms{id};
    QStringList joined(s->rooms().begin(), s->rooms().end());
    joined.sort();
    rooms.append(joined);
    return rooms;
}

bool AppRuntime::hasSocket(const QString &nsp, const QString &id) const
{
    const SioNamespace *ns = m_owner->namespaceByName(nsp);
    return ns && ns->socket(id);
}

QStringList AppRuntime::nspSockets(const QString &nsp) const
{
    QStringList ids;
    if (const SioNamespace *ns = m_owner->namespaceByName(nsp))
        for (const SioSocket *s : ns->sockets())
            ids.append(s->id());
    return ids;
}

QStringList AppRuntime::nspRooms(const QString &nsp) const
{
    QStringList rooms;
    if (const SioNamespace *ns = m_owner->namespaceByName(nsp)) {
        rooms = ns->rooms().keys();
        rooms.sort();
        rooms.append(nspSockets(nsp));
    }
    return rooms;
}

QStringList AppRuntime::roomMembers(const QString &nsp, const QString &room) const
{
    const SioNamespace *ns = m_owner->namespaceByName(nsp);
    if (!ns) return {};
    if (ns->socket(room)) return {room};
    QList<const SioSocket *> members;
    for (const SioSocket *s : ns->roomMembers(room))
        members.append(s);
    std::sort(members.begin(), members.end(),
              [](const SioSocket *a, const SioSocket *b) { return a->sequence() < b->sequence(); });
    QStringList ids;
    for (const SioSocket *s : members)
        ids.append(s->id());
    return ids;
}

void AppRuntime::joinRoom(const QString &id, const QString &room)
{
    if (SioSocket *s = socket(id)) s->join(room);
}

void AppRuntime::leaveRoom(const QString &id, const QString &room)
{
    if (SioSocket *s = socket(id)) s->leave(room);
}

void AppRuntime::disconnectSocket(const QString &id, bool closeTransport)
{
    m_owner->scheduleDisconnect(id, closeTransport);
}

void AppRuntime::noteListener(const QString &event)
{
    m_events.insert(event);
}

void AppRuntime::listenerError(const QString &event, const QString &error)
{
    ++m_eventErrors[event];
    qCWarning(lcHandlers).noquote()
        << QStringLiteral("error in event handler of %1 for event '%2': %3")
               .arg(m_app, clientText(event), error);
}

QJsonArray AppRuntime::argsFromJson(const QString &json) const
{
    return QJsonDocument::fromJson(json.toUtf8()).array();
}

QByteArray AppRuntime::argsText(const QString &json) const
{
    // The prelude's JSON.stringify wrote it: relayed unchanged, it keeps the
    // handler's key order and number format, as Node sends them. The relay
    // also proves it is one JSON array, so nothing else reaches the packet.
    QByteArray out;
    if (jsonrelay::relay(json.toUtf8(), &out) == jsonrelay::Status::Ok && out.startsWith('['))
        return out;
    return sio::toJson(argsFromJson(json));
}

QJSValue AppRuntime::attachmentsToJs(const QList<QByteArray> &attachments)
{
    QJSValue list = m_engine.newArray(uint(attachments.size()));
    for (int i = 0; i < attachments.size(); ++i)
        list.setProperty(quint32(i), m_engine.toScriptValue(attachments.at(i)));
    return list;
}

QList<QByteArray> AppRuntime::attachmentsFromJs(const QJSValue &list) const
{
    QList<QByteArray> out;
    const int n = list.property(QStringLiteral("length")).toInt();
    for (int i = 0; i < n; ++i)
        out.append(list.property(quint32(i)).toVariant().toByteArray());
    return out;
}

void AppRuntime::emitTo(const QString &id, const QString &event, const QString &json,
                        const QJSValue &attachments, const QJSValue &ack)
{
    if (sio::isReservedEventName(event)) {
        m_engine.throwError(QStringLiteral("\"%1\" is a reserved event name").arg(event));
        return;
    }
    SioSocket *s = socket(id);
    if (!s || !s->connected()) return;
    AckCallback callback;
    if (ack.isCallable()) {
        const quint64 token = keep(ack, id);
        QPointer<AppRuntime> self(this);
        callback = [self, token](const QJsonArray &args, const QList<QByteArray> &atts) {
            if (!self) return;
            self->callKept(token, {compactJson(args), self->attachmentsToJs(atts)},
                           QStringLiteral("ack callback"), true);
        };
    }
    s->emitEventJson(event, argsText(json), attachmentsFromJs(attachments), std::move(callback));
}

int AppRuntime::broadcast(const QString &nsp, const QStringList &rooms,
                          const QStringList &exceptRooms, const QString &exceptId,
                          const QString &event, const QString &json, const QJSValue &attachments)
{
    if (sio::isReservedEventName(event)) {
        m_engine.throwError(QStringLiteral("\"%1\" is a reserved event name").arg(event));
        return 0;
    }
    SioNamespace *ns = m_owner->namespaceByName(nsp);
    if (!ns) return 0;
    // Socket ids are rooms too (every socket is in its own), so except(id)
    // and to(id) need nothing special; the adapter reaches the other nodes.
    BroadcastOptions opts{rooms, exceptRooms, {}};
    if (!exceptId.isEmpty()) opts.except.append(exceptId);
    const QList<QByteArray> atts = attachmentsFromJs(attachments);
    const QByteArray args = argsText(json);
    // On one node the handler's JSON goes out as it wrote it (key order,
    // number format); a cluster adapter needs the values for msgpack.
    if (ns->adapter()->isLocalOnly() && atts.isEmpty())
        return ns->adapter()->localBroadcastJson(sio::eventDataJson(event, args), {}, opts);
    const auto parsed = sio::parseJson(sio::eventDataJson(event, args));
    if (!parsed || !parsed->isArray()) return 0;
    return ns->adapter()->broadcast(parsed->toArray(), atts, opts);
}

void AppRuntime::fetchSockets(const QString &nsp, const QStringList &rooms,
                              const QStringList &exceptRooms, const QJSValue &done)
{
    const quint64 token = keep(done);
    QPointer<AppRuntime> self(this);
    auto answer = [self, token](const QList<SocketDetails> &list, const QString &error) {
        if (!self) return;
        QJsonArray out;
        for (const SocketDetails &d : list)
            out.append(QJsonObject{{QStringLiteral("id"), d.id},
                                   {QStringLiteral("node"), d.node},
                                   {QStringLiteral("handshake"), d.handshake},
                                   {QStringLiteral("rooms"), QJsonArray::fromStringList(d.rooms)},
                                   {QStringLiteral("data"), d.data}});
        self->callKept(token, {compactJson(out), error}, QStringLiteral("fetchSockets callback"));
    };
    SioNamespace *ns = m_owner->namespaceByName(nsp);
    if (!ns) {
        // Nothing of this namespace on this node; deliver from the event loop,
        // as a cluster answer would be.
        QTimer::singleShot(0, this, [answer] { answer({}, QString()); });
        return;
    }
    ns->adapter()->fetchSockets(
        {rooms, exceptRooms, {}}, [answer, self](QList<SocketDetails> list, QString error) {
            if (!self) return;
            // A local answer comes before the call returns; JS
            // expects its callback later.
            QTimer::singleShot(0, self.data(), [answer, list, error] { answer(list, error); });
        });
}

void AppRuntime::socketsJoin(const QString &nsp, const QStringList &rooms,
                             const QStringList &exceptRooms, const QStringList &targets, bool join)
{
    SioNamespace *ns = m_owner->namespaceByName(nsp);
    if (!ns) return;
    join ? ns->adapter()->addSockets({rooms, exceptRooms, {}}, targets)
         : ns->adapter()->delSockets({rooms, exceptRooms, {}}, targets);
}

void AppRuntime::disconnectSockets(const QString &nsp, const QStringList &rooms,
                                   const QStringList &exceptRooms, bool close)
{
    SioNamespace *ns = m_owner->namespaceByName(nsp);
    if (!ns) return;
    // From inside a handler: the disconnect may remove the namespace, so
    // run it after the handler returns (as scheduleDisconnect does).
    QPointer<AppRuntime> self(this);
    QTimer::singleShot(0, this, [self, nsp, rooms, exceptRooms, close] {
        if (!self) return;
        if (SioNamespace *ns = self->m_owner->namespaceByName(nsp))
            ns->adapter()->disconnectSockets({rooms, exceptRooms, {}}, close);
    });
}

void AppRuntime::serverSideEmit(const QString &nsp, const QString &json)
{
    SioNamespace *ns = m_owner->namespaceByName(nsp);
    const QJsonArray data = argsFromJson(json);
    if (ns && !data.isEmpty()) ns->adapter()->serverSideEmit(data);
}

void AppRuntime::sendAck(int token, const QString &json, const QJSValue &attachments)
{
    m_owner->answerAck(token, argsText(json), attachmentsFromJs(attachments));
}

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

QString AppRuntime::conf() const
{
    return m_owner->confJson();
}

int AppRuntime::setTimer(const QJSValue &fn, int ms, bool repeat)
{
    const int id = m_nextTimer++;
    auto *timer = new QTimer(this);
    timer->setSingleShot(!repeat);
    timer->setInterval(qMax(0, ms));
    m_timers.insert(id, timer);
    m_timerFns.insert(id, fn);
    connect(timer, &QTimer::timeout, this, [this, id, repeat] {
        const QJSValue callback = m_timerFns.value(id);
        if (!repeat) clearTimer(id);
        const Result r = call(callback, {}, QStringLiteral("timer callback"));
        if (!r.ok)
            qCWarning(lcHandlers).noquote()
                << QStringLiteral("error in timer callback of %1: %2").arg(m_app, r.error);
    });
    timer->start();
    return id;
}

void AppRuntime::clearTimer(int id)
{
    if (QTimer *timer = m_timers.take(id)) timer->deleteLater();
    m_timerFns.remove(id);
}

QByteArray AppRuntime::bytesFromString(const QString &text, const QString &encoding) const
{
    const QString enc = encoding.toLower();
    if (enc == QLatin1String("base64") || enc == QLatin1String("base64url"))
        return QByteArray::fromBase64(text.toLatin1(), enc == QLatin1String("base64url")
                                                           ? QByteArray::Base64UrlEncoding
                                                           : QByteArray::Base64Encoding);
    if (enc == QLatin1String("hex")) return QByteArray::fromHex(text.toLatin1());
    if (enc == QLatin1String("latin1") || enc == QLatin1String("binary") ||
        enc == QLatin1String("ascii"))
        return text.toLatin1();
    if (enc == QLatin1String("utf16le") || enc == QLatin1String("ucs2") ||
        enc == QLatin1String("ucs-2") || enc == QLatin1String("utf-16le"))
        return QByteArray(reinterpret_cast<const char *>(text.utf16()), text.size() * 2);
    return text.toUtf8();
}

QString AppRuntime::bytesToString(const QByteArray &bytes, const QString &encoding) const
{
    const QString enc = encoding.toLower();
    if (enc == QLatin1String("base64")) return QString::fromLatin1(bytes.toBase64());
    if (enc == QLatin1String("base64url"))
        return QString::fromLatin1(
            bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
    if (enc == QLatin1String("hex")) return QString::fromLatin1(bytes.toHex());
    if (enc == QLatin1String("latin1") || enc == QLatin1String("binary") ||
        enc == QLatin1String("ascii"))
        return QString::fromLatin1(bytes);
    if (enc == QLatin1String("utf16le") || enc == QLatin1String("ucs2") ||
        enc == QLatin1String("ucs-2") || enc == QLatin1String("utf-16le"))
        return QString(reinterpret_cast<const QChar *>(bytes.constData()), bytes.size() / 2);
    return QString::fromUtf8(bytes);
}
