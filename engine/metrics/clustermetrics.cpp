#include "metrics/clustermetrics.h"

#include "cluster/clusterlink.h"
#include "metrics/promtext.h"

void writeClusterMetrics(PromText &out, const ClusterLink &cluster)
{
    const ClusterCounters &c = cluster.counters();
    out.family("frappe_realtime_cluster_up", "gauge",
               "1 while the cluster's Redis subscription is up (--adapter redis).");
    out.sample("frappe_realtime_cluster_up", cluster.linked() ? 1.0 : 0.0,
               {{"node", cluster.uid()}});
    out.family("frappe_realtime_cluster_broadcasts_total", "counter",
               "Adapter broadcasts published by this node (out) and received from others (in).");
    out.sample("frappe_realtime_cluster_broadcasts_total", quint64(c.broadcastsOut),
               {{"direction", QStringLiteral("out")}});
    out.sample("frappe_realtime_cluster_broadcasts_total", quint64(c.broadcastsIn),
               {{"direction", QStringLiteral("in")}});
    out.family("frappe_realtime_cluster_requests_total", "counter",
               "Adapter requests sent by this node (out) and received from others (in).");
    out.sample("frappe_realtime_cluster_requests_total", quint64(c.requestsOut),
               {{"direction", QStringLiteral("out")}});
    out.sample("frappe_realtime_cluster_requests_total", quint64(c.requestsIn),
               {{"direction", QStringLiteral("in")}});
    out.family("frappe_realtime_cluster_responses_total", "counter",
               "Responses and acks this node published for other nodes' requests.");
    out.sample("frappe_realtime_cluster_responses_total", quint64(c.responsesOut));
    out.family("frappe_realtime_cluster_request_timeouts_total", "counter",
               "Requests of this node that ended before every node answered.");
    out.sample("frappe_realtime_cluster_request_timeouts_total", quint64(c.requestTimeouts));
    out.family("frappe_realtime_cluster_publish_failures_total", "counter",
               "Publishes to the cluster that failed (Redis unreachable).");
    out.sample("frappe_realtime_cluster_publish_failures_total", quint64(c.publishFailures));
    out.family("frappe_realtime_cluster_last_request_seconds", "gauge",
               "How long this node's last completed cluster request took.");
    out.sample("frappe_realtime_cluster_last_request_seconds", double(c.lastRequestMs) / 1000.0);
}
