#include "frappe/sitedirectory.h"

#include "common/logging.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QUrl>

namespace {

// Long enough that a connect storm does not read site_config.json per socket,
// short enough that a new domain works without a restart.
constexpr qint64 kRefreshMs = 5000;
// A site_config.json is a few hundred bytes; anything huge is not one.
constexpr qint64 kMaxSiteConfigBytes = 1024 * 1024;

QString hostOf(const QString &value)
{
    const QString text = value.trimmed();
    if (text.isEmpty()) return {};
    const QUrl url = text.contains(QLatin1String("://"))
                         ? QUrl(text, QUrl::StrictMode)
                         : QUrl(QStringLiteral("http://") + text, QUrl::StrictMode);
    return url.isValid() ? url.host().toLower() : QString();
}

void addName(SiteNames &names, const QString &host)
{
    if (!host.isEmpty() && !names.hostnames.contains(host)) names.hostnames.append(host);
}

} // namespace

SiteNames siteNamesFromConfig(const QString &site, const QJsonObject &siteConfig)
{
    SiteNames names;
    names.site = site;
    addName(names, site.toLower());
    addName(names, hostOf(siteConfig.value(QStringLiteral("host_name")).toString()));
    for (const QJsonValue &domain : siteConfig.value(QStringLiteral("domains")).toArray()) {
        if (domain.isString())
            addName(names, hostOf(domain.toString()));
        else if (domain.isObject())
            addName(names, hostOf(domain.toObject().value(QStringLiteral("domain")).toString()));
    }
    const QJsonValue port = siteConfig.value(QStringLiteral("nginx_port"));
    const int n = port.isString() ? port.toString().toInt() : port.toInt();
    if (n > 0 && n <= 65535) names.nginxPort = n;
    return names;
}

bool isPlausibleSiteFolder(const QString &name)
{
    if (name.isEmpty() || name.startsWith(QLatin1Char('.')) || name.toUtf8().size() > 255)
        return false;
    for (const QChar c : name)
        if (c == QLatin1Char('/') || c == QLatin1Char('\\') || c.unicode() < 0x20) return false;
    return true;
}

SiteDirectory::SiteDirectory(const QString &benchDir, const QStringList &fixedSites)
    : m_benchDir(benchDir), m_fixedSites(fixedSites)
{}

std::optional<SiteNames> SiteDirectory::find(const QString &site)
{
    const auto fixed = [&]() -> std::optional<SiteNames> {
        if (!m_fixedSites.contains(site)) return std::nullopt;
        return siteNamesFromConfig(site, {});
    };
    if (m_benchDir.isEmpty()) return fixed();
    auto it = m_cache.find(site);
    if (it != m_cache.end() && !it->readAt.hasExpired(kRefreshMs)) return it->names;
    const std::optional<SiteNames> names = readFromDisk(site);
    if (!names) {
        m_cache.remove(site);
        return fixed();
    }
    Entry entry{*names, {}};
    entry.readAt.start();
    m_cache.insert(site, entry);
    return names;
}

std::optional<SiteNames> SiteDirectory::readFromDisk(const QString &site) const
{
    if (!isPlausibleSiteFolder(site)) return std::nullopt;
    const QString path =
        m_benchDir + QStringLiteral("/sites/") + site + QStringLiteral("/site_config.json");
    const QFileInfo info(path);
    if (!info.isFile()) return std::nullopt;
    QFile file(path);
    if (info.size() > kMaxSiteConfigBytes || !file.open(QIODevice::ReadOnly)) {
        qCWarning(lcConfig).noquote() << "site" << site << ": cannot read" << path
                                      << "- the site answers to its folder name only";
        return siteNamesFromConfig(site, {});
    }
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject()) {
        qCWarning(lcConfig).noquote() << "site" << site << ":" << path << "is not a JSON object"
                                      << "- the site answers to its folder name only";
        return siteNamesFromConfig(site, {});
    }
    return siteNamesFromConfig(site, doc.object());
}
