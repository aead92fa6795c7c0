import Testing

@testable import HTTP1

@Suite struct HTTPHeadersTests {
    @Test func namesCompareCaseInsensitively() {
        var headers: HTTPHeaders = ["Content-Type": "text/plain", "X-A": "1"]
        #expect(headers["content-type"] == "text/plain")
        #expect(headers["CONTENT-TYPE"] == "text/plain")
        #expect(headers.contains("x-a"))
        #expect(!headers.contains("x-b"))
        #expect(headers["missing"] == nil)
        headers.add("x-a", "2")
        #expect(headers.values("X-A") == ["1", "2"])
        #expect(headers["X-A"] == "1")
        headers.set("X-a", "3")
        #expect(headers.values("x-a") == ["3"])
        headers.remove("CONTENT-type")
        #expect(!headers.contains("Content-Type"))
        #expect(headers.count == 1)
    }

    @Test func caseFoldingIsASCIIOnly() {
        let headers: HTTPHeaders = ["\u{c9}tag": "1"]
        #expect(headers["\u{e9}tag"] == nil)
        #expect("Keep-Alive".equalsIgnoringASCIICase("keep-alive"))
        #expect(!"Keep-Alive".equalsIgnoringASCIICase("keep-alivf"))
        #expect(!"a".equalsIgnoringASCIICase("ab"))
        // '@' (0x40) and '`' (0x60) differ only in the case bit but are not letters.
        #expect(!"@".equalsIgnoringASCIICase("`"))
    }

    @Test func orderAndDuplicatesAreKept() {
        var headers = HTTPHeaders()
        headers.add("B", "1")
        headers.add("A", "2")
        headers.add("b", "3")
        #expect(headers.map(\.name) == ["B", "A", "b"])
        #expect(headers.map(\.value) == ["1", "2", "3"])
        #expect(!headers.isEmpty)
        #expect(HTTPHeaders().isEmpty)
    }

    @Test(arguments: [
        (["Connection": "close"], "close", true),
        (["Connection": "Close"], "close", true),
        (["connection": "keep-alive, Upgrade"], "upgrade", true),
        (["Connection": " foo ,\tclose\t"], "close", true),
        (["Connection": "closed"], "close", false),
        (["Connection": "not-close"], "close", false),
        (["Connection": "keep-alive"], "close", false),
        (["Connection": ",,close,,"], "close", true),
        (["X-Connection": "close"], "close", false),
    ] as [(HTTPHeaders, String, Bool)])
    func containsTokenMatchesWholeListElements(headers: HTTPHeaders, token: String, expected: Bool) {
        #expect(headers.containsToken(token, in: "Connection") == expected)
    }

    @Test func containsTokenLooksAtEveryFieldLine() {
        let headers: HTTPHeaders = ["Connection": "keep-alive", "Connection": "close"]
        #expect(headers.containsToken("close", in: "connection"))
    }

    @Test func trimmingOptionalWhitespace() {
        #expect(" \t a b \t ".trimmingOptionalWhitespace() == "a b")
        #expect("   ".trimmingOptionalWhitespace() == "")
        #expect("x".trimmingOptionalWhitespace() == "x")
    }

    @Test func fieldsAddedAsBytesReadBackAsStrings() {
        var headers = HTTPHeaders()
        let name = Array("User-Agent".utf8)
        let value = Array("a client with a long name/1.0".utf8)
        name.withUnsafeBufferPointer { name in
            value.withUnsafeBufferPointer { value in headers.append(name: name, value: value) }
        }
        headers.add("Host", "")
        #expect(headers.count == 2)
        #expect(headers["user-agent"] == "a client with a long name/1.0")
        #expect(headers["Host"] == "")
        #expect(headers.map(\.name) == ["User-Agent", "Host"])
        var seen: [String] = []
        headers.forEachField(named: "USER-AGENT") { name, value in
            seen.append(String(decoding: name, as: UTF8.self) + "=" + String(decoding: value, as: UTF8.self))
            return false
        }
        #expect(seen == ["User-Agent=a client with a long name/1.0"])
    }

    @Test func removingKeepsTheOtherFieldsInOrder() {
        var headers: HTTPHeaders = ["A": "1", "B": "2", "a": "3", "C": "4"]
        headers.remove("a")
        #expect(headers.map(\.name) == ["B", "C"])
        #expect(headers.map(\.value) == ["2", "4"])
        headers.remove("missing")
        #expect(headers.count == 2)
    }

    /// The storage a parsed head is written into at once reads the same byte by byte, and gives
    /// the fields that appending them one by one gives.
    @Test func aParsedHeadsStorageImageReadsAsItIsWritten() {
        let target = Array("/a?b".utf8)
        let lines: [(String, String)] = [("Host", "example.com"), ("X-Empty", ""), ("Accept", String(repeating: "x", count: 300))]
        let bytes = lines.map { (Array($0.0.utf8), Array($0.1.utf8)) }
        var appended = HTTPHeaders()
        for (name, value) in lines { appended.add(name, value) }
        func withFields<R>(_ index: Int, _ fields: [HTTPHeaders.FieldBytes], _ body: ([HTTPHeaders.FieldBytes]) -> R) -> R {
            guard index < bytes.count else { return body(fields) }
            return bytes[index].0.withUnsafeBufferPointer { name in
                bytes[index].1.withUnsafeBufferPointer { value in withFields(index + 1, fields + [(name, value)], body) }
            }
        }
        withFields(0, []) { fields in
            target.withUnsafeBufferPointer { leading in
                fields.withUnsafeBufferPointer { fields in
                    let image = HTTPHeaders.StorageImage(leading: leading, fields: fields)
                    let written = Array(image)
                    #expect(written.count == image.count)
                    #expect(image.indices.map { image[$0] } == written)
                    #expect(Array(IteratorSequence(image.makeIterator())) == written)
                    let headers = HTTPHeaders(leading: leading, fields: fields)
                    #expect(headers.leadingStorage.prefix(headers.leadingCount).elementsEqual(target))
                    #expect(Array(headers) == Array(appended))
                }
            }
        }
    }
}
