// FuzzPose: the vehicle's localization poses (`[ego] source = "localization"`): bytes from the
// ZeroMQ socket through `EgoPoseIngest` (SwiftProtobuf's decoder of sightline.v1.LocalizationPose,
// then the range checks: time, WGS-84, finite angles, a 36-value symmetric covariance with a
// non-negative diagonal), and admitted poses into the timeline's ego trajectory (EgoFromPose, the
// trajectory's order and jump checks, interpolation and extrapolation). Every message must land
// in exactly one count, and every ego state the trajectory gives must be finite.
//
// Input: the protobuf body of one message. It is ingested whole, then as its two halves (three
// messages in a row, so that the trajectory sees poses after poses).

import CFuzzer
import SightlinePipeline
import SightlineTimeline

/// SwiftPM links `main` to `FuzzPose_main`; libFuzzer's driver takes it from there.
@_cdecl("FuzzPose_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt
{
  var argc = argc
  var argv = argv
  return LLVMFuzzerRunDriver(&argc, &argv, fuzzPose)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPose(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard let data else { return 0 }
  let bytes = UnsafeRawBufferPointer(start: data, count: size)
  var ego = SightlineConfig.Ego()
  ego.source = .localization
  var timeline = TimelineStage()
  timeline.select(EgoSelection(ego))
  var ingest = EgoPoseIngest()
  let half = size / 2
  let parts = [
    bytes, UnsafeRawBufferPointer(rebasing: bytes[..<half]),
    UnsafeRawBufferPointer(rebasing: bytes[half...]),
  ]
  for (index, part) in parts.enumerated() {
    if let pose = ingest.ingest(part, receiveTimeNanoseconds: Int64(index)) {
      timeline.observe(pose)
    }
  }
  let counts = ingest.counters
  precondition(counts.received == 3, "every message is counted")
  precondition(
    counts.received == counts.accepted + counts.malformed + counts.invalid + counts.oversized,
    "every message lands in exactly one count")
  precondition(
    timeline.egoSelection.posesTaken + timeline.egoSelection.posesRefused == counts.accepted)
  guard let first = timeline.ego.earliest, let last = timeline.ego.latest else { return 0 }
  for time in [
    first.timeNanoseconds, first.timeNanoseconds / 2 + last.timeNanoseconds / 2,
    last.timeNanoseconds, last.timeNanoseconds &+ 250_000_000,
  ] {
    guard let state = timeline.ego.state(at: time) else { continue }
    precondition(
      state.position.east.isFinite && state.position.north.isFinite && state.yaw.isFinite
        && state.positionVariance.isFinite,
      "a finite ego state")
  }
  _ = timeline.egoStatus(at: last.timeNanoseconds &+ 1)
  return 0
}
