import SightlineGrid
import SightlineTimeline

extension AgentFootprint {
  /// An agent as the grid paints it: its reported size, or its class's usual one.
  init(_ agent: ExtrapolatedAgent, cornerX: Double, cornerY: Double) {
    let shape: AgentShape
    switch agent.kind {
    case .vehicle:
      let length = Float(agent.length ?? 4.5)
      let width = Float(agent.width ?? 1.8)
      // Without a heading the orientation is unknown: a disc that holds the vehicle.
      shape =
        agent.heading == nil
        ? .disc(radius: (length * length + width * width).squareRoot() / 2)
        : .rectangle(length: length, width: width)
    case .pedestrian: shape = .disc(radius: 0.3)
    case .cyclist: shape = .disc(radius: 0.9)
    case .other: shape = .disc(radius: 0.5)
    }
    self.init(
      x: Float(agent.x - cornerX), y: Float(agent.y - cornerY), heading: Float(agent.heading ?? 0),
      shape: shape, covarianceXX: Float(agent.covarianceXX),
      covarianceXY: Float(agent.covarianceXY), covarianceYY: Float(agent.covarianceYY))
  }
}
