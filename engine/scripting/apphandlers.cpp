#include "scripting/apphandlers.h"

#include "common/logging.h"
#include "scripting/appruntime.h"
#include "scripting/scriptwatchdog.h"
#include "socketio/sionamespace.h"
#include "socketio/siosocket.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QPointer>
#include <QTimer>

#include <mutex>

namespace {

// An app with a missing handlers.js is looked at again after this long, so a
// file added later is picked up without a restart (Node caches "missing"
// forever).
constexpr qint64 kMissingRecheckMs = 5000;
// Pending client acks per socket that no script has answered yet.
constexpr int kMaxPendingAcksPerSocket = 256;

void addCounts(QHash<QString, quint64> &into, const QHash<QString, quint64> &counts)
{
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        into[it.key()] += it.value();
}

// QJSEngine's compiler lints every handlers.js it compiles ("Variable ... is
// used before its declaration" for helpers defined at the bottom, as real
// apps do) on the qt.qml.compiler category. Valid JavaScript, not the
// operator's concern: keep that category quiet, leave all others alone.
QLoggingCategory::CategoryFilter g_previousFilter = nullptr;

void quietQmlCompiler(QLoggingCategory *category)
{
    if (g_previousFilter) g_previousFilter(category);
    if (qstrcmp(category->categoryName(), "qt.qml.compiler") == 0) {
        category->setEnabled(QtDebugMsg, false);
        category->setEnabled(QtInfoMsg, false);
        category->setEnabled(QtWarningMsg, false);
    }
}

QJsonObject readJsonObject(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

} // namespace

AppHandlers::AppHandlers(QString benchDir, SiteWebAccess *web, int scriptBudgetMs, QObject *parent)
    : QObject(parent), m_benchDir(QDir::cleanPath(QDir(benchDir).absolutePath())),
      m_appsDir(m_benchDir + QStringLiteral("/apps")), m_web(web),
      m_watchdog(std::make_unique<ScriptWatchdog>(scriptBudgetMs)),
      m_watcher(new QFileSystemWatcher(this)), m_reloadTimer(new QTimer(this))
{
    static std::once_flag quiet;
    std::call_once(quiet,
                   [] { g_previousFilter = QLoggingCategory::installFilter(quietQmlCompiler); });
    connect(m_watcher, &QFileSystemWatcher::fileChanged, this, &AppHandlers::fileChanged);
    // Editors write in bursts (truncate, write, rename): reload once it settles.
    m_reloadTimer->setSingleShot(true);
    m_reloadTimer->setInterval(150);
    connect(m_reloadTimer, &QTimer::timeout, this, &AppHandlers::reloadChanged);
}

AppHandlers::~AppHandlers()
{
    // Runtimes (and their engines) go before the watchdog that may watch them.
    m_attached.clear();
    m_apps.clear();
    m_retired.clear();
}

void AppHandlers::setConf(const QJsonObject &conf)
{
    m_confJson = QJsonDocument(conf).toJson(QJsonDocument::Compact);
    m_confSet = true;
}

QString AppHandlers::confJson() const
{
    if (m_confSet) return QString::fromUtf8(m_confJson);
    // node_utils.get_conf(): config.json, then sites/common_site_config.json over it.
    QJsonObject conf = readJsonObject(m_benchDir + QStringLiteral("/config.json"));
    const QJsonObject common =
        readJsonObject(m_benchDir + QStringLiteral("/sites/common_site_config.json"));
    for (auto it = common.begin(); it != common.end(); ++it)
        conf.insert(it.key(), it.value());
    return QString::fromUtf8(QJsonDocument(conf).toJson(QJsonDocument::Compact));
}

QNetworkAccessManager *AppHandlers::network()
{
    if (!m_nam) m_nam = new QNetworkAccessManager(this);
    return m_nam;
}

SioNamespace *AppHandlers::namespaceByName(const QString &name) const
{
    return m_namespaces.value(name).first;
}

AppHandlers::AppEntry &AppHandlers::entryFor(const QString &app)
{
    auto it = m_apps.find(app);
    if (it == m_apps.end()) {
        AppEntry entry;
        entry.app = app;
        entry.path = m_appsDir + QLatin1Char('/') + app + QStringLiteral("/realtime/handlers.js");
        it = m_apps.insert(app, entry);
        m_appOrder.append(app);
        loadInto(*it);
    } else if (it->state == QLatin1String("missing") &&
               it->checkedAt.msecsTo(QDateTime::currentDateTimeUtc()) > kMissingRecheckMs) {
        loadInto(*it);
    }
    return *it;
}

void AppHandlers::loadInto(AppEntry &entry)
{
    entry.checkedAt = QDateTime::currentDateTimeUtc();
    if (!QFileInfo(entry.path).isFile()) {
        entry.state = QStringLiteral("missing");
        entry.error.clear();
        entry.runtime.reset();
        return;
    }
    // The last reference could drop while the engine is on the stack: then later.
    std::shared_ptr<AppRuntime> runtime(
        new AppRuntime(this, entry.app, entry.path, m_appsDir + QLatin1Char('/') + entry.app),
        [](AppRuntime *r) {
            if (r->busy())
                r->deleteLater();
            else
                delete r;
        });
    QString error;
    const bool ok = runtime->load(&error);
    watch(*runtime);
    if (!m_watcher->files().contains(entry.path)) m_watcher->addPath(entry.path);
    if (!ok) {
        qCWarning(lcHandlers).noquote()
            << QStringLiteral("failed to load event handlers from %1").arg(entry.path);
        qCWarning(lcHandlers).noquote() << error;
        entry.state = QStringLiteral("error");
        entry.error = error;
        entry.runtime.reset();
        return;
    }
    qCInfo(lcHandlers).noquote() << QStringLiteral("loaded event handlers from %1").arg(entry.path);
    entry.state = QStringLiteral("loaded");
    entry.error.clear();
    entry.loadedAt = QDateTime::currentDateTimeUtc();
    entry.runtime = std::move(runtime);
}

void AppHandlers::watch(const AppRuntime &runtime)
{
    const QStringList files = runtime.files();
    const QStringList watched = m_watcher->files();
    for (const QString &f : files)
        if (!watched.contains(f)) m_watcher->addPath(f);
}

void AppHandlers::fileChanged(const QString &path)
{
    if (!m_changed.contains(path)) m_changed.append(path);
    m_reloadTimer->start();
}

void AppHandlers::reloadChanged()
{
    const QStringList changed = std::exchange(m_changed, {});
    for (const QString &path : changed) {
        // A file replaced by rename drops out of the watch list; watch the new one.
        if (QFileInfo::exists(path) && !m_watcher->files().contains(path)) m_watcher->addPath(path);
    }
    for (const QString &app : std::as_const(m_appOrder)) {
        AppEntry &entry = m_apps[app];
        bool affected = changed.contains(entry.path);
        if (!affected && entry.runtime)
            for (const QString &f : entry.runtime->files())
                affected = affected || changed.contains(f);
        if (!affected) continue;
        if (entry.runtime) {
            entry.retiredCalls += entry.runtime->calls();
            addCounts(entry.retiredEventCalls, entry.runtime->eventCalls());
            addCounts(entry.retiredEventErrors, entry.runtime->eventErrors());
            m_retired.append(entry.runtime); // keeps serving the sockets it set up
        }
        ++entry.reloads;
        loadInto(entry);
        if (entry.state == QLatin1String("loaded")) {
            qCInfo(lcHandlers).noquote()
                << QStringLiteral("reloaded event handlers from %1").arg(entry.path);
            Q_EMIT handlersReloaded(app, entry.path);
        }
    }
}

void AppHandlers::attach(SioSocket *socket)
{
    if (!socket || m_attached.contains(socket)) return;
    m_sockets.insert(socket->id(), socket);
    if (SioNamespace *ns = socket->nsp()) {
        auto &slot = m_namespaces[socket->nspName()];
        slot.first = ns;
        ++slot.second;
    }
    QList<std::shared_ptr<AppRuntime>> &runtimes = m_attached[socket];
    for (const QString &app : std::as_const(socket->installedApps)) {
        // frappe's own handlers are the native core handlers.
        if (app == QLatin1String("frappe") || app.isEmpty() || app.contains(QLatin1Char('/')) ||
            app.startsWith(QLatin1Char('.')))
            continue;
        AppEntry &entry = entryFor(app);
        if (!entry.runtime) continue;
        std::shared_ptr<AppRuntime> runtime = entry.runtime;
        runtimes.append(runtime);
        runtime->setup(socket);
        watch(*runtime);                 // setup may have required more files
        if (!socket->connected()) break; // a handler disconnected it
    }
}

void AppHandlers::dispatch(SioSocket *socket, const QString &event, const QJsonArray &args,
                           const QList<QByteArray> &attachments, const AckSender &ack)
{
    const auto it = m_attached.constFind(socket);
    if (it == m_attached.constEnd() || it->isEmpty()) return;
    // Copy: a listener may disconnect the socket (deferred) or reload nothing
    // here, but keep the runtimes alive for the loop anyway.
    const QList<std::shared_ptr<AppRuntime>> runtimes = *it;
    bool anyListener = false;
    for (const auto &runtime : runtimes)
        anyListener = anyListener || runtime->listensTo(event);
    if (!anyListener) return;
    int ackToken = -1;
    if (ack) {
        SocketAcks &pending = m_acks[socket->id()];
        if (pending.size() >= size_t(kMaxPendingAcksPerSocket)) {
            m_ackOwners.remove(pending.begin()->first); // the oldest is never answered
            pending.erase(pending.begin());
        }
        ackToken = m_nextAck++;
        if (m_nextAck <= 0) m_nextAck = 1; // wrapped: ids only need to be unique while pending
        pending.emplace(ackToken, ack);
        m_ackOwners.insert(ackToken, socket->id());
    }
    for (const auto &runtime : runtimes)
        runtime->dispatch(socket, event, args, attachments, ackToken);
}

void AppHandlers::answerAck(int token, const QByteArray &argsArrayJson,
                            const QList<QByteArray> &attachments)
{
    const QString owner = m_ackOwners.take(token);
    const auto socketAcks = m_acks.find(owner);
    if (socketAcks == m_acks.end()) return;
    const auto it = socketAcks->find(token);
    if (it == socketAcks->end()) return;
    const AckSender sender = std::move(it->second);
    socketAcks->erase(it);
    if (socketAcks->empty()) m_acks.erase(socketAcks);
    if (sender) sender.sendJson(argsArrayJson, attachments);
}

void AppHandlers::scheduleDisconnect(const QString &id, bool closeTransport)
{
    // Not now: the caller is a script running inside dispatch() for this socket.
    QPointer<AppHandlers> self(this);
    QMetaObject::invokeMethod(
        this,
        [self, id, closeTransport] {
            if (!self) return;
            if (SioSocket *s = self->m_sockets.value(id)) s->disconnect(closeTransport);
        },
        Qt::QueuedConnection);
}

void AppHandlers::detach(SioSocket *socket, const QString &reason)
{
    if (!socket) return;
    const QString id = socket->id();
    const QList<std::shared_ptr<AppRuntime>> runtimes = m_attached.take(socket);
    for (const auto &runtime : runtimes)
        runtime->detach(socket, reason);
    // Other apps may hold a JS object for it (seen through nsp.sockets).
    for (const AppEntry &entry : std::as_const(m_apps))
        if (entry.runtime && entry.runtime->hasSeen(id)) entry.runtime->forget(id);
    for (auto it = m_retired.begin(); it != m_retired.end();) {
        if (auto r = it->lock()) {
            if (r->hasSeen(id)) r->forget(id);
            ++it;
        } else {
            it = m_retired.erase(it);
        }
    }
    for (const auto &[token, sender] : m_acks.take(id))
        m_ackOwners.remove(token);
    m_sockets.remove(id);
    auto ns = m_namespaces.find(socket->nspName());
    if (ns != m_namespaces.end() && --ns->second <= 0) m_namespaces.erase(ns);
}

QList<AppHandlers::AppStatus> AppHandlers::status() const
{
    QList<AppStatus> out;
    for (const QString &app : m_appOrder) {
        const AppEntry &entry = m_apps[app];
        AppStatus s;
        s.app = app;
        s.path = entry.path;
        s.state = entry.state;
        s.error = entry.error;
        s.calls = entry.retiredCalls;
        s.eventCalls = entry.retiredEventCalls;
        s.eventErrors = entry.retiredEventErrors;
        if (entry.runtime) {
            s.events = entry.runtime->events();
            s.calls += entry.runtime->calls();
            addCounts(s.eventCalls, entry.runtime->eventCalls());
            addCounts(s.eventErrors, entry.runtime->eventErrors());
        }
        s.loadedAt = entry.loadedAt;
        s.reloads = entry.reloads;
        out.append(s);
    }
    return out;
}
