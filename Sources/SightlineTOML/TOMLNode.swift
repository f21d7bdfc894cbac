/// A table while the document is read. Where it came from decides what may still add to it.
final class TOMLNode {
  enum Origin: Equatable {
    /// Made as a parent of a `[header]` (`[a.b]` makes `a`): a later `[a]` may define it.
    case implicit
    /// Defined by a `[header]` or `[[header]]`: no other header and no dotted key may reopen it.
    case header
    /// Made by a dotted key (`a.b = 1` makes `a`) in one section: only that section may add to
    /// it with dotted keys; headers may still define tables below it.
    case dotted(section: Int)
  }

  enum Item {
    /// Any value, including inline tables and arrays, which are complete once written.
    case value(TOMLValue)
    case table(TOMLNode)
    /// An array of tables (`[[header]]`), which later headers extend.
    case tables([TOMLNode])
  }

  var origin: Origin
  var keys: [String] = []
  var items: [String: Item] = [:]

  init(_ origin: Origin) { self.origin = origin }

  func add(_ key: String, _ item: Item) {
    if items.updateValue(item, forKey: key) == nil { keys.append(key) }
  }

  func table() -> TOMLTable {
    var table = TOMLTable()
    for key in keys {
      switch items[key]! {
      case .value(let value): table.append(key, value)
      case .table(let node): table.append(key, .table(node.table()))
      case .tables(let nodes): table.append(key, .array(nodes.map { .table($0.table()) }))
      }
    }
    return table
  }
}
