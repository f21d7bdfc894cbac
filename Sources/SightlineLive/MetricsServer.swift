import SightlineFoxglove
import SightlineOps
import SightlinePipeline

/// A live run's metrics: one sample per frame, served as `/metrics` on the `foxglove.listen`
/// listener, and on `metrics.listen` when that is set to another address (an HTTP-only
/// listener: `/metrics` and `/healthz`).
enum MetricsServer {
  /// `/metrics` for `metrics`, refreshing the frame-time quantiles on each scrape.
  static func route(_ metrics: RuntimeMetrics) -> HTTPRoute {
    .prometheus { metrics.emit(into: &$0) }
  }

  /// Starts the `metrics.listen` listener, unless it is off or the same as `foxglove`.
  static func start(
    config: SightlineConfig, metrics: RuntimeMetrics, foxglove: FoxgloveAddress?,
    log: (String) -> Void
  ) throws -> FoxgloveServer? {
    let listen = config.metrics.listen
    guard !listen.isEmpty else { return nil }
    guard let address = FoxgloveAddress(listen) else {
      throw ConfigError(
        file: "config", key: "metrics.listen", problem: "\"\(listen)\" is not HOST:PORT")
    }
    if address == foxglove { return nil }
    let server = try FoxgloveServer(address: address, channels: [], routes: [route(metrics)])
    log("metrics on http://\(server.address)/metrics")
    return server
  }
}
