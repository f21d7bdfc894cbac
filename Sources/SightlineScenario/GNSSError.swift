#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A GNSS receiver's error, as real ones have it: per axis, white noise plus a bias that wanders
/// slowly (first-order Gauss–Markov: multipath and the atmosphere change over tens of seconds),
/// and noisy speed and heading. A receiver that reports its accuracy honestly reports
/// `positionSigma` as the 1σ semi-axes of its ellipse (J2735 PositionalAccuracy is 1σ).
public struct GNSSError: Sendable, Equatable {
  /// White noise, 1σ per axis (m).
  public var whiteSigma = 0.0
  /// The wandering bias's steady-state 1σ per axis (m) and its correlation time (s).
  public var biasSigma = 0.0
  public var biasTime = 30.0
  /// Speed (m/s) and heading (rad) noise, 1σ.
  public var speedSigma = 0.0
  public var headingSigma = 0.0

  public init() {}

  /// The total position error per axis, 1σ (m).
  public var positionSigma: Double {
    (whiteSigma * whiteSigma + biasSigma * biasSigma).squareRoot()
  }
}

/// One receiver's error over time: draws the error of each fix in time order.
public struct GNSSErrorTrack: Sendable {
  public struct Sample: Sendable, Equatable {
    public var east: Double
    public var north: Double
    public var speed: Double
    public var heading: Double
  }

  public let model: GNSSError
  private var random: SeededRandom
  private var bias: (east: Double, north: Double)
  private var lastTime: Double?

  public init(model: GNSSError, seed: UInt64) {
    self.model = model
    random = SeededRandom(seed: seed)
    // The bias starts from its steady state, not from 0: a receiver is not perfect at power-on.
    bias = (model.biasSigma * random.normal(), model.biasSigma * random.normal())
  }

  /// The error of the fix at `time` (seconds; later than every earlier call). The same number
  /// of draws whatever the model, so one change does not reshuffle the rest of a drive.
  public mutating func sample(at time: Double) -> Sample {
    let draws = (random.normal(), random.normal(), random.normal(), random.normal())
    let shocks = (random.normal(), random.normal())
    if let lastTime, model.biasTime > 0 {
      let keep = exp(-max(0, time - lastTime) / model.biasTime)
      let fresh = model.biasSigma * (1 - keep * keep).squareRoot()
      bias = (bias.east * keep + fresh * shocks.0, bias.north * keep + fresh * shocks.1)
    }
    lastTime = time
    return Sample(
      east: bias.east + model.whiteSigma * draws.0, north: bias.north + model.whiteSigma * draws.1,
      speed: model.speedSigma * draws.2, heading: model.headingSigma * draws.3)
  }
}
