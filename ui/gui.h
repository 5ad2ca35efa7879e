// Entry point of the desktop monitor. GUI thread; needs a QApplication.
#pragma once

struct AppOptions;

int runGui(const AppOptions &options);
