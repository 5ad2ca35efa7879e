// frappe-realtime: one binary, GUI when a display exists (or is asked for),
// headless with --no-gui. Startup failures end here with one clear line.
#include "cli.h"
#include "common/logging.h"
#include "common/loghub.h"
#include "embeddedredis.h"
#include "fdlimit.h"
#include "headless.h"
#include "startupconfig.h"

#include <QCoreApplication>
#include <cstdio>

#ifdef RT_HAVE_GUI
#include "gui.h"
#include <QApplication>
#endif

namespace {
// With no max-connections set, the fd-limit check aims at the scale the
// server is tested at (scripts/idle-connections.sh holds 20000 sockets).
constexpr int kNominalConnections = 20000;

bool displayAvailable()
{
    return !qEnvironmentVariableIsEmpty("DISPLAY") ||
           !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") ||
           !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
}

QStringList rawArguments(int argc, char **argv)
{
    QStringList args;
    for (int i = 0; i < argc; ++i)
        args.append(QString::fromLocal8Bit(argv[i]));
    return args;
}
} // namespace

int main(int argc, char **argv)
{
    // The choice of QApplication vs QCoreApplication must come before any Qt
    // object exists, so parse first with no application.
    const CliResult cli = parseCommandLine(rawArguments(argc, argv));
    if (cli.status != CliResult::Run) {
        FILE *out = cli.status == CliResult::ExitOk ? stdout : stderr;
        fprintf(out, "%s\n", qPrintable(cli.message));
        return cli.status == CliResult::ExitOk ? 0 : 2;
    }
    AppOptions options = cli.options;
    LogHub::instance().install(options.logLevel);
    const QString configError = resolveStartupConfig(options);
    if (!configError.isEmpty()) {
        fprintf(stderr, "frappe-realtime: %s\n", qPrintable(configError));
        return 2;
    }
    const long long openFileLimit = raiseOpenFileLimit(
        options.engine.maxConnections > 0 ? options.engine.maxConnections : kNominalConnections);
    if (options.engine.maxConnections < 0) {
        options.engine.maxConnections = autoMaxConnections(openFileLimit);
        if (options.engine.maxConnections > 0)
            qCInfo(lcEngine).noquote()
                << "max connections:" << options.engine.maxConnections
                << "(the open-file limit minus 256 kept for Redis and callbacks; "
                   "--max-connections)";
    }

#ifdef RT_HAVE_GUI
    if (options.gui && displayAvailable()) {
        QApplication app(argc, argv);
        app.setApplicationName(QStringLiteral("frappe-realtime"));
        app.setOrganizationName(QStringLiteral("frappe-realtime"));
        EmbeddedRedis redis; // declared after app: stopped before it goes away
        if (!startEmbeddedRedisIfWanted(options, redis)) return 1;
        return runGui(options.engine);
    }
#endif
    QCoreApplication app(argc, argv);
    app.setApplicationName(QStringLiteral("frappe-realtime"));
    EmbeddedRedis redis;
    if (!startEmbeddedRedisIfWanted(options, redis)) return 1;
    return runHeadless(options);
}
