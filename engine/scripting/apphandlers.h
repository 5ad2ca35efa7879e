// AppHandlers: runs the apps/<app>/realtime/handlers.js files of a bench
// unmodified (spec 7.1, 7.3): one QJSEngine per app (see appruntime.h for
// why), loaded on first use and cached like Node's require cache, set up for
// each admitted socket in installed_apps order, fed every client event after
// frappe's native core handlers, reloaded from disk when a loaded file
// changes (for connections made after the change), with a watchdog that
// interrupts runaway scripts. A failing app is logged with Node's texts and
// never affects the engine or the other apps.
//
// Thread affinity: the engine thread. All methods, signals and every
// callback into JavaScript run there.
#pragma once

#include "socketio/namespacehandler.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QStringList>

#include <map>
#include <memory>

class AppRuntime;
class QFileSystemWatcher;
class QNetworkAccessManager;
class ScriptWatchdog;
class SioNamespace;
class SioSocket;
class SiteWebAccess;
class QTimer;

class AppHandlers : public QObject {
    Q_OBJECT
public:
    AppHandlers(QString benchDir, SiteWebAccess *web, int scriptBudgetMs = 1000,
                QObject *parent = nullptr);
    ~AppHandlers() override;

    // Called after the socket is admitted and frappe's core rooms are joined;
    // loads (cached) handlers for socket->installedApps (skipping "frappe":
    // its core handlers are native) and calls each module's export with a JS
    // socket object.
    void attach(SioSocket *socket);
    // Called for every client event after the core handlers ran.
    void dispatch(SioSocket *socket, const QString &event, const QJsonArray &args,
                  const QList<QByteArray> &attachments, const AckSender &ack);
    // Fires the JS 'disconnect' listeners with the reason; before the
    // SioSocket is deleted.
    void detach(SioSocket *socket, const QString &reason);

    struct AppStatus {
        QString app;
        QString path;
        QString state; // loaded | missing | error
        QString error;
        QStringList events;
        quint64 calls = 0;
        QDateTime loadedAt;
        int reloads = 0; // hot reloads after a file changed (failed ones too)
        // Per event name since start, across reloads: listener calls and throws.
        QHash<QString, quint64> eventCalls;
        QHash<QString, quint64> eventErrors;
    };
    QList<AppStatus> status() const;

    // Extension: bench config values handed to JS get_conf() (node_utils).
    // Default: sites/common_site_config.json over config.json, read at load.
    void setConf(const QJsonObject &conf);

Q_SIGNALS:
    void handlersReloaded(const QString &app, const QString &path);

private:
    friend class AppRuntime;

    struct AppEntry {
        QString app;
        QString path;
        QString state;
        QString error;
        QDateTime loadedAt;
        QDateTime checkedAt;
        std::shared_ptr<AppRuntime> runtime; // for new connections; null unless loaded
        quint64 retiredCalls = 0;
        QHash<QString, quint64> retiredEventCalls;
        QHash<QString, quint64> retiredEventErrors;
        int reloads = 0;
    };
    // A socket's acks waiting for a script's answer, oldest token first:
    // bounded per socket, and found by token in O(1) through m_ackOwners.
    using SocketAcks = std::map<int, AckSender>;

    AppEntry &entryFor(const QString &app);
    void loadInto(AppEntry &entry);
    void watch(const AppRuntime &runtime);
    void fileChanged(const QString &path);
    void reloadChanged();

    // For AppRuntime.
    SioSocket *socketById(const QString &id) const { return m_sockets.value(id); }
    SioNamespace *namespaceByName(const QString &name) const;
    SiteWebAccess *web() const { return m_web; }
    QNetworkAccessManager *network();
    ScriptWatchdog *watchdog() const { return m_watchdog.get(); }
    const QString &appsDir() const { return m_appsDir; }
    QString confJson() const;
    void answerAck(int token, const QByteArray &argsArrayJson,
                   const QList<QByteArray> &attachments);
    void scheduleDisconnect(const QString &id, bool closeTransport);

    const QString m_benchDir;
    const QString m_appsDir;
    SiteWebAccess *m_web;
    std::unique_ptr<ScriptWatchdog> m_watchdog;
    QNetworkAccessManager *m_nam = nullptr;
    QFileSystemWatcher *m_watcher;
    QTimer *m_reloadTimer;
    QStringList m_changed;
    QByteArray m_confJson;
    bool m_confSet = false;

    QHash<QString, AppEntry> m_apps;
    QStringList m_appOrder;
    QHash<QString, SioSocket *> m_sockets;                             // attached, by id
    QHash<SioSocket *, QList<std::shared_ptr<AppRuntime>>> m_attached; // in installed_apps order
    QHash<QString, QPair<SioNamespace *, int>> m_namespaces;           // by name, with socket count
    QList<std::weak_ptr<AppRuntime>> m_retired; // replaced by a reload, still serving old sockets
    QHash<QString, SocketAcks> m_acks;          // by socket id
    QHash<int, QString> m_ackOwners;            // token -> socket id
    int m_nextAck = 1;
};
