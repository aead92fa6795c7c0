/// The W3C `tracestate` field (Trace Context Level 1, §3.3): vendor-specific `key=value`
/// list-members, kept with a valid `traceparent` so that application code, or an exporter added
/// later, can pass them on.
///
/// What a client sends here is kept in memory and may be logged by application code, so it is
/// bounded as the specification bounds it: at most 32 list-members (§3.3.1.1), and at most 512
/// characters kept, removing first the members longer than 128 characters and then members from
/// the end (§3.3.1.5, "tracestate Limits").
public enum TraceState {
    /// At most this many list-members (§3.3.1.1).
    public static let maxMembers = 32
    /// At most this many characters are kept (§3.3.1.5).
    public static let maxLength = 512
    /// Past `maxLength`, members longer than this go first (§3.3.1.5).
    static let longMember = 128

    /// The value to keep, from every `tracestate` field line (combined with commas, as RFC 9110
    /// §5.3 allows for a list), or nil when there is none or it is invalid: a member that does
    /// not match the grammar (§3.3.1.3), a repeated key, or more than 32 members. An invalid
    /// `tracestate` is dropped whole, never repaired; the `traceparent` stays valid (§3.3.1).
    /// - Parameter fields: The field values, in order.
    public static func bounded(_ fields: [String]) -> String? {
        var members: [Substring] = []
        var keys: Set<Substring> = []
        for field in fields {
            for element in field.split(separator: ",", omittingEmptySubsequences: false) {
                let member = element.trimmingOptionalWhitespace()
                // Empty list-members are allowed and ignored (§3.3.1.1).
                if member.isEmpty { continue }
                guard members.count < maxMembers, let key = key(of: member), keys.insert(key).inserted else { return nil }
                members.append(member)
            }
        }
        guard !members.isEmpty else { return nil }
        func length(_ list: [Substring]) -> Int { list.reduce(0) { $0 + $1.utf8.count } + list.count - 1 }
        if length(members) > maxLength {
            members.removeAll { $0.utf8.count > longMember }
            while !members.isEmpty, length(members) > maxLength { members.removeLast() }
        }
        return members.isEmpty ? nil : members.joined(separator: ",")
    }

    /// The key of a valid list-member, or nil (§3.3.1.3):
    /// `key "=" value`, key = simple-key / tenant-id "@" system-id, value = 0*255(chr) nblk-chr.
    static func key(of member: Substring) -> Substring? {
        guard let equals = member.firstIndex(of: "=") else { return nil }
        let key = member[..<equals]
        let value = member[member.index(after: equals)...].utf8
        guard isValidKey(key.utf8), isValidValue(value) else { return nil }
        return key
    }

    private static func isValidKey(_ key: Substring.UTF8View) -> Bool {
        func isLowercaseAlpha(_ byte: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) }
        func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        func isKeyCharacter(_ byte: UInt8) -> Bool {
            isLowercaseAlpha(byte) || isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "*") || byte == UInt8(ascii: "/")
        }
        if let at = key.firstIndex(of: UInt8(ascii: "@")) {
            // multi-tenant-key: tenant-id (1-241, starting with a letter or digit) "@"
            // system-id (1-14, starting with a letter).
            let tenant = key[..<at]
            let system = key[key.index(after: at)...]
            guard let tenantFirst = tenant.first, (1...241).contains(tenant.count),
                isLowercaseAlpha(tenantFirst) || isDigit(tenantFirst),
                let systemFirst = system.first, (1...14).contains(system.count), isLowercaseAlpha(systemFirst)
            else { return false }
            return tenant.allSatisfy(isKeyCharacter) && system.allSatisfy(isKeyCharacter)
        }
        // simple-key: a letter, then up to 255 more.
        guard let first = key.first, isLowercaseAlpha(first), key.count <= 256 else { return false }
        return key.allSatisfy(isKeyCharacter)
    }

    private static func isValidValue(_ value: Substring.UTF8View) -> Bool {
        // chr = %x20 / nblk-chr; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E (printable ASCII but
        // `,` and `=`); the last character is not a space.
        guard let last = value.last, last != UInt8(ascii: " "), value.count <= 256 else { return false }
        return value.allSatisfy { (0x20...0x7E).contains($0) && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "=") }
    }
}

extension Substring {
    /// Without the optional whitespace (spaces and tabs) around a list element (RFC 9110 §5.6.1).
    fileprivate func trimmingOptionalWhitespace() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
