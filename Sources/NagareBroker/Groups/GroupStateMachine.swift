/// The lifecycle of a classic (pre-KIP-848) consumer group, with the state names Kafka reports
/// in DescribeGroups and ListGroups.
///
/// ```
///                 join of a new member                  every member rejoined,
///        ┌───────────────────────────────┐              or the rebalance timeout passed
///        │                               ▼              (members that did not rejoin are removed)
///    ┌───────┐                 ┌────────────────────┐ ─────────────────────▶ ┌─────────────────────┐
///    │ Empty │ ◀────────────── │ PreparingRebalance │                        │ CompletingRebalance │
///    └───────┘  rebalance done └────────────────────┘ ◀───────────────────── └─────────────────────┘
///        │      with no member    ▲                     join with new          │ leader's SyncGroup
///        │                        │                     protocols, leave,      │ stored
///        │                        │                     session expiry         ▼
///        │                        │  join of a new member, leader rejoin,  ┌────────┐
///        │                        └─────────────────────────────────────── │ Stable │
///        │                           changed protocols, leave, expiry      └────────┘
///        ▼
///    ┌──────┐   the group was deleted; a coordinator drops it right away, so clients
///    │ Dead │   normally see this state only for groups it does not know
///    └──────┘
/// ```
///
/// Only the transitions drawn are allowed; `transition(to:)` refuses any other, which keeps
/// an ordering mistake in the coordinator from leaving a group in a state clients cannot
/// recover from.
struct GroupStateMachine: Sendable {
    enum State: String, Sendable, CaseIterable {
        case empty = "Empty"
        case preparingRebalance = "PreparingRebalance"
        case completingRebalance = "CompletingRebalance"
        case stable = "Stable"
        case dead = "Dead"

        /// Kafka's name of the state, as DescribeGroups and ListGroups report it.
        var kafkaName: String { rawValue }

        /// The state whose Kafka name is `name`, ignoring case (ListGroups filters are matched
        /// that way).
        init?(kafkaName name: String) {
            guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else { return nil }
            self = match
        }
    }

    private(set) var state: State

    init(state: State = .empty) { self.state = state }

    /// The states each state may be entered from.
    private static func allowedPredecessors(of state: State) -> Set<State> {
        switch state {
        case .empty: [.preparingRebalance]
        case .preparingRebalance: [.empty, .completingRebalance, .stable]
        case .completingRebalance: [.preparingRebalance]
        case .stable: [.completingRebalance]
        case .dead: [.empty, .preparingRebalance, .completingRebalance, .stable, .dead]
        }
    }

    /// Moves to `next`; returns false (and stays) when the transition is not drawn above.
    @discardableResult
    mutating func transition(to next: State) -> Bool {
        guard Self.allowedPredecessors(of: next).contains(state) else {
            assertionFailure("consumer group: illegal transition \(state) → \(next)")
            return false
        }
        state = next
        return true
    }
}
