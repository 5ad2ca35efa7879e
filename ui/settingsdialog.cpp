#include "settingsdialog.h"

#include "common/credentialmask.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace {
// The URL fields show saved values with their passwords masked (issue 13:
// no secret on screen); a field left as shown keeps the saved value.
QString unmasked(const QString &shown, const QString &saved)
{
    return shown == redactedUrlText(saved).trimmed() ? saved.trimmed() : shown;
}
} // namespace

SettingsDialog::SettingsDialog(const GuiSettings &g, QWidget *parent)
    : QDialog(parent), m_bench(new QLineEdit(g.benchDir.value_or(QString()), this)),
      m_port(new QSpinBox(this)), m_uds(new QLineEdit(g.unixSocket.value_or(QString()), this)),
      m_redis(new QLineEdit(redactedUrlText(g.redisUrl.value_or(QString())), this)),
      m_auth(new QLineEdit(redactedUrlText(g.authUrlOverride.value_or(QString())), this)),
      m_pingInterval(new QSpinBox(this)), m_pingTimeout(new QSpinBox(this)),
      m_permission(new QComboBox(this)), m_redisSaved(g.redisUrl.value_or(QString())),
      m_authSaved(g.authUrlOverride.value_or(QString()))
{
    setWindowTitle(tr("Engine settings"));
    m_port->setRange(0, 65535);
    m_port->setValue(g.port.value_or(9000));
    m_port->setSpecialValueText(tr("any free port"));
    m_uds->setPlaceholderText(tr("empty: listen on the TCP port"));
    m_redis->setPlaceholderText(QStringLiteral("redis://127.0.0.1:11000"));
    m_auth->setPlaceholderText(tr("empty: webserver_host, else http://127.0.0.1:<webserver_port>"));
    for (QSpinBox *box : {m_pingInterval, m_pingTimeout}) {
        box->setRange(1000, 600000);
        box->setSingleStep(1000);
        box->setSuffix(QStringLiteral(" ms"));
    }
    m_pingInterval->setValue(g.pingIntervalMs.value_or(25000));
    m_pingTimeout->setValue(g.pingTimeoutMs.value_or(20000));
    m_permission->addItem(tr("has_permission (v16)"), int(PermissionApi::HasPermission));
    m_permission->addItem(tr("can_subscribe_doc / doctype (v15)"), int(PermissionApi::Legacy));
    m_permission->setCurrentIndex(
        g.permissionApi.value_or(PermissionApi::HasPermission) == PermissionApi::Legacy ? 1 : 0);

    auto *browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir =
            QFileDialog::getExistingDirectory(this, tr("Frappe bench"), m_bench->text());
        if (!dir.isEmpty()) m_bench->setText(dir);
    });
    auto *benchRow = new QHBoxLayout;
    benchRow->addWidget(m_bench, 1);
    benchRow->addWidget(browse);

    auto *form = new QFormLayout;
    form->addRow(tr("Bench folder"), benchRow);
    form->addRow(tr("Port"), m_port);
    form->addRow(tr("Unix socket"), m_uds);
    form->addRow(tr("Redis (redis_queue)"), m_redis);
    form->addRow(tr("Auth endpoint override"), m_auth);
    form->addRow(tr("Ping interval"), m_pingInterval);
    form->addRow(tr("Ping timeout"), m_pingTimeout);
    form->addRow(tr("Permission API"), m_permission);

    auto *box = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    box->button(QDialogButtonBox::Ok)->setText(tr("Save and restart engine"));
    connect(box, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(box, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("Saved settings override the bench config and the command "
                                    "line at the next start."),
                                 this));
    layout->addWidget(box);
}

GuiSettings SettingsDialog::settings() const
{
    GuiSettings g;
    g.benchDir = m_bench->text().trimmed();
    g.port = m_port->value();
    g.unixSocket = m_uds->text().trimmed();
    g.redisUrl = unmasked(m_redis->text().trimmed(), m_redisSaved);
    g.authUrlOverride = unmasked(m_auth->text().trimmed(), m_authSaved);
    g.pingIntervalMs = m_pingInterval->value();
    g.pingTimeoutMs = m_pingTimeout->value();
    g.permissionApi = PermissionApi(m_permission->currentData().toInt());
    return g;
}
