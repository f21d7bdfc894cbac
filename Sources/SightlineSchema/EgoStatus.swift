import SightlineProto

/// Where the ego pose comes from and how old it is, in every `stats` message (`Stats.ego`).
public struct EgoStatus: Sendable, Equatable {
  /// `sightline.v1.EgoSource`, in its numbering.
  public enum Source: Int, Sendable, CaseIterable, CustomStringConvertible {
    case none = 0
    case gnss = 1
    case localization = 2
    case bsm = 3
    case truth = 4

    public var description: String {
      switch self {
      case .none: "none"
      case .gnss: "gnss"
      case .localization: "localization"
      case .bsm: "bsm"
      case .truth: "truth"
      }
    }
  }

  public var source = Source.none
  /// The last frame's reference time less the newest pose's time; nil before any pose.
  public var poseAgeNanoseconds: Int64?
  /// No pose yet, or older than `ego.max_age_ms`.
  public var stale = true
  /// Poses taken into the ego trajectory so far.
  public var poses: UInt64 = 0

  public init() {}

  func write(into buffer: inout [UInt8]) {
    buffer.protoUInt(1, UInt64(source.rawValue))
    if let poseAgeNanoseconds {  // proto3 optional: present even when 0
      buffer.protoTag(2, 0)
      buffer.protoVarint(UInt64(bitPattern: poseAgeNanoseconds))
    }
    buffer.protoBool(3, stale)
    buffer.protoUInt(4, poses)
  }

  init(_ proto: Sightline_V1_EgoStatus) {
    source = Source(rawValue: proto.source.rawValue) ?? .none
    poseAgeNanoseconds = proto.hasPoseAgeNs ? proto.poseAgeNs : nil
    stale = proto.stale
    poses = proto.poses
  }
}
