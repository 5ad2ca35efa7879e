#include "startupconfig.h"

#include "common/logging.h"
#include "frappe/benchconfig.h"

#include <QDir>
#include <QFileInfo>
#include <QProcessEnvironment>

QString resolveStartupConfig(AppOptions &options)
{
    EngineConfig &c = options.engine;
    if (c.mode == AppMode::Frappe) {
        const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        const bool explicitBench = !c.benchDir.isEmpty() || env.contains("FRAPPE_BENCH_ROOT");
        const QString dir = resolveBenchDir(c.benchDir, env, QDir::currentPath());
        const bool looksLikeBench = QFileInfo(dir + QStringLiteral("/sites")).isDir();
        if (explicitBench || looksLikeBench) {
            BenchConfigResult loaded = loadBenchConfig(dir, env);
            if (auto *error = std::get_if<BenchConfigError>(&loaded)) return error->toString();
            const BenchConfig &bench = std::get<BenchConfig>(loaded);
            applyBenchConfig(bench, c);
            qCInfo(lcConfig).noquote()
                << "bench" << bench.benchDir << "- sites:"
                << (bench.sites.isEmpty() ? QStringLiteral("(none)") : bench.sites.join(", "))
                << "- read:" << bench.sourcesRead.join(", ");
        } else {
            qCWarning(lcConfig).noquote()
                << "no Frappe bench at" << dir
                << "(no sites/ folder); serving without bench config. Use --bench DIR.";
        }
    }
    if (options.port) c.port = *options.port;
    if (options.unixSocketPath) c.unixSocketPath = *options.unixSocketPath;
    if (options.redisUrl) c.redisUrl = *options.redisUrl;
    return {};
}
