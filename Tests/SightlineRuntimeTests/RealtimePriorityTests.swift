import Foundation
import Testing

@testable import SightlineLive

@Suite struct RealtimePriorityTests {
  /// On a thread of its own (the runner's threads keep their scheduling): FIFO at 10 is set
  /// and reads back; 0 changes nothing; an impossible priority is refused with the reason.
  @Test func setsFIFOOrSaysWhyNot() throws {
    final class Outcome: @unchecked Sendable {
      var policy: Int32 = -1
      var priority: Int32 = -1
      var refusal: String?
      var permitted = true
    }
    let outcome = Outcome()
    let thread = Thread {
      do {
        try RealtimePriority.apply(0)
        try RealtimePriority.apply(10)
      } catch let refused as RealtimePriority.Refused {
        outcome.permitted = false  // not root and no CAP_SYS_NICE: said why below
        outcome.refusal = refused.description
      } catch {}
      var parameters = sched_param()
      _ = pthread_getschedparam(pthread_self(), &outcome.policy, &parameters)
      outcome.priority = parameters.sched_priority
      do {
        try RealtimePriority.apply(100)
      } catch let refused as RealtimePriority.Refused {
        outcome.refusal = refused.description
      } catch {}
    }
    thread.start()
    while !thread.isFinished { Thread.sleep(forTimeInterval: 0.01) }
    if outcome.permitted {
      #expect(outcome.policy == SCHED_FIFO && outcome.priority == 10)
    }
    #expect(outcome.refusal?.contains("SCHED_FIFO priority 100 refused") == true)
  }
}
