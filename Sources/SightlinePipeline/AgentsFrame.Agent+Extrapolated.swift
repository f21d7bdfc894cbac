import SightlineGrid
import SightlineSchema
import SightlineTimeline

extension AgentsFrame.Agent {
  /// An extrapolated track as published, with its consistency with LiDAR.
  init(_ agent: ExtrapolatedAgent, consistency: AgentConsistency, at time: Int64) {
    self.init()
    id = agent.id
    kind =
      switch agent.kind {
      case .vehicle: .vehicle
      case .pedestrian: .pedestrian
      case .cyclist: .cyclist
      case .other: .other
      }
    model =
      switch agent.model {
      case .ctra: .ctra
      case .constantVelocity: .constantVelocity
      case .constantPosition: .constantPosition
      }
    self.consistency = Consistency(rawValue: consistency.rawValue) ?? .notPainted
    east = agent.x
    north = agent.y
    heading = agent.heading.map(Float.init)
    speed = agent.speed.map(Float.init)
    futureDated = agent.futureDated
    covarianceEE = Float(agent.covarianceXX)
    covarianceEN = Float(agent.covarianceXY)
    covarianceNN = Float(agent.covarianceYY)
    latencyNanoseconds = agent.latencyNanoseconds
    generationTimeNanoseconds = time - agent.latencyNanoseconds
    distanceTravelled = Float(agent.distanceTravelled)
  }
}
