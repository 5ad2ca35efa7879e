// Resolution of require() specifiers for app handlers: Node's relative-path
// rules (".js", ".json", "/index.js" candidates), confined to the app's own
// folder, plus the two frappe modules real handlers.js files require, which
// are provided built in. Everything else (npm packages, Node core modules,
// paths that leave the app folder, also through symlinks) is refused with a
// message that says why. Pure function; any thread.
#pragma once

#include <QString>

struct ModuleResolution {
    enum Kind { File, Builtin, Error } kind = Error;
    QString path;  // File: canonical absolute path; Builtin: "frappe/realtime/utils" |
                   // "frappe/node_utils"
    QString error; // Error: the text of the Error require() throws
};

// `fromDir`: folder of the requiring file; `appRoot`: apps/<app>;
// `appsDir`: the bench's apps folder (where apps/frappe would live).
ModuleResolution resolveModule(const QString &specifier, const QString &fromDir,
                               const QString &appRoot, const QString &appsDir);
