/// Why bytes could not be decoded. Decoders never read past their input and never trap: every
/// malformed input ends in one of these.
public enum WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input ended before the value was complete.
    case truncated(needed: Int, available: Int, what: String)
    /// A length, count or varint that cannot be right (negative where not allowed, too large).
    case invalidLength(Int64, what: String)
    /// A varint longer than its type allows.
    case varintTooLong(what: String)
    /// Bytes that should be UTF-8 are not.
    case invalidUTF8(what: String)
    /// A CRC over the input did not match the stored one.
    case crcMismatch(expected: UInt32, actual: UInt32)
    /// A version, magic byte or other field has a value this codec does not support.
    case unsupported(String)

    public var description: String {
        switch self {
        case .truncated(let needed, let available, let what):
            "truncated \(what): needed \(needed) bytes, \(available) available"
        case .invalidLength(let n, let what): "invalid length \(n) for \(what)"
        case .varintTooLong(let what): "varint too long for \(what)"
        case .invalidUTF8(let what): "invalid UTF-8 in \(what)"
        case .crcMismatch(let e, let a): "CRC mismatch: stored \(e), computed \(a)"
        case .unsupported(let s): "unsupported: \(s)"
        }
    }
}
