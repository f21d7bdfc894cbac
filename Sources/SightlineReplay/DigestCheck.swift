import SightlinePipeline

/// A replay's frame digest against the one its drive's manifest expects (expect.digest): the
/// lines that end `sightline replay`, and the mismatch that makes it fail.
public struct DigestCheck: Sendable, Equatable {
  /// Why the digests differ; nil when they agree, or when either is missing.
  public let mismatch: String?
  /// The lines to print: the mismatch (if any), then digest=<hex> (when there is a digest).
  public let lines: [String]

  public init(digest: FrameDigest?, expected: String?) {
    var mismatch: String?
    if let expected, let digest, digest.hex != expected {
      mismatch = "digest \(digest.hex) differs from the drive's expect.digest \(expected)"
    }
    self.mismatch = mismatch
    lines = (mismatch.map { [$0] } ?? []) + (digest.map { ["digest=\($0.hex)"] } ?? [])
  }
}
