import SightlinePipeline
import SightlineZMQ

extension FrameLoop {
  /// A frame loop whose one sink is the publisher `config.publish` describes.
  public convenience init(
    context: ZMQContext, config: SightlineConfig, live: Bool, security: SocketSecurity? = nil
  ) throws {
    let publisher = try FramePublisher(context: context, config: config, security: security)
    self.init(config: config, live: live, sinks: [publisher])
  }

  /// The publisher among the sinks.
  public var publisher: FramePublisher? {
    sinks.lazy.compactMap { $0 as? FramePublisher }.first
  }
}
