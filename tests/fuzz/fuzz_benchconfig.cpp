// Fuzzes the bench configuration loader with arbitrary common_site_config.json
// contents (hand-edited files are its usual input). The loader must either
// return a BenchConfig or an error naming the file; never crash or hang.
// A valid result is also applied to an EngineConfig, as the app does.
#include "engineconfig.h"
#include "frappe/benchconfig.h"
#include "fuzzcommon.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

namespace {
QTemporaryDir *bench = nullptr;
}

extern "C" int LLVMFuzzerInitialize(int *, char ***argv)
{
    fuzz::quietQt((*argv)[0]);
    bench = new QTemporaryDir();
    QDir(bench->path()).mkpath(QStringLiteral("sites/site1.localhost"));
    QFile site(bench->filePath(QStringLiteral("sites/site1.localhost/site_config.json")));
    if (!site.open(QIODevice::WriteOnly)) abort();
    site.write("{}");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QFile file(bench->filePath(QStringLiteral("sites/common_site_config.json")));
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) abort();
    file.write(reinterpret_cast<const char *>(data), qint64(size));
    file.close();

    // No FRAPPE_* overrides: the file alone decides.
    const BenchConfigResult result = loadBenchConfig(bench->path(), QProcessEnvironment());
    if (const auto *error = std::get_if<BenchConfigError>(&result)) {
        FUZZ_CHECK(!error->message.isEmpty());
        (void)error->toString();
        return 0;
    }
    const BenchConfig &config = std::get<BenchConfig>(result);
    FUZZ_CHECK(config.sites == QStringList{QStringLiteral("site1.localhost")});
    EngineConfig engine;
    applyBenchConfig(config, engine);
    return 0;
}
