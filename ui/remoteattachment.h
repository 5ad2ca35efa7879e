// RemoteAttachment: the monitor-source seam for a remote server. While
// attached, MonitorWindow's views are fed from an AdminClient + RemoteMirror
// (the Admin UI protocol) instead of the in-process engine: sites, rooms,
// sockets, throughput and the inspector, and socket actions become admin
// commands. Views the protocol cannot feed (handlers, publish, log, and in
// production mode sockets/rooms/inspector) are replaced by a note saying
// so; a banner shows when the connection is lost and being retried.
// GUI thread.
#pragma once

#include "admin/adminclient.h"
#include "admin/remotemirror.h"
#include "monitor/monitoractions.h"

#include <QObject>
#include <QPointer>

class MonitorWindow;
class QAction;
class QLabel;
class QWidget;

class RemoteAttachment : public QObject {
    Q_OBJECT
public:
    explicit RemoteAttachment(MonitorWindow *window);
    ~RemoteAttachment() override;

    bool active() const { return m_client.state() != AdminClient::State::Idle; }
    void attach(const AdminTarget &target);
    void detach();
    // "Connect to server…": asks for URL, user and password, then attaches.
    void promptAndAttach();
    // Feeds the window's views from the mirror (the window's poll tick).
    void poll();
    void applySocketAction(const SocketAction &action);
    // The status bar fields while attached: server, connection, sockets, rates.
    QStringList statusFields() const;

    AdminClient *client() { return &m_client; }
    const RemoteMirror &mirror() const { return m_mirror; }
    QLabel *banner() const { return m_banner; }
    // The note standing in for a view the protocol cannot feed, or null.
    QWidget *placeholderFor(QWidget *page) const;

Q_SIGNALS:
    void activeChanged(bool active);

private:
    void onState(AdminClient::State state, const QString &detail);
    void onEvent(const QString &event, const QJsonArray &args);
    void updateViews(); // which views show, which get a note
    void setPlaceholder(QWidget *page, const QString &note);
    void restorePages();

    MonitorWindow *m_window;
    AdminClient m_client;
    RemoteMirror m_mirror;
    QLabel *m_banner;
    QAction *m_detachAction = nullptr;
    QHash<QWidget *, QWidget *> m_placeholders; // page -> note widget in its tab
    quint64 m_snapshotId = 0;
    quint64 m_rateSeq = 0;
    quint64 m_traceSeq = 0;
};
