/// Version-aware reads: each picks the classic or the compact (flexible) form of a Kafka type,
/// so message codecs state a field once instead of branching on `flexible` at every field.
extension WireReader {
    /// STRING or COMPACT_STRING.
    public mutating func readString(_ what: String, flexible: Bool) throws(WireError) -> String {
        if flexible { try readCompactString(what) } else { try readString(what) }
    }

    /// NULLABLE_STRING or COMPACT_NULLABLE_STRING.
    public mutating func readNullableString(_ what: String, flexible: Bool) throws(WireError) -> String? {
        if flexible { try readCompactNullableString(what) } else { try readNullableString(what) }
    }

    /// BYTES or COMPACT_BYTES: like the nullable forms, but a null is a protocol error.
    public mutating func readBytes(_ what: String, flexible: Bool) throws(WireError) -> [UInt8] {
        let start = position
        guard let bytes = try readNullableBytes(what, flexible: flexible) else {
            position = start
            throw .invalidLength(-1, what: what)
        }
        return bytes
    }

    /// NULLABLE_BYTES or COMPACT_NULLABLE_BYTES (also the RECORDS type, which is nullable bytes).
    public mutating func readNullableBytes(_ what: String, flexible: Bool) throws(WireError) -> [UInt8]? {
        if flexible { try readCompactNullableBytes(what) } else { try readNullableBytes(what) }
    }

    /// An int16 error code.
    public mutating func readErrorCode(_ what: String = "error_code") throws(WireError) -> KafkaErrorCode {
        KafkaErrorCode(rawValue: try readInt16(what))
    }

    /// ARRAY or COMPACT_ARRAY that may be null. The count is checked against the bytes left,
    /// assuming each element takes at least `minElementSize` bytes, so a hostile count cannot
    /// make us reserve more memory than the input could ever fill.
    public mutating func readNullableArray<Element>(
        _ what: String,
        flexible: Bool,
        minElementSize: Int,
        _ element: (inout WireReader) throws(WireError) -> Element
    ) throws(WireError) -> [Element]? {
        let count: Int?
        if flexible {
            count = try readCompactArrayCount(what, minElementSize: minElementSize)
        } else {
            count = try readArrayCount(what, minElementSize: minElementSize)
        }
        guard let count else { return nil }
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for _ in 0..<count { elements.append(try element(&self)) }
        return elements
    }

    /// ARRAY or COMPACT_ARRAY that must not be null.
    public mutating func readArray<Element>(
        _ what: String,
        flexible: Bool,
        minElementSize: Int,
        _ element: (inout WireReader) throws(WireError) -> Element
    ) throws(WireError) -> [Element] {
        guard let elements = try readNullableArray(what, flexible: flexible, minElementSize: minElementSize, element) else {
            throw .invalidLength(-1, what: what)
        }
        return elements
    }

    /// `[]int32`.
    public mutating func readInt32Array(_ what: String, flexible: Bool) throws(WireError) -> [Int32] {
        try readArray(what, flexible: flexible, minElementSize: 4) { (r) throws(WireError) in try r.readInt32(what) }
    }

    /// `[]string`.
    public mutating func readStringArray(_ what: String, flexible: Bool) throws(WireError) -> [String] {
        try readArray(what, flexible: flexible, minElementSize: 1) { (r) throws(WireError) in
            try r.readString(what, flexible: flexible)
        }
    }

    /// `[]string` that may be null.
    public mutating func readNullableStringArray(_ what: String, flexible: Bool) throws(WireError) -> [String]? {
        try readNullableArray(what, flexible: flexible, minElementSize: 1) { (r) throws(WireError) in
            try r.readString(what, flexible: flexible)
        }
    }

    /// Skips a tagged-field section when the version is flexible. Nagare models no tagged fields
    /// of the messages it decodes; skipping them (rather than failing) is what the protocol asks
    /// of a reader that meets tags it does not know.
    public mutating func skipTaggedFields(flexible: Bool, _ what: String = "tagged fields") throws(WireError) {
        guard flexible else { return }
        let start = position
        do throws(WireError) {
            let count = Int(try readUnsignedVarint(what))
            // Each field takes at least two bytes (tag and size), which bounds the loop.
            guard count.multipliedReportingOverflow(by: 2).partialValue <= remaining else {
                throw WireError.invalidLength(Int64(count), what: what)
            }
            for _ in 0..<count {
                _ = try readUnsignedVarint(what)
                try skip(Int(try readUnsignedVarint(what)), what: what)
            }
        } catch {
            position = start
            throw error
        }
    }
}
