// Command-line options of the Admin UI namespace (--admin and friends),
// kept apart from cli.cpp so that file only gains two calls. Free functions,
// main thread.
#pragma once

#include "engineconfig.h"

#include <QStringList>

class QCommandLineParser;

void addAdminOptions(QCommandLineParser &parser);
// Fills `admin` from the parsed options; false with `error` set on bad input.
bool applyAdminOptions(const QCommandLineParser &parser, AdminConfig &admin, QString &error);
// --admin-hash-password: reads a password from stdin, returns the text to
// print (a bcrypt hash) or an error; nullopt-like empty `out` when not asked.
bool handleAdminHashPassword(const QCommandLineParser &parser, QString &out, bool &failed);
// The bench key realtime_admin was applied over the CLI values: put back the
// ones given on the command line (the CLI wins, as for every other setting).
void restoreCliAdmin(const QStringList &givenOptions, const AdminConfig &fromCli,
                     AdminConfig &admin);
