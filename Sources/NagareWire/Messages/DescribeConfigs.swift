/// DescribeConfigs (key 32), v0–4: topic and broker configuration, for admin tools (and the
/// Java client, which asks for topic configs before some operations). Flexible from v4.
/// v0 reports `isDefault`; v1+ replaces it with a `configSource` and adds synonyms.
public struct DescribeConfigsRequest: KafkaMessage {
    public static let apiKey = ApiKey.describeConfigs

    /// Kafka's resource type codes for this API.
    public enum ResourceType {
        public static let topic: Int8 = 2
        public static let broker: Int8 = 4
        public static let brokerLogger: Int8 = 8
    }

    public struct Resource: Hashable, Sendable {
        public var resourceType: Int8
        public var resourceName: String
        /// `nil` asks for every config of the resource.
        public var configurationKeys: [String]?

        public init(resourceType: Int8, resourceName: String, configurationKeys: [String]? = nil) {
            self.resourceType = resourceType
            self.resourceName = resourceName
            self.configurationKeys = configurationKeys
        }
    }

    public var resources: [Resource]
    /// v1+.
    public var includeSynonyms: Bool
    /// v3+.
    public var includeDocumentation: Bool

    public init(resources: [Resource] = [], includeSynonyms: Bool = false, includeDocumentation: Bool = false) {
        self.resources = resources
        self.includeSynonyms = includeSynonyms
        self.includeDocumentation = includeDocumentation
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.resources = try reader.readArray("resources", flexible: flexible, minElementSize: 3) { (r) throws(WireError) in
            let resource = Resource(resourceType: try r.readInt8("resource_type"),
                                    resourceName: try r.readString("resource_name", flexible: flexible),
                                    configurationKeys: try r.readNullableStringArray("configuration_keys", flexible: flexible))
            try r.skipTaggedFields(flexible: flexible)
            return resource
        }
        if version >= 1 { message.includeSynonyms = try reader.readBool("include_synonyms") }
        if version >= 3 { message.includeDocumentation = try reader.readBool("include_documentation") }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeArray(resources, flexible: flexible) { w, resource in
            w.writeInt8(resource.resourceType)
            w.writeString(resource.resourceName, flexible: flexible)
            w.writeNullableStringArray(resource.configurationKeys, flexible: flexible)
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        if version >= 1 { writer.writeBool(includeSynonyms) }
        if version >= 3 { writer.writeBool(includeDocumentation) }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct DescribeConfigsResponse: KafkaMessage {
    public static let apiKey = ApiKey.describeConfigs

    /// v1+: another place the same setting is defined, in order of precedence.
    public struct Synonym: Hashable, Sendable {
        public var name: String
        public var value: String?
        public var source: Int8

        public init(name: String, value: String?, source: Int8) {
            self.name = name
            self.value = value
            self.source = source
        }
    }

    public struct Config: Hashable, Sendable {
        public var name: String
        public var value: String?
        public var readOnly: Bool
        /// v0 only.
        public var isDefault: Bool
        /// v1+: where the value comes from (5 = default, 1 = dynamic topic config, …).
        public var configSource: Int8
        public var isSensitive: Bool
        /// v1+.
        public var synonyms: [Synonym]
        /// v3+.
        public var configType: Int8
        /// v3+.
        public var documentation: String?

        public init(name: String, value: String?, readOnly: Bool = false, isDefault: Bool = false, configSource: Int8 = -1,
                    isSensitive: Bool = false, synonyms: [Synonym] = [], configType: Int8 = 0, documentation: String? = nil) {
            self.name = name
            self.value = value
            self.readOnly = readOnly
            self.isDefault = isDefault
            self.configSource = configSource
            self.isSensitive = isSensitive
            self.synonyms = synonyms
            self.configType = configType
            self.documentation = documentation
        }
    }

    public struct Result: Hashable, Sendable {
        public var errorCode: KafkaErrorCode
        public var errorMessage: String?
        public var resourceType: Int8
        public var resourceName: String
        public var configs: [Config]

        public init(errorCode: KafkaErrorCode = .none, errorMessage: String? = nil, resourceType: Int8,
                    resourceName: String, configs: [Config] = []) {
            self.errorCode = errorCode
            self.errorMessage = errorMessage
            self.resourceType = resourceType
            self.resourceName = resourceName
            self.configs = configs
        }
    }

    public var throttleTimeMilliseconds: Int32
    public var results: [Result]

    public init(throttleTimeMilliseconds: Int32 = 0, results: [Result] = []) {
        self.throttleTimeMilliseconds = throttleTimeMilliseconds
        self.results = results
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.throttleTimeMilliseconds = try reader.readInt32("throttle_time_ms")
        message.results = try reader.readArray("results", flexible: flexible, minElementSize: 6) { (r) throws(WireError) in
            var result = Result(errorCode: try r.readErrorCode(),
                                errorMessage: try r.readNullableString("error_message", flexible: flexible),
                                resourceType: try r.readInt8("resource_type"),
                                resourceName: try r.readString("resource_name", flexible: flexible))
            result.configs = try r.readArray("configs", flexible: flexible, minElementSize: 4) { (r) throws(WireError) in
                var c = Config(name: try r.readString("name", flexible: flexible),
                               value: try r.readNullableString("value", flexible: flexible),
                               readOnly: try r.readBool("read_only"))
                if version == 0 { c.isDefault = try r.readBool("is_default") }
                if version >= 1 { c.configSource = try r.readInt8("config_source") }
                c.isSensitive = try r.readBool("is_sensitive")
                if version >= 1 {
                    c.synonyms = try r.readArray("synonyms", flexible: flexible, minElementSize: 3) { (r) throws(WireError) in
                        let s = Synonym(name: try r.readString("name", flexible: flexible),
                                        value: try r.readNullableString("value", flexible: flexible),
                                        source: try r.readInt8("source"))
                        try r.skipTaggedFields(flexible: flexible)
                        return s
                    }
                }
                if version >= 3 {
                    c.configType = try r.readInt8("config_type")
                    c.documentation = try r.readNullableString("documentation", flexible: flexible)
                }
                try r.skipTaggedFields(flexible: flexible)
                return c
            }
            try r.skipTaggedFields(flexible: flexible)
            return result
        }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeInt32(throttleTimeMilliseconds)
        writer.writeArray(results, flexible: flexible) { w, result in
            w.writeErrorCode(result.errorCode)
            w.writeNullableString(result.errorMessage, flexible: flexible)
            w.writeInt8(result.resourceType)
            w.writeString(result.resourceName, flexible: flexible)
            w.writeArray(result.configs, flexible: flexible) { w, c in
                w.writeString(c.name, flexible: flexible)
                w.writeNullableString(c.value, flexible: flexible)
                w.writeBool(c.readOnly)
                if version == 0 { w.writeBool(c.isDefault) }
                if version >= 1 { w.writeInt8(c.configSource) }
                w.writeBool(c.isSensitive)
                if version >= 1 {
                    w.writeArray(c.synonyms, flexible: flexible) { w, s in
                        w.writeString(s.name, flexible: flexible)
                        w.writeNullableString(s.value, flexible: flexible)
                        w.writeInt8(s.source)
                        w.writeEmptyTaggedFields(flexible: flexible)
                    }
                }
                if version >= 3 {
                    w.writeInt8(c.configType)
                    w.writeNullableString(c.documentation, flexible: flexible)
                }
                w.writeEmptyTaggedFields(flexible: flexible)
            }
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}
