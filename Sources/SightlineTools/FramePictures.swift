import Foundation
import SightlinePNG
import SightlineSchema

/// Writes grid frames as PNG pictures (GridImage) to a folder, frame-<sequence>.png: those
/// whose sequence is a multiple of `every`, and the last frame taken whatever its sequence.
/// Give it every frame with `take`, then call `finish` once.
public struct FramePictures {
  /// The folder the pictures go to.
  public let folder: String
  /// Write the frames whose sequence is a multiple of this (at least 1).
  public let every: Int
  /// Add a strip under each grid with a scale bar and a colour key (`AnnotatedGridImage`).
  public let legend: Bool
  /// Pictures written so far.
  public private(set) var written = 0
  /// The last picture written.
  public private(set) var lastPath: String?
  /// The latest frame taken, when it was not written: `finish` writes it.
  private var pending: GridFrame?

  /// Creates the folder (and its parents) when missing.
  public init(folder: String, every: Int, legend: Bool = false) throws {
    self.folder = folder
    self.every = every
    self.legend = legend
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  }

  /// Writes `frame` when its sequence is a multiple of `every`; otherwise keeps it in case it
  /// is the last.
  public mutating func take(_ frame: GridFrame) throws {
    pending = nil
    if frame.sequence % UInt64(max(1, every)) == 0 {
      try write(frame)
    } else {
      pending = frame
    }
  }

  /// Writes the last frame taken, if `take` did not.
  public mutating func finish() throws {
    if let pending {
      self.pending = nil
      try write(pending)
    }
  }

  /// What `sightline render` prints at the end: how many pictures, and the last one.
  public var lines: [String] {
    ["wrote \(written) PNG pictures to \(folder)", "last picture: \(lastPath ?? "none")"]
  }

  private mutating func write(_ frame: GridFrame) throws {
    let path = "\(folder)/frame-\(String(format: "%06d", frame.sequence)).png"
    if legend {
      let picture = AnnotatedGridImage(frame)
      try PNGFile.writeRGB(
        picture.pixels, width: picture.width, height: picture.height, to: path)
    } else {
      try PNGFile.writeRGB(
        GridImage.render(frame), width: Int(frame.columns), height: Int(frame.rows), to: path)
    }
    written += 1
    lastPath = path
  }
}
