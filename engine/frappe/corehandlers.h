// Frappe's core client events (spec 4): ping, doctype/doc/task subscriptions,
// doc_open/doc_close with doc_viewers, open_in_editor. Permission checks are
// HTTP calls to the web server, so joins happen asynchronously; the socket is
// looked up again when the answer comes. Engine thread only.
#pragma once

#include "frappe/frappecontext.h"

#include <QHash>
#include <QJsonArray>
#include <QObject>
#include <QSet>
#include <QString>

class SioSocket;
class SioNamespace;

class CoreHandlers {
public:
    explicit CoreHandlers(FrappeContext *ctx) : m_ctx(ctx) {}

    // Joins the rooms every socket gets on connect.
    void onConnection(SioSocket *socket);
    // Returns true when `event` is one of the core events.
    bool handle(SioSocket *socket, const QString &event, const QJsonArray &args);
    // After the socket left every room: tell the viewers of its open documents.
    // When its session was kept for connection-state recovery, only if it
    // has not come back within the viewer grace (no "left"/"joined" flicker).
    void onDisconnect(SioSocket *socket);

    quint64 permissionChecks() const { return m_permissionChecks; }
    // Checks refused because their socket had maxPermissionChecksPerSocket
    // waiting for an answer already.
    quint64 permissionChecksOverCap() const { return m_permissionChecksOverCap; }

private:
    void joinIfPermitted(SioSocket *socket, const QString &doctype, const QString &docname,
                         const QString &room, bool openDoc);
    // Leaving a room also cancels a join still waiting for its permission
    // answer, so doc_open + doc_close (or subscribe + unsubscribe) sent
    // back to back do not end in the room (Node leaves a ghost viewer).
    void leave(SioSocket *socket, const QString &room);
    void notifyViewers(SioNamespace *nsp, const QString &triggerUser, const QString &doctype,
                       const QString &docname);
    // A list of the document's viewers went out while a recovering socket's
    // "left" was held back: it gets a corrected list if it recovers late.
    void markViewersDirty(const QString &nsp, const QString &doctype, const QString &docname);
    void openInEditor(SioSocket *socket, const QJsonArray &args);
    // A recovered socket is back in its open_doc: rooms: the other viewers
    // get a corrected list if they were told it had left.
    void onRecovered(SioSocket *socket);
    void leaveAfterGrace(const QString &key, quint64 ticket);

    FrappeContext *m_ctx;
    quint64 m_permissionChecks = 0;
    // "<nsp>\n<socket id>\n<room>" -> ticket of the newest join waiting for
    // its permission answer; the answer joins only while its ticket is current.
    QHash<QString, quint64> m_pendingJoins;
    quint64 m_nextTicket = 0;
    // "<nsp>\n<socket id>" -> its permission checks waiting for an answer
    // (in flight or queued in the callback pool), and the sockets already
    // told about the cap: one socket's flood of doc_subscribe must not queue
    // without bound in front of everyone else's checks (issue 14).
    QHash<QString, int> m_checksInFlight;
    QSet<QString> m_overCapLogged;
    quint64 m_permissionChecksOverCap = 0;
    // Viewers not yet told about a socket whose session waits for recovery,
    // by "<nsp>\n<socket id>"; dirtyDocs: documents whose viewers got a list
    // without it meanwhile.
    struct PendingLeave {
        QString nsp;
        QString user;
        QList<QPair<QString, QString>> docs;
        QList<QPair<QString, QString>> dirtyDocs;
        quint64 ticket = 0;
    };
    QHash<QString, PendingLeave> m_pendingLeaves;
    QObject m_timerContext; // grace timers die with the handlers
};
