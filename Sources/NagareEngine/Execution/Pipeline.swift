public import NagareCore

/// A pipeline ready to run: the definition with its operators built and tables loaded.
///
/// One per process, shared by all its partition tasks: stateless operators and the dimension
/// tables live here; per-partition state (dedup keys, windows) lives in each `PartitionTask`.
/// Not `Sendable`: tables reload in place, and the batch loop runs tasks one after another.
public final class Pipeline {
    /// A built operator, in definition order. Stateful ones carry their index so their state
    /// in each task (and its changelog keys) can be found.
    enum Stage {
        case parse
        case validate(Validator)
        case dedup(index: Int, DedupDefinition)
        case enrich(Enricher)
        case filter(EventFilter)
        case project(Projector)
        case window(index: Int, WindowDefinition)
    }

    public let definition: PipelineDefinition
    let stages: [Stage]
    public let enrichers: [Enricher]

    /// Builds the operators and loads every table. `now` is the injected wall clock's reading,
    /// used only to pace table reload checks.
    public init(
        _ definition: PipelineDefinition, fileSystem: any TableFileSystem = LocalFileSystem(), now: Duration = .zero
    ) throws(EngineError) {
        do {
            try definition.validate()
        } catch {
            throw EngineError(.invalidPipeline, error.message, cause: error)
        }
        self.definition = definition
        var stages: [Stage] = []
        var enrichers: [Enricher] = []
        for (index, op) in definition.operators.enumerated() {
            switch op {
            case .parseJSON: stages.append(.parse)
            case .validate(let v): stages.append(.validate(Validator(v)))
            case .dedup(let d): stages.append(.dedup(index: index, d))
            case .enrich(let e):
                let enricher = try Enricher(
                    e, fileSystem: fileSystem, checkInterval: definition.execution.tableReloadInterval, now: now,
                    resolve: definition.resolvePath)
                enrichers.append(enricher)
                stages.append(.enrich(enricher))
            case .filter(let f): stages.append(.filter(EventFilter(f)))
            case .project(let p): stages.append(.project(Projector(p)))
            case .window(let w): stages.append(.window(index: index, w))
            }
        }
        self.stages = stages
        self.enrichers = enrichers
    }

    /// Reloads tables whose files changed (paced by the reload interval). Returns the errors
    /// of failed reloads; those tables keep their previous contents.
    public func refreshTables(now: Duration) -> [String] {
        enrichers.flatMap { $0.refreshTables(now: now) }
    }

    /// A new task for one input partition, with empty state.
    public func makeTask(for topicPartition: TopicPartition) -> PartitionTask {
        PartitionTask(pipeline: self, topicPartition: topicPartition)
    }
}
