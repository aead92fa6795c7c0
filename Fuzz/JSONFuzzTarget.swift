// libFuzzer target for `JSONReader` (RFC 8259), with Foundation's `JSONSerialization` as the
// reference reader.
//
// Not part of the SwiftPM package and never in the shipped binary: `scripts/fuzz.sh json`
// compiles this file with `Sources/DemoApp/JSON/*.swift` and the string helpers they use into
// one module, linked with Foundation (which the server itself must not link):
//
//     swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name JSONFuzz \
//         Fuzz/JSONFuzzTarget.swift Sources/DemoApp/JSON/*.swift ... -o .build/fuzz/json-fuzzer
//
// Invariants (a broken one is a fatalError, which libFuzzer saves as a reproducer):
// - the reader never traps and is deterministic: the same bytes give the same value or error;
// - every error's offset lies within the input;
// - what the reader accepts, Foundation accepts too, with the same value: same kinds, object
//   members with the same names (compared by Unicode scalars, not canonical equivalence), strings
//   with the same scalars, numbers with the same value as a Double, booleans and nulls;
// - what the reader refuses and Foundation accepts is refused for one of the documented
//   strictnesses only (see `JSONReader`): a byte order mark, a duplicate member name, nesting
//   deeper than `maximumDepth`, a trailing comma (`[1,]`, which Foundation takes), or text
//   Foundation reads by guessing or repairing it (other encodings, invalid UTF-8, an unpaired
//   surrogate escape);
// - nesting: a text `maximumDepth` deep is accepted when Foundation accepts it, one level deeper
//   never is.

import Foundation

/// libFuzzer's entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func jsonFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    JSONFuzzHarness.check(input)
    return 0
}

enum JSONFuzzHarness {
    static func check(_ input: [UInt8]) {
        let ours = read(input)
        guard read(input) == ours else { fail("two reads of the same bytes differ", input) }
        if case .failure(let error) = ours, !(0...input.count).contains(error.offset) {
            fail("error offset \(error.offset) outside the input of \(input.count) bytes", input)
        }
        let reference = try? JSONSerialization.jsonObject(with: Data(input), options: [.fragmentsAllowed])
        switch (ours, reference) {
        case (.success(let value), let reference?):
            if let difference = compare(value, reference, path: "$") { fail("values differ at \(difference)", input) }
        case (.success, nil):
            // Foundation refuses numbers it cannot hold in a Double or Decimal; the reader keeps the literal.
            guard hasNumberBeyondFoundation(input) else { fail("accepted what Foundation refuses", input) }
        case (.failure(let error), _?):
            guard isDocumentedStrictness(error, input) else {
                fail("refused what Foundation accepts: \(error)", input)
            }
        case (.failure, nil):
            break
        }
    }

    static func read(_ input: [UInt8]) -> Result<JSONValue, JSONReadError> {
        do { return .success(try JSONReader.read(input)) } catch { return .failure(error) }
    }

    /// The refusals `JSONReader` documents as stricter than RFC 8259 readers in general.
    static func isDocumentedStrictness(_ error: JSONReadError, _ input: [UInt8]) -> Bool {
        if case .duplicateName = error.kind { return true }
        if input.starts(with: [0xEF, 0xBB, 0xBF]) { return true }
        if error.kind == .tooDeep { return true }
        // Foundation reads other encodings (UTF-16/32 by their zero bytes) and repairs some
        // strings; the reader takes UTF-8 only and refuses what is not well-formed.
        if error.message.contains("UTF-8") || error.message.contains("surrogate") { return true }
        if input.contains(0) { return true }
        // Foundation takes a trailing comma (`[1,]`, `{"a":1,}`); RFC 8259's grammar does not.
        if error.offset < input.count, input[error.offset] == UInt8(ascii: "]") || input[error.offset] == UInt8(ascii: "}"),
            input[..<error.offset].last(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: ",")
        {
            return true
        }
        return false
    }

    /// Whether the input holds a number literal whose magnitude a Double cannot hold.
    static func hasNumberBeyondFoundation(_ input: [UInt8]) -> Bool {
        let text = String(decoding: input, as: UTF8.self)
        var literal = ""
        for character in text + " " {
            if character.isNumber || "+-.eE".contains(character) {
                literal.append(character)
            } else {
                if !literal.isEmpty, let value = Double(literal), !value.isFinite || (value != 0 && abs(value) < Double.leastNormalMagnitude) || literal.count > 17 { return true }
                literal = ""
            }
        }
        return false
    }

    /// Where `value` and Foundation's reading differ, or nil.
    static func compare(_ value: JSONValue, _ reference: Any, path: String) -> String? {
        switch value {
        case .null:
            return reference is NSNull ? nil : "\(path): null vs \(type(of: reference))"
        case .bool(let bool):
            guard isBoolean(reference), let other = (reference as? NSNumber)?.boolValue else {
                return "\(path): bool vs \(type(of: reference))"
            }
            return other == bool ? nil : "\(path): \(bool) vs \(other)"
        case .number(let number):
            guard let other = (reference as? NSNumber)?.doubleValue, !isBoolean(reference) else {
                return "\(path): number vs \(type(of: reference))"
            }
            guard let mine = Double(number.literal) else { return "\(path): \(number.literal) is not a Double literal" }
            let scale = max(abs(mine), abs(other), 1)
            return abs(mine - other) <= scale * 1e-12 ? nil : "\(path): \(number.literal) vs \(other)"
        case .string(let string):
            guard let other = reference as? String else { return "\(path): string vs \(type(of: reference))" }
            return sameScalars(string, other) ? nil : "\(path): string scalars differ"
        case .array(let elements):
            guard let other = reference as? [Any] else { return "\(path): array vs \(type(of: reference))" }
            guard elements.count == other.count else { return "\(path): \(elements.count) vs \(other.count) elements" }
            for (index, element) in elements.enumerated() {
                if let difference = compare(element, other[index], path: "\(path)[\(index)]") { return difference }
            }
            return nil
        case .object(let members):
            guard let other = reference as? [String: Any] else { return "\(path): object vs \(type(of: reference))" }
            // Foundation's dropping of a raw U+FEFF (see `sameScalars`) can make two names the
            // reader rightly keeps apart one name to Foundation: such members are not compared.
            let stripped = { (name: String) in String(String.UnicodeScalarView(name.unicodeScalars.filter { $0 != "\u{FEFF}" })) }
            let blurred = Set(members.filter { $0.name.unicodeScalars.contains("\u{FEFF}") }.map { stripped($0.name) })
            guard blurred.isEmpty ? members.count == other.count : other.count <= members.count else {
                return "\(path): \(members.count) vs \(other.count) members"
            }
            for member in members where !blurred.contains(stripped(member.name)) {
                // Dictionary keys compare by canonical equivalence; the reader refused duplicates
                // by bytes, so find the key with the same scalars.
                guard let key = other.keys.first(where: { sameScalars(member.name, $0) }) else {
                    return "\(path): member \(member.name.debugDescription) missing"
                }
                if let difference = compare(member.value, other[key]!, path: "\(path).\(member.name)") { return difference }
            }
            return nil
        }
    }

    /// Whether the reader's string and Foundation's hold the same scalars. Foundation drops a
    /// U+FEFF written raw (not as `\ufeff`) at the start of a string or after an escape, as if it
    /// were a byte order mark; the reader keeps it, as RFC 8259 says it is a character like any
    /// other. So U+FEFF is set aside when the two differ.
    static func sameScalars(_ mine: String, _ foundation: String) -> Bool {
        if Array(mine.unicodeScalars) == Array(foundation.unicodeScalars) { return true }
        return Array(mine.unicodeScalars.filter { $0 != "\u{FEFF}" }) == Array(foundation.unicodeScalars.filter { $0 != "\u{FEFF}" })
    }

    /// Foundation's booleans are NSNumbers whose type is C `char` (`__NSCFBoolean`).
    static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    static func fail(_ message: String, _ input: [UInt8]) -> Never {
        fatalError("JSON fuzz invariant broken: \(message); input: \(String(decoding: input.prefix(200), as: UTF8.self).debugDescription)")
    }
}
