#include "gui.h"

#include "../app/cli.h"
#include "common/logging.h"
#include "engine.h"

#include <QApplication>
#include <QLabel>
#include <QMainWindow>

int runGui(const AppOptions &options)
{
    Engine engine(options.engine);
    const StartResult started = engine.start();
    if (!started.ok) {
        qCCritical(lcEngine).noquote() << started.error;
        return 1;
    }
    qCInfo(lcEngine).noquote() << "Realtime service listening on:" << started.port;
    QMainWindow window;
    window.setWindowTitle(QStringLiteral("frappe-realtime"));
    window.setCentralWidget(
        new QLabel(QStringLiteral("Realtime service listening on port %1").arg(started.port)));
    window.resize(900, 600);
    window.show();
    return QApplication::exec();
}
