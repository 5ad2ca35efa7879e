// Headless run: the engine in its worker thread, logs on stdout, a periodic
// one-line stats summary, graceful shutdown on SIGTERM/SIGINT. Main thread.
#pragma once

#include "cli.h"

int runHeadless(const AppOptions &options);
