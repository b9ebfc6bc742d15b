/// Version-aware writes, the counterpart of `WireReader+Versioned`.
extension WireWriter {
    /// STRING or COMPACT_STRING.
    public mutating func writeString(_ s: String, flexible: Bool) {
        if flexible { writeCompactString(s) } else { writeString(s) }
    }

    /// NULLABLE_STRING or COMPACT_NULLABLE_STRING.
    public mutating func writeNullableString(_ s: String?, flexible: Bool) {
        if flexible { writeCompactNullableString(s) } else { writeNullableString(s) }
    }

    /// BYTES or COMPACT_BYTES.
    public mutating func writeBytes(_ b: [UInt8], flexible: Bool) {
        writeNullableBytes(b, flexible: flexible)
    }

    /// NULLABLE_BYTES or COMPACT_NULLABLE_BYTES (also RECORDS).
    public mutating func writeNullableBytes(_ b: [UInt8]?, flexible: Bool) {
        if flexible { writeCompactNullableBytes(b) } else { writeNullableBytes(b) }
    }

    public mutating func writeErrorCode(_ code: KafkaErrorCode) { writeInt16(code.rawValue) }

    /// ARRAY or COMPACT_ARRAY, null when `elements` is nil.
    public mutating func writeNullableArray<Element>(
        _ elements: [Element]?, flexible: Bool, _ element: (inout WireWriter, Element) -> Void
    ) {
        if flexible { writeCompactArrayCount(elements?.count) } else { writeArrayCount(elements?.count) }
        guard let elements else { return }
        for e in elements { element(&self, e) }
    }

    /// ARRAY or COMPACT_ARRAY.
    public mutating func writeArray<Element>(
        _ elements: [Element], flexible: Bool, _ element: (inout WireWriter, Element) -> Void
    ) {
        writeNullableArray(Optional(elements), flexible: flexible, element)
    }

    public mutating func writeInt32Array(_ values: [Int32], flexible: Bool) {
        writeArray(values, flexible: flexible) { w, v in w.writeInt32(v) }
    }

    public mutating func writeStringArray(_ values: [String], flexible: Bool) {
        writeArray(values, flexible: flexible) { w, v in w.writeString(v, flexible: flexible) }
    }

    public mutating func writeNullableStringArray(_ values: [String]?, flexible: Bool) {
        writeNullableArray(values, flexible: flexible) { w, v in w.writeString(v, flexible: flexible) }
    }

    /// An empty tagged-field section when the version is flexible, nothing otherwise.
    public mutating func writeEmptyTaggedFields(flexible: Bool) {
        if flexible { writeUnsignedVarint(0) }
    }
}
