/// A parsed event: named fields in order, read lazily from the bytes it was parsed from.
///
/// Why lazy: the pipeline reads a handful of an event's fields (the dedup key, the event time,
/// enrichment keys, window sums) and then writes the whole event out again. Building a `String`
/// for every name and value on input and escaping them all again on output measured as a large
/// share of the processor's CPU. So `JSONScanner.parseEvent` validates the input completely but
/// keeps only, per field, where its name and value are in the input and the value's JSON kind
/// (`FieldSlot`). Reading `event[name]` decodes that one value; fields set to a new name are
/// appended as values; and while the input's fields are untouched, `JSONWriter` copies the input
/// object as it is and appends the new fields after it.
///
/// Memory: a parsed event keeps its input array alive (the caller's array, shared copy-on-write,
/// not copied) for as long as the event lives, plus about 20 bytes per field and the held
/// (appended or changed) fields as values. An event built in code has no input. `fields`,
/// equality and hashing decode every value: they are for code that needs them all, not the
/// per-event hot path.
///
/// Behaviour: fields keep their order. Setting an existing field replaces it in place, removing
/// or renaming keeps the others' order, and new fields come last. Values read back decoded
/// (`1.0` reads as `.double(1)`, `"\u00e9"` as `"é"`), but untouched input fields are written
/// out with their input spelling (`1.0`, `\u00e9`); a field that was replaced or renamed is
/// written from its value. Equality is by decoded names and values in order, whatever the
/// spelling or the storage.
///
/// A small array rather than a dictionary: typical events have about ten fields, for which a
/// linear scan over names is faster than hashing.
public struct Event: Sendable {
    /// One named field.
    public struct Field: Hashable, Sendable {
        public var name: String
        public var value: JSONValue

        public init(name: String, value: JSONValue) {
            self.name = name
            self.value = value
        }
    }

    /// The bytes the event was parsed from; empty for an event built in code.
    private(set) var input: [UInt8]
    /// The fields in order.
    var slots: [FieldSlot]
    /// The fields held as values (appended, replaced, renamed, or built in code); `.held` slots
    /// index here.
    var held: [Field]
    /// Every name the event has (and perhaps had), for lookups of absent names.
    var names: NameFilter
    /// Set while the first `inputFieldCount` slots are the input's fields, untouched and in
    /// order, and only appended fields follow: the writer may then copy the input's object.
    var splice: Splice?

    struct Splice: Sendable {
        /// The offsets of the input object's `{` and `}`.
        var objectStart: UInt32
        var objectEnd: UInt32
        var inputFieldCount: UInt32
    }

    public init(fields: [Field] = []) {
        input = []
        slots = fields.indices.map(FieldSlot.held)
        held = fields
        names = NameFilter()
        splice = nil
        for field in fields { Self.withUTF8(of: field.name) { names.insert($0) } }
    }

    public init(_ pairs: KeyValuePairs<String, JSONValue>) {
        self.init(fields: pairs.map { Field(name: $0.key, value: $0.value) })
    }

    /// An event over `input` whose object spans `objectStart...objectEnd` and whose fields are
    /// `slots`; the scanner has validated all of it.
    init(
        input: [UInt8], slots: [FieldSlot], held: [Field] = [], names: NameFilter, objectStart: Int, objectEnd: Int
    ) {
        self.input = input
        self.slots = slots
        self.held = held
        self.names = names
        self.splice = Splice(
            objectStart: UInt32(objectStart), objectEnd: UInt32(objectEnd), inputFieldCount: UInt32(slots.count))
    }

    public var count: Int { slots.count }

    /// Empties the event, handing its slot and held-field storage (emptied, capacity kept) to
    /// `slots` and `held` for the next parse.
    mutating func release(slots: inout [FieldSlot], held: inout [Field]) {
        swap(&slots, &self.slots)
        swap(&held, &self.held)
        slots.removeAll(keepingCapacity: true)
        held.removeAll(keepingCapacity: true)
        input = []
        names = NameFilter()
        splice = nil
    }

    /// Every field, decoded.
    public var fields: [Field] {
        slots.indices.map { Field(name: name(at: $0), value: value(at: $0)) }
    }

    /// The value of `name`; setting `nil` removes the field, setting a new name appends it.
    public subscript(name: String) -> JSONValue? {
        get {
            guard let index = index(of: name) else { return nil }
            return value(at: index)
        }
        set {
            if let index = index(of: name) {
                if let newValue { replaceValue(at: index, with: newValue) } else { removeField(at: index) }
            } else if let newValue {
                append(Field(name: name, value: newValue))
            }
        }
    }

    // MARK: - Reading

    // The readers below are `@inline(never)`: inlined into a caller that holds the event
    // `inout` (the enricher), their `withUnsafeBufferPointer` closures made the compiler copy the
    // event's arrays around every call, a retain and a release each, which measured as most of
    // the enricher's time. Called, they borrow `self` instead.

    /// The position of the field named `name`. Most absent names are ruled out by the name
    /// filter; otherwise input names are compared as bytes, lengths first (most names differ in
    /// length), held names as strings, also lengths first.
    @inline(never)
    func index(of name: String) -> Int? {
        Self.withUTF8(of: name) { nameBytes in
            guard names.mayContain(nameBytes) else { return nil }
            return input.withUnsafeBufferPointer { inputBytes in
                for index in slots.indices {
                    let slot = slots[index]
                    if slot.isHeld {
                        let heldName = held[slot.heldIndex].name
                        if heldName.utf8.count == nameBytes.count && heldName == name { return index }
                    } else if !slot.nameHasEscapes {
                        let content = slot.nameContent
                        if content.count == nameBytes.count,
                            SWAR.equal(UnsafeBufferPointer(rebasing: inputBytes[content]), nameBytes)
                        {
                            return index
                        }
                    } else if JSONScanner.decodeString(inputBytes[slot.nameBytes], hasEscapes: true) == name {
                        return index
                    }
                }
                return nil
            }
        }
    }

    /// Where a caller found a name in the last event it looked at. Events from one source mostly
    /// share their layout, so the next event usually has the name at the same position, which
    /// a comparison of two words confirms (`index(of:hint:)`) instead of a scan. Kept by the
    /// caller (a task's operator state): one hint per name it reads per event, never shared
    /// between names.
    struct FieldHint: Sendable {
        var slot: Int32 = -1
        /// The name's byte count when it was an input name of at most 16 bytes without escapes,
        /// else -1; then `first` and `last` hold its first and last 8 bytes (overlapping, or
        /// zero-padded under 8), which is all of it.
        var length: Int32 = -1
        var first: UInt64 = 0
        var last: UInt64 = 0
    }

    /// `index(of:)`, trying the hinted position first; updates `hint`. Names are unique in an
    /// event (the scanner rejects duplicates, setting a name replaces it), so a slot with the
    /// name is the one `index(of:)` would find.
    @inline(never)
    func index(of name: String, hint: inout FieldHint) -> Int? {
        let hinted = Int(hint.slot)
        if hinted >= 0, hinted < slots.count {
            let slot = slots[hinted]
            if hint.length >= 0 {
                if slot.kind != .held, !slot.nameHasEscapes, slot.nameContent.count == Int(hint.length),
                    Self.words(of: slot.nameContent, in: input) == (hint.first, hint.last)
                {
                    return hinted
                }
            } else if hasName(name, at: hinted) {
                return hinted
            }
        }
        guard let found = index(of: name) else {
            hint.slot = -1
            return nil
        }
        hint.slot = Int32(truncatingIfNeeded: found)
        let slot = slots[found]
        if slot.kind != .held, !slot.nameHasEscapes, slot.nameContent.count <= 16 {
            hint.length = Int32(slot.nameContent.count)
            (hint.first, hint.last) = Self.words(of: slot.nameContent, in: input)
        } else {
            hint.length = -1
        }
        return found
    }

    /// The first and last 8 bytes of `range` of `bytes` (overlapping; under 8 bytes, the bytes
    /// zero-padded and 0).
    @inline(__always)
    private static func words(of range: Range<Int>, in bytes: [UInt8]) -> (UInt64, UInt64) {
        bytes.withUnsafeBytes { raw in
            if range.count >= 8 {
                return (raw.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt64.self),
                        raw.loadUnaligned(fromByteOffset: range.upperBound - 8, as: UInt64.self))
            }
            // A short name is followed by at least its closing quote, a colon and a value: one
            // load, masked to the name, where the bytes are there; else byte by byte.
            if range.lowerBound + 8 <= raw.count {
                let mask: UInt64 = range.isEmpty ? 0 : ~0 >> (64 - 8 * UInt64(range.count))
                return (raw.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt64.self) & mask, 0)
            }
            var word: UInt64 = 0
            for (shift, i) in range.enumerated() { word |= UInt64(raw[i]) << (8 * UInt64(shift)) }
            return (word, 0)
        }
    }

    /// Whether the field at `index` is named `name`. An input name with escapes is not
    /// compared (false): the caller falls back to `index(of:)`, which decodes it.
    private func hasName(_ name: String, at index: Int) -> Bool {
        let slot = slots[index]
        if slot.isHeld { return held[slot.heldIndex].name == name }
        if slot.nameHasEscapes { return false }
        let content = slot.nameContent
        return Self.withUTF8(of: name) { nameBytes in
            content.count == nameBytes.count && input.withUnsafeBufferPointer {
                SWAR.equal(UnsafeBufferPointer(rebasing: $0[content]), nameBytes)
            }
        }
    }

    /// `self[name]`, finding the field through `hint`.
    func value(of name: String, hint: inout FieldHint) -> JSONValue? {
        guard let index = index(of: name, hint: &hint) else { return nil }
        return value(at: index)
    }

    @inline(never)
    func name(at index: Int) -> String {
        let slot = slots[index]
        if slot.isHeld { return held[slot.heldIndex].name }
        return input.withUnsafeBufferPointer {
            JSONScanner.decodeString($0[slot.nameBytes], hasEscapes: slot.nameHasEscapes)
        }
    }

    @inline(never)
    func value(at index: Int) -> JSONValue {
        let slot = slots[index]
        if slot.isHeld { return held[slot.heldIndex].value }
        return input.withUnsafeBufferPointer { JSONScanner.decodeValue(slot, in: $0) }
    }

    /// The JSON type of field `name`, nil when absent; an input field's is known without
    /// decoding it.
    func type(of name: String) -> JSONType? {
        var hint = FieldHint()
        return type(of: name, hint: &hint)
    }

    /// `type(of:)`, finding the field through `hint`.
    @inline(never)
    func type(of name: String, hint: inout FieldHint) -> JSONType? {
        guard let index = index(of: name, hint: &hint) else { return nil }
        let slot = slots[index]
        switch slot.kind {
        case .plainString, .escapedString: return .string
        case .number: return .number
        case .trueLiteral, .falseLiteral: return .boolean
        case .null: return .null
        case .object: return .object
        case .array: return .array
        case .held: return held[slot.heldIndex].value.type
        }
    }

    /// Calls `body` with the text of field `name` as bytes when that is free: the field is an
    /// input string without escapes. Returns nil without calling `body` otherwise (absent, held,
    /// escaped, not a string); the caller then reads `self[name]`. For byte-level fast paths.
    func withPlainStringBytes<R>(of name: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        var hint = FieldHint()
        return withPlainStringBytes(of: name, hint: &hint, body)
    }

    /// `withPlainStringBytes(of:_:)`, finding the field through `hint`.
    @inline(never)
    func withPlainStringBytes<R>(
        of name: String, hint: inout FieldHint, _ body: (UnsafeBufferPointer<UInt8>) -> R
    ) -> R? {
        guard let index = index(of: name, hint: &hint) else { return nil }
        let slot = slots[index]
        guard slot.kind == .plainString else { return nil }
        let text = Int(slot.valueStart) + 1..<Int(slot.valueEnd) - 1
        return input.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[text])) }
    }

    /// The UTF-8 of `name`, in place when it is stored contiguously (native strings are).
    @inline(__always)
    static func withUTF8<R>(of name: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = name.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = name
        return copy.withUTF8(body)
    }
}
