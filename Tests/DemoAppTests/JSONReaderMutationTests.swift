import Foundation
import Testing
import TestSupport

@testable import DemoApp

/// `JSONReader` on thousands of damaged documents (a fixed-seed generator, so a failure
/// reproduces): it never traps, every refusal points inside the input, and whatever it accepts
/// `JSONDecoder` accepts too, with the same value. The reverse is not checked: JSONDecoder takes
/// trailing commas, UTF-16 and duplicate names, which this reader refuses on purpose.
@Suite struct JSONReaderMutationTests {
    /// A value as both readers can produce it, for comparing them.
    private enum Tree: Decodable, Equatable {
        // Numbers compare as `Double`s: JSONDecoder reads `-5e2` as the integer -500, this reader
        // keeps the literal; exact integers are JSONReaderTests' business.
        case object([String: Tree]), array([Tree]), string(String), number(Double), bool(Bool), null

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let bool = try? container.decode(Bool.self) { self = .bool(bool) }
            else if let number = try? container.decode(Double.self) { self = .number(number) }
            else if let string = try? container.decode(String.self) { self = .string(string) }
            else if let array = try? container.decode([Tree].self) { self = .array(array) }
            else { self = .object(try container.decode([String: Tree].self)) }
        }

        /// nil for numbers JSONDecoder refuses although they are valid (beyond `Double`, or zero
        /// with an exponent), which this reader keeps as text.
        init?(_ value: JSONValue) {
            switch value {
            case .object(let members):
                var object: [String: Tree] = [:]
                for member in members {
                    guard let tree = Tree(member.value) else { return nil }
                    object[member.name] = tree
                }
                self = .object(object)
            case .array(let elements):
                var array: [Tree] = []
                for element in elements {
                    guard let tree = Tree(element) else { return nil }
                    array.append(tree)
                }
                self = .array(array)
            case .string(let string): self = .string(string)
            case .number(let number):
                // JSONDecoder also refuses valid zeros with an exponent and underflows (`0e1`,
                // `-0.0e-3`, `1e-400`), which RFC 8259 §6 allows.
                guard let double = Double(number.literal), double.isFinite,
                    double != 0 || !number.literal.contains(where: { "eE".contains($0) })
                else { return nil }
                self = .number(double)
            case .bool(let bool): self = .bool(bool)
            case .null: self = .null
            }
        }
    }

    private static let seeds: [[UInt8]] = [
        #"{"variant":"alpine"}"#, #"{"variant":null}"#, "{}",
        #"{"measuredAt": "2026-12-02T05:51:11Z", "images": [{"variant": "naive", "bytes": 4144402113, "compressedBytes": 1281852022, "baseIsStandIn": true, "withOfficialBase": {"bytes": 4235820461, "source": "repo-info"}}, {"variant": "multistage", "bytes": 17349908, "base": null}]}"#,
        #"["\u00e9\ud83d\ude00 é 😀", -0.5e-3, 0, [[], {}], "\"\\\/\b\f\n\r\t", false]"#,
    ].map { Array($0.utf8) }

    /// Bytes that matter to the grammar, so mutations hit its edges more often than random bytes.
    private static let interesting: [UInt8] = Array(#"{}[],:"\/u0123456789abcdefABCDEF-+.eE tnrfl"#.utf8)
        + [0x00, 0x09, 0x0A, 0x0D, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF]

    private static func mutate(_ input: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &generator)
            let byte = Bool.random(using: &generator)
                ? interesting.randomElement(using: &generator)! : UInt8.random(in: 0...255, using: &generator)
            switch Int.random(in: 0..<5, using: &generator) {
            case 0 where !bytes.isEmpty: bytes[position] = byte
            case 1: bytes.insert(byte, at: position)
            case 2 where !bytes.isEmpty: bytes.remove(at: position)
            case 3 where !bytes.isEmpty: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...8, using: &generator)))
            case 4 where !bytes.isEmpty:
                let end = min(bytes.count, position + Int.random(in: 1...16, using: &generator))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            default: bytes.append(byte)
            }
        }
        return bytes
    }

    @Test func damagedDocumentsAreRefusedInsideTheInputOrReadAsJSONDecoderReadsThem() {
        var generator = SeededGenerator(seed: 12)
        var accepted = 0
        var refused = 0
        for iteration in 0..<6000 {
            let input = Self.mutate(Self.seeds[iteration % Self.seeds.count], using: &generator)
            do {
                let value = try JSONReader.read(input)
                accepted += 1
                guard let expected = Tree(value) else { continue }
                let decoded = try? JSONDecoder().decode(Tree.self, from: Data(input))
                #expect(decoded == expected, "accepted \(input) as \(value), JSONDecoder read \(String(describing: decoded))")
            } catch {
                refused += 1
                #expect((0...input.count).contains(error.offset), "\(error) for \(input)")
            }
        }
        // Both outcomes must occur, or the mutations are not exercising the reader.
        #expect(accepted > 100)
        #expect(refused > 1000)
    }
}
