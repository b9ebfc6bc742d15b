import Foundation
public import Logging

/// Sets up swift-log once for a command: plain lines on standard error, so that standard
/// output carries only data (records, counts).
public enum StandardErrorLog {
    public static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
