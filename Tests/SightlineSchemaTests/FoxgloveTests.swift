import Foundation
import SightlineProto
import SightlineSchema
import SwiftProtobuf
import Testing

/// The foxglove messages a recording carries, decoded by code generated from the official
/// foxglove schemas.
@Suite struct FoxgloveTests {
  @Test func gridLayersAsFoxgloveGrid() throws {
    let frame = sampleFrame()
    var bytes = [UInt8]()
    #expect(Foxglove.grid(frame, layer: .occupancy, into: &bytes))
    let grid = try Foxglove_Grid(serializedBytes: bytes)
    #expect(grid.timestamp.seconds == 1_453_364_282 && grid.timestamp.nanos == 506_951_000)
    #expect(grid.frameID == "enu")
    #expect(grid.pose.position.x == 1234.5 && grid.pose.orientation.w == 1)
    #expect(grid.columnCount == 3 && grid.rowStride == 3 && grid.cellStride == 1)
    #expect(grid.cellSize.x == 0.25 && grid.cellSize.y == 0.25)
    #expect(
      grid.fields.count == 1 && grid.fields[0].type == .int8 && grid.fields[0].name == "occupancy")
    #expect(grid.data == Data(frame.cells.map { UInt8(bitPattern: $0) }))
    #expect(Foxglove.grid(frame, layer: .v2x, into: &bytes))
    #expect(try Foxglove_Grid(serializedBytes: bytes).data.count == 6)
    var noLayer = frame
    noLayer.v2xCells = []
    #expect(!Foxglove.grid(noLayer, layer: .v2x, into: &bytes) && bytes.isEmpty)
  }

  @Test func agentsAsASceneUpdate() throws {
    var frame = sampleFrame()
    frame.agents[0].heading = .pi / 2
    var bytes = [UInt8]()
    Foxglove.sceneUpdate(frame, into: &bytes)
    let scene = try Foxglove_SceneUpdate(serializedBytes: bytes)
    #expect(scene.deletions.count == 1 && scene.deletions[0].type == .all)
    #expect(scene.entities.map(\.id) == ["ego", "agent-825381954", "agent-0"])
    let vehicle = scene.entities[1]
    #expect(vehicle.cubes.count == 1 && vehicle.cylinders.count == 1)
    #expect(vehicle.cubes[0].pose.position.x == 1234.5)
    // Heading π/2 about z: the quaternion (0, 0, sin π/4, cos π/4).
    #expect(abs(vehicle.cubes[0].pose.orientation.z - 0.5.squareRoot()) < 1e-6)
    #expect(vehicle.cubes[0].color.r > 0.8)  // contradicted: red
    let pedestrian = scene.entities[2]
    #expect(pedestrian.cubes.isEmpty && pedestrian.cylinders.count == 1)
    // The vehicle's 2σ ellipse (diameter 4σ): 1σ axes of the covariance (4, −0.5, 9) are
    // √(6.5 ± √6.5) ≈ 3.0083 and 1.9876 m.
    let disc = vehicle.cylinders[0]
    #expect(abs(disc.size.x - 4 * 3.0083) < 0.001 && abs(disc.size.y - 4 * 1.9876) < 0.001)
  }

  @Test func egoAsALocationFix() throws {
    var bytes = [UInt8]()
    #expect(Foxglove.locationFix(sampleFrame(), into: &bytes))
    let fix = try Foxglove_LocationFix(serializedBytes: bytes)
    #expect(fix.latitude == 40.4 && fix.longitude == -3.7 && fix.altitude == 650)
    var unanchored = sampleFrame()
    unanchored.egoWGS84 = nil
    #expect(!Foxglove.locationFix(unanchored, into: &bytes))
  }

  @Test func embeddedDescriptorsNameTheirMessages() throws {
    for (name, data) in [
      Foxglove.gridSchema, Foxglove.sceneUpdateSchema, Foxglove.locationFixSchema,
      Foxglove.fusedFrameSchema,
    ] {
      let set = try Google_Protobuf_FileDescriptorSet(serializedBytes: data)
      let parts = name.split(separator: ".")
      let package = parts.dropLast().joined(separator: ".")
      #expect(
        set.file.contains {
          $0.package == package && $0.messageType.contains { $0.name == parts.last! }
        },
        "\(name)")
    }
  }
}
