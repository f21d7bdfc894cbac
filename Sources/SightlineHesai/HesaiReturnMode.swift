/// The return mode a Hesai packet declares in its tail. It decides how the blocks group into
/// firings (one, two or three blocks per firing) whatever the sensor was configured to do: the
/// shared QT64 capture sends first+last (0x3B) where nebula's test configures "Dual".
import SightlineLidar

public enum HesaiReturnMode: UInt8, CaseIterable, Sendable, CustomStringConvertible {
  case first = 0x33
  case second = 0x34
  case strongest = 0x37
  case last = 0x38
  case lastAndStrongest = 0x39
  case firstAndSecond = 0x3A
  case firstAndLast = 0x3B
  case firstAndStrongest = 0x3C
  case firstLastAndStrongest = 0x3D
  case strongestAndSecondStrongest = 0x3E

  /// Blocks per firing.
  public var returns: Int {
    switch self {
    case .first, .second, .strongest, .last: 1
    case .firstLastAndStrongest: 3
    default: 2
    }
  }

  /// The name `LidarSensorDescription.returnMode` carries.
  public var description: String {
    switch self {
    case .first: "first"
    case .second: "second"
    case .strongest: "strongest"
    case .last: "last"
    case .lastAndStrongest: "dual (last+strongest)"
    case .firstAndSecond: "dual (first+second)"
    case .firstAndLast: "dual (first+last)"
    case .firstAndStrongest: "dual (first+strongest)"
    case .firstLastAndStrongest: "triple (first+last+strongest)"
    case .strongestAndSecondStrongest: "dual (strongest+second strongest)"
    }
  }

  /// The contract's return type (1 strongest or first, 2 last or a later return) of the block
  /// at `slot` of its firing. XT16 and XT32 send first+last in the opposite order (nebula flips
  /// them too), hence `reversedFirstLast`.
  func returnType(slot: Int, reversedFirstLast: Bool) -> UInt8 {
    switch self {
    case .first, .strongest, .firstAndStrongest, .strongestAndSecondStrongest:
      return ReturnType.strongest
    case .second, .last:
      return ReturnType.last
    case .lastAndStrongest:
      return slot == 0 ? ReturnType.last : ReturnType.strongest
    case .firstAndSecond, .firstLastAndStrongest:
      return slot == 1 ? ReturnType.last : ReturnType.strongest
    case .firstAndLast:
      return (slot == 0) == reversedFirstLast ? ReturnType.last : ReturnType.strongest
    }
  }
}
