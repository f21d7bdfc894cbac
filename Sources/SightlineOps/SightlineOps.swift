// SightlineOps: operations — metrics (swift-metrics, Prometheus text exposition, HdrHistogram
// frame times) and rate-limited structured logs (swift-log). No I/O: the run's HTTP listener
// (SightlineFoxglove's `FoxgloveServer`) serves the exposition at `/metrics`.
//
// RuntimeMetrics.swift: the `sightline_*` metrics, one allocation-free call per frame.
// FrameTimeHistogram.swift: frame-time quantiles from an HdrHistogram.
// RateLimitedLog.swift: per-call-site rate limiting for swift-log; `SightlineLogging.bootstrap`.
