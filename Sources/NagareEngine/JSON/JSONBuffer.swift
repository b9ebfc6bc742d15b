/// A growable byte buffer that `JSONWriter` fills through a raw pointer.
///
/// Appending to an `[UInt8]` byte by byte checks capacity and uniqueness on every byte, which
/// measured as a large share of writing an event. The writer instead reserves the worst case of
/// each piece once (a string needs at most 6 output bytes per input byte, `\u00XX`) and then
/// stores bytes unchecked. A partition task keeps one buffer and reuses it for every event, and
/// copies each event's bytes from it into the batch's `OutgoingRecordBlock`: no allocation per
/// event.
///
/// Non-copyable: it owns its memory and frees it in `deinit`.
public struct JSONBuffer: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    public private(set) var count = 0

    public init(minimumCapacity: Int = 1024) {
        capacity = max(minimumCapacity, 64)
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// A copy of the bytes written since the last `removeAll`.
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Calls `body` with the bytes written since the last `removeAll`, in place.
    public func withUnsafeBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base, count: count))
    }

    /// Forgets the contents, keeping the memory.
    public mutating func removeAll() { count = 0 }

    /// Makes room for `extra` more bytes; every unchecked append must be covered by a reserve.
    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private mutating func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    mutating func appendUnchecked(_ byte: UInt8) {
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func appendUnchecked(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    /// Appends with its own reserve.
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        appendUnchecked(bytes)
    }

    mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append($0) }
    }
}
