// Bench folder resolution and Node-compatible config loading (spec §1.2, §1.3).
#include "engineconfig.h"
#include "frappe/benchconfig.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

namespace {

void writeFile(const QString &path, const QByteArray &content)
{
    QVERIFY(QDir().mkpath(QFileInfo(path).absolutePath()));
    QFile file(path);
    QVERIFY2(file.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(path));
    QCOMPARE(file.write(content), content.size());
}

// "NAME=value;NAME2=value2" keeps the data tables readable.
QProcessEnvironment makeEnv(const QString &spec)
{
    QProcessEnvironment env;
    for (const QString &pair : spec.split(QLatin1Char(';'), Qt::SkipEmptyParts)) {
        const qsizetype eq = pair.indexOf(QLatin1Char('='));
        env.insert(pair.left(eq), pair.mid(eq + 1));
    }
    return env;
}

} // namespace

class TstBenchConfig : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void defaults();
    void truthyMerge_data();
    void truthyMerge();
    void typedFields();
    void developerMode_data();
    void developerMode();
    void envOverrides_data();
    void envOverrides();
    void sitesListing();
    void resolveBenchDir_data();
    void resolveBenchDir();
    void badJson_data();
    void badJson();
    void badType_data();
    void badType();
    void badValueOverriddenIsFine();
    void missingBenchFolder();
    void applyToEngineConfig();
    void clusterKeys();

private:
    BenchConfig load(const QString &dir, const QProcessEnvironment &env = {});
};

BenchConfig TstBenchConfig::load(const QString &dir, const QProcessEnvironment &env)
{
    const BenchConfigResult result = loadBenchConfig(dir, env);
    if (const auto *error = std::get_if<BenchConfigError>(&result))
        qWarning("unexpected error: %s", qPrintable(error->toString()));
    return std::get<BenchConfig>(result);
}

void TstBenchConfig::defaults()
{
    QTemporaryDir bench;
    QVERIFY(QDir(bench.path()).mkdir(QStringLiteral("sites")));

    const BenchConfig conf = load(bench.path());
    QCOMPARE(conf.benchDir, QDir::cleanPath(bench.path()));
    QCOMPARE(conf.socketioPort, quint16(9000));
    QVERIFY(conf.socketioUds.isEmpty());
    QVERIFY(conf.redisQueue.isEmpty());
    QVERIFY(conf.redisCache.isEmpty());
    QVERIFY(conf.defaultSite.isEmpty());
    QVERIFY(!conf.developerMode);
    QCOMPARE(conf.webserverPort, 0);
    QVERIFY(conf.webserverHost.isEmpty());
    QVERIFY(conf.sites.isEmpty());
    QVERIFY(conf.sourcesRead.isEmpty());
    QCOMPARE(conf.merged, QJsonObject({{QStringLiteral("socketio_port"), 9000}}));
}

void TstBenchConfig::truthyMerge_data()
{
    QTest::addColumn<QByteArray>("configJson"); // empty: file absent
    QTest::addColumn<QByteArray>("commonJson");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QByteArray>("expected"); // JSON text of the value; empty: key absent
    const auto row = [](const char *name, const char *config, const char *common, const char *key,
                        const char *expected) {
        QTest::newRow(name) << QByteArray(config) << QByteArray(common) << QString(key)
                            << QByteArray(expected);
    };

    row("config only", R"({"redis_queue": "redis://q:1"})", "", "redis_queue", R"("redis://q:1")");
    row("common only", "", R"({"redis_queue": "redis://c"})", "redis_queue", R"("redis://c")");
    row("later file wins", R"({"socketio_port": 9001})", R"({"socketio_port": 9002})",
        "socketio_port", "9002");
    row("0 does not override", R"({"webserver_port": 8000})", R"({"webserver_port": 0})",
        "webserver_port", "8000");
    row("false does not override", R"({"developer_mode": 1})", R"({"developer_mode": false})",
        "developer_mode", "1");
    row("empty string does not override", R"({"redis_queue": "redis://q"})",
        R"({"redis_queue": ""})", "redis_queue", R"("redis://q")");
    row("null does not override", R"({"default_site": "s1"})", R"({"default_site": null})",
        "default_site", R"("s1")");
    row("falsy cannot set", "", R"({"redis_cache": ""})", "redis_cache", "");
    row("0 keeps default port", "", R"({"socketio_port": 0})", "socketio_port", "9000");
    row("empty array is truthy", "", R"({"x": []})", "x", "[]");
    row("unknown keys kept", R"({"shallow_clone": true})", "", "shallow_clone", "true");
}

void TstBenchConfig::truthyMerge()
{
    QFETCH(QByteArray, configJson);
    QFETCH(QByteArray, commonJson);
    QFETCH(QString, key);
    QFETCH(QByteArray, expected);

    QTemporaryDir bench;
    QVERIFY(QDir(bench.path()).mkdir(QStringLiteral("sites")));
    if (!configJson.isEmpty()) writeFile(bench.filePath(QStringLiteral("config.json")), configJson);
    if (!commonJson.isEmpty())
        writeFile(bench.filePath(QStringLiteral("sites/common_site_config.json")), commonJson);

    const BenchConfig conf = load(bench.path());
    if (expected.isEmpty()) {
        QVERIFY(!conf.merged.contains(key));
    } else {
        const QJsonValue want =
            QJsonDocument::fromJson("{\"v\":" + expected + "}").object().value("v");
        QCOMPARE(conf.merged.value(key), want);
    }
    QCOMPARE(conf.sourcesRead.size(), int(!configJson.isEmpty()) + int(!commonJson.isEmpty()));
}

void TstBenchConfig::typedFields()
{
    QTemporaryDir bench;
    writeFile(bench.filePath(QStringLiteral("sites/common_site_config.json")), R"({
        "socketio_port": "9010",
        "socketio_uds": "/run/frappe/socketio.sock",
        "redis_queue": "redis://127.0.0.1:11000",
        "redis_cache": "redis://127.0.0.1:13000",
        "default_site": "erp.local",
        "developer_mode": 1,
        "webserver_port": 8000,
        "webserver_host": "127.0.0.1"
    })");

    const BenchConfig conf = load(bench.path());
    QCOMPARE(conf.socketioPort, quint16(9010));
    QCOMPARE(conf.socketioUds, QStringLiteral("/run/frappe/socketio.sock"));
    QCOMPARE(conf.redisQueue, QStringLiteral("redis://127.0.0.1:11000"));
    QCOMPARE(conf.redisCache, QStringLiteral("redis://127.0.0.1:13000"));
    QCOMPARE(conf.defaultSite, QStringLiteral("erp.local"));
    QVERIFY(conf.developerMode);
    QCOMPARE(conf.webserverPort, 8000);
    QCOMPARE(conf.webserverHost, QStringLiteral("127.0.0.1"));
}

void TstBenchConfig::developerMode_data()
{
    QTest::addColumn<QByteArray>("value"); // empty: key absent
    QTest::addColumn<bool>("expected");
    const auto row = [](const char *name, const char *value, bool expected) {
        QTest::newRow(name) << QByteArray(value) << expected;
    };

    row("absent", "", false);
    row("1", "1", true);
    row("true", "true", true);
    row("\"1\"", R"("1")", true);
    row("\"0\" is truthy in JS", R"("0")", true);
    row("0", "0", false);
    row("false", "false", false);
    row("\"\"", R"("")", false);
    row("null", "null", false);
}

void TstBenchConfig::developerMode()
{
    QFETCH(QByteArray, value);
    QFETCH(bool, expected);

    QTemporaryDir bench;
    QVERIFY(QDir(bench.path()).mkdir(QStringLiteral("sites")));
    writeFile(bench.filePath(QStringLiteral("config.json")),
              value.isEmpty() ? QByteArray("{}") : "{\"developer_mode\": " + value + "}");
    QCOMPARE(load(bench.path()).developerMode, expected);
}

void TstBenchConfig::envOverrides_data()
{
    QTest::addColumn<QString>("env");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("expected");
    const auto row = [](const char *name, const char *env, const char *key, const char *expected) {
        QTest::newRow(name) << QString(env) << QString(key) << QString(expected);
    };

    row("FRAPPE_SITE", "FRAPPE_SITE=env.site", "default_site", "env.site");
    row("FRAPPE_REDIS_CACHE", "FRAPPE_REDIS_CACHE=redis://env-cache", "redis_cache",
        "redis://env-cache");
    row("FRAPPE_REDIS_QUEUE", "FRAPPE_REDIS_QUEUE=redis://env-queue", "redis_queue",
        "redis://env-queue");
    row("FRAPPE_SOCKETIO_PORT", "FRAPPE_SOCKETIO_PORT=9100", "socketio_port", "9100");
    row("FRAPPE_SOCKETIO_UDS", "FRAPPE_SOCKETIO_UDS=/tmp/env.sock", "socketio_uds",
        "/tmp/env.sock");
    row("empty does not override", "FRAPPE_REDIS_QUEUE=", "redis_queue", "redis://file-queue");
    row("unrelated variable", "REDIS_QUEUE=redis://nope", "redis_queue", "redis://file-queue");
}

void TstBenchConfig::envOverrides()
{
    QFETCH(QString, env);
    QFETCH(QString, key);
    QFETCH(QString, expected);

    QTemporaryDir bench;
    writeFile(bench.filePath(QStringLiteral("sites/common_site_config.json")), R"({
        "socketio_port": 9001, "socketio_uds": "/tmp/file.sock", "default_site": "file.site",
        "redis_queue": "redis://file-queue", "redis_cache": "redis://file-cache"
    })");

    const QProcessEnvironment environment = makeEnv(env);
    const BenchConfig conf = load(bench.path(), environment);
    // Node stores the override as a string, whatever the key.
    QCOMPARE(conf.merged.value(key), QJsonValue(expected));

    const QString variable = env.section(QLatin1Char('='), 0, 0);
    const bool applied =
        variable.startsWith(QLatin1String("FRAPPE_")) && !environment.value(variable).isEmpty();
    QCOMPARE(conf.sourcesRead.contains(QStringLiteral("env:") + variable), applied);

    if (key == QLatin1String("socketio_port")) QCOMPARE(conf.socketioPort, quint16(9100));
    if (key == QLatin1String("default_site")) QCOMPARE(conf.defaultSite, expected);
    if (key == QLatin1String("redis_queue")) QCOMPARE(conf.redisQueue, expected);
    if (key == QLatin1String("redis_cache")) QCOMPARE(conf.redisCache, expected);
    if (key == QLatin1String("socketio_uds")) QCOMPARE(conf.socketioUds, expected);
}

void TstBenchConfig::sitesListing()
{
    QTemporaryDir bench;
    const auto site = [&](const QString &rel) { return bench.filePath("sites/" + rel); };
    writeFile(site("common_site_config.json"), "{}");
    writeFile(site("apps.txt"), "frappe\n");
    writeFile(site("b.local/site_config.json"), "{}");
    writeFile(site("a.local/site_config.json"), R"({"redis_queue": 42})"); // never read
    writeFile(site("Zed/site_config.json"), "{}");
    QVERIFY(QDir().mkpath(site("assets/frappe")));
    writeFile(site("no-config/private/files/x.txt"), "x");
    QVERIFY(QDir().mkpath(site("dir-not-file/site_config.json")));

    const BenchConfig conf = load(bench.path());
    QCOMPARE(conf.sites, QStringList({"Zed", "a.local", "b.local"}));
    QVERIFY(conf.redisQueue.isEmpty());
}

void TstBenchConfig::resolveBenchDir_data()
{
    // Paths are relative to a temporary root; empty cli / env means unset.
    QTest::addColumn<QString>("cli");
    QTest::addColumn<QString>("envRoot");
    QTest::addColumn<QString>("cwd");
    QTest::addColumn<QString>("expected");
    const auto row = [](const char *name, const char *cli, const char *envRoot, const char *cwd,
                        const char *expected) {
        QTest::newRow(name) << QString(cli) << QString(envRoot) << QString(cwd)
                            << QString(expected);
    };

    row("cwd", "", "", "bench", "bench");
    row("cwd is sites", "", "", "bench/sites", "bench");
    row("cwd is sites, apps.txt only", "", "", "bench2/sites", "bench2");
    row("env", "", "bench", "other", "bench");
    row("env is sites", "", "bench/sites", "other", "bench");
    row("cli wins", "other", "bench", ".", "other");
    row("cli relative to cwd", "../other", "", "bench", "other");
    row("cli is sites", "bench/sites/", "", ".", "bench");
    row("cli not cleaned", "bench/./x/..", "", ".", "bench");
    row("markers but parent has no sites", "", "", "lonely", "lonely");
    row("sites folder without markers", "", "", "bare/sites", "bare/sites");
    row("missing folder kept", "", "", "nowhere", "nowhere");
}

void TstBenchConfig::resolveBenchDir()
{
    QFETCH(QString, cli);
    QFETCH(QString, envRoot);
    QFETCH(QString, cwd);
    QFETCH(QString, expected);

    QTemporaryDir root;
    writeFile(root.filePath("bench/sites/common_site_config.json"), "{}");
    writeFile(root.filePath("bench/sites/apps.txt"), "frappe\n");
    writeFile(root.filePath("bench2/sites/apps.txt"), "frappe\n");
    writeFile(root.filePath("lonely/apps.txt"), "frappe\n");
    QVERIFY(QDir().mkpath(root.filePath("bare/sites")));
    QVERIFY(QDir().mkpath(root.filePath("other")));
    QVERIFY(QDir().mkpath(root.filePath("bench/x")));

    QProcessEnvironment env;
    if (!envRoot.isEmpty()) env.insert("FRAPPE_BENCH_ROOT", root.filePath(envRoot));
    const QString base = QDir::cleanPath(root.path());

    QCOMPARE(::resolveBenchDir(cli, env, QDir::cleanPath(root.filePath(cwd))),
             QDir::cleanPath(base + "/" + expected));
}

void TstBenchConfig::badJson_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("expectedText");
    const auto row = [](const char *name, const char *file, const char *content,
                        const char *expectedText) {
        QTest::newRow(name) << QString(file) << QByteArray(content) << QString(expectedText);
    };

    row("config.json, line 3", "config.json", "{\n  \"a\": 1,\n  \"b\": }", "line 3");
    row("common, trailing comma", "sites/common_site_config.json", "{\"a\": 1,}", "line 1");
    row("empty file", "config.json", "", "byte offset 0");
    row("array at top", "sites/common_site_config.json", "[1]", "must be an object");
}

void TstBenchConfig::badJson()
{
    QFETCH(QString, file);
    QFETCH(QByteArray, content);
    QFETCH(QString, expectedText);

    QTemporaryDir bench;
    QVERIFY(QDir(bench.path()).mkdir(QStringLiteral("sites")));
    writeFile(bench.filePath(file), content);

    const BenchConfigResult result = loadBenchConfig(bench.path(), {});
    const auto *error = std::get_if<BenchConfigError>(&result);
    QVERIFY(error);
    const QString line = error->toString();
    QCOMPARE(error->file, QDir::cleanPath(bench.filePath(file)));
    QVERIFY(error->key.isEmpty());
    QVERIFY2(line.contains(error->file), qPrintable(line));
    QVERIFY2(line.contains(expectedText), qPrintable(line));
    QVERIFY2(!line.contains(QLatin1Char('\n')), qPrintable(line));
}

void TstBenchConfig::badType_data()
{
    QTest::addColumn<QByteArray>("common"); // sites/common_site_config.json
    QTest::addColumn<QString>("env");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("source"); // file relative to bench, or env:NAME
    const auto row = [](const char *name, const char *common, const char *env, const char *key,
                        const char *source = "sites/common_site_config.json") {
        QTest::newRow(name) << QByteArray(common) << QString(env) << QString(key)
                            << QString(source);
    };

    row("port abc", R"({"socketio_port": "abc"})", "", "socketio_port");
    row("port 70000", R"({"socketio_port": 70000})", "", "socketio_port");
    row("port fractional", R"({"socketio_port": 9000.5})", "", "socketio_port");
    row("port negative", R"({"socketio_port": -1})", "", "socketio_port");
    row("port object", R"({"socketio_port": {"a": 1}})", "", "socketio_port");
    row("port from env", "{}", "FRAPPE_SOCKETIO_PORT=abc", "socketio_port",
        "env:FRAPPE_SOCKETIO_PORT");
    row("port 70000 from env", "{}", "FRAPPE_SOCKETIO_PORT=70000", "socketio_port",
        "env:FRAPPE_SOCKETIO_PORT");
    row("webserver_port text", R"({"webserver_port": "eight"})", "", "webserver_port");
    row("webserver_port true", R"({"webserver_port": true})", "", "webserver_port");
    row("redis_queue number", R"({"redis_queue": 11000})", "", "redis_queue");
    row("redis_queue object", R"({"redis_queue": {}})", "", "redis_queue");
    row("default_site array", R"({"default_site": ["a"]})", "", "default_site");
    row("socketio_uds true", R"({"socketio_uds": true})", "", "socketio_uds");
}

void TstBenchConfig::badType()
{
    QFETCH(QByteArray, common);
    QFETCH(QString, env);
    QFETCH(QString, key);
    QFETCH(QString, source);

    QTemporaryDir bench;
    writeFile(bench.filePath(QStringLiteral("sites/common_site_config.json")), common);

    const BenchConfigResult result = loadBenchConfig(bench.path(), makeEnv(env));
    const auto *error = std::get_if<BenchConfigError>(&result);
    QVERIFY(error);
    const QString expectedFile =
        source.startsWith(QLatin1String("env:")) ? source : QDir::cleanPath(bench.filePath(source));
    QCOMPARE(error->file, expectedFile);
    QCOMPARE(error->key, key);
    const QString line = error->toString();
    QVERIFY2(line.contains(expectedFile) && line.contains(key), qPrintable(line));
    QVERIFY2(!line.contains(QLatin1Char('\n')), qPrintable(line));
}

void TstBenchConfig::badValueOverriddenIsFine()
{
    // Only the value Node would end up using matters.
    QTemporaryDir bench;
    writeFile(bench.filePath(QStringLiteral("config.json")), R"({"socketio_port": "abc"})");
    writeFile(bench.filePath(QStringLiteral("sites/common_site_config.json")),
              R"({"socketio_port": 9001})");
    QCOMPARE(load(bench.path()).socketioPort, quint16(9001));

    const BenchConfig fromEnv =
        load(bench.path(), makeEnv(QStringLiteral("FRAPPE_SOCKETIO_PORT= 9002 ")));
    QCOMPARE(fromEnv.socketioPort, quint16(9002));
}

void TstBenchConfig::missingBenchFolder()
{
    QTemporaryDir root;
    const QString missing = root.filePath(QStringLiteral("no-such-bench"));
    const BenchConfigResult result = loadBenchConfig(missing, {});
    const auto *error = std::get_if<BenchConfigError>(&result);
    QVERIFY(error);
    QCOMPARE(error->toString(), QStringLiteral("bench folder not found: ") + missing);

    writeFile(root.filePath(QStringLiteral("a-file")), "x");
    QVERIFY(std::holds_alternative<BenchConfigError>(
        loadBenchConfig(root.filePath(QStringLiteral("a-file")), {})));
    QVERIFY(std::holds_alternative<BenchConfigError>(loadBenchConfig(QString(), {})));
}

void TstBenchConfig::applyToEngineConfig()
{
    BenchConfig bench;
    bench.benchDir = QStringLiteral("/home/frappe/frappe-bench");
    bench.socketioPort = 9001;
    bench.socketioUds = QStringLiteral("/run/s.sock");
    bench.redisQueue = QStringLiteral("redis://127.0.0.1:11000");
    bench.redisCache = QStringLiteral("redis://127.0.0.1:13000");
    bench.defaultSite = QStringLiteral("erp.local");
    bench.developerMode = true;
    bench.webserverPort = 8000;
    bench.webserverHost = QStringLiteral("127.0.0.1");
    bench.sites = {QStringLiteral("erp.local"), QStringLiteral("hr.local")};

    EngineConfig cfg;
    cfg.authTimeoutMs = 1234; // not bench-derived: must survive
    applyBenchConfig(bench, cfg);
    QCOMPARE(cfg.benchDir, bench.benchDir);
    QCOMPARE(cfg.port, quint16(9001));
    QCOMPARE(cfg.unixSocketPath, bench.socketioUds);
    QCOMPARE(cfg.redisUrl, bench.redisQueue);
    QCOMPARE(cfg.defaultSite, bench.defaultSite);
    QVERIFY(cfg.developerMode);
    QCOMPARE(cfg.webserverPort, 8000);
    QCOMPARE(cfg.webserverHost, bench.webserverHost);
    QCOMPARE(cfg.sites, bench.sites);
    QCOMPARE(cfg.authTimeoutMs, 1234);
}

// Issue 15: realtime_adapter*, only applied when present and a non-empty string.
void TstBenchConfig::clusterKeys()
{
    EngineConfig defaults;
    QCOMPARE(defaults.adapter, QStringLiteral("local"));
    QCOMPARE(defaults.adapterKey, QStringLiteral("socket.io"));
    QVERIFY(defaults.adapterRedisUrl.isEmpty());

    BenchConfig bench;
    bench.merged = QJsonObject{{"realtime_adapter", "redis"},
                               {"realtime_adapter_redis", "redis://127.0.0.1:12000"},
                               {"realtime_adapter_key", "rt"}};
    EngineConfig cfg;
    applyBenchConfig(bench, cfg);
    QCOMPARE(cfg.adapter, QStringLiteral("redis"));
    QCOMPARE(cfg.adapterRedisUrl, QStringLiteral("redis://127.0.0.1:12000"));
    QCOMPARE(cfg.adapterKey, QStringLiteral("rt"));

    // A wrong type is ignored with a warning; the value already there stays.
    bench.merged = QJsonObject{{"realtime_adapter", 1}, {"realtime_adapter_key", ""}};
    applyBenchConfig(bench, cfg);
    QCOMPARE(cfg.adapter, QStringLiteral("redis"));
    QCOMPARE(cfg.adapterKey, QStringLiteral("rt"));
}

QTEST_GUILESS_MAIN(TstBenchConfig)
#include "tst_benchconfig.moc"
