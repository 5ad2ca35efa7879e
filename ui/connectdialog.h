// ConnectDialog: "Connect to server…": URL, user and password of a remote
// frappe-realtime (or any socket.io server with the Admin UI instrumented).
// URL, user and namespace are remembered (QSettings "remote/*"); the password
// never is. GUI thread.
#pragma once

#include "admin/adminclient.h"

#include <QDialog>

class QLineEdit;

class ConnectDialog : public QDialog {
    Q_OBJECT
public:
    explicit ConnectDialog(QWidget *parent = nullptr);
    AdminTarget target() const;
    // Stores URL, user and namespace (not the password).
    void remember() const;

private:
    QLineEdit *m_url;
    QLineEdit *m_user;
    QLineEdit *m_password;
    QLineEdit *m_namespace;
};
