import NagareCore
import Testing
@testable import NagareKafka

@Suite struct ConfigurationTests {
    @Test func aRejectedRawPropertyIsNamed() {
        var config = ProducerConfiguration()
        config.client.properties["no.such.property"] = "1"
        #expect {
            _ = try Producer(configuration: config)
        } throws: { error in
            (error as? KafkaClientError)?.message.contains("no.such.property") == true
        }
    }

    @Test func validationNamesTheBadKey() {
        var config = ProducerConfiguration()
        config.compression = "brotli"
        #expect { try config.validate() } throws: { ($0 as? ConfigurationError)?.message.hasPrefix("compression") == true }
        config = ProducerConfiguration()
        config.acks = .leader
        #expect { try config.validate() } throws: { ($0 as? ConfigurationError)?.message.hasPrefix("acks") == true }
        var consumer = ConsumerConfiguration()
        consumer.maxPollRecords = 0
        #expect { try consumer.validate() } throws: { ($0 as? ConfigurationError)?.message.hasPrefix("maxPollRecords") == true }
    }

    @Test func brokerListsAreParsed() throws {
        let c = try ClientConfiguration(brokers: "a:1,b:2")
        #expect(c.bootstrapServers.map(\.description) == ["a:1", "b:2"])
        #expect(throws: ConfigurationError.self) { try ClientConfiguration(brokers: "a:1,b") }
        #expect(throws: ConfigurationError.self) { try ClientConfiguration(brokers: "") }
    }

    @Test func defaultsAreSafeForExactlyOnce() {
        let p = ProducerConfiguration().rdkafkaProperties
        #expect(p["enable.idempotence"] == "true")
        #expect(p["acks"] == "all")
        let c = ConsumerConfiguration(client: ClientConfiguration(), groupID: "g").rdkafkaProperties
        #expect(c["isolation.level"] == "read_committed")
        #expect(c["enable.auto.commit"] == "false")
        #expect(c["partition.assignment.strategy"] == "cooperative-sticky")
    }

    @Test func prefetchIsBoundedByBytesOnlyAndPropertiesOverride() throws {
        var config = ConsumerConfiguration(client: ClientConfiguration(), groupID: "g")
        config.maxPrefetchKilobytes = 131_072
        let p = config.rdkafkaProperties
        #expect(p["queued.min.messages"] == "10000000")
        #expect(p["queued.max.messages.kbytes"] == "131072")
        config.client.properties["queued.min.messages"] = "1000"
        #expect(config.rdkafkaProperties["queued.min.messages"] == "1000")
        config.maxPrefetchKilobytes = 0
        #expect(throws: ConfigurationError.self) { try config.validate() }
    }

    @Test func inFlightLimiterTakesAsManySlotsAsAreFreeAndWaitsWhenNone() async {
        let limiter = InFlightLimiter(maximum: 5)
        #expect(await limiter.acquire(upTo: 3) == 3)
        #expect(await limiter.acquire(upTo: 10) == 2)
        #expect(limiter.inFlight == 5)
        async let more = limiter.acquire(upTo: 4)
        try? await Task.sleep(for: .milliseconds(50))
        #expect(limiter.inFlight == 5)
        limiter.release()
        #expect(await more == 1)
        #expect(limiter.inFlight == 5)
        for _ in 0..<5 { limiter.release() }
        await limiter.drained()
        #expect(limiter.inFlight == 0)
    }

    @Test func inFlightLimiterBlocksAtTheMaximumAndReleases() async {
        let limiter = InFlightLimiter(maximum: 2)
        await limiter.acquire()
        await limiter.acquire()
        #expect(limiter.inFlight == 2)
        async let third: Void = limiter.acquire()
        try? await Task.sleep(for: .milliseconds(50))
        #expect(limiter.inFlight == 2)
        limiter.release()
        await third
        #expect(limiter.inFlight == 2)
        limiter.release()
        limiter.release()
        await limiter.drained()
        #expect(limiter.inFlight == 0)
    }
}
