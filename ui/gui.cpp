#include "gui.h"

#include "common/logging.h"
#include "engine.h"
#include "guisettings.h"
#include "monitorwindow.h"

#include <QApplication>

int runGui(EngineConfig config)
{
    const QString settingsError = GuiSettings::load().applyTo(config);
    if (!settingsError.isEmpty())
        qCWarning(lcEngine).noquote() << "saved monitor settings ignored:" << settingsError;
    Engine engine(config);
    MonitorWindow window(&engine);
    // A failed start stays in the window (status bar), so the settings can fix it.
    if (window.startEngine()) {
        // Node prints this exact line; tools wait for it.
        const StartResult &started = window.lastStart();
        qCInfo(lcEngine).noquote()
            << "Realtime service listening on:"
            << (started.unixPath.isEmpty() ? QString::number(started.port) : started.unixPath);
    }
    window.show();
    const int rc = QApplication::exec();
    engine.stop();
    return rc;
}
