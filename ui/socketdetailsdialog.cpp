#include "socketdetailsdialog.h"

#include "formatting.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

SocketDetailsDialog::SocketDetailsDialog(const SocketRow &s, QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Socket %1").arg(s.id));
    auto *form = new QFormLayout;
    auto add = [&](const QString &label, const QString &value) {
        auto *text = new QLabel(value, this);
        text->setTextInteractionFlags(Qt::TextSelectableByMouse);
        form->addRow(label, text);
    };
    add(tr("Socket id"), s.id);
    add(tr("Namespace"), s.nsp);
    add(tr("User"), s.user.isEmpty() ? tr("(none)") : s.user);
    add(tr("User type"), s.userType);
    add(tr("Transport"), s.transportText());
    add(tr("Remote address"), s.remote);
    add(tr("Origin"), s.origin);
    add(tr("Connected since"), fmt::dateTime(s.connectedAtMs));
    add(tr("Rooms"), s.rooms.join(QStringLiteral("\n")));
    add(tr("Events in / out"), QStringLiteral("%1 / %2").arg(s.eventsIn).arg(s.eventsOut));
    add(tr("Engine.IO packets in / out"),
        QStringLiteral("%1 / %2").arg(s.packetsIn).arg(s.packetsOut));
    add(tr("Bytes in / out"),
        QStringLiteral("%1 / %2").arg(fmt::bytes(s.bytesIn), fmt::bytes(s.bytesOut)));
    add(tr("Handshake path"), s.handshakeUrl);

    auto *headers = new QTableWidget(int(s.headers.size()), 2, this);
    headers->setObjectName(QStringLiteral("handshakeHeaders"));
    headers->setHorizontalHeaderLabels({tr("Header"), tr("Value")});
    headers->verticalHeader()->hide();
    headers->horizontalHeader()->setStretchLastSection(true);
    headers->setEditTriggers(QAbstractItemView::NoEditTriggers);
    for (int i = 0; i < s.headers.size(); ++i) {
        headers->setItem(i, 0, new QTableWidgetItem(QString::fromUtf8(s.headers.at(i).first)));
        headers->setItem(i, 1, new QTableWidgetItem(QString::fromUtf8(s.headers.at(i).second)));
    }
    headers->resizeColumnToContents(0);

    auto *box = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(box, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("Handshake headers (credentials masked)"), this));
    layout->addWidget(headers, 1);
    layout->addWidget(box);
    resize(640, 560);
}
