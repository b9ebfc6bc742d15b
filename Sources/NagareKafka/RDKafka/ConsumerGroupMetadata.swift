import CRdKafka

/// A consumer's group membership (group id, generation, member id) as of when it was taken,
/// which a transactional producer hands to the coordinator so that a zombie member's offsets
/// are rejected (KIP-447).
///
/// Sendable: the wrapped C object is immutable after creation and destroyed once, in `deinit`.
public final class ConsumerGroupMetadata: @unchecked Sendable {
    let pointer: OpaquePointer

    init(pointer: OpaquePointer) { self.pointer = pointer }

    deinit { rd_kafka_consumer_group_metadata_destroy(pointer) }
}
