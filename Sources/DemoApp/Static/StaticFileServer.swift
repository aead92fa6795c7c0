import Glibc
import CHTTPShims
import HTTPServer
import Synchronization

/// Serves regular files from one directory, and never anything outside it.
///
/// Every request path goes through `StaticPath` (no `..`, no encoded escapes, no dotfiles). The
/// file is then opened beneath the root's descriptor with `openat2(RESOLVE_BENEATH)`, so the
/// kernel refuses any symlink that leads out, in one call. Where that is refused (an absolute
/// symlink, which may still land inside) or unavailable (Linux before 5.6, a seccomp filter), the
/// path is resolved with `realpath`, must land inside the root, and is opened with `O_NOFOLLOW`.
/// Either way it must be a regular file. Small files are kept in memory with their validators,
/// keyed by inode, size and modification time, so a hit costs one `fstatat` and no descriptor
/// (`currentCachedFile(_:)` says why that keeps the confinement).
/// File I/O happens on the event loop, as in nginx: these are page-cache reads of small files.
final class StaticFileServer: Sendable {
    /// Where files come from, resolved to an absolute path without symlinks.
    let rootDirectory: String
    /// `rootDirectory` and a slash: what every served file's resolved path starts with.
    private let rootPrefix: String
    /// The root, opened once (`O_PATH`): files are opened beneath it.
    private let rootDescriptor: Int32
    /// Cleared the first time `openat2` turns out to be missing, so it is not tried again.
    private let canOpenBeneath = Atomic<Bool>(true)

    /// Files up to this size are answered from memory; larger ones stream with `sendfile`.
    static let memoryCacheFileLimit = 256 * 1024
    /// The most bytes the memory cache holds.
    static let memoryCacheBudget = 8 * 1024 * 1024

    /// Fields every answer carries besides the file's own (the application's security headers).
    private let commonHeaders: HTTPHeaders

    /// Small files by `CachedFile.key(of:)` of their relative path: a hit is found from the
    /// request's bytes, with no `String` made or hashed.
    private let cache = Mutex<[Int: CachedFile]>([:])

    /// A class, so that taking an entry out of the cache on every hit is one reference count,
    /// not one per field.
    private final class CachedFile: Sendable {
        /// The relative path it was read from: two paths whose keys collide take the slot in turn.
        let relativePath: [UInt8]
        let identity: FileIdentity
        /// The inode's change time (ctime) when it was read: a `chmod`, a rename or a new hard link
        /// changes it, and each sends the next request through the confined open again.
        let changedNanoseconds: Int
        let validators: Validators
        let bytes: [UInt8]
        /// The whole 200 answer, its head encoded once (`HTTPResponse.prepared()`): a hit sends it
        /// as it is.
        let response: HTTPResponse

        init(relativePath: String, file: OpenFile, validators: Validators, bytes: [UInt8], response: HTTPResponse) {
            self.relativePath = Array(relativePath.utf8)
            identity = file.identity
            changedNanoseconds = file.changedNanoseconds
            self.validators = validators
            self.bytes = bytes
            self.response = response
        }

        /// Whether `info` describes the very file this was read from, unchanged since.
        func isVersion(of info: stat) -> Bool {
            FileIdentity(info) == identity && info.changedNanoseconds == changedNanoseconds
        }

        /// Whether this was read from `path`.
        func isCopy(of path: UnsafeBufferPointer<UInt8>) -> Bool {
            relativePath.withUnsafeBufferPointer { $0.count == path.count && $0.hasPrefix(path) }
        }

        /// The cache's key for a relative path: FNV-1a of its bytes, which costs a few
        /// instructions a byte where hashing a `String` costs hundreds. Only files that were
        /// opened get an entry, so a client cannot choose keys to make them collide.
        static func key(of path: UnsafeBufferPointer<UInt8>) -> Int {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in path { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return Int(truncatingIfNeeded: hash)
        }
    }

    /// What the response's headers say about a file version.
    private struct Validators: Sendable {
        let contentType: String
        let etag: String
        let lastModified: String
        let modifiedSeconds: Int

        init(relative: String, identity: FileIdentity) {
            contentType = MediaTypes.contentType(forPath: relative)
            etag = "\"\(String(identity.modifiedNanoseconds, radix: 16))-\(String(identity.size, radix: 16))\""
            modifiedSeconds = identity.modifiedNanoseconds / 1_000_000_000
            lastModified = HTTPDate.format(epochSeconds: modifiedSeconds)
        }
    }

    /// Opens a root directory.
    /// - Parameters:
    ///   - directory: The directory to serve.
    ///   - commonHeaders: Fields added to every answer (unless the file's own fields name them).
    /// - Throws: `StaticFileServerError` when it does not exist or is not a directory.
    init(directory: String, commonHeaders: HTTPHeaders) throws {
        self.commonHeaders = commonHeaders
        guard let resolved = realpath(directory, nil) else {
            throw StaticFileServerError(path: directory, reason: String(cString: strerror(errno)))
        }
        defer { free(resolved) }
        var info = stat()
        guard stat(resolved, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw StaticFileServerError(path: directory, reason: "not a directory")
        }
        rootDirectory = String(cString: resolved)
        rootPrefix = rootDirectory + "/"
        rootDescriptor = chttp_open_directory(resolved)
        guard rootDescriptor >= 0 else {
            throw StaticFileServerError(path: directory, reason: String(cString: strerror(errno)))
        }
    }

    deinit {
        close(rootDescriptor)
    }

    /// What a lookup found.
    enum Lookup {
        /// The file, or 304 when the client's copy is current.
        case found(HTTPResponse)
        /// No such public file (the caller answers 404).
        case notFound
        /// The process or the system is out of file descriptors (EMFILE, ENFILE): the file may
        /// well exist, so the caller answers 503, not 404.
        case outOfDescriptors
    }

    /// Answers a GET or HEAD for `request.path`.
    /// - Parameter request: The request.
    /// - Returns: The file, 304 when the client's copy is current, or nil when it cannot be
    ///   served (see `lookup(_:)` for why).
    func response(for request: HTTPRequest) -> HTTPResponse? {
        if case .found(let response) = lookup(request) { return response }
        return nil
    }

    /// Answers a GET or HEAD for `request.path`, saying why when there is no file to send.
    /// - Parameter request: The request.
    /// - Returns: What the lookup found.
    func lookup(_ request: HTTPRequest) -> Lookup {
        // Most requests are a plain path to a cached file: answered from the request's bytes.
        let found = try? request.withPathBytes { path -> PathLookup in
            guard let plain = try StaticPath.plainRelativePath(fromBytes: path) else {
                return .decoded(try StaticPath.relativePath(fromBytes: path))
            }
            if let current = currentCachedFile(plain) { return .cached(current) }
            return .notCached(String(decoding: plain, as: UTF8.self))
        }
        switch found {
        case nil: return .notFound
        case .cached(let current): return answer(request, cached: current)
        case .decoded(let relative): return lookup(relativePath: relative, request: request)
        case .notCached(let relative): return lookupOnDisk(relativePath: relative, request: request)
        }
    }

    /// What a request's path led to before any file was opened.
    private enum PathLookup {
        /// A cached copy, current.
        case cached(CachedFile)
        /// The decoded, checked relative path, not yet looked up in the cache.
        case decoded(String)
        /// The checked relative path, with no current copy in the cache.
        case notCached(String)
    }

    /// Answers a GET or HEAD for a path already decoded and checked by `StaticPath`.
    /// - Parameters:
    ///   - relative: What `StaticPath.relativePath(from:)` returned (or a part of it).
    ///   - request: The request, for its conditional fields.
    /// - Returns: The file, 304, or nil when there is no such file beneath the root (or no
    ///   descriptor to open it with).
    func response(forRelativePath relative: String, request: HTTPRequest) -> HTTPResponse? {
        if case .found(let response) = lookup(relativePath: relative, request: request) { return response }
        return nil
    }

    /// Answers a GET or HEAD for a path already decoded and checked, saying why when there is no
    /// file to send.
    private func lookup(relativePath relative: String, request: HTTPRequest) -> Lookup {
        if let current = currentCachedFile(relative) { return answer(request, cached: current) }
        return lookupOnDisk(relativePath: relative, request: request)
    }

    /// A cached copy's answer: 304 or 412 when the preconditions say so, else the copy.
    private func answer(_ request: HTTPRequest, cached: CachedFile) -> Lookup {
        answer(request, validators: cached.validators) ?? .found(cached.response)
    }

    /// `lookup(relativePath:request:)` once the cache had no current copy: the confined open.
    private func lookupOnDisk(relativePath relative: String, request: HTTPRequest) -> Lookup {
        let file: OpenFile
        switch open(relative) {
        case .opened(let opened): file = opened
        case .missing: return .notFound
        case .outOfDescriptors: return .outOfDescriptors
        }
        let cached = file.identity.size <= Self.memoryCacheFileLimit ? cachedFile(relative: relative, file: file) : nil
        let validators = cached?.validators ?? Validators(relative: relative, identity: file.identity)
        if let conditional = answer(request, validators: validators) {
            close(file.descriptor)
            return conditional
        }
        if file.identity.size <= Self.memoryCacheFileLimit {
            close(file.descriptor)
            guard let cached else { return .notFound }
            return .found(cached.response)
        }
        let region = FileRegion(descriptor: file.descriptor, length: file.identity.size)
        return .found(HTTPResponse(headers: headers(validators), body: .file(region)))
    }

    /// The 304 or 412 the request's preconditions call for, or nil to send the file.
    private func answer(_ request: HTTPRequest, validators: Validators) -> Lookup? {
        switch ConditionalRequest.evaluate(request, etag: validators.etag, modifiedSeconds: validators.modifiedSeconds) {
        case .proceed:
            return nil
        case .notModified:
            return .found(HTTPResponse(status: .notModified, headers: headers(validators, includingContentType: false)))
        case .preconditionFailed:
            return .found(HTTPResponse(status: .preconditionFailed, headers: headers(validators, includingContentType: false)))
        }
    }

    /// The cached copy of `relative` when the file the path names now is the very one it was read
    /// from (same device, inode, size and modification time), found with one `fstatat` and no
    /// descriptor.
    ///
    /// Confinement does not rest on this check: the `fstatat` follows symlinks, even ones leading
    /// out, but the bytes it lets through were read through the confined open (`open(_:)`) of that
    /// same file, and were served then. A path that now leads anywhere else (a symlink swapped to
    /// point outside, a file replaced or edited) has another identity, and a file moved out, made
    /// unreadable or linked elsewhere has another change time: either takes the confined open
    /// again, which refuses what lies outside or cannot be read.
    private func currentCachedFile(_ relative: String) -> CachedFile? {
        var relative = relative
        return relative.withUTF8(currentCachedFile)
    }

    /// `currentCachedFile(_:)` of a relative path's bytes.
    private func currentCachedFile(_ relative: UnsafeBufferPointer<UInt8>) -> CachedFile? {
        let key = CachedFile.key(of: relative)
        guard let entry = cache.withLock({ $0[key] }), entry.isCopy(of: relative) else { return nil }
        var info = stat()
        let found = withCPath(relative) { fstatat(rootDescriptor, $0, &info, 0) }
        guard found == 0, (info.st_mode & S_IFMT) == S_IFREG, entry.isVersion(of: info) else { return nil }
        return entry
    }

    /// The fields of an answer about one version of a file.
    private func headers(_ validators: Validators, includingContentType: Bool = true) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.reserveCapacity(4 + commonHeaders.count)
        if includingContentType { headers.add("Content-Type", validators.contentType) }
        headers.add("ETag", validators.etag)
        headers.add("Last-Modified", validators.lastModified)
        // Revalidate every time: the ETag makes that a cheap 304, and an edited file shows at once.
        headers.add("Cache-Control", "no-cache")
        if let policy = MediaTypes.contentSecurityPolicy(forContentType: validators.contentType) {
            headers.add("Content-Security-Policy", policy)
        }
        for field in commonHeaders where !headers.contains(field.name) {
            headers.add(field.name, field.value)
        }
        return headers
    }

    private struct OpenFile {
        let descriptor: Int32
        let identity: FileIdentity
        let changedNanoseconds: Int
    }

    private enum OpenOutcome {
        case opened(OpenFile)
        case missing
        case outOfDescriptors
    }

    /// Opens the file beneath the root (see the type's comment) and checks it is a regular file.
    private func open(_ relative: String) -> OpenOutcome {
        guard let descriptor = openBeneathRoot(relative) else {
            return errno == EMFILE || errno == ENFILE ? .outOfDescriptors : .missing
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            return .missing
        }
        return .opened(OpenFile(descriptor: descriptor, identity: FileIdentity(info), changedNanoseconds: info.changedNanoseconds))
    }

    private func openBeneathRoot(_ relative: String) -> Int32? {
        if canOpenBeneath.load(ordering: .relaxed) {
            let descriptor = withCPath(relative) { chttp_open_beneath(rootDescriptor, $0) }
            if descriptor >= 0 { return descriptor }
            switch errno {
            case ENOSYS, EPERM:
                canOpenBeneath.store(false, ordering: .relaxed)
            case EXDEV, ELOOP:
                break  // A symlink that leaves the root, or an absolute one: resolve it below.
            default:
                return nil  // Not there, not readable, or not a directory on the way.
            }
        }
        return openResolved(relative)
    }

    /// The portable way: resolve every symlink, check the result is inside the root, and open it
    /// without following a symlink that appeared since.
    private func openResolved(_ relative: String) -> Int32? {
        guard let resolved = realpath(rootPrefix + relative, nil) else { return nil }
        defer { free(resolved) }
        // Checked and opened as the C string realpath returned: no String is made of it.
        var prefix = rootPrefix
        let isBeneathRoot = prefix.withUTF8 { prefix in
            strlen(resolved) > prefix.count && memcmp(resolved, prefix.baseAddress!, prefix.count) == 0
        }
        guard isBeneathRoot else { return nil }
        let descriptor = openFile(resolved, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        return descriptor >= 0 ? descriptor : nil
    }

    private func cachedFile(relative: String, file: OpenFile) -> CachedFile? {
        var path = relative
        let key = path.withUTF8(CachedFile.key(of:))
        if let hit = cache.withLock({ $0[key] }), path.withUTF8(hit.isCopy(of:)), hit.identity == file.identity,
            hit.changedNanoseconds == file.changedNanoseconds
        {
            return hit
        }
        guard let bytes = WholeFile.read(descriptor: file.descriptor, size: file.identity.size) else { return nil }
        let validators = Validators(relative: relative, identity: file.identity)
        let response = HTTPResponse(headers: headers(validators), body: .bytes(bytes)).prepared()
        let entry = CachedFile(relativePath: relative, file: file, validators: validators, bytes: bytes, response: response)
        cache.withLock { cache in
            var used = cache.values.reduce(0) { $0 + $1.bytes.count }
            if let old = cache[key] { used -= old.bytes.count }
            if used + bytes.count <= Self.memoryCacheBudget {
                cache[key] = entry
            }
        }
        return entry
    }
}

extension stat {
    /// The inode's last change (ctime), in nanoseconds since the epoch.
    fileprivate var changedNanoseconds: Int { Int(st_ctim.tv_sec) * 1_000_000_000 + Int(st_ctim.tv_nsec) }
}

/// The public directory cannot be served.
public struct StaticFileServerError: Error, CustomStringConvertible, Sendable {
    /// The configured directory.
    public let path: String
    /// Why it cannot be used.
    public let reason: String

    /// Names the directory by its path only: the caller knows the setting it came from.
    public var description: String { "'\(path)' cannot be served: \(reason)" }
}

/// Calls `body` with `path` as a C string on the stack. Passing the String itself (or
/// `withCString`) copies one stored inline, as paths up to 15 bytes are, into a new array.
private func withCPath<Result>(_ path: String, _ body: (UnsafePointer<CChar>) -> Result) -> Result {
    var path = path
    return path.withUTF8 { withCPath($0, body) }
}

/// Calls `body` with a path's bytes as a C string on the stack.
private func withCPath<Result>(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafePointer<CChar>) -> Result) -> Result {
    // At most `StaticPath.maxLength` bytes and the NUL: small enough for the stack.
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) { buffer in
        let start = buffer.baseAddress!
        if let source = bytes.baseAddress {
            UnsafeMutableRawPointer(start).copyMemory(from: source, byteCount: bytes.count)
        }
        start[bytes.count] = 0
        return body(start)
    }
}

/// `open(2)`, which `StaticFileServer.open(_:)` hides from the type's methods; a file-scope
/// wrapper reaches it by its plain name.
private func openFile(_ path: UnsafePointer<CChar>, _ flags: Int32) -> Int32 {
    open(path, flags)
}
