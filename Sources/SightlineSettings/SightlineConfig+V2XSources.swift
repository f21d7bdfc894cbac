import SightlineTOML

extension SightlineConfig {
  static let sourceKeys = [
    "name", "endpoint", "bind", "topics", "format", "framing", "rcvhwm", "curve_allow",
    "curve_server_key",
  ]

  /// `[[v2x.source]]` tables; a problem names the source's position and key.
  static func v2xSources(_ value: TOMLValue) throws(ValueProblem) -> [V2XSource] {
    guard let array = value.array else {
      throw ValueProblem(message: "expected [[v2x.source]] tables")
    }
    var sources = [V2XSource]()
    for (index, element) in array.enumerated() {
      let at = "[\(index + 1)]"
      guard let table = element.table else {
        throw ValueProblem(message: "\(at) is not a table")
      }
      var source = V2XSource()
      source.name = "source\(index + 1)"
      for key in table.keys.sorted() {
        let item = table[key]!
        func problem(_ message: String) -> ValueProblem {
          ValueProblem(message: "\(at).\(key): \(message)")
        }
        switch key {
        case "name":
          guard let name = item.string, !name.isEmpty else { throw problem("expected a name") }
          source.name = name
        case "endpoint":
          guard let endpoint = item.string, endpoint.contains("://") else {
            throw problem("expected a ZeroMQ endpoint like tcp://host:port")
          }
          source.endpoint = endpoint
        case "bind":
          guard let bind = item.bool else { throw problem("expected true or false") }
          source.bind = bind
        case "topics":
          guard let topics = item.array?.compactMap({ $0.string }),
            topics.count == item.array?.count
          else { throw problem("expected a list of strings") }
          source.topics = topics.isEmpty ? [""] : topics
        case "format":
          guard let format = item.string.flatMap(V2XPayloadFormat.init(rawValue:)) else {
            throw problem("expected one of uper, hex, json")
          }
          source.format = format
        case "framing":
          guard let framing = item.string.flatMap(V2XSource.Framing.init(rawValue:)) else {
            throw problem("expected single or multipart")
          }
          source.framing = framing
        case "rcvhwm":
          guard let hwm = item.int, (1...10_000_000).contains(hwm) else {
            throw problem("expected an integer in 1...10000000")
          }
          source.receiveHighWaterMark = hwm
        case "curve_allow":
          guard let path = item.string, !path.isEmpty else { throw problem("expected a path") }
          source.curveAllowPath = path
        case "curve_server_key":
          guard let path = item.string, !path.isEmpty else { throw problem("expected a path") }
          source.curveServerKeyPath = path
        default:
          throw problem("unknown key (known: \(sourceKeys.sorted().joined(separator: ", ")))")
        }
      }
      sources.append(source)
    }
    return sources
  }
}
