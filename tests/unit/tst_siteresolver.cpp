// Node's get_hostname / get_site_name, reproduced bit for bit (spec §2.3,
// §2.4); the origin check that replaces Node's Host == Origin (the Origin must
// belong to the site, issue 13) with the opt-in allow-list (spec §11.1); and
// which sites a bench has (SiteDirectory).
#include "frappe/sitedirectory.h"
#include "frappe/siteresolver.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

class TstSiteResolver : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void hostname_data();
    void hostname();
    void siteName_data();
    void siteName();
    void origin_data();
    void origin();
    void siteNames();
    void siteDirectory();
    void mismatchNamesTheSite();
};

void TstSiteResolver::hostname_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<bool>("expectNull"); // Node's undefined
    const auto row = [](const char *name, const QString &input, const QString &expected,
                        bool expectNull) {
        QTest::newRow(name) << input << expected << expectNull;
    };

    row("null", QString(), QString(), true);
    row("empty", QStringLiteral(""), QString(), true);
    row("url with port", "http://a.b:8000", "a.b", false);
    row("host with port", "a.b:8000", "a.b", false);
    row("bare host", "site.localhost", "site.localhost", false);
    row("url with path", "https://a.b/app/todo", "a.b", false);
    row("case kept", "https://Site.Example.COM", "Site.Example.COM", false);
    row("ipv6 host header", "[::1]:9000", "[", false);
    row("ipv6 url", "http://[::1]:9000", "[", false);
    row("userinfo not stripped", "http://user:pw@a.b", "user", false);
    row("empty authority", "http://", "", false);
    row("only a port", ":8000", "", false);
    row("third field only", "a://b://c", "b", false);
    row("opaque origin", "null", "null", false);
}

void TstSiteResolver::hostname()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QFETCH(bool, expectNull);

    const QString actual = frappeHostname(input);
    QCOMPARE(actual.isNull(), expectNull);
    QCOMPARE(actual, expected);
}

void TstSiteResolver::siteName_data()
{
    QTest::addColumn<QString>("siteHeader");
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("origin");
    QTest::addColumn<QString>("defaultSite");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<bool>("expectNull");
    const auto row = [](const char *name, const QString &siteHeader, const QString &host,
                        const QString &origin, const QString &defaultSite,
                        const QString &expected) {
        QTest::newRow(name) << siteHeader << host << origin << defaultSite << expected
                            << expected.isNull();
    };

    // 1) X-Frappe-Site-Name wins over everything.
    row("1 header", "erp.example.com", "localhost:8000", "http://other.com", "dflt",
        "erp.example.com");
    row("1 header with port", "erp.example.com:443", "x", "", "", "erp.example.com");
    row("1 header as url", "https://erp.example.com", "", "", "", "erp.example.com");
    row("1 empty header is absent", "", "a.example.com", "", "", "a.example.com");
    // 2) default_site for a localhost / 127.0.0.1 Host.
    row("2 localhost", "", "localhost:9000", "http://localhost:8000", "site1.local", "site1.local");
    row("2 127.0.0.1", "", "127.0.0.1", "http://foo:8000", "site1.local", "site1.local");
    row("2 without origin", "", "localhost", "", "site1.local", "site1.local");
    row("2 not exact: case", "", "LOCALHOST", "http://LOCALHOST:8000", "site1.local", "LOCALHOST");
    row("2 not exact: suffix", "", "127.0.0.1.nip.io", "http://o.io", "site1.local", "o.io");
    row("2 not exact: ipv6", "", "[::1]:9000", "", "site1.local", "[");
    row("2 no default site", "", "localhost:9000", "http://localhost:8000", "", "localhost");
    // 3) Origin.
    row("3 origin", "", "a.example.com", "https://b.example.com", "dflt", "b.example.com");
    // 4) Host.
    row("4 host", "", "a.example.com:8000", "", "dflt", "a.example.com");
    row("4 nothing", "", "", "", "dflt", QString());
}

void TstSiteResolver::siteName()
{
    QFETCH(QString, siteHeader);
    QFETCH(QString, host);
    QFETCH(QString, origin);
    QFETCH(QString, defaultSite);
    QFETCH(QString, expected);
    QFETCH(bool, expectNull);

    const QString actual = resolveSiteName({host, origin, siteHeader}, defaultSite);
    QCOMPARE(actual.isNull(), expectNull);
    QCOMPARE(actual, expected);
}

void TstSiteResolver::origin_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("origin");
    QTest::addColumn<QStringList>("allowed");
    QTest::addColumn<bool>("expected");
    QTest::addColumn<QString>("local");
    const auto row = [](const char *name, const QString &host, const QString &origin,
                        const QStringList &allowed, bool expected,
                        const QString &local = QStringLiteral("127.0.0.1")) {
        QTest::newRow(name) << host << origin << allowed << expected << local;
    };
    // The site of these rows: folder erp.example.com, host_name
    // https://ERP.Example.org, domains [shop.example.net], nginx_port 8001.

    // The site's own names, whatever Host says (bench nginx rewrites Origin
    // to the request's host; frappe_docker to the site name).
    row("folder name", "erp.example.com", "https://erp.example.com", {}, true);
    row("folder name, other Host", "10.0.0.5:8080", "http://erp.example.com", {}, true);
    row("folder name, any port", "erp.example.com:9000", "http://erp.example.com:8000", {}, true);
    row("host_name", "erp.example.org", "https://erp.example.org", {}, true);
    row("domain, case folded", "shop.example.net", "https://SHOP.example.net", {}, true);
    // Local development and access by IP: the Origin is the very address
    // the client connected to.
    row("localhost = Host", "localhost:9000", "http://localhost:8000", {}, true);
    row("127.0.0.1 = Host", "127.0.0.1:9000", "http://127.0.0.1:8000", {}, true);
    row("IP = Host = connected address", "192.0.2.7", "http://192.0.2.7", {}, true, "192.0.2.7");
    row("ipv6 = Host", "[::1]:9000", "http://[::1]:8000", {}, true, "::1");
    row("IP != Host", "192.0.2.7", "http://192.0.2.8", {}, false, "192.0.2.7");
    row("localhost, Host elsewhere", "erp.example.com", "http://localhost:8000", {}, false);
    // Another loopback address than the one connected to is someone else's
    // server (the attacker's web server on 127.0.0.2 in the integration test).
    row("other loopback address", "127.0.0.2:8000", "http://127.0.0.2:8000", {}, false);
    row("IP, not the connected one", "192.0.2.9", "http://192.0.2.9", {}, false, "192.0.2.7");
    row("localhost over the network", "localhost", "http://localhost", {}, false, "192.0.2.7");
    row("connection address unknown", "127.0.0.1", "http://127.0.0.1", {}, false, "");
    // Port-based multitenancy: the site's nginx_port on the host connected to.
    row("nginx_port = Origin port", "server.example.net", "http://server.example.net:8001", {},
        true);
    row("nginx_port, other port", "server.example.net", "http://server.example.net:8002", {},
        false);
    row("nginx_port, other host", "server.example.net", "http://evil.example:8001", {}, false);
    // Node's Host == Origin alone is no longer enough: an attacker's client
    // sends both.
    row("attacker Host = Origin", "evil.example", "http://evil.example", {}, false);
    row("another site's name", "other.example.com", "http://other.example.com", {}, false);
    row("no Origin", "erp.example.com", "", {}, false);
    row("nothing", "", "", {}, false);
    row("opaque Origin", "erp.example.com", "null", {}, false);
    row("userinfo trick", "erp.example.com", "http://erp.example.com@evil.example", {}, false);
    row("not http", "erp.example.com", "ftp://erp.example.com", {}, false);

    // The opt-in allow-list.
    const QString app = QStringLiteral("https://app.example.com");
    const QString api = QStringLiteral("erp.example.com");
    row("list: listed", api, app, {app}, true);
    row("list: case and slash", api, "https://App.Example.com", {"https://app.example.com/"}, true);
    row("list: default port", api, app, {"https://app.example.com:443"}, true);
    row("list: other port", api, app, {"https://app.example.com:8443"}, false);
    row("list: other scheme", api, app, {"http://app.example.com"}, false);
    row("list: not listed", api, app, {"https://x.example.com"}, false);
    row("list: bare host is no origin", api, app, {"app.example.com"}, false);
    row("list: ipv6", api, "http://[::2]:8000", {"http://[::2]:8000"}, true);
    row("list: opaque", api, "null", {"null"}, true);
    row("list: star", api, app, {"*"}, true);
    row("list: star, origin absent", api, "", {"*"}, false);
    row("list: empty entry", api, "/", {""}, false);
    row("list: site names still apply", api, "https://erp.example.com", {"https://x.y"}, true);
}

void TstSiteResolver::origin()
{
    QFETCH(QString, host);
    QFETCH(QString, origin);
    QFETCH(QStringList, allowed);
    QFETCH(bool, expected);
    QFETCH(QString, local);

    const QJsonObject config{{"host_name", "https://ERP.Example.org"},
                             {"domains", QJsonArray{"shop.example.net"}},
                             {"nginx_port", 8001}};
    const SiteNames site = siteNamesFromConfig(QStringLiteral("erp.example.com"), config);
    QCOMPARE(originBelongsToSite({host, origin, {}, local}, site, allowed), expected);
}

void TstSiteResolver::siteNames()
{
    const QJsonObject config{{"host_name", "https://Erp.Example.org:8443/app"},
                             {"domains", QJsonArray{"shop.example.net",
                                                    QJsonObject{{"domain", "b2b.example.net"},
                                                                {"ssl_certificate", "/x.pem"}},
                                                    42, "erp.example.com"}},
                             {"nginx_port", "8002"}};
    const SiteNames names = siteNamesFromConfig(QStringLiteral("erp.example.com"), config);
    QCOMPARE(names.site, QStringLiteral("erp.example.com"));
    QCOMPARE(names.hostnames, (QStringList{"erp.example.com", "erp.example.org", "shop.example.net",
                                           "b2b.example.net"}));
    QCOMPARE(names.nginxPort, 8002);
    const SiteNames bare = siteNamesFromConfig(QStringLiteral("Site1.localhost"), {});
    QCOMPARE(bare.hostnames, QStringList{"site1.localhost"});
    QCOMPARE(bare.nginxPort, 0);
}

void TstSiteResolver::siteDirectory()
{
    QTemporaryDir bench;
    QVERIFY(bench.isValid());
    const auto writeSite = [&](const QString &site, const QByteArray &json) {
        QVERIFY(QDir(bench.path()).mkpath(QStringLiteral("sites/") + site));
        QFile f(bench.path() + QStringLiteral("/sites/") + site +
                QStringLiteral("/site_config.json"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(json);
    };
    writeSite(QStringLiteral("a.localhost"), R"({"domains":["a.example.com"]})");
    writeSite(QStringLiteral("broken.localhost"), "{not json");
    QVERIFY(QDir(bench.path()).mkpath(QStringLiteral("sites/assets"))); // no site_config.json
    QFile common(bench.path() + QStringLiteral("/sites/common_site_config.json"));
    QVERIFY(common.open(QIODevice::WriteOnly));

    SiteDirectory dir(bench.path(), {QStringLiteral("a.localhost")});
    const auto a = dir.find(QStringLiteral("a.localhost"));
    QVERIFY(a);
    QVERIFY(a->hostnames.contains(QStringLiteral("a.example.com")));
    // A broken site_config.json still makes a site, known by its folder name only.
    const auto broken = dir.find(QStringLiteral("broken.localhost"));
    QVERIFY(broken);
    QCOMPARE(broken->hostnames, QStringList{"broken.localhost"});
    // Not sites: folders without site_config.json, files, names that leave sites/.
    for (const char *name : {"assets", "nothere.localhost", "common_site_config.json", "..",
                             "../sites/a.localhost", ".", "", "a.localhost/..", "A.localhost"})
        QVERIFY2(!dir.find(QString::fromLatin1(name)), name);
    // A site made while the server runs (bench new-site) is found without a restart.
    writeSite(QStringLiteral("new.localhost"), "{}");
    QVERIFY(dir.find(QStringLiteral("new.localhost")));

    // A site the application listed (an embedding that names its sites) counts
    // without a folder, known by its name only.
    SiteDirectory listed(bench.path(), {QStringLiteral("listed.local")});
    QVERIFY(listed.find(QStringLiteral("listed.local")));
    QVERIFY(listed.find(QStringLiteral("a.localhost")));
    QVERIFY(!listed.find(QStringLiteral("other.local")));

    // Without a bench, the fixed list is all there is.
    SiteDirectory standalone({}, {QStringLiteral("site1.localhost")});
    QVERIFY(standalone.find(QStringLiteral("site1.localhost")));
    QVERIFY(!standalone.find(QStringLiteral("site2.localhost")));
}

void TstSiteResolver::mismatchNamesTheSite()
{
    const SiteNames site = siteNamesFromConfig(QStringLiteral("a.example.com"),
                                               {{"domains", QJsonArray{"c.example.com"}}});
    const QString line = describeOriginMismatch(
        {QStringLiteral("b.example.com:8000"), QStringLiteral("https://b.example.com"), {}}, site);
    QVERIFY2(line.contains(QLatin1String("\"https://b.example.com\"")), qPrintable(line));
    QVERIFY2(line.contains(QLatin1String("\"a.example.com\"")), qPrintable(line));
    QVERIFY2(line.contains(QLatin1String("c.example.com")), qPrintable(line));
    QVERIFY2(line.contains(QLatin1String("\"b.example.com:8000\"")), qPrintable(line));
    QVERIFY2(line.contains(QLatin1String("realtime_allowed_origins")), qPrintable(line));
    QVERIFY(!line.contains(QLatin1Char('\n')));
    const QString noOrigin = describeOriginMismatch({QStringLiteral("a.b"), {}, {}}, site);
    QVERIFY2(noOrigin.contains(QLatin1String("no Origin header")), qPrintable(noOrigin));
}

QTEST_GUILESS_MAIN(TstSiteResolver)
#include "tst_siteresolver.moc"
