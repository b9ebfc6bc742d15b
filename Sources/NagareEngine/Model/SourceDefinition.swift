public import NagareCore

/// Where a pipeline reads: its topics and consumer group.
public struct SourceDefinition: Hashable, Sendable {
    public var topics: [String]
    /// The consumer group; its committed offsets are where a (re)started pipeline resumes.
    public var group: String
    /// Used only for partitions the group has never committed. Default: `.earliest`, so a new
    /// pipeline processes what is already in the topic instead of silently skipping it.
    public var startFrom: StartPosition

    public init(topics: [String], group: String, startFrom: StartPosition = .earliest) {
        self.topics = topics
        self.group = group
        self.startFrom = startFrom
    }
}
