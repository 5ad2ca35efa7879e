#include "scripting/modulepath.h"

#include <QDir>
#include <QFileInfo>
#include <QStringList>

namespace {

bool isInside(const QString &path, const QString &root)
{
    return path == root || path.startsWith(root + QLatin1Char('/'));
}

bool isNodeCoreModule(const QString &name)
{
    static const QStringList core = {
        QStringLiteral("fs"),
        QStringLiteral("path"),
        QStringLiteral("http"),
        QStringLiteral("https"),
        QStringLiteral("net"),
        QStringLiteral("os"),
        QStringLiteral("child_process"),
        QStringLiteral("crypto"),
        QStringLiteral("vm"),
        QStringLiteral("worker_threads"),
        QStringLiteral("process"),
        QStringLiteral("url"),
        QStringLiteral("util"),
        QStringLiteral("events"),
        QStringLiteral("stream"),
        QStringLiteral("zlib"),
        QStringLiteral("dns"),
        QStringLiteral("tls"),
        QStringLiteral("cluster"),
        QStringLiteral("module"),
        QStringLiteral("buffer"),
    };
    QString bare = name;
    if (bare.startsWith(QLatin1String("node:"))) bare = bare.mid(5);
    return core.contains(bare.section(QLatin1Char('/'), 0, 0));
}

QString builtinFor(const QString &cleanPath, const QString &appsDir)
{
    const QString frappe = appsDir + QStringLiteral("/frappe/");
    for (const QString &name : {QStringLiteral("realtime/utils"), QStringLiteral("node_utils")}) {
        const QString base = frappe + name;
        if (cleanPath == base || cleanPath == base + QStringLiteral(".js"))
            return QStringLiteral("frappe/") + name;
    }
    return {};
}

} // namespace

ModuleResolution resolveModule(const QString &specifier, const QString &fromDir,
                               const QString &appRoot, const QString &appsDir)
{
    ModuleResolution r;
    const bool relative = specifier.startsWith(QLatin1String("./")) ||
                          specifier.startsWith(QLatin1String("../")) ||
                          specifier == QLatin1String(".") || specifier == QLatin1String("..");
    const bool absolute = specifier.startsWith(QLatin1Char('/'));
    if (!relative && !absolute) {
        if (isNodeCoreModule(specifier))
            r.error = QStringLiteral("Cannot require '%1': Node.js core modules are not available "
                                     "to realtime handlers in frappe-realtime")
                          .arg(specifier);
        else
            r.error = QStringLiteral("Cannot find module '%1': npm packages are not supported "
                                     "by frappe-realtime's handler runtime")
                          .arg(specifier);
        return r;
    }

    const QString clean =
        QDir::cleanPath(absolute ? specifier : fromDir + QLatin1Char('/') + specifier);
    const QString cleanApps = QDir::cleanPath(appsDir);
    const QString builtin = builtinFor(clean, cleanApps);
    if (!builtin.isEmpty()) {
        r.kind = ModuleResolution::Builtin;
        r.path = builtin;
        return r;
    }

    const QString root = QDir::cleanPath(appRoot);
    if (!isInside(clean, root)) {
        r.error = QStringLiteral("Cannot require '%1': %2 is outside the app folder %3")
                      .arg(specifier, clean, root);
        return r;
    }

    const QStringList candidates = {clean, clean + QStringLiteral(".js"),
                                    clean + QStringLiteral(".json"),
                                    clean + QStringLiteral("/index.js")};
    for (const QString &candidate : candidates) {
        const QFileInfo info(candidate);
        if (!info.isFile()) continue;
        // A symlink inside the app may point anywhere: judge the real path.
        const QString real = info.canonicalFilePath();
        const QString realRoot = QFileInfo(root).canonicalFilePath();
        if (!isInside(real, realRoot)) {
            r.error = QStringLiteral("Cannot require '%1': %2 resolves outside the app folder %3")
                          .arg(specifier, real, realRoot);
            return r;
        }
        r.kind = ModuleResolution::File;
        r.path = real;
        return r;
    }
    r.error = QStringLiteral("Cannot find module '%1' (looked for %2)").arg(specifier, clean);
    return r;
}
