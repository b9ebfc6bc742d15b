extension JSONWriter {
    /// Appends the event as a JSON object to `buffer`.
    ///
    /// A parsed event whose input fields are untouched is the input object copied as it is, up
    /// to its closing brace, with the appended fields after it: `{"a":1}` plus `b` gives
    /// `{"a":1,"b":2}`. Otherwise the fields are written one by one, input fields copied as
    /// their `"name":value` bytes and held ones written from their values. Either way the input
    /// keeps its spelling, whitespace between its fields included; it was validated, so the
    /// output is valid JSON.
    public static func write(_ event: Event, into buffer: inout JSONBuffer) {
        event.input.withUnsafeBufferPointer { input in
            if let splice = event.splice {
                let inputFieldCount = Int(splice.inputFieldCount)
                buffer.append(UnsafeBufferPointer(rebasing: input[Int(splice.objectStart)..<Int(splice.objectEnd)]))
                var needsComma = inputFieldCount > 0
                for slot in event.slots[inputFieldCount...] {
                    writeField(slot, of: event, input: input, comma: needsComma, into: &buffer)
                    needsComma = true
                }
            } else {
                buffer.reserve(1)
                buffer.appendUnchecked(UInt8(ascii: "{"))
                for (index, slot) in event.slots.enumerated() {
                    writeField(slot, of: event, input: input, comma: index > 0, into: &buffer)
                }
            }
            buffer.reserve(1)
            buffer.appendUnchecked(UInt8(ascii: "}"))
        }
    }

    @inline(__always)
    private static func writeField(
        _ slot: FieldSlot, of event: Event, input: UnsafeBufferPointer<UInt8>, comma: Bool,
        into buffer: inout JSONBuffer
    ) {
        if comma {
            buffer.reserve(1)
            buffer.appendUnchecked(UInt8(ascii: ","))
        }
        if slot.isHeld {
            let field = event.held[slot.heldIndex]
            writeString(field.name, into: &buffer)
            buffer.reserve(1)
            buffer.appendUnchecked(UInt8(ascii: ":"))
            writeValue(field.value, into: &buffer)
        } else {
            let name = slot.nameBytes
            let value = slot.valueBytes
            buffer.reserve(name.count + 1 + value.count)
            buffer.appendUnchecked(UnsafeBufferPointer(rebasing: input[name]))
            buffer.appendUnchecked(UInt8(ascii: ":"))
            buffer.appendUnchecked(UnsafeBufferPointer(rebasing: input[value]))
        }
    }
}
