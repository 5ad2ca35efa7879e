// Details of one socket: identity, transport, traffic, rooms and the
// handshake headers (cookie and authorization values arrive masked from the
// engine). GUI thread.
#pragma once

#include "monitor/monitorsnapshot.h"

#include <QDialog>

class SocketDetailsDialog : public QDialog {
    Q_OBJECT
public:
    explicit SocketDetailsDialog(const SocketRow &socket, QWidget *parent = nullptr);
};
