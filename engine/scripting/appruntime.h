// AppRuntime: one app's handlers.js running in its own QJSEngine. It owns
// the engine, the CommonJS module cache, the JS socket objects and the timers
// of that app, and is the `host` object the JS prelude (jsprelude.h) calls.
// One engine per app (not per socket, not per site): module-level state is
// shared by all sockets as in Node's single process, a hot reload replaces
// exactly one app, and an error or a runaway loop stays inside that app's
// engine.
//
// One class, its host calls split by responsibility: appruntime.cpp (the
// engine, calls into JS with the watchdog, handler lifecycle, timers and the
// cluster-wide calls through the adapter), appruntimemodules.cpp (require),
// appruntimesockets.cpp (sockets, rooms, emits, acks), appruntimehttp.cpp
// (permission checks, frappe_request, fetch), appruntimebytes.cpp (Buffer
// encodings).
//
// Thread affinity: the engine thread (the thread of AppHandlers). Every call
// into JavaScript goes through call(), which arms the watchdog.
#pragma once

#include <QDateTime>
#include <QHash>
#include <QJSEngine>
#include <QJSValue>
#include <QJsonArray>
#include <QObject>
#include <QSet>
#include <QStringList>

class AppHandlers;
class SioSocket;
class QTimer;

class AppRuntime : public QObject {
    Q_OBJECT
public:
    AppRuntime(AppHandlers *owner, QString app, QString handlersPath, QString appRoot);
    ~AppRuntime() override;

    const QString &app() const { return m_app; }
    const QString &handlersPath() const { return m_handlersPath; }

    // Evaluates handlers.js (and what it requires). False: *error says why.
    bool load(QString *error);
    // Every file of the module graph loaded so far (for the file watcher).
    QStringList files() const { return m_files; }
    // Events some socket listens to in this app (for the status view).
    QStringList events() const;
    quint64 calls() const { return m_calls; }
    // Per event name: listener calls, and calls that threw (for the monitor).
    const QHash<QString, quint64> &eventCalls() const { return m_eventCalls; }
    const QHash<QString, quint64> &eventErrors() const { return m_eventErrors; }
    // True while JavaScript of this engine is on the stack.
    bool busy() const { return m_depth > 0; }

    // Calls the module's export with the JS socket. False when it threw.
    bool setup(SioSocket *socket);
    void dispatch(SioSocket *socket, const QString &event, const QJsonArray &args,
                  const QList<QByteArray> &attachments, int ackToken);
    bool listensTo(const QString &event) const { return m_events.contains(event); }
    // Fires the socket's 'disconnect' listeners and drops its JS object.
    void detach(SioSocket *socket, const QString &reason);
    // Drops the JS object of a socket this app never attached (seen through
    // nsp.sockets etc.).
    void forget(const QString &socketId);
    bool hasSeen(const QString &socketId) const { return m_seen.contains(socketId); }

    // ---- the `host` API of the JS prelude (not for C++ callers) ----
    Q_INVOKABLE void log(int level, const QString &text);
    Q_INVOKABLE int guardEnter();
    Q_INVOKABLE void guardLeave(int token);
    Q_INVOKABLE QString resolveModule(const QString &specifier, const QString &fromDir);
    Q_INVOKABLE QJSValue compileModule(const QString &path);
    Q_INVOKABLE QString readModule(const QString &path);
    Q_INVOKABLE QString socketInfo(const QString &id);
    Q_INVOKABLE bool connected(const QString &id) const;
    Q_INVOKABLE QString transportName(const QString &id) const;
    Q_INVOKABLE QStringList socketRooms(const QString &id) const;
    Q_INVOKABLE bool hasSocket(const QString &nsp, const QString &id) const;
    Q_INVOKABLE QStringList nspSockets(const QString &nsp) const;
    Q_INVOKABLE QStringList nspRooms(const QString &nsp) const;
    Q_INVOKABLE QStringList roomMembers(const QString &nsp, const QString &room) const;
    Q_INVOKABLE void joinRoom(const QString &id, const QString &room);
    Q_INVOKABLE void leaveRoom(const QString &id, const QString &room);
    Q_INVOKABLE void disconnectSocket(const QString &id, bool closeTransport);
    Q_INVOKABLE void noteListener(const QString &event);
    Q_INVOKABLE void listenerError(const QString &event, const QString &error);
    Q_INVOKABLE void emitTo(const QString &id, const QString &event, const QString &json,
                            const QJSValue &attachments, const QJSValue &ack);
    Q_INVOKABLE int broadcast(const QString &nsp, const QStringList &rooms,
                              const QStringList &exceptRooms, const QString &exceptId,
                              const QString &event, const QString &json,
                              const QJSValue &attachments);
    // `timeout(ms).emit(..., cb)` / `emitWithAck` of a namespace or broadcast
    // operator: `done(error|null, answersJson, attachmentsPerAnswer)` once,
    // with the acks of the clients of every node (appruntimeacks.cpp).
    Q_INVOKABLE void broadcastWithAck(const QString &nsp, const QStringList &rooms,
                                      const QStringList &exceptRooms, const QString &exceptId,
                                      const QString &event, const QString &json,
                                      const QJSValue &attachments, double timeoutMs,
                                      const QJSValue &done);
    // Cluster-wide socket operations through the namespace's adapter (issue 15).
    Q_INVOKABLE void fetchSockets(const QString &nsp, const QStringList &rooms,
                                  const QStringList &exceptRooms, const QJSValue &done);
    Q_INVOKABLE void socketsJoin(const QString &nsp, const QStringList &rooms,
                                 const QStringList &exceptRooms, const QStringList &targets,
                                 bool join);
    Q_INVOKABLE void disconnectSockets(const QString &nsp, const QStringList &rooms,
                                       const QStringList &exceptRooms, bool close);
    Q_INVOKABLE void serverSideEmit(const QString &nsp, const QString &json);
    // done(error|null, answersJson), once (appruntimeacks.cpp).
    Q_INVOKABLE void serverSideEmitWithAck(const QString &nsp, const QString &json,
                                           const QJSValue &done);
    Q_INVOKABLE void sendAck(int token, const QString &json, const QJSValue &attachments);
    Q_INVOKABLE void hasPermission(const QString &id, const QString &doctype,
                                   const QString &docname, const QJSValue &done);
    Q_INVOKABLE void frappeRequest(const QString &id, const QString &method, const QString &path,
                                   const QJSValue &body, const QString &headersJson,
                                   const QJSValue &done);
    Q_INVOKABLE void fetch(const QString &url, const QString &method, const QString &headersJson,
                           const QJSValue &body, const QJSValue &done);
    Q_INVOKABLE QString callbackBase(const QString &id) const;
    Q_INVOKABLE QString conf() const;
    Q_INVOKABLE int setTimer(const QJSValue &fn, int ms, bool repeat);
    Q_INVOKABLE void clearTimer(int id);
    Q_INVOKABLE QByteArray bytesFromString(const QString &text, const QString &encoding) const;
    Q_INVOKABLE QString bytesToString(const QByteArray &bytes, const QString &encoding) const;

private:
    struct Result {
        bool ok = false;
        QJSValue value;
        QString error;
    };
    // Calls `fn` with the watchdog armed; `activity` names it in logs.
    Result call(const QJSValue &fn, const QJSValueList &args, const QString &activity);
    int enter(bool fromScript);
    void leaveTo(int depth);
    QJSValue attachmentsToJs(const QList<QByteArray> &attachments);
    QList<QByteArray> attachmentsFromJs(const QJSValue &list) const;
    QJsonArray argsFromJson(const QString &json) const;
    // The arguments the prelude stringified, as one JSON array text to send.
    QByteArray argsText(const QString &json) const;
    SioSocket *socket(const QString &id) const;
    static QString compactJson(const QJsonArray &array);

    AppHandlers *m_owner;
    const QString m_app;
    const QString m_handlersPath;
    const QString m_appRoot;
    QJSEngine m_engine;
    QJSValue m_rt;      // what the prelude returned
    QJSValue m_handler; // module.exports of handlers.js
    QStringList m_files;
    QSet<QString> m_events;
    QSet<QString> m_seen;
    quint64 m_calls = 0;
    QHash<QString, quint64> m_eventCalls;
    QHash<QString, quint64> m_eventErrors;

    int m_depth = 0;
    quint64 m_watchToken = 0;
    bool m_sweepPending = false;
    QString m_activity;

    QHash<int, QTimer *> m_timers;
    QHash<int, QJSValue> m_timerFns;
    int m_nextTimer = 1;
    // JS functions C++ calls back later (acks, HTTP answers), kept here and
    // not inside C++ lambdas, so none outlives the engine.
    struct Pending {
        QString socketId; // empty: not tied to a socket
        QJSValue fn;
    };
    quint64 keep(const QJSValue &fn, const QString &socketId = {});
    void callKept(quint64 token, const QJSValueList &args, const QString &activity,
                  bool decodeArgs = false);
    QHash<quint64, Pending> m_pending;
    quint64 m_nextPending = 1;
};
