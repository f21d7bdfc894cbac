import SightlineOps
import SightlinePipeline

/// A live run's metrics: one sample per frame, served on `metrics.listen` when it is set.
enum MetricsServer {
  static func start(config: SightlineConfig, log: (String) -> Void) throws -> (
    metrics: RuntimeMetrics, server: PrometheusEndpoint
  )? {
    guard !config.metrics.listen.isEmpty else { return nil }
    let metrics = RuntimeMetrics()
    let server = try PrometheusEndpoint(address: config.metrics.listen, metrics: metrics)
    try server.start()
    let host = config.metrics.listen.split(separator: ":").dropLast().joined(separator: ":")
    log("metrics on http://\(host):\(server.port ?? 0)/metrics")
    return (metrics, server)
  }
}
