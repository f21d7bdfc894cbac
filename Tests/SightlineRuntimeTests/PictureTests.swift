import Foundation
import SightlinePNG
import SightlineSchema
import SightlineTools
import Testing

@Suite struct PictureTests {
  /// A 4 × 3 grid: row 0 (south) unknown, free, occupied, V2X-tinted; north rows free.
  func frame() -> GridFrame {
    var frame = GridFrame()
    frame.columns = 4
    frame.rows = 3
    frame.resolution = 1
    frame.cells = [-1, 0, 100, 0, 20, 20, 20, 20, 20, 20, 20, 20]
    frame.v2xCells = [-1, -1, -1, 90, -1, -1, -1, -1, -1, -1, -1, -1]
    frame.egoEast = 100  // off the picture: no mark
    return frame
  }

  @Test func cellsBecomeTheDocumentedColoursNorthUp() {
    let pixels = GridImage.render(frame())
    #expect(pixels.count == 4 * 3 * 3)
    func pixel(_ column: Int, _ picturRow: Int) -> [UInt8] {
      let at = (picturRow * 4 + column) * 3
      return Array(pixels[at..<(at + 3)])
    }
    // Grid row 0 is the picture's bottom row.
    #expect(pixel(0, 2) == [128, 128, 128])  // unknown
    #expect(pixel(1, 2) == [255, 255, 255])  // surely free
    #expect(pixel(2, 2) == [0, 0, 0])  // surely occupied
    #expect(pixel(3, 2)[2] > pixel(3, 2)[0])  // the V2X layer tints blue
    #expect(pixel(0, 0) == [215, 215, 215])  // free at 20%
  }

  @Test func agentsAreDrawnInTheirStatusColour() {
    var withAgent = frame()
    var agent = AgentsFrame.Agent()
    agent.east = 1.5
    agent.north = 1.5
    agent.covarianceEE = 0.01
    agent.covarianceNN = 0.01
    agent.consistency = .contradicted
    withAgent.agents = [agent]
    let pixels = GridImage.render(withAgent)
    let at = ((3 - 1 - 1) * 4 + 1) * 3
    #expect(Array(pixels[at..<(at + 3)]) == [220, 0, 0])
  }

  @Test func pngFilesCarryTheRightHeaderAndBadPathsAreClearErrors() throws {
    let path = NSTemporaryDirectory() + "sightline-picture-\(getpid()).png"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try PNGFile.writeRGB(GridImage.render(frame()), width: 4, height: 3, to: path)
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    #expect(Array(bytes[12..<16]) == Array("IHDR".utf8))
    #expect(bytes[16..<20].reduce(0) { $0 << 8 | Int($1) } == 4)  // width
    #expect(bytes[20..<24].reduce(0) { $0 << 8 | Int($1) } == 3)  // height
    #expect(throws: PNGError.self) {
      try PNGFile.writeRGB([0, 0, 0], width: 1, height: 1, to: "/nonexistent-dir/x.png")
    }
    #expect(throws: PNGError.self) {
      try PNGFile.writeRGB([0, 0], width: 1, height: 1, to: path)
    }
  }
}
