// Settings dialog: bench path, port or Unix socket, Redis URL, auth endpoint
// override, ping settings and the permission API. OK saves them (QSettings);
// the window then restarts the engine with them. GUI thread.
#pragma once

#include "guisettings.h"

#include <QDialog>

class QComboBox;
class QLineEdit;
class QSpinBox;

class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit SettingsDialog(const GuiSettings &current, QWidget *parent = nullptr);
    GuiSettings settings() const;

private:
    QLineEdit *m_bench;
    QSpinBox *m_port;
    QLineEdit *m_uds;
    QLineEdit *m_redis;
    QLineEdit *m_auth;
    QSpinBox *m_pingInterval;
    QSpinBox *m_pingTimeout;
    QComboBox *m_permission;
    QString m_redisSaved; // unmasked; the fields show them masked
    QString m_authSaved;
};
