// Builds the final EngineConfig at startup: defaults, then the bench files and
// env (Frappe mode), then the command line. Main thread, before the engine starts.
#pragma once

#include "cli.h"

// Returns an empty string on success, else the one-line error to print.
QString resolveStartupConfig(AppOptions &options);
