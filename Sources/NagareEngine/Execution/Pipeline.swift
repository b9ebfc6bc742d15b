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
    /// binding a settings struct would retain each of its strings and arrays. The references
    /// are uncounted (`Ref`), so a stage is copied without touching a reference count: tasks
    /// of one pipeline run on several threads, and counting the same objects from all of them
    /// per event bounced their cache lines between the cores (perf: most of the cost of walking
    /// the stages). `owners` keeps the objects alive as long as the pipeline.
    enum Stage {
        case parse
        case validate(Ref<Shared<Validator>>)
        case dedup(index: Int, Ref<Shared<DedupDefinition>>)
        case enrich(index: Int, Ref<Enricher>)
        case filter(Ref<Shared<EventFilter>>)
        case project(Ref<Shared<Projector>>)
        case window(index: Int, Ref<Shared<WindowDefinition>>)
    }

    /// An immutable value behind a reference.
    final class Shared<Value: Sendable>: Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    /// An uncounted reference to an object the pipeline owns (`owners`).
    struct Ref<Object: AnyObject> {
        private let unmanaged: Unmanaged<Object>

        init(_ object: Object, ownedBy owners: inout [AnyObject]) {
            owners.append(object)
            unmanaged = Unmanaged.passUnretained(object)
        }

        /// Calls `body` with the object, without retaining it.
        @inline(__always)
        func with<R>(_ body: (Object) throws -> R) rethrows -> R {
            try unmanaged._withUnsafeGuaranteedRef(body)
        }
    }

    /// The objects the stages refer to.
    private let owners: [AnyObject]
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
        var owners: [AnyObject] = []
        for (index, op) in definition.operators.enumerated() {
            switch op {
            case .parseJSON: stages.append(.parse)
            case .validate(let v): stages.append(.validate(Ref(Shared(Validator(v)), ownedBy: &owners)))
            case .dedup(let d): stages.append(.dedup(index: index, Ref(Shared(d), ownedBy: &owners)))
            case .enrich(let e):
                let enricher = try Enricher(
                    e, fileSystem: fileSystem, checkInterval: definition.execution.tableReloadInterval, now: now,
                    resolve: definition.resolvePath)
                enrichers.append(enricher)
                stages.append(.enrich(index: index, Ref(enricher, ownedBy: &owners)))
            case .filter(let f): stages.append(.filter(Ref(Shared(EventFilter(f)), ownedBy: &owners)))
            case .project(let p): stages.append(.project(Ref(Shared(Projector(p)), ownedBy: &owners)))
            case .window(let w): stages.append(.window(index: index, Ref(Shared(w), ownedBy: &owners)))
            }
        }
        self.stages = stages
        self.enrichers = enrichers
        self.owners = owners
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
