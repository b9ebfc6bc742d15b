/// Reshapes events: keep, then drop, then rename.
public struct Projector: Sendable {
    public let definition: ProjectDefinition
    private let keep: Set<String>?
    private let drop: Set<String>

    public init(_ definition: ProjectDefinition) {
        self.definition = definition
        self.keep = definition.keep.map(Set.init)
        self.drop = Set(definition.drop)
    }

    public func apply(to event: inout Event) {
        if let keep { event.removeFields { !keep.contains($0) } }
        if !drop.isEmpty { event.removeFields { drop.contains($0) } }
        for rename in definition.rename { event.renameField(rename.from, to: rename.to) }
    }
}
