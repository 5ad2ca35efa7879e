// Start-up checks and glue of the admin namespace: whether its settings are
// usable with this engine config, which namespaces are the Frappe sites,
// and the extra stats our own server adds for the desktop monitor. Free
// functions; describeAdminExtras reads Telemetry's any-thread readers.
#pragma once

#include "engineconfig.h"

#include <QJsonObject>
#include <QStringList>

class Telemetry;

// Empty when usable, else one line naming the setting to fix.
QString checkAdminConfig(const EngineConfig &config);
// "/<site>" for each configured site (shown with 0 sockets when idle).
QStringList siteNamespaces(const EngineConfig &config);
// {redis:{state,detail}, rates:{deliveries/s,...}, totals:{...}}: what the
// stock protocol lacks; sent as "frappe_realtime:stats" beside server_stats.
QJsonObject describeAdminExtras(const Telemetry *telemetry);
