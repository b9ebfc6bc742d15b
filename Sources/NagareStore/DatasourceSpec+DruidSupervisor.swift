import Foundation

extension DatasourceSpec {
    /// An Apache Druid Kafka supervisor spec with the same rollup as this store: for users who
    /// move the datasource to a Druid cluster (`nagare druid-spec`). Druid consumes with
    /// `read_committed`, so like this store it never sees aborted transactional output.
    /// POST it to `/druid/indexer/v1/supervisor`.
    public func druidSupervisorSpec(bootstrapServers: String, segmentGranularity: String = "hour") -> [UInt8] {
        let timestampFormat: String =
            switch self.timestampFormat {
            case .iso8601: "iso"
            case .epochMillis: "millis"
            case .kafka: "millis"
            }
        var timestampSpec: [String: Any] = ["column": timestampField, "format": timestampFormat]
        if self.timestampFormat == .kafka {
            // Druid's Kafka input format exposes the record timestamp as `kafka.timestamp`.
            timestampSpec["column"] = "kafka.timestamp"
        }
        let metricsSpec: [[String: Any]] = metrics.map { m in
            var entry: [String: Any] = ["type": m.kind.druidType, "name": m.name]
            if let field = m.field { entry["fieldName"] = field }
            return entry
        }
        var inputFormat: [String: Any] = ["type": "json"]
        if self.timestampFormat == .kafka {
            inputFormat = ["type": "kafka", "valueFormat": ["type": "json"]]
        }
        let spec: [String: Any] = [
            "type": "kafka",
            "spec": [
                "dataSchema": [
                    "dataSource": name,
                    "timestampSpec": timestampSpec,
                    "dimensionsSpec": ["dimensions": dimensions],
                    "metricsSpec": metricsSpec,
                    "granularitySpec": [
                        "type": "uniform",
                        "segmentGranularity": segmentGranularity,
                        "queryGranularity": granularity.rawValue,
                        "rollup": true,
                    ] as [String: Any],
                ] as [String: Any],
                "ioConfig": [
                    "type": "kafka",
                    "topic": topic,
                    "inputFormat": inputFormat,
                    "consumerProperties": [
                        "bootstrap.servers": bootstrapServers,
                        "isolation.level": "read_committed",
                    ],
                    "useEarliestOffset": true,
                ] as [String: Any],
                "tuningConfig": ["type": "kafka"],
            ] as [String: Any],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: spec, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Array(data) + [0x0A]
    }
}
