extension Event {
    /// Removes the fields whose names satisfy `remove`, keeping the order of the others.
    public mutating func removeFields(where remove: (String) -> Bool) {
        var index = 0
        while index < slots.count {
            if remove(name(at: index)) { removeField(at: index) } else { index += 1 }
        }
    }

    /// Renames a field in place, keeping its position; a field already named `new` is replaced.
    /// Returns false when `old` is absent.
    @discardableResult
    public mutating func renameField(_ old: String, to new: String) -> Bool {
        guard old != new else { return index(of: old) != nil }
        guard index(of: old) != nil else { return false }
        while let other = index(of: new) { removeField(at: other) }
        guard let index = index(of: old) else { return false }
        let slot = slots[index]
        if slot.isHeld {
            held[slot.heldIndex].name = new
        } else {
            hold(Field(name: new, value: value(at: index)), at: index)
        }
        Self.withUTF8(of: new) { names.insert($0) }
        return true
    }

    /// Appends a field; the input's fields stay untouched.
    mutating func append(_ field: Field) {
        // Enrichment appends several fields to most events: one allocation for all of them.
        if held.capacity == 0 { held.reserveCapacity(8) }
        Self.withUTF8(of: field.name) { names.insert($0) }
        slots.append(.held(held.count))
        held.append(field)
    }

    mutating func replaceValue(at index: Int, with value: JSONValue) {
        let slot = slots[index]
        if slot.isHeld {
            held[slot.heldIndex].value = value
        } else {
            hold(Field(name: name(at: index), value: value), at: index)
        }
    }

    mutating func removeField(at index: Int) {
        let slot = slots.remove(at: index)
        if slot.isHeld {
            // Keep `held` free of dead entries, so it never grows beyond the event's fields.
            held.remove(at: slot.heldIndex)
            for i in slots.indices where slots[i].isHeld && slots[i].heldIndex > slot.heldIndex {
                slots[i].valueStart -= 1
            }
        } else {
            splice = nil
        }
    }

    /// Puts `field` in place of the input field at `index`.
    private mutating func hold(_ field: Field, at index: Int) {
        slots[index] = .held(held.count)
        held.append(field)
        splice = nil
    }
}
