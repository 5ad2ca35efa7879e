// Bench configuration as the Node realtime server sees it (spec §1.2, §1.3):
// <bench>/config.json and <bench>/sites/common_site_config.json merged with
// JavaScript truthiness, then FRAPPE_* environment overrides. Unlike Node, a
// wrongly typed key is reported up front (naming file and key) instead of
// surfacing later as an odd listen() or Redis failure.
// Free functions and thread-agnostic value types; the functions only read the
// file system and the environment they are given.
#pragma once

#include <QJsonObject>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <variant>

struct EngineConfig;

struct BenchConfig {
    QString benchDir; // absolute, cleaned
    quint16 socketioPort = 9000;
    QString socketioUds;
    QString redisQueue; // empty: Node has no default either (no bridge)
    QString redisCache;
    QString defaultSite;
    bool developerMode = false; // JS truthiness, so the string "0" counts as on
    int webserverPort = 0;
    QString webserverHost;
    QStringList sites;       // folders under sites/ holding site_config.json, sorted
    QJsonObject merged;      // the conf object Node would hold, env overrides included
    QStringList sourcesRead; // files actually read, then "env:NAME" for each applied override
};

struct BenchConfigError {
    QString file;             // path of the offending file, "env:NAME", or empty
    QString key;              // offending config key, or empty
    QString message;          // human-readable cause
    QString toString() const; // one line: "<file>: <key>: <message>" (empty parts left out)
};

using BenchConfigResult = std::variant<BenchConfig, BenchConfigError>;

// Picks the bench folder: cliValue, else FRAPPE_BENCH_ROOT, else cwd (relative
// values are taken relative to cwd). When that folder is the bench's sites/
// folder itself, returns the bench folder above it, because people start the
// service from sites/ too and the Python server even chdirs there.
QString resolveBenchDir(const QString &cliValue, const QProcessEnvironment &env,
                        const QString &cwd);

// Reads and validates the bench configuration of benchDir. Per-site
// site_config.json files are only listed, never read: Node ignores them.
BenchConfigResult loadBenchConfig(const QString &benchDir, const QProcessEnvironment &env);

// Copies the bench-derived settings into cfg, leaving every other field alone.
void applyBenchConfig(const BenchConfig &bench, EngineConfig &cfg);
