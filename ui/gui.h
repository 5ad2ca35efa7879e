// Entry point of the desktop monitor. GUI thread; needs a QApplication.
#pragma once

#include "engineconfig.h"

// Runs the engine with `config` (the saved monitor settings applied over it)
// and the monitor window until the window closes; returns the exit code.
int runGui(EngineConfig config);
