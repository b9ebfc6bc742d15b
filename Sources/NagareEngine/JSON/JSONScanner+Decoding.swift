extension JSONScanner {
    /// The value of an input field, decoded from the bytes the scan validated, by the same code.
    /// `.held` slots are the event's own business and never come here.
    static func decodeValue(_ slot: FieldSlot, in input: UnsafeBufferPointer<UInt8>) -> JSONValue {
        let span = input[slot.valueBytes]
        switch slot.kind {
        case .plainString:
            return .string(decodeString(span, hasEscapes: false))
        case .escapedString:
            return .string(decodeString(span, hasEscapes: true))
        case .number:
            var scanner = JSONScanner(bytes: UnsafeBufferPointer(rebasing: span))
            do throws(JSONParseError) {
                return try scanner.scanNumber()
            } catch {
                // Unreachable: these bytes passed this same function when the event was parsed.
                assertionFailure("a validated number failed to decode: \(error)")
                return .null
            }
        case .trueLiteral:
            return .bool(true)
        case .falseLiteral:
            return .bool(false)
        case .null, .held:
            return .null
        case .object, .array:
            return .raw(String(decoding: UnsafeBufferPointer(rebasing: span), as: UTF8.self))
        }
    }

    /// The text of a validated string, given its bytes from quote to quote. Without escapes the
    /// text is the bytes between the quotes (whose UTF-8 the scan checked).
    static func decodeString(_ quoted: Slice<UnsafeBufferPointer<UInt8>>, hasEscapes: Bool) -> String {
        let bytes = UnsafeBufferPointer(rebasing: quoted)
        guard hasEscapes else {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[1..<bytes.count - 1]), as: UTF8.self)
        }
        var scanner = JSONScanner(bytes: bytes)
        scanner.decoding = true
        do throws(JSONParseError) {
            _ = try scanner.scanString()
        } catch {
            // Unreachable: these bytes passed this same function when the event was parsed.
            assertionFailure("a validated string failed to decode: \(error)")
        }
        return String(decoding: scanner.scratch, as: UTF8.self)
    }
}
