// The bench key `realtime_admin` (common_site_config.json): the admin
// namespace's settings for a bench, e.g. {"enabled": true, "username":
// "admin", "password_hash": "$2b$10$...", "read_only": true, "mode":
// "production"}. Not a Node key. Free function, any thread.
#pragma once

#include "admin/adminconfig.h"

#include <QJsonObject>

// Applies the keys present in merged["realtime_admin"] to `admin`; wrongly
// typed keys are reported with a warning and ignored.
void applyAdminBenchKey(const QJsonObject &merged, AdminConfig &admin);
