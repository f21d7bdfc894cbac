import SightlineSchema
import Testing

@Suite struct AgentsFrameTests {
  func sample() -> AgentsFrame {
    var frame = AgentsFrame()
    frame.sequence = 7
    frame.timeNanoseconds = 1_453_364_282_406_951_000
    frame.egoKnown = true
    frame.egoEast = 1.5
    frame.egoNorth = -2.25
    frame.egoYaw = 0.5
    var agent = AgentsFrame.Agent()
    agent.id = 0x3132_5442
    agent.kind = .vehicle
    agent.model = .ctra
    agent.flags = 3 | 3 << 3  // heading and speed known; contradicted by LiDAR
    agent.east = 1234.5
    agent.north = -987.25
    agent.heading = 1.25
    agent.speed = 22.9
    agent.covarianceEE = 4
    agent.covarianceEN = 0.5
    agent.covarianceNN = 9
    agent.latencyNanoseconds = 120_000_000
    agent.generationTimeNanoseconds = 1_453_364_282_286_951_000
    agent.distanceTravelled = 2.75
    var unknown = AgentsFrame.Agent()
    unknown.kind = .pedestrian
    frame.agents = [agent, unknown]
    return frame
  }

  @Test func roundTripsWithTheDocumentedSizes() throws {
    var bytes = [UInt8]()
    sample().encode(into: &bytes)
    #expect(
      bytes.count == "agents\0".utf8.count + AgentsFrame.headerSize + 2 * AgentsFrame.agentSize)
    let decoded = try AgentsFrame.decode(bytes)
    #expect(decoded.sequence == 7 && decoded.egoKnown && decoded.agents.count == 2)
    #expect(decoded.agents[0] == sample().agents[0])
    #expect(decoded.agents[0].consistency == 3)  // docs/SCHEMA.md: bits 3–4
    #expect(bytes[7 + AgentsFrame.headerSize + 6] == 0b11011)
    #expect(decoded.agents[1].heading.isNaN && decoded.agents[1].kind == .pedestrian)
    #expect(topic(of: bytes) == .agents)
  }

  @Test func rejectsALyingCount() {
    var bytes = [UInt8]()
    sample().encode(into: &bytes)
    bytes[7 + 48] = 3  // claims three agents, carries two
    #expect(throws: SchemaError.self) { try AgentsFrame.decode(bytes) }
    #expect(throws: SchemaError.self) { try AgentsFrame.decode(Array(bytes.prefix(30))) }
  }
}
