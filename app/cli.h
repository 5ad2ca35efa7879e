// Command line: every option with its default, turned into an EngineConfig
// plus the app-level choices (GUI or headless, stats interval, log level).
#pragma once

#include "engineconfig.h"

#include <QString>
#include <QStringList>
#include <optional>

struct AppOptions {
    EngineConfig engine;
    bool gui = true;
    int statsIntervalSec = 60;
    QtMsgType logLevel = QtInfoMsg;
    // Settings that also come from the bench config: the CLI wins over it.
    std::optional<quint16> port;
    std::optional<QString> unixSocketPath;
    std::optional<QString> redisUrl;
};

struct CliResult {
    enum Status { Run, ExitOk, ExitError } status = Run;
    AppOptions options;
    QString message; // help/version text or the error line
};

CliResult parseCommandLine(const QStringList &arguments);
