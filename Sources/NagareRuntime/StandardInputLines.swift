/// The lines of standard input as an async sequence, without their newlines.
///
/// `readLine` blocks the calling thread while it waits for input; for a command-line helper that
/// does nothing else meanwhile this is the simplest correct choice, and it gives natural
/// backpressure: a line is read only when the producer asks for the next one.
public struct StandardInputLines: AsyncSequence, Sendable {
    public typealias Element = String

    public init() {}

    public struct AsyncIterator: AsyncIteratorProtocol {
        public mutating func next() async -> String? {
            while let line = readLine(strippingNewline: true) {
                // Skip blank lines: they are never meant as records.
                if !line.isEmpty { return line }
            }
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator() }
}
