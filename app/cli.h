// Command line: every option with its default, turned into an EngineConfig
// plus the app-level choices (GUI or headless, stats interval, log level).
#pragma once

#include "engineconfig.h"

#include <QString>
#include <QStringList>
#include <optional>

enum class AuthMode {
    Frappe, // ask the Frappe web server who each client is (production)
    Dev,    // admit loopback clients as one fixed user, no web server needed
};

struct AppOptions {
    EngineConfig engine;
    bool gui = true;
    AuthMode auth = AuthMode::Frappe;
    QString devUser = QStringLiteral("Administrator");
    QString devUserType = QStringLiteral("System User");
    bool hostSet = false;  // --host given: dev auth must not silently rebind it
    bool redisOff = false; // --redis none: no Redis at all, not even the embedded one
    // Set by resolveStartupConfig: no bench and no Redis, so main() starts an
    // embedded redis-server and fills engine.redisUrl.
    bool wantEmbeddedRedis = false;
    bool benchFound = false;
    // One line for the log and the monitor: which Redis this run uses.
    QString redisDescription;
    int statsIntervalSec = 60;
    QtMsgType logLevel = QtInfoMsg;
    // Settings that also come from the bench config: the CLI wins over it.
    std::optional<quint16> port;
    std::optional<QString> unixSocketPath;
    std::optional<QString> redisUrl;
    // Names of the options given on the command line, so settings that the
    // bench may also carry (the limits) keep the CLI value over the bench's.
    QStringList givenOptions;
};

struct CliResult {
    enum Status { Run, ExitOk, ExitError } status = Run;
    AppOptions options;
    QString message; // help/version text or the error line
};

CliResult parseCommandLine(const QStringList &arguments);
