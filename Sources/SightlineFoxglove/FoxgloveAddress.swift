/// Where a `FoxgloveServer` listens: `HOST:PORT` (`[::1]:8765`, `0.0.0.0:8765`), or `PORT`
/// alone for the loopback interface. Port 0 picks a free port.
public struct FoxgloveAddress: Sendable, Equatable, CustomStringConvertible {
  public var host: String
  public var port: Int

  public init(host: String, port: Int) {
    self.host = host
    self.port = port
  }

  public init?(_ text: String) {
    var host = "127.0.0.1"
    var portText = Substring(text)
    if let colon = text.lastIndex(of: ":") {
      host = String(text[..<colon])
      portText = text[text.index(after: colon)...]
      if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
      if host.isEmpty { host = "127.0.0.1" }
    }
    guard let port = Int(portText), (0...65535).contains(port) else { return nil }
    self.init(host: host, port: port)
  }

  public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
