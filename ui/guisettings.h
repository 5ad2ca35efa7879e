// GuiSettings: the engine settings a user changed in the monitor, persisted
// with QSettings and laid over the startup EngineConfig (bench, then CLI,
// then these). A field that was never saved leaves the config alone.
// Value type; load/save on the GUI thread.
#pragma once

#include "engineconfig.h"

#include <QString>
#include <optional>

struct GuiSettings {
    std::optional<QString> benchDir;
    std::optional<int> port;           // TCP port (0: any free port)
    std::optional<QString> unixSocket; // empty string: listen on TCP
    std::optional<QString> redisUrl;   // empty string: no Redis bridge
    std::optional<QString> authUrlOverride;
    std::optional<int> pingIntervalMs;
    std::optional<int> pingTimeoutMs;
    std::optional<PermissionApi> permissionApi;

    static GuiSettings load();
    void save() const;
    // Reads the bench again when benchDir changed; error text if it cannot.
    QString applyTo(EngineConfig &config) const;
    // What the dialog shows: every field taken from a running config.
    static GuiSettings fromConfig(const EngineConfig &config);
};
