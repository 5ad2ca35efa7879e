// Publish console: site, room (completed from the live rooms of that site),
// event and a JSON payload that is validated as it is typed. Sends directly
// into the engine (broadcast to the room) or through Redis `events` exactly
// as Frappe's publish_realtime would; keeps a history of what was sent with
// the recipient counts. GUI thread.
#pragma once

#include "monitor/monitoractions.h"
#include "monitor/monitorsnapshot.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QRadioButton;
class QStringListModel;
class QTableWidget;

class PublishPage : public QWidget {
    Q_OBJECT
public:
    explicit PublishPage(QWidget *parent = nullptr);

    void applySnapshot(const MonitorSnapshot &snapshot);
    void onPublishFinished(const PublishResult &result);

    // Fills the form (tests and "publish again" use it).
    void setForm(const QString &site, const QString &room, const QString &event,
                 const QString &payload, bool viaRedis);
    bool payloadIsValid() const;
    // Sends what the form holds; false (and nothing sent) if it is incomplete.
    bool send();

    QTableWidget *history() const { return m_history; }
    QLabel *validation() const { return m_validation; }

Q_SIGNALS:
    void publishRequested(const PublishRequest &request);

private:
    void validate();
    void updateRoomCompletions();

    QComboBox *m_site;
    QComboBox *m_room;
    QStringListModel *m_roomNames;
    QLineEdit *m_event;
    QPlainTextEdit *m_payload;
    QLabel *m_validation;
    QRadioButton *m_direct, *m_redis;
    QPushButton *m_send;
    QTableWidget *m_history;
    MonitorSnapshot m_snapshot;
    quint64 m_nextId = 1;
    QHash<quint64, int> m_pendingRows; // request id -> history row
};
