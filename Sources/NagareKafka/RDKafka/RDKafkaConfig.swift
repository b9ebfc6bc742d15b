import CRdKafka

/// Builds an `rd_kafka_conf_t` from string properties, naming the property librdkafka rejected.
enum RDKafkaConfig {
    /// Returns a new configuration object; the caller passes it to `rd_kafka_new`, which takes
    /// ownership on success.
    static func make(_ properties: [String: String]) throws(KafkaClientError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else { throw .client("rd_kafka_conf_new failed") }
        var errstr = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            let result = rd_kafka_conf_set(conf, key, value, &errstr, errstr.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let reason = string(fromCBuffer: errstr)
                throw .client("configuration property '\(key)=\(value)' was rejected: \(reason)")
            }
        }
        return conf
    }
}

/// The text in a NUL-terminated C buffer filled by librdkafka.
func string(fromCBuffer buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
