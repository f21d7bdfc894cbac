import SightlineTimeline
import Testing

@Test func timelineModuleBuilds() { #expect(Bool(true) == true) }
