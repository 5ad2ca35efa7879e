// SiteDirectory: which sites the bench has and the names each answers to
// (issue 13). A namespace that is not a site here is refused before any
// callback. With a bench, sites are the folders of <bench>/sites that hold a
// site_config.json, looked up on disk on demand, so a site made with
// `bench new-site` while the server runs is served without a restart; a
// site's names (host_name, domains, nginx_port in its site_config.json) are
// re-read at most every few seconds. The fixed list given (the sites found at
// start-up, or set by the embedding application) counts too; without a bench
// it (the demo site) is all there is.
// Engine thread only (it caches and reads files on that thread).
#pragma once

#include "frappe/siteresolver.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

// The names `site` answers to given its site_config.json object: the folder
// name, the host of `host_name` (a URL or a bare host), each `domains` entry
// (a string or an object with a "domain" key), lower-cased; plus nginx_port.
SiteNames siteNamesFromConfig(const QString &site, const QJsonObject &siteConfig);

// Whether `name` can be a folder name under sites/: no path separators, no
// leading dot, no control characters, at most 255 bytes.
bool isPlausibleSiteFolder(const QString &name);

class SiteDirectory {
public:
    // benchDir empty: only fixedSites exist (standalone demo mode); else the
    // sites on disk and fixedSites (known by their folder name only when their
    // site_config.json is missing).
    SiteDirectory(const QString &benchDir, const QStringList &fixedSites);

    // The site's names, or nullopt when `site` is not a site of the bench.
    std::optional<SiteNames> find(const QString &site);

private:
    struct Entry {
        SiteNames names;
        QElapsedTimer readAt;
    };
    std::optional<SiteNames> readFromDisk(const QString &site) const;

    QString m_benchDir;
    QStringList m_fixedSites;
    QHash<QString, Entry> m_cache;
};
