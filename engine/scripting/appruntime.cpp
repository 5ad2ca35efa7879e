#include "scripting/appruntime.h"

#include "common/clienttext.h"
#include "common/logging.h"
#include "protocol/siopacket.h"
#include "scripting/apphandlers.h"
#include "scripting/jsprelude.h"
#include "scripting/lowering/loweringruntime.h"
#include "scripting/scriptwatchdog.h"
#include "socketio/sionamespace.h"
#include "socketio/siosocket.h"

#include <QJSValueIterator>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QTimer>

QString AppRuntime::compactJson(const QJsonArray &array)
{
    return QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact));
}

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
