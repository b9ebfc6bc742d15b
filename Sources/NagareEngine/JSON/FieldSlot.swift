/// Where one field of an `Event` lives: as byte spans of the input it was parsed from, or as a
/// `Event.Field` value the event holds (an appended, replaced or renamed field, or any field of
/// an event built in code).
///
/// Offsets are 32-bit to keep a slot at 20 bytes: the scanner rejects inputs beyond
/// `JSONScanner.maxInputBytes` (a Kafka record value is at most 2 GiB anyway).
struct FieldSlot: Sendable {
    /// The JSON kind of an input value, found while validating it, so that most reads know
    /// what they will get without decoding and the writer can copy the bytes as they are.
    enum Kind: UInt8, Sendable {
        case plainString
        /// A string with at least one escape: its bytes differ from its text.
        case escapedString
        case number
        case trueLiteral
        case falseLiteral
        case null
        case object
        case array
        /// Not in the input: `heldIndex` says which of the event's held fields it is.
        case held
    }

    /// The name's opening quote; its closing quote is at `nameEnd - 1`.
    var nameStart: UInt32
    var nameEnd: UInt32
    /// The value's bytes, quotes included for a string. For `.held`, `valueStart` is the index
    /// into the event's held fields.
    var valueStart: UInt32
    var valueEnd: UInt32
    var kind: Kind
    /// The name has an escape, so its bytes cannot be compared with a name's UTF-8 directly.
    var nameHasEscapes: Bool

    init(nameStart: Int, nameEnd: Int, nameHasEscapes: Bool, valueStart: Int, valueEnd: Int, kind: Kind) {
        self.nameStart = UInt32(truncatingIfNeeded: nameStart)
        self.nameEnd = UInt32(truncatingIfNeeded: nameEnd)
        self.valueStart = UInt32(truncatingIfNeeded: valueStart)
        self.valueEnd = UInt32(truncatingIfNeeded: valueEnd)
        self.kind = kind
        self.nameHasEscapes = nameHasEscapes
    }

    static func held(_ index: Int) -> FieldSlot {
        FieldSlot(nameStart: 0, nameEnd: 0, nameHasEscapes: false, valueStart: index, valueEnd: 0, kind: .held)
    }

    var isHeld: Bool { kind == .held }
    var heldIndex: Int { Int(valueStart) }

    /// The name between its quotes.
    var nameContent: Range<Int> { Int(nameStart) + 1..<Int(nameEnd) - 1 }
    var nameBytes: Range<Int> { Int(nameStart)..<Int(nameEnd) }
    var valueBytes: Range<Int> { Int(valueStart)..<Int(valueEnd) }
}
