// SightlineOps: operations — metrics (swift-metrics, Prometheus text endpoint, HdrHistogram
// frame times) and rate-limited structured logs (swift-log).
//
// RuntimeMetrics.swift: the `sightline_*` metrics, one allocation-free call per frame.
// FrameTimeHistogram.swift: frame-time quantiles from an HdrHistogram.
// MetricsEndpoint.swift: `PrometheusEndpoint`, the scrape endpoint (HTTP/1.1, own thread).
// RateLimitedLog.swift: per-call-site rate limiting for swift-log; `SightlineLogging.bootstrap`.
