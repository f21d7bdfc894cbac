// ZAPPolicy: how ZAPAuthenticator judges a ZAP (ZeroMQ RFC 27) request: CURVE, with a client key
// in the allow-list of the request's domain.

/// The allow-list per ZAP domain.
struct ZAPPolicy: Sendable {
  /// What the handler answers.
  enum Verdict {
    case accept(CurveKeyBytes)
    /// Status code, status text for the client, reason for
    /// `ZAPAuthenticator.Counts.lastDenial`.
    case deny(StaticString, StaticString, reason: String)
  }

  struct Domain: Sendable {
    let name: [UInt8]
    let allowList: CurveAllowList
  }
  let domains: [Domain]

  init(_ allowLists: [String: CurveAllowList]) {
    domains = allowLists.map { Domain(name: Array($0.key.utf8), allowList: $0.value) }
  }

  // Frames: version, request id, domain, address, identity, mechanism, credentials...
  func judge(_ request: ZAPRequest) -> Verdict {
    guard request.frameCount >= 6, !request.truncated, request.frames.count == request.frameCount
    else {
      return .deny("500", "Malformed request", reason: "malformed ZAP request")
    }
    guard request.frame(0, is: "1.0") else {
      return .deny("500", "Unsupported version", reason: "ZAP version \"\(request.text(0))\"")
    }
    // Only denials pay for text.
    func place() -> String { "domain \"\(request.text(2))\", from \(request.text(3))" }
    let domainName = request.frame(2)
    guard let domain = domains.first(where: { domainName.elementsEqual($0.name) }) else {
      return .deny("400", "Unknown domain", reason: "\(place()): no allow-list for the domain")
    }
    guard request.frame(5, is: "CURVE") else {
      return .deny(
        "400", "Mechanism not allowed", reason: "\(place()): mechanism \(request.text(5))")
    }
    guard request.frameCount == 7, request.frame(6).count == 32 else {
      return .deny(
        "400", "Malformed credentials", reason: "\(place()): malformed CURVE credentials")
    }
    let key = CurveKeyBytes(request.frame(6))
    guard domain.allowList.contains(key) else {
      return .deny(
        "400", "Key not allowed", reason: "\(place()): client key \(key.z85) not allowed")
    }
    return .accept(key)
  }
}
