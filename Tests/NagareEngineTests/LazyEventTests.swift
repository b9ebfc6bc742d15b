import Testing

@testable import NagareEngine

/// Events parsed from input keep their bytes and decode fields when read; the writer copies
/// untouched input. These tests pin what that must not change: what reads back, what is
/// written, and that the output is always JSON that parses to the same fields.
@Suite struct LazyEventTests {
    func text(_ event: Event) -> String {
        String(decoding: JSONWriter.write(event), as: UTF8.self)
    }

    @Test func appendedFieldsFollowTheInputCopiedAsItIs() throws {
        let input = #"{"id":"e1","n":1.0,"u":"\u00e9","nested":{"a":[1, 2]}}"#
        var event = try JSONScanner.parseEvent(input)
        event["site"] = .string("Tie \"Break\"")
        event["count"] = .integer(3)
        #expect(
            text(event) == #"{"id":"e1","n":1.0,"u":"\u00e9","nested":{"a":[1, 2]},"site":"Tie \"Break\"","count":3}"#)
        #expect(event["site"] == .string("Tie \"Break\"") && event["count"] == .integer(3))
        #expect(event.fields.map(\.name) == ["id", "n", "u", "nested", "site", "count"])
        let again = try JSONScanner.parseEvent(JSONWriter.write(event))
        #expect(again == event)
        #expect(again.fields == event.fields)
    }

    /// One hint per name, kept across events of changing layouts (fields moved, added, removed,
    /// renamed, escaped, held): every hinted lookup finds what a plain lookup finds.
    @Test func hintedLookupsAgreeWithPlainOnesAcrossEventsOfChangingLayout() throws {
        let names = ["a", "ts", "event_id", "a_name_of_16_byt", "a_name_longer_than_16", "absent", "site"]
        var hints = Array(repeating: Event.FieldHint(), count: names.count)
        let inputs = [
            #"{"a":1,"ts":"x","event_id":"e1","a_name_of_16_byt":2,"a_name_longer_than_16":3}"#,
            // Same positions, names differing in their last byte only.
            #"{"b":1,"tx":"x","event_iD":"e1","a_name_of_16_byx":2,"a_name_longer_than_17":3}"#,
            #"{"a":1,"ts":"x","event_id":"e1","a_name_of_16_byt":2,"a_name_longer_than_16":3}"#,
            #"{"ts":"x","a":1,"a_name_longer_than_16":3,"event_id":"e1"}"#,
            // Short names near the end of the input (read byte by byte).
            #"{"event_id":"e1","a_name_of_16_byt":2,"ts":"x","a":1}"#,
            #"{"event_id":"e1","a_name_of_16_byt":2,"ts":"x","b":1}"#,
            // Names with escapes.
            #"{"\u0061":1,"t\u0073":"x","event_id":"e1"}"#,
            #"{"ts":"x","a":1,"a_name_longer_than_16":3,"event_id":"e1"}"#,
            #"{"a":1,"ts":"x","event_id":"e1","a_name_of_16_byt":2,"a_name_longer_than_16":3}"#,
        ]
        for (n, input) in inputs.enumerated() {
            for edit in [1, 2, 0] {
                var event = try JSONScanner.parseEvent(input)
                if edit == 1 { event["site"] = .string("s1"); event["a"] = .integer(9) }
                if edit == 2 { event["a"] = nil; _ = event.renameField("ts", to: "event_id") }
                for (i, name) in names.enumerated() {
                    #expect(event.index(of: name, hint: &hints[i]) == event.index(of: name), "input \(n), edit \(edit): \(name)")
                    #expect(event.value(of: name, hint: &hints[i]) == event[name], "input \(n), edit \(edit): \(name)")
                }
            }
        }
    }

    @Test func theExampleEnrichedSplicesAndParsesBack() throws {
        let definition = try PipelineDefinition.load(path: Fixtures.exampleDirectory + "/pipeline.yml")
        let enricher = try #require(try Pipeline(definition).enrichers.first)
        var event = try JSONScanner.parseEvent(JSONScannerTests.example)
        enricher.enrich(&event)
        let output = text(event)
        #expect(output.hasPrefix(String(JSONScannerTests.example.dropLast()) + #","site_name":"Tie Break","#))
        let again = try JSONScanner.parseEvent(output)
        #expect(again == event)
        #expect(again["country"] == .string("GB") && again["revenue"] == .double(0.12))
    }

    @Test(arguments: [
        (#"{}"#, #"{"x":1}"#), (#"{ }"#, #"{ "x":1}"#), (" \n{\t}\n ", "{\t\"x\":1}"),
        (#"{ "a" : 1 ,"b":"y"  }"#, #"{ "a" : 1 ,"b":"y"  ,"x":1}"#),
        ("{\n  \"a\": [ 1 , {\"k\" : null} ]\n}", "{\n  \"a\": [ 1 , {\"k\" : null} ]\n,\"x\":1}"),
    ])
    func whitespaceInTheInputStaysValid(input: String, expected: String) throws {
        var event = try JSONScanner.parseEvent(input)
        let before = event.fields
        event["x"] = .integer(1)
        #expect(text(event) == expected)
        let again = try JSONScanner.parseEvent(text(event))
        #expect(again.fields == before + [Event.Field(name: "x", value: .integer(1))])
    }

    @Test func replacingAFieldKeepsItsPlaceAndTheOthersSpelling() throws {
        var event = try JSONScanner.parseEvent(#"{"a":1.0,"b":"\u00e9","c":2}"#)
        event["c"] = .integer(3)
        event["d"] = .bool(true)
        #expect(text(event) == #"{"a":1.0,"b":"\u00e9","c":3,"d":true}"#)
        event["a"] = .string("first")
        #expect(text(event) == #"{"a":"first","b":"\u00e9","c":3,"d":true}"#)
        #expect(event.fields.map(\.name) == ["a", "b", "c", "d"])
        #expect(try JSONScanner.parseEvent(text(event)) == event)
    }

    @Test func removingFieldsKeepsTheOrderOfTheRest() throws {
        var event = try JSONScanner.parseEvent(#"{"a":1.0,"b":"\u00e9","c":[true],"d":null}"#)
        event["e"] = .string("new")
        event["a"] = nil
        #expect(text(event) == #"{"b":"\u00e9","c":[true],"d":null,"e":"new"}"#)
        event.removeFields { $0 == "d" || $0 == "e" }
        #expect(text(event) == #"{"b":"\u00e9","c":[true]}"#)
        #expect(event.count == 2 && event["a"] == nil && event["e"] == nil)
        event.removeFields { _ in true }
        #expect(text(event) == "{}")
        #expect(event == Event())
    }

    @Test func removingAnAppendedFieldKeepsTheInputWhole() throws {
        var event = try JSONScanner.parseEvent(#"{ "a" : 1 }"#)
        event["x"] = .integer(1)
        event["y"] = .integer(2)
        event["z"] = .integer(3)
        event["y"] = nil
        event["z"] = .integer(4)
        #expect(text(event) == #"{ "a" : 1 ,"x":1,"z":4}"#)
        #expect(event.fields.map(\.name) == ["a", "x", "z"])
    }

    @Test func renamingKeepsThePositionAndReplacesATargetOfTheSameName() throws {
        var event = try JSONScanner.parseEvent(#"{"a":1.0,"b":"\u00e9","c":2}"#)
        var renamed = event.renameField("b", to: "x")
        #expect(renamed)
        #expect(text(event) == #"{"a":1.0,"x":"é","c":2}"#)
        renamed = event.renameField("a", to: "c")
        #expect(renamed)
        #expect(text(event) == #"{"c":1,"x":"é"}"#)
        renamed = event.renameField("missing", to: "y")
        #expect(!renamed)
        renamed = event.renameField("x", to: "x")
        #expect(renamed)
        event["new"] = .integer(5)
        renamed = event.renameField("new", to: "newer")
        #expect(renamed)
        #expect(
            event.fields == [
                .init(name: "c", value: .double(1)), .init(name: "x", value: .string("é")),
                .init(name: "newer", value: .integer(5)),
            ])
        #expect(event["newer"] == .integer(5) && event["x"] == .string("é") && event["c"] == .double(1))
        #expect(event["new"] == nil && event["b"] == nil && event["a"] == nil)
    }

    /// Random edits applied to a parsed event and to one built from the same fields keep them
    /// equal, and what the parsed one writes parses back to the same fields.
    @Test func randomEditsAgreeWithAnEventBuiltInCode() throws {
        var generator = SplitMix64(seed: 5)
        let names = ["a", "b", "c", "\u{e9}", "long_name_x", "q\"", ""]
        let values: [JSONValue] = [.integer(7), .double(2.5), .string("s\n\u{1}"), .bool(false), .null, .raw("[1,{}]")]
        let input = #"{ "a" : 1.0 , "b":"\u00e9x", "c":[true, null],"long_name_x" : -0 }"#
        for _ in 0..<500 {
            var lazy = try JSONScanner.parseEvent(input)
            var eager = Event(fields: lazy.fields)
            for _ in 0..<Int(generator.next() % 8) {
                let name = names[Int(generator.next() % UInt64(names.count))]
                switch generator.next() % 4 {
                case 0:
                    let value = values[Int(generator.next() % UInt64(values.count))]
                    lazy[name] = value
                    eager[name] = value
                case 1:
                    lazy[name] = nil
                    eager[name] = nil
                case 2:
                    let other = names[Int(generator.next() % UInt64(names.count))]
                    let renamedLazy = lazy.renameField(name, to: other)
                    let renamedEager = eager.renameField(name, to: other)
                    #expect(renamedLazy == renamedEager)
                default:
                    lazy.removeFields { $0.count == name.count }
                    eager.removeFields { $0.count == name.count }
                }
            }
            #expect(lazy == eager)
            #expect(lazy.fields.map(\.name) == eager.fields.map(\.name))
            for name in names { #expect(lazy[name] == eager[name]) }
            let written = try JSONScanner.parseEvent(JSONWriter.write(lazy))
            #expect(written.normalizingNumbers == eager.normalizingNumbers)
        }
    }

    /// The name filter may say yes for an absent name, never no for a present one.
    @Test func theNameFilterNeverMissesAName() throws {
        var generator = SplitMix64(seed: 11)
        let alphabet = Array("abcxyz_é0".utf8)
        for _ in 0..<2_000 {
            var filter = NameFilter()
            let names = (0..<Int(generator.next() % 20)).map { _ in
                (0..<Int(generator.next() % 6)).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            }
            for name in names { name.withUnsafeBufferPointer { filter.insert($0) } }
            #expect(names.allSatisfy { name in name.withUnsafeBufferPointer { filter.mayContain($0) } })
        }
        // And it does rule names out, or it would save nothing.
        var filter = NameFilter()
        Array("event_id".utf8).withUnsafeBufferPointer { filter.insert($0) }
        #expect(!Array("site_name".utf8).withUnsafeBufferPointer { filter.mayContain($0) })
        // An event keeps finding fields through appends, removals, renames and escaped names.
        var event = try JSONScanner.parseEvent(#"{"\u0061":1,"b":2}"#)
        event["c"] = .integer(3)
        event["b"] = nil
        event["b"] = .integer(4)
        event.renameField("c", to: "d")
        #expect(
            event["a"] == .integer(1) && event["b"] == .integer(4) && event["d"] == .integer(3) && event["c"] == nil)
        #expect(Event(["k": .null, "": .bool(true)])[""] == .bool(true))
    }

    @Test func projectorOnAParsedEvent() throws {
        var event = try JSONScanner.parseEvent(#"{"a":1,"b":"two","c":3,"d":4.50}"#)
        Projector(.init(keep: ["a", "b", "d"], drop: ["b"], rename: [.init(from: "a", to: "x")])).apply(to: &event)
        #expect(text(event) == #"{"x":1,"d":4.50}"#)
    }

    @Test func escapesAndNonASCIIRoundTrip() throws {
        let input = #"{"q\"uote":"a\"b\\c\/d\n\t\u0001","é":"中文 😀","pair":"\ud83d\ude00","esc\u00e9":"\u00e9"}"#
        var event = try JSONScanner.parseEvent(input)
        #expect(event["q\"uote"] == .string("a\"b\\c/d\n\t\u{01}"))
        #expect(event["é"] == .string("中文 😀"))
        #expect(event["pair"] == .string("😀"))
        #expect(event["escé"] == .string("é"))
        #expect(event.fields.map(\.name) == ["q\"uote", "é", "pair", "escé"])
        #expect(text(event) == input)
        // Written field by field: input fields still copied, the replaced one escaped afresh.
        event["é"] = .string("x\u{7}y")
        #expect(
            text(event)
                == #"{"q\"uote":"a\"b\\c\/d\n\t\u0001","é":"x\u0007y","pair":"\ud83d\ude00","esc\u00e9":"\u00e9"}"#)
        #expect(try JSONScanner.parseEvent(text(event)) == event)
        // A name with escapes is found by its text, and setting it replaces rather than appends.
        event["escé"] = .integer(1)
        #expect(event.count == 4 && event["escé"] == .integer(1))
    }

    @Test func duplicateNamesAreFoundThroughEscapes() {
        #expect {
            try JSONScanner.parseEvent(#"{"a":1,"\u0061":2}"#)
        } throws: { error in
            (error as? JSONParseError) == JSONParseError(offset: 7, reason: #"duplicate field "a""#)
        }
        #expect {
            try JSONScanner.parseEvent(#"{"\u0062":1,"b":2}"#)
        } throws: { error in
            (error as? JSONParseError) == JSONParseError(offset: 12, reason: #"duplicate field "b""#)
        }
        #expect((try? JSONScanner.parseEvent(#"{"ab":1,"a":2,"b":3,"":4}"#))?.count == 4)
    }

    /// Each case: the string's raw contents (between quotes), valid or not.
    @Test(
        arguments: [
            [0xC3, 0x28], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xED, 0xA0, 0x80],
            [0xED, 0xBF, 0xBF], [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF],
            [0x80], [0xE2, 0x82], [0x61, 0xE2, 0x82], [0xE2, 0x82, 0x5C, 0x6E, 0xAC],
            [0xC3, 0x5C, 0x75, 0x30, 0x30, 0x41, 0x39],
        ] as [[UInt8]])
    func invalidUTF8InAStringIsRejected(contents: [UInt8]) {
        let bytes = Array(#"{"ok":"fine","a":""#.utf8) + contents + Array(#""}"#.utf8)
        #expect {
            try JSONScanner.parseEvent(bytes)
        } throws: { error in
            (error as? JSONParseError) == JSONParseError(offset: 18, reason: "string is not valid UTF-8")
        }
    }

    @Test(
        arguments: [
            ([0xC3, 0xA9], "é"), ([0xE2, 0x82, 0xAC], "€"), ([0xF0, 0x9F, 0x98, 0x80], "😀"),
            ([0xEF, 0xBF, 0xBF], "\u{FFFF}"),
            ([0xF4, 0x8F, 0xBF, 0xBF], "\u{10FFFF}"), ([0xED, 0x9F, 0xBF], "\u{D7FF}"),
            ([0xEE, 0x80, 0x80], "\u{E000}"),
            ([0xC3, 0xA9, 0x5C, 0x6E, 0xC3, 0xA9], "é\né"),
        ] as [([UInt8], String)])
    func validUTF8InAStringIsKept(contents: [UInt8], expected: String) throws {
        let bytes = Array(#"{"a":""#.utf8) + contents + Array(#""}"#.utf8)
        let event = try JSONScanner.parseEvent(bytes)
        #expect(event["a"] == .string(expected))
        #expect(JSONWriter.write(event) == bytes)
    }

    /// The scanner's own validator agrees with the standard library's on random bytes biased
    /// towards the edges of the UTF-8 ranges.
    @Test func utf8ValidationMatchesTheStandardLibrary() {
        var generator = SplitMix64(seed: 7)
        let interesting: [UInt8] = [
            0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0,
            0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF,
        ]
        var disagreements = 0
        var valid = 0
        for _ in 0..<50_000 {
            let length = Int(generator.next() % 12)
            let bytes = (0..<length).map { _ in
                generator.next() % 3 == 0
                    ? UInt8(truncatingIfNeeded: generator.next())
                    : interesting[Int(generator.next() % UInt64(interesting.count))]
            }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            if expected { valid += 1 }
            if bytes.withUnsafeBufferPointer(UTF8Validation.isValid) != expected { disagreements += 1 }
        }
        #expect(disagreements == 0)
        #expect(valid > 1000)  // the sample must contain valid text too, or it checks half the rule
    }

    @Test func lazyAndEagerEventsAreEqualByValue() throws {
        let parsed = try JSONScanner.parseEvent(#"{ "a" : 1.0, "b":"\u00e9", "c":[1,2], "d":10 }"#)
        let built = Event(["a": .double(1), "b": .string("é"), "c": .raw("[1,2]"), "d": .integer(10)])
        #expect(parsed == built)
        #expect(parsed.hashValue == built.hashValue)
        #expect(Set([parsed, built]).count == 1)
        let reordered = Event(["b": .string("é"), "a": .double(1), "c": .raw("[1,2]"), "d": .integer(10)])
        #expect(parsed != reordered)
        var changed = parsed
        changed["d"] = .integer(11)
        #expect(changed != parsed)
        changed["d"] = .integer(10)
        #expect(changed == parsed)
        var appended = parsed
        appended["e"] = .null
        #expect(appended != parsed && appended == Event(fields: built.fields + [.init(name: "e", value: .null)]))
    }

    @Test func aCopyIsIndependentOfTheOriginal() throws {
        let original = try JSONScanner.parseEvent(#"{"a":1}"#)
        var copy = original
        copy["b"] = .integer(2)
        copy["a"] = .integer(3)
        #expect(original.count == 1 && original["a"] == .integer(1) && original["b"] == nil)
        #expect(text(original) == #"{"a":1}"#)
        #expect(text(copy) == #"{"a":3,"b":2}"#)
    }

    @Test(
        arguments: [
            (#"{"ts":"2026-11-21T23:00:00.123Z"}"#, 1_795_302_000_123),
            (#"{"ts":"2026-11-21T23:00:00\u002e123Z"}"#, 1_795_302_000_123),
            (#"{"ts":1795302000123}"#, 1_795_302_000_123), (#"{"ts":1795302000123.9}"#, 1_795_302_000_123),
            (#"{"ts":"yesterday"}"#, nil), (#"{"ts":true}"#, nil), (#"{"other":1}"#, nil), (#"{"ts":""}"#, nil),
        ] as [(String, Int64?)])
    func eventTimeFromBytesMatchesTheValuePath(input: String, expected: Int64?) throws {
        let event = try JSONScanner.parseEvent(input)
        #expect(EventTimestamp.milliseconds(ofField: "ts", in: event) == expected)
        #expect(event["ts"].flatMap(EventTimestamp.milliseconds(of:)) == expected)
        var held = event
        held["ts"] = event["ts"]  // now a held value: the slow path
        #expect(EventTimestamp.milliseconds(ofField: "ts", in: held) == expected)
    }

    /// The validator checks types and timestamps from the input without decoding; an event
    /// built from the same values must get the same answer.
    @Test(
        arguments: [
            (#"{"s":"x","n":1,"t":"2026-11-21T23:00:00Z"}"#, String?.none),
            (#"{"s":"x\u0041","n":-1.5e3,"t":1795302000000}"#, nil),
            (#"{"s":"x","n":1,"t":"2026-11-21T23:00:00\u005a"}"#, nil),
            (#"{"s":true,"n":1,"t":0}"#, #"field "s" must be a string, found boolean"#),
            (#"{"s":null,"n":1,"t":0}"#, #"field "s" must be a string, found null"#),
            (#"{"s":[1],"n":1,"t":0}"#, #"field "s" must be a string, found array"#),
            (#"{"s":{},"n":1,"t":0}"#, #"field "s" must be a string, found object"#),
            (#"{"s":"x","n":"1","t":0}"#, #"field "n" must be a number, found string"#),
            (#"{"s":"x","n":1,"t":"noon"}"#, #"field "t" must be an RFC 3339 timestamp or epoch milliseconds"#),
            (#"{"s":"x","n":1,"t":false}"#, #"field "t" must be an RFC 3339 timestamp or epoch milliseconds"#),
            (#"{"s":"x","n":1}"#, #"missing required field "t""#),
        ] as [(String, String?)])
    func validatorAnswersAlikeForParsedAndBuiltEvents(input: String, expected: String?) throws {
        let validator = Validator(
            ValidateDefinition(required: [.init("s", .string), .init("n", .number), .init("t", .timestamp)]))
        let parsed = try JSONScanner.parseEvent(input)
        #expect(validator.check(parsed) == expected)
        #expect(validator.check(Event(fields: parsed.fields)) == expected)
    }

    /// Slots keep 32-bit offsets; the scanner accepts inputs up to `maxInputBytes`, so offsets
    /// at that limit must read back exactly.
    @Test func slotOffsetsReachTheInputLimit() {
        let slot = FieldSlot(
            nameStart: 1, nameEnd: 4, nameHasEscapes: false, valueStart: JSONScanner.maxInputBytes - 1,
            valueEnd: JSONScanner.maxInputBytes, kind: .number)
        #expect(slot.valueBytes == JSONScanner.maxInputBytes - 1..<JSONScanner.maxInputBytes)
    }
}
