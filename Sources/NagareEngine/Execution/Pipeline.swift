public import NagareCore

/// A pipeline ready to run: the definition with its operators built and tables loaded.
///
/// One per process, shared by all its partition tasks: stateless operators and the dimension
/// tables live here; per-partition state (dedup keys, windows) lives in each `PartitionTask`.
/// Not `Sendable`: tables reload in place, and the batch loop runs tasks one after another.
public final class Pipeline {
    /// A built operator, in definition order. Stateful ones carry their index so their state
    /// in each task (and its changelog keys) can be found.
    ///
    /// Settings sit behind one reference (`Shared`): every event walks the stages, and
    /// binding a settings struct would retain each of its strings and arrays.
    enum Stage {
        case parse
        case validate(Shared<Validator>)
        case dedup(index: Int, Shared<DedupDefinition>)
        case enrich(Enricher)
        case filter(Shared<EventFilter>)
        case project(Shared<Projector>)
        case window(index: Int, Shared<WindowDefinition>)
    }

    /// An immutable value behind a reference.
    final class Shared<Value: Sendable>: Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
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
            case .validate(let v): stages.append(.validate(Shared(Validator(v))))
            case .dedup(let d): stages.append(.dedup(index: index, Shared(d)))
            case .enrich(let e):
                let enricher = try Enricher(
                    e, fileSystem: fileSystem, checkInterval: definition.execution.tableReloadInterval, now: now,
                    resolve: definition.resolvePath)
                enrichers.append(enricher)
                stages.append(.enrich(enricher))
            case .filter(let f): stages.append(.filter(Shared(EventFilter(f))))
            case .project(let p): stages.append(.project(Shared(Projector(p))))
            case .window(let w): stages.append(.window(index: index, Shared(w)))
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
