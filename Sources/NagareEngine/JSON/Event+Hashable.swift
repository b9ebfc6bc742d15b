/// Equality and hashing are by decoded names and values in order, whatever each event's
/// storage or the input's spelling: `{"a":1.0}` parsed equals `Event(["a": .double(1)])`.
extension Event: Hashable {
    public static func == (lhs: Event, rhs: Event) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for index in lhs.slots.indices {
            guard lhs.name(at: index) == rhs.name(at: index), lhs.value(at: index) == rhs.value(at: index) else {
                return false
            }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for index in slots.indices {
            hasher.combine(name(at: index))
            hasher.combine(value(at: index))
        }
    }
}
