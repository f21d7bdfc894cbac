import SightlineNet

/// A capture opened for the link-layer frames it holds: the one place that opens a pcap or
/// pcapng file for its packets and checks that its link type is one `SightlineNet` reads.
public final class LinkLayerCapture {
  public let file: PcapFile
  public let linkType: LinkType

  public init(path: String, filter: String? = nil) throws(PcapError) {
    file = try PcapFile(path: path, filter: filter)
    guard let linkType = LinkType(rawValue: file.linkType) else {
      throw PcapError(
        kind: .unsupportedLinkType(file.linkType), path: path,
        message: "supported: Ethernet, raw IP, Linux cooked (SLL, SLL2)")
    }
    self.linkType = linkType
  }

  public var path: String { file.path }
  /// Records read so far, and how many of them the capture cut short (snap length).
  public var records: Int { file.records }
  public var truncatedRecords: Int { file.truncatedRecords }

  /// Hands the records to `body` in order until the capture ends or `stop` says so. A capture
  /// damaged part way (cut off mid-record, say) ends the read there: the damage is returned,
  /// not thrown, so that the caller still finishes what the records before it began.
  public func read(
    until stop: () -> Bool = { false }, _ body: (PcapRecord) throws -> Void
  ) throws -> PcapError? {
    do {
      while !stop(), try file.next(body) {}
    } catch let damage as PcapError {
      return damage
    }
    return nil
  }
}
