import SightlinePipeline
import SightlineSchema

extension LiveSummary {
  /// The ego source and its last age, and what the localization thread counted.
  mutating func takeEgo(_ status: EgoStatus, poses: (thread: PoseThread, queue: EgoPoseQueue)?) {
    egoSource = status.source.description
    egoPoseAgeNanoseconds = status.poseAgeNanoseconds
    egoPoses = Int(status.poses)
    if let poses {
      egoPoseMessages = poses.thread.counters
      egoPoseQueueOverflow = poses.queue.overflowed
    }
  }
}
