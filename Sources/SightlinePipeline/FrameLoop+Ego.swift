import SightlineSchema

extension FrameLoop {
  /// A pose from the vehicle's localization (the ego when `[ego] source = "localization"`).
  public func observe(_ pose: EgoPoseObservation) { timeline.observe(pose) }

  /// Where the ego comes from: `[ego] source` at first; a replay may choose its drive's truth,
  /// or none.
  public var egoSource: EgoStatus.Source {
    get { timeline.egoSelection.source }
    set {
      var selection = timeline.egoSelection
      selection.source = newValue
      timeline.select(selection)
    }
  }

  /// The ego source and the newest pose's age at the last frame.
  public var egoStatus: EgoStatus { timeline.egoStatus(at: lastReferenceTime) }
}
