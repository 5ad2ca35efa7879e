// The cluster's part of /metrics: link state, adapter traffic in and out,
// request timeouts and latency. Engine thread (reads the ClusterLink).
#pragma once

class PromText;
class ClusterLink;

void writeClusterMetrics(PromText &out, const ClusterLink &cluster);
