#include "connectdialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>

ConnectDialog::ConnectDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Connect to server"));
    QSettings settings;
    m_url = new QLineEdit(
        settings.value(QStringLiteral("remote/url"), QStringLiteral("http://127.0.0.1:9000"))
            .toString(),
        this);
    m_url->setObjectName(QStringLiteral("remoteUrl"));
    m_user = new QLineEdit(
        settings.value(QStringLiteral("remote/user"), QStringLiteral("admin")).toString(), this);
    m_user->setObjectName(QStringLiteral("remoteUser"));
    m_password = new QLineEdit(this);
    m_password->setObjectName(QStringLiteral("remotePassword"));
    m_password->setEchoMode(QLineEdit::Password);
    m_namespace = new QLineEdit(
        settings.value(QStringLiteral("remote/namespace"), QStringLiteral("/admin")).toString(),
        this);
    auto *form = new QFormLayout(this);
    auto *help = new QLabel(tr("A server started with --admin (frappe-realtime) or instrumented "
                               "with @socket.io/admin-ui. The password is not saved."),
                            this);
    help->setWordWrap(true);
    form->addRow(help);
    form->addRow(tr("Server URL"), m_url);
    form->addRow(tr("User"), m_user);
    form->addRow(tr("Password"), m_password);
    form->addRow(tr("Admin namespace"), m_namespace);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Connect"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    form->addRow(buttons);
}

AdminTarget ConnectDialog::target() const
{
    AdminTarget t;
    t.serverUrl = QUrl::fromUserInput(m_url->text().trimmed());
    t.username = m_user->text();
    t.password = m_password->text();
    t.namespaceName = m_namespace->text().trimmed();
    return t;
}

void ConnectDialog::remember() const
{
    QSettings settings;
    settings.setValue(QStringLiteral("remote/url"), m_url->text().trimmed());
    settings.setValue(QStringLiteral("remote/user"), m_user->text());
    settings.setValue(QStringLiteral("remote/namespace"), m_namespace->text().trimmed());
}
