// The cluster's part of /metrics: link state, adapter traffic in and out,
// request timeouts and latency. Engine thread (reads RedisCluster).
#pragma once

class PromText;
class RedisCluster;

void writeClusterMetrics(PromText &out, const RedisCluster &cluster);
