import SightlineGrid
import SightlineTimeline

/// Counts, per sender, the frames in a row whose LiDAR saw its painted position free, and
/// names the sender for quarantine once the count reaches `frames` (0: never).
struct ContradictionJudge {
  let frames: Int
  private var streaks: [UInt32: Int] = [:]

  init(frames: Int) {
    self.frames = frames
    streaks.reserveCapacity(256)
  }

  /// `statuses` are the last frame's, in the agents' order; `quarantine` gets each sender
  /// whose streak is long enough.
  mutating func judge(
    _ agents: [ExtrapolatedAgent], statuses: [AgentConsistency], quarantine: (UInt32) -> Void
  ) {
    guard frames > 0 else { return }
    for (index, agent) in agents.enumerated() where index < statuses.count {
      if statuses[index] == .contradicted {
        let streak = (streaks[agent.id] ?? 0) + 1
        streaks[agent.id] = streak
        if streak >= frames {
          streaks[agent.id] = nil
          quarantine(agent.id)
        }
      } else if streaks[agent.id] != nil {
        streaks[agent.id] = nil
      }
    }
    if streaks.count > 4096 { streaks.removeAll(keepingCapacity: true) }
  }
}
