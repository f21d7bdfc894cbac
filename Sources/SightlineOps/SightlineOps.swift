// SightlineOps: operations — metrics (swift-metrics, Prometheus text endpoint, HdrHistogram
// frame times) and rate-limited structured logs (swift-log).
